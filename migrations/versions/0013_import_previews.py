"""import previews: an upload the teacher sees before it is stored

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_preview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('drafts', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_import_preview_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_import_preview_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_preview')),
    sa.UniqueConstraint('token', name=op.f('uq_import_preview_token'))
    )
    with op.batch_alter_table('import_preview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_preview_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_preview_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_preview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_preview_project_id'))
        batch_op.drop_index(batch_op.f('ix_import_preview_created_at'))

    op.drop_table('import_preview')
