"""pseudonyms: who stands in for a student whose work was pseudonymised, per project

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pseudonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stand_in_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_pseudonym_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stand_in_id'], ['user.id'], name=op.f('fk_pseudonym_stand_in_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pseudonym_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pseudonym')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_pseudonym_project_id_user_id'))
    )
    with op.batch_alter_table('pseudonym', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pseudonym_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pseudonym', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pseudonym_project_id'))
    op.drop_table('pseudonym')
