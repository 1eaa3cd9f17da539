"""claim verdicts: words of a document as evidence, not only a span's id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('claim_verdict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('evidence_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('evidence_end', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_claim_verdict_evidence_document_id_document'), 'document', ['evidence_document_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('claim_verdict', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claim_verdict_evidence_document_id_document'), type_='foreignkey')
        batch_op.drop_column('evidence_end')
        batch_op.drop_column('evidence_start')
        batch_op.drop_column('evidence_document_id')
