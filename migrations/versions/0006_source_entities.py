"""source entities (people, institutions) and the aliases that link names to them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('source_entity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('person', 'institution')", name=op.f('ck_source_entity_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_source_entity_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_source_entity_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_entity')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_source_entity_project_id_name'))
    )
    with op.batch_alter_table('source_entity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_entity_project_id'), ['project_id'], unique=False)

    op.create_table('entity_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('written', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('approved', 'proposed')", name=op.f('ck_entity_alias_status')),
    sa.ForeignKeyConstraint(['entity_id'], ['source_entity.id'], name=op.f('fk_entity_alias_entity_id_source_entity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_entity_alias_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_entity_alias_proposed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_entity_alias_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_alias')),
    sa.UniqueConstraint('project_id', 'alias', 'entity_id', name=op.f('uq_entity_alias_project_id_alias_entity_id'))
    )
    with op.batch_alter_table('entity_alias', schema=None) as batch_op:
        batch_op.create_index('ix_entity_alias_project_alias', ['project_id', 'alias'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_alias_entity_id'), ['entity_id'], unique=False)


def downgrade():
    op.drop_table('entity_alias')
    op.drop_table('source_entity')
