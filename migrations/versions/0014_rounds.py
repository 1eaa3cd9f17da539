"""rounds: named sets of documents with dates, their frozen work for a test-retest, and
what each codebook version changed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 23:38:20.236958

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('due_at IS NULL OR starts_at IS NULL OR due_at >= starts_at', name=op.f('ck_round_dates')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_round_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_round_project_id_name'))
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_project_id'), ['project_id'], unique=False)

    op.create_table('codebook_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codebook_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('layer_key', sa.String(length=40), nullable=False),
    sa.Column('label_key', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['codebook_id'], ['codebook.id'], name=op.f('fk_codebook_change_codebook_id_codebook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_change'))
    )
    with op.batch_alter_table('codebook_change', schema=None) as batch_op:
        batch_op.create_index('ix_codebook_change_codebook_version', ['codebook_id', 'version'], unique=False)

    op.create_table('round_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_round_document_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_document_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_document')),
    sa.UniqueConstraint('round_id', 'document_id', name=op.f('uq_round_document_round_id_document_id'))
    )
    with op.batch_alter_table('round_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_document_document_id'), ['document_id'], unique=False)

    op.create_table('round_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('work', sa.JSON(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_round_work_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_work_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_round_work_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_work')),
    sa.UniqueConstraint('round_id', 'document_id', 'user_id', name=op.f('uq_round_work_round_id_document_id_user_id'))
    )
    with op.batch_alter_table('round_work', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_work_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_work_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignment_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignment_round_id_round'), 'round', ['round_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_round_id_round'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignment_round_id'))
        batch_op.drop_column('round_id')

    with op.batch_alter_table('round_work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_work_user_id'))
        batch_op.drop_index(batch_op.f('ix_round_work_document_id'))

    op.drop_table('round_work')
    with op.batch_alter_table('round_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_document_document_id'))

    op.drop_table('round_document')
    with op.batch_alter_table('codebook_change', schema=None) as batch_op:
        batch_op.drop_index('ix_codebook_change_codebook_version')

    op.drop_table('codebook_change')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_project_id'))

    op.drop_table('round')
