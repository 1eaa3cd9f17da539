"""the gold key's reserved account: a 'system' user role

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:10:00

"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_role'), "role IN ('admin', 'teacher', 'student', 'system')")


def downgrade():
    op.execute("DELETE FROM \"user\" WHERE role = 'system'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_role'), "role IN ('admin', 'teacher', 'student')")
