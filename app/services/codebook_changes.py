"""What each codebook version changed, read off the pending edit before it is committed, and
the changes between two versions (shown beside the agreement figures they could explain)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Codebook, CodebookChange, Label

# The label fields whose change can move agreement, in the words a change is listed with.
_FIELDS = {"name": "name", "definition": "definition", "example": "example",
           "active": "status", "group": "group"}


def _changed_fields(label: Label) -> list[str]:
    state = sa.inspect(label)
    out = []
    for field, word in _FIELDS.items():
        if state.attrs[field].history.has_changes():
            if field == "active":
                word = "retired" if not label.active else "brought back"
            out.append(word)
    return out


def pending(codebook: Codebook) -> list[tuple[str, str, str]]:
    """(layer key, label key, summary) of each label change the session is about to commit."""
    session = db.session
    out: list[tuple[str, str, str]] = []
    for label in session.new:
        if isinstance(label, Label):
            out.append((label.layer.key, label.key, f"'{label.name}' added"))
    for label in session.dirty:
        if not isinstance(label, Label):
            continue
        if label.layer is None:  # removed from its layer: deleted as an orphan at the flush
            former = sa.inspect(label).attrs.layer.history.deleted
            out.append((former[0].key if former else "", label.key, f"'{label.name}' deleted"))
        elif session.is_modified(label):
            fields = _changed_fields(label)
            if fields:
                out.append((label.layer.key, label.key,
                            f"'{label.name}' {' and '.join(fields)} changed"
                            if fields[0] not in ("retired", "brought back")
                            else f"'{label.name}' {', '.join(fields)}"))
    if sa.inspect(codebook).attrs.document_form.history.has_changes():
        out.append(("", "", "the rating form changed"))
    return sorted(out)


def record(codebook: Codebook, changes: list[tuple[str, str, str]]) -> None:
    """Keep the changes under the codebook's version as it stands after the pending bump
    (read in SQL: a concurrent edit has its own version). Colours, shortcuts and order
    change no meaning: such a version keeps no entry."""
    if not changes:
        return
    db.session.flush()
    version = db.session.scalar(sa.select(Codebook.version).where(Codebook.id == codebook.id))
    for layer_key, label_key, summary in changes:
        db.session.add(CodebookChange(codebook_id=codebook.id, version=version,
                                      layer_key=layer_key, label_key=label_key,
                                      summary=summary[:500]))


def between(codebook_id: int, after: int, upto: int) -> list[dict[str, Any]]:
    """The changes of versions after `after` up to `upto`, oldest first."""
    rows = db.session.scalars(
        sa.select(CodebookChange).where(CodebookChange.codebook_id == codebook_id,
                                        CodebookChange.version > after,
                                        CodebookChange.version <= upto)
        .order_by(CodebookChange.version, CodebookChange.id))
    return [{"version": row.version, "layer": row.layer_key, "label": row.label_key,
             "summary": f"{row.summary} in version {row.version}", "at": row.at.isoformat()}
            for row in rows]
