"""Spans: made (once per client id, whatever the retries), changed and deleted, each naming
the version it changes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db, run_prepared
from app.models import (
    Document,
    Span,
    User,
    utcnow,
)
from app.services import history
from app.services.annotations.checks import (
    SOURCE_LAYER,
    _check_note,
    _check_source_nesting,
    _expect_version,
    _own_span,
    _touch,
    check_range,
)
from app.services.annotations.reading import span_dict
from app.services.attributes import clean_attributes
from app.services.classroom import check_writable
from app.services.errors import Conflict, Invalid, ServiceError, StaleVersion
from app.services.vocabulary import Vocabulary, vocabulary

# --- spans ---------------------------------------------------------------------------------

# Creating a span is what annotators do most, many times a minute each: it runs as a few
# statements built once (Core, bound parameters, cached compilation) rather than ORM queries
# and a flush, and appends its log event itself (history.record), in the same transaction.
_SPANS = Span.__table__
_INSERT_SPAN = sa.insert(_SPANS)
_SPAN_BY_CLIENT_ID = sa.select(_SPANS.c.id, _SPANS.c.document_id).where(
    _SPANS.c.user_id == sa.bindparam("user"), _SPANS.c.client_id == sa.bindparam("client_id"))


def _first_answer(user: User, document: Document, client_id: str, words: Vocabulary
                  ) -> tuple[dict[str, Any], bool] | None:
    """The span an earlier request with this client_id made, for a retry."""
    found = run_prepared(_SPAN_BY_CLIENT_ID, {"user": user.id, "client_id": client_id}).first()
    if found is None:
        return None
    if found.document_id != document.id:
        raise Conflict(_("This client_id is already used for another document."),
                       {"client_id": "taken"})
    return span_dict(db.session.get(Span, found.id), document.text, words), False


def _new_span(user: User, document: Document, words: Vocabulary, client_id: str,
              data: dict[str, Any]) -> dict[str, Any]:
    """The checked column values of a new span."""
    layer = words.layer(data.get("layer"))
    label = words.label(layer, data.get("label"))
    start, end = check_range(document, data.get("start"), data.get("end"), data.get("text"))
    if layer.key == SOURCE_LAYER:
        _check_source_nesting(document, user, layer, start, end)
    now = utcnow()
    return {"document_id": document.id, "user_id": user.id, "layer_id": layer.id,
            "label_id": label.id, "client_id": client_id, "start": start, "end": end,
            "note": _check_note(data.get("note")),
            "attributes": clean_attributes(layer, data.get("attributes"), document),
            "version": 1, "codebook_version": words.version, "created_at": now,
            "updated_at": now}


def create_span(user: User, document: Document, data: dict[str, Any]
                ) -> tuple[dict[str, Any], bool]:
    """Create a span; returns (the span as data, created). A retry with the same client_id
    returns the span made the first time instead of a second one."""
    state = check_writable(user, document)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
        raise Invalid(_("client_id is the browser's own id for the span (8 to 64 characters)."),
                      {"client_id": "8–64 characters"})
    words = vocabulary(document.project_id, state.codebook)
    try:
        values = _new_span(user, document, words, client_id, data)
    except ServiceError:
        # A retry of a create that worked gets its span, whatever changed meanwhile (the
        # label retired, say): the work is stored, the page must not report it lost.
        retry = _first_answer(user, document, client_id, words)
        if retry is None:
            raise
        return retry
    try:
        span_id = run_prepared(_INSERT_SPAN, values).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        # The client_id is taken: this is a retry of a create that worked (or ran alongside
        # it); answer with that span. Checking first would cost every create a query.
        db.session.rollback()
        retry = _first_answer(user, document, client_id, words)
        if retry is None:
            raise
        return retry
    history.record(document, user.id, "span", "create", object_id=span_id,
                   after=history.span_state(values))
    _touch(user, document, state)
    db.session.commit()
    label = words.label_by_id[values["label_id"]]
    return {"id": span_id, "client_id": client_id, "layer": label.layer_key,
            "label": label.key, "start": values["start"], "end": values["end"],
            "text": data["text"], "note": values["note"], "attributes": values["attributes"],
            "version": 1, "codebook_version": words.version, "author": user.username,
            "updated_at": values["updated_at"].isoformat()}, True


def update_span(user: User, document: Document, span_id: int,
                data: dict[str, Any]) -> dict[str, Any]:
    """Change a span's label, boundaries, note or attributes, if `version` is current."""
    state = check_writable(user, document)
    span = _own_span(user, document, span_id)
    version = _expect_version(data.get("version"))
    if span is None:
        raise StaleVersion(_("This span was deleted meanwhile (in another tab?)."), None)
    words = vocabulary(document.project_id, state.codebook)
    if span.version != version:
        raise StaleVersion(_("This span was changed meanwhile (in another tab?): "
                             "keep yours or the stored one."),
                           span_dict(span, document.text, words))
    layer = words.layer_by_id[span.layer_id]
    if "label" in data and data["label"] != words.label_by_id[span.label_id].key:
        span.label_id = words.label(layer, data["label"]).id
    if any(key in data for key in ("start", "end", "text")):
        start, end = check_range(document, data.get("start", span.start),
                                 data.get("end", span.end), data.get("text"))
        if layer.key == SOURCE_LAYER:
            _check_source_nesting(document, user, layer, start, end, ignore_id=span.id)
        span.start, span.end = start, end
    if "note" in data:
        span.note = _check_note(data["note"])
    if "attributes" in data:
        span.attributes = clean_attributes(layer, data["attributes"], document)
    span.version += 1
    span.codebook_version = words.version
    span.updated_at = utcnow()
    try:
        _touch(user, document, state)
        db.session.commit()
    except StaleDataError:  # another request changed or deleted it since it was read
        db.session.rollback()
        raise _span_stale(user, document, span_id, words) from None
    return span_dict(span, document.text, words, user.username)


def _span_stale(user: User, document: Document, span_id: int, words: Vocabulary
                ) -> StaleVersion:
    """The refusal of a write to a span that changed since it was read, with its state now."""
    span = _own_span(user, document, span_id)
    if span is None:
        return StaleVersion(_("This span was deleted meanwhile (in another tab?)."), None)
    return StaleVersion(_("This span was changed meanwhile (in another tab?): "
                          "keep yours or the stored one."), span_dict(span, document.text, words))


def delete_span(user: User, document: Document, span_id: int, version: Any) -> None:
    """Delete a span if `version` is current; deleting an already deleted span is a no-op."""
    state = check_writable(user, document)
    version = _expect_version(version)
    span = _own_span(user, document, span_id)
    if span is None:
        return
    if span.version != version:
        raise StaleVersion(_("This span was changed meanwhile (in another tab?): "
                             "keep yours or the stored one."),
                           span_dict(span, document.text,
                                     vocabulary(document.project_id, state.codebook)))
    db.session.delete(span)
    try:
        _touch(user, document, state)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        stale = _span_stale(user, document, span_id,
                            vocabulary(document.project_id, state.codebook))
        if stale.current is not None:  # changed meanwhile; deleted meanwhile is a no-op
            raise stale from None
