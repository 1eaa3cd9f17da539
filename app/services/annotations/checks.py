"""What every write of an annotation checks: the offsets against the canonical text, the note,
how source spans nest, the version it names; and the annotator's last activity it records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db, lock_for_check, run_prepared
from app.models import (
    Document,
    DocumentProgress,
    Passage,
    Span,
    User,
    utcnow,
)
from app.services.classroom import WriteState
from app.services.errors import Conflict, Invalid
from app.services.vocabulary import LayerInfo

MAX_NOTE = 2000
SOURCE_LAYER = "source"


# --- checks --------------------------------------------------------------------------------

def check_range(document: Document, start: Any, end: Any, text: Any) -> tuple[int, int]:
    """The offsets must lie in the text, and the sent text must be exactly text[start:end]."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise Invalid(_("start and end are whole numbers (code points)."),
                      {"start": "integer", "end": "integer"})
    if not 0 <= start < end <= document.char_count:
        raise Invalid(_("The range [%(start)s, %(end)s) is not inside the text (0 to "
                        "%(char_count)s code points).",
                        start=start, end=end, char_count=document.char_count),
                      {"start": "out of range", "end": "out of range"})
    if not isinstance(text, str) or document.text[start:end] != text:
        raise Invalid(_("The selected text does not match the document at these offsets; "
                        "reload the page and select again."), {"text": "does not match"})
    return start, end


def _check_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid(_("A note is text of at most %(max_note)s characters.", max_note=MAX_NOTE),
                      {"note": f"at most {MAX_NOTE} characters"})
    return note.strip()


def _check_source_nesting(document: Document, user: User, layer: LayerInfo,
                          start: int, end: int, ignore_id: int | None = None) -> None:
    """Source spans lie inside one passage, nest without crossing, and are not too deep.

    The passage itself is the outermost level, so spans may nest `max_depth - 1` deep.
    The check and the write that follows hold the annotator's lock on the document until
    the commit: two requests at once (two tabs, a retry) cannot both pass it.
    """
    lock_for_check(document.id, user.id)
    inside = db.session.scalar(sa.select(Passage.id).where(
        Passage.document_id == document.id, Passage.start <= start, Passage.end >= end))
    if inside is None:
        raise Invalid(_("A quoted voice lies inside one passage; this selection spans "
                        "several."), {"start": "crosses passages"})
    others = db.session.execute(sa.select(Span.id, Span.start, Span.end).where(
        Span.document_id == document.id, Span.user_id == user.id,
        Span.layer_id == layer.id, Span.start < end, Span.end > start)).all()
    ranges = [(s, e) for ident, s, e in others if ident != ignore_id]
    for s, e in ranges:
        if (s, e) == (start, end):
            raise Conflict(_("You already marked a voice on exactly this text."),
                           {"start": "duplicate"})
        if not (s <= start and end <= e) and not (start <= s and e <= end):
            raise Invalid(_("Source spans nest or stay apart: this one would cross another at "
                            "[%(s)s, %(e)s).", s=s, e=e), {"start": "crosses another source span"})
    limit = (layer.max_depth or 3) - 1
    depth = _max_depth(ranges + [(start, end)])
    if depth > limit:
        raise Invalid(_("Voices nest at most %(limit)s deep inside a passage.", limit=limit),
                      {"start": "nested too deep"})


def _max_depth(ranges: list[tuple[int, int]]) -> int:
    """The deepest nesting among properly nested ranges."""
    stack: list[int] = []
    deepest = 0
    for s, e in sorted(ranges, key=lambda r: (r[0], -r[1])):
        while stack and stack[-1] <= s:
            stack.pop()
        stack.append(e)
        deepest = max(deepest, len(stack))
    return deepest


_TOUCH: dict[str, Any] = {}


def _touch_statement(dialect: str) -> Any:
    """The upsert of an annotator's last activity, built once per database kind."""
    statement = _TOUCH.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        base = insert(DocumentProgress.__table__)
        statement = _TOUCH[dialect] = base.on_conflict_do_update(
            index_elements=["document_id", "user_id"],
            set_={"last_activity_at": base.excluded.last_activity_at})
    return statement


# Last activity is kept to the minute: a write within a minute of the last one recorded
# leaves it be, and saves a statement on an annotator's every click.
_ACTIVITY_GRAIN = timedelta(minutes=1)


def _touch(user: User, document: Document, state: WriteState | None = None) -> None:
    """Record the annotator's last activity on the document: one upsert, safe when two
    requests of the same annotator make the first record at once."""
    now = utcnow()
    if state is not None and state.last_activity is not None \
            and now - state.last_activity < _ACTIVITY_GRAIN:
        return
    run_prepared(_touch_statement(db.session.get_bind().dialect.name), {
        "document_id": document.id, "user_id": user.id, "last_activity_at": now})


def _own_span(user: User, document: Document, span_id: int) -> Span | None:
    span = db.session.get(Span, span_id)
    if span is None or span.user_id != user.id or span.document_id != document.id:
        return None
    return span


def _expect_version(version: Any) -> int:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Invalid(_("Name the version you are changing (a whole number from 1)."),
                      {"version": "required"})
    return version
