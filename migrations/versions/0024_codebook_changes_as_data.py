"""codebook changes kept as data (kind, fields, label name), put into words when read

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 11:40:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# The English summaries the earlier versions stored, and what each says as data.
_FIELD = r"(?:name|definition|example|group|retired|brought back)"
_CHANGED = re.compile(rf"^'(?P<name>.*)' (?P<fields>{_FIELD}(?: and {_FIELD})*) changed$",
                      re.DOTALL)
_STATUS = re.compile(r"^'(?P<name>.*)' (?P<status>retired|brought back)(?P<rest>(?:, "
                     rf"{_FIELD})*)$", re.DOTALL)
_WHOLE = re.compile(r"^'(?P<name>.*)' (?P<kind>added|deleted)$", re.DOTALL)
_STATUS_FIELD = {"retired": "retired", "brought back": "restored"}


def parse(summary):
    """(kind, fields, label name) of a stored English summary; ("", "", "") if unknown."""
    if summary == "the rating form changed":
        return "form", "", ""
    if m := _WHOLE.match(summary):
        return m["kind"], "", m["name"]
    if m := _CHANGED.match(summary):
        words = m["fields"].split(" and ")
        status = [_STATUS_FIELD[w] for w in words if w in _STATUS_FIELD]
        return "changed", ",".join(status + [w for w in words if w not in _STATUS_FIELD]), m["name"]
    if m := _STATUS.match(summary):
        rest = [w for w in m["rest"].split(", ") if w]
        status = [_STATUS_FIELD[w] for w in rest if w in _STATUS_FIELD]
        fields = [_STATUS_FIELD[m["status"]], *status,
                  *(w for w in rest if w not in _STATUS_FIELD)]
        return "changed", ",".join(fields), m["name"]
    return "", "", ""


def upgrade():
    with op.batch_alter_table('codebook_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('fields', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('label_name', sa.String(length=200), server_default='', nullable=False))
    table = sa.table('codebook_change', sa.column('id', sa.Integer), sa.column('summary', sa.String),
                     sa.column('kind', sa.String), sa.column('fields', sa.String),
                     sa.column('label_name', sa.String))
    connection = op.get_bind()
    for row_id, summary in connection.execute(sa.select(table.c.id, table.c.summary)).all():
        kind, fields, name = parse(summary)
        if kind:
            connection.execute(table.update().where(table.c.id == row_id)
                               .values(kind=kind, fields=fields, label_name=name[:200]))


def downgrade():
    with op.batch_alter_table('codebook_change', schema=None) as batch_op:
        batch_op.drop_column('label_name')
        batch_op.drop_column('fields')
        batch_op.drop_column('kind')
