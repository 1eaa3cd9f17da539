"""import reports: a refused import's problems, kept on the server instead of the cookie

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.String(length=255), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_import_report_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_report_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_report')),
    sa.UniqueConstraint('token', name=op.f('uq_import_report_token'))
    )
    with op.batch_alter_table('import_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_report_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_report_project_id'))
        batch_op.drop_index(batch_op.f('ix_import_report_created_at'))

    op.drop_table('import_report')
