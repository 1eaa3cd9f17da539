"""the claims board: questions, the claims filed under them, students' verdicts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 05:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claim_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('value_kind', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("value_kind IN ('number', 'date', 'text')", name=op.f('ck_claim_question_value_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_claim_question_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_claim_question_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_question'))
    )
    with op.batch_alter_table('claim_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_question_project_id'), ['project_id'], unique=False)

    op.create_table('claim_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('span_id', sa.Integer(), nullable=True),
    sa.Column('value_text', sa.String(length=200), nullable=False),
    sa.Column('value_low', sa.Float(), nullable=True),
    sa.Column('value_high', sa.Float(), nullable=True),
    sa.Column('value_date', sa.String(length=10), nullable=False),
    sa.Column('sourcing', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start >= 0 AND start < "end"', name=op.f('ck_claim_link_bounds')),
    sa.CheckConstraint("sourcing IN ('named', 'vague', 'none')", name=op.f('ck_claim_link_sourcing')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_claim_link_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user.id'], name=op.f('fk_claim_link_linked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['claim_question.id'], name=op.f('fk_claim_link_question_id_claim_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['span_id'], ['span.id'], name=op.f('fk_claim_link_span_id_span'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_link')),
    sa.UniqueConstraint('question_id', 'document_id', 'start', 'end', name=op.f('uq_claim_link_question_id_document_id_start_end'))
    )
    with op.batch_alter_table('claim_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_link_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_link_question_id'), ['question_id'], unique=False)

    op.create_table('claim_verdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('evidence_url', sa.String(length=2000), nullable=False),
    sa.Column('evidence_span_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict IN ('supported', 'refuted', 'not_enough_info')", name=op.f('ck_claim_verdict_verdict')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_claim_verdict_version')),
    sa.ForeignKeyConstraint(['evidence_span_id'], ['span.id'], name=op.f('fk_claim_verdict_evidence_span_id_span'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['claim_link.id'], name=op.f('fk_claim_verdict_link_id_claim_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_claim_verdict_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_verdict')),
    sa.UniqueConstraint('link_id', 'user_id', name=op.f('uq_claim_verdict_link_id_user_id'))
    )
    with op.batch_alter_table('claim_verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_verdict_link_id'), ['link_id'], unique=False)


def downgrade():
    op.drop_table('claim_verdict')
    op.drop_table('claim_link')
    op.drop_table('claim_question')
