"""languages: the user's choice, the project's language and each document's

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), server_default='', nullable=False))
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locale')
