"""Annotating a document: spans, passage source types, the rating form and "done".

Every write checks what it is given against the canonical text and the project's codebook,
and names the version it changes: a stale version is refused with the current state, so no
work is ever silently overwritten.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db, lock_for_check, run_prepared
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    Passage,
    PassageTag,
    Span,
    User,
    utcnow,
)
from app.services import history
from app.services.attributes import clean_attributes
from app.services.classroom import WriteState, check_writable
from app.services.errors import Conflict, Invalid, NotFound, ServiceError, StaleVersion
from app.services.vocabulary import LayerInfo, Vocabulary, vocabulary

MAX_NOTE = 2000
SOURCE_LAYER = "source"


# --- serialisation -------------------------------------------------------------------------

def span_dict(span: Any, text: str, words: Vocabulary, author: str | None = None
              ) -> dict[str, Any]:
    label = words.label_by_id[span.label_id]
    return {
        "id": span.id, "client_id": span.client_id, "layer": label.layer_key,
        "label": label.key, "start": span.start, "end": span.end,
        "text": text[span.start:span.end], "note": span.note, "attributes": span.attributes,
        "version": span.version, "codebook_version": span.codebook_version,
        "author": author if author is not None else span.user.username,
        "updated_at": span.updated_at.isoformat(),
    }


def tag_dict(tag: Any, words: Vocabulary) -> dict[str, Any]:
    return {"passage_id": tag.passage_id, "label": words.label_by_id[tag.label_id].key,
            "version": tag.version,
            "codebook_version": tag.codebook_version, "updated_at": tag.updated_at.isoformat()}


def rating_dict(rating: DocumentRating) -> dict[str, Any]:
    return {"values": rating.values, "version": rating.version,
            "codebook_version": rating.codebook_version,
            "updated_at": rating.updated_at.isoformat()}


# The columns span_dict and tag_dict read: the page and the API serialise rows, not ORM
# objects (a thousand spans were a thousand objects to build, track and collect).
_SPAN_COLUMNS = (Span.id, Span.client_id, Span.label_id, Span.start, Span.end, Span.note,
                 Span.attributes, Span.version, Span.codebook_version, Span.updated_at)
_TAG_COLUMNS = (PassageTag.passage_id, PassageTag.label_id, PassageTag.version,
                PassageTag.codebook_version, PassageTag.updated_at)


# The page's spans: no copy of their text or author (the page has both), nor the change time
# it never shows; the codebook version each was marked under is said in its panel. No client
# id either: the page keys a saved span by its id (random ids were a quarter of the page's
# bytes on the wire, as no compressor shrinks them), and fetches them from the API only when
# changes from before a reload name them. The attributes come as stored JSON text, decoded
# only when not empty (most are `{}`).
_PAGE_SPAN_COLUMNS = (Span.id, Span.label_id, Span.start, Span.end, Span.note,
                      sa.type_coerce(Span.attributes, sa.Text).label("attributes"),
                      Span.version, Span.codebook_version)
PAGE_SPAN_FIELDS = ("id", "layer", "label", "start", "end", "note", "attributes",
                    "version", "codebook_version")


def page_spans(rows: list[Any], words: Vocabulary) -> dict[str, list[Any]]:
    """Spans as the annotation page takes them: one list per field (PAGE_SPAN_FIELDS), the
    i-th span at index i of each. A thousand spans written as objects repeat every key a
    thousand times; as columns the page is a fifth smaller on the wire."""
    if not rows:
        return {name: [] for name in PAGE_SPAN_FIELDS}
    # The rows turned into columns at once (zip), then the two that need a look-up.
    columns = zip(*rows, strict=True)  # every row has the same columns
    ids, label_ids, starts, ends, notes, raws, versions, codebook_versions = map(list, columns)
    by_id = words.label_by_id
    labels = [by_id[label_id] for label_id in label_ids]
    return {"id": ids, "layer": [label.layer_key for label in labels],
            "label": [label.key for label in labels], "start": starts, "end": ends,
            "note": notes, "attributes": [_attributes(raw) for raw in raws],
            "version": versions, "codebook_version": codebook_versions}


def _attributes(raw: Any) -> dict[str, Any]:
    """Stored attributes as read for the page: SQLite gives JSON text, decoded only when not
    empty (most are `{}`); PostgreSQL's driver hands them over decoded already."""
    if isinstance(raw, str):
        return json.loads(raw) if raw not in ("{}", "null") else {}
    return raw if raw is not None else {}


def _mine(columns: tuple[Any, ...], model: Any) -> Any:
    """One annotator's rows of a document, as a statement built once."""
    return sa.select(*columns).where(model.document_id == sa.bindparam("document"),
                                     model.user_id == sa.bindparam("user"))


_SPAN_ORDER = (Span.start, Span.end.desc(), Span.id)
_MY_SPANS = _mine(_SPAN_COLUMNS, Span).order_by(*_SPAN_ORDER)
_MY_PAGE_SPANS = _mine(_PAGE_SPAN_COLUMNS, Span).order_by(*_SPAN_ORDER)
_MY_TAGS = _mine(_TAG_COLUMNS, PassageTag)


def my_annotations(user: User, document: Document, *, page: bool = False) -> dict[str, Any]:
    """Everything one annotator has on a document (and only theirs); `page`: the spans as
    page_spans gives them."""
    words = vocabulary(document.project_id)
    user_id, author, text = user.id, user.username, document.text  # read once, not per span
    mine = {"document": document.id, "user": user_id}
    # Core statements: the ORM's loading of a thousand column rows cost more than the query.
    spans = run_prepared(_MY_PAGE_SPANS if page else _MY_SPANS, mine).all()
    tags = run_prepared(_MY_TAGS, mine).all()
    rating = db.session.scalar(sa.select(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == user_id))
    done_at = db.session.scalar(sa.select(DocumentProgress.done_at).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user_id))
    return {
        "document_id": document.id,
        "spans": page_spans(spans, words) if page else
                 [span_dict(s, text, words, author) for s in spans],
        "passage_tags": [tag_dict(t, words) for t in tags],
        "rating": rating_dict(rating) if rating else None,
        "done": done_at is not None,
    }


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


# --- passage source types ------------------------------------------------------------------

def _passage(document: Document, passage_id: int) -> Passage:
    passage = db.session.get(Passage, passage_id)
    if passage is None or passage.document_id != document.id:
        raise NotFound(_("No such passage in this document."))
    return passage


def set_passage_tag(user: User, document: Document, passage_id: int, label_key: Any,
                    version: Any = None) -> dict[str, Any]:
    """Give a passage a source type. A first tag names no version; a change names the
    current one. Sending the stored label again is a harmless retry."""
    state = check_writable(user, document)
    passage = _passage(document, passage_id)
    words = vocabulary(document.project_id, state.codebook)
    label = words.label(words.layer(SOURCE_LAYER), label_key)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        if version is not None:
            raise StaleVersion(_("This passage's tag was removed meanwhile."), None)
        tag = PassageTag(passage_id=passage.id, document_id=document.id, user_id=user.id,
                         label_id=label.id, codebook_version=words.version)
        db.session.add(tag)
    elif tag.label_id == label.id and version in (None, tag.version):
        return tag_dict(tag, words)
    elif version != tag.version:
        raise StaleVersion(_("This passage was tagged meanwhile (in another tab?): "
                             "keep yours or the stored one."), tag_dict(tag, words))
    else:
        tag.label_id = label.id
        tag.version += 1
        tag.codebook_version = words.version
        tag.updated_at = utcnow()
    try:
        _touch(user, document, state)  # the tag's flush, here or at the commit, may clash
        db.session.commit()
    except (sa.exc.IntegrityError, StaleDataError):
        db.session.rollback()
        current = db.session.scalar(sa.select(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == user.id))
        raise StaleVersion(_("This passage was tagged meanwhile."),
                           tag_dict(current, words) if current else None) from None
    return tag_dict(tag, words)


def clear_passage_tag(user: User, document: Document, passage_id: int, version: Any) -> None:
    """Remove a passage's source type if `version` is current."""
    state = check_writable(user, document)
    passage = _passage(document, passage_id)
    version = _expect_version(version)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        return
    if tag.version != version:
        raise StaleVersion(_("This passage was tagged meanwhile (in another tab?)."),
                           tag_dict(tag, vocabulary(document.project_id,
                                                    state.codebook)))
    db.session.delete(tag)
    try:
        _touch(user, document, state)
        db.session.commit()
    except StaleDataError:  # changed meanwhile: keep it; removed meanwhile: done already
        db.session.rollback()
        current = db.session.scalar(sa.select(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == user.id))
        if current is not None:
            raise StaleVersion(_("This passage was tagged meanwhile (in another tab?)."),
                               tag_dict(current, vocabulary(document.project_id,
                                                            state.codebook))) from None


# --- the rating form and "done" ------------------------------------------------------------

def save_rating(user: User, document: Document, values: Any, version: Any = None
                ) -> dict[str, Any]:
    """Store the rating form (partial forms are fine while working)."""
    state = check_writable(user, document)
    from app.services.ratings import clean_rating

    words = vocabulary(document.project_id, state.codebook)
    cleaned = clean_rating(words.document_form, values)
    rating = db.session.scalar(sa.select(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
    if rating is None:
        if version is not None:
            raise StaleVersion(_("This rating was removed meanwhile."), None)
        rating = DocumentRating(document_id=document.id, user_id=user.id, values=cleaned,
                                codebook_version=words.version)
        db.session.add(rating)
    elif rating.values == cleaned and version in (None, rating.version):
        return rating_dict(rating)
    elif version != rating.version:
        raise StaleVersion(_("The rating was changed meanwhile (in another tab?): "
                             "keep yours or the stored one."), rating_dict(rating))
    else:
        rating.values = cleaned
        rating.version += 1
        rating.codebook_version = words.version
        rating.updated_at = utcnow()
    try:
        _touch(user, document, state)
        db.session.commit()
    except (sa.exc.IntegrityError, StaleDataError):  # another tab saved it in between
        db.session.rollback()
        current = db.session.scalar(sa.select(DocumentRating).where(
            DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
        raise StaleVersion(_("The rating was changed meanwhile (in another tab?): keep yours "
                             "or the stored one."), rating_dict(current) if current else None
                           ) from None
    return rating_dict(rating)


def set_done(user: User, document: Document, done: bool) -> bool:
    """Mark the document done (or not) for this annotator; done needs the required
    rating fields."""
    state = check_writable(user, document, submitting=done)
    from app.services.ratings import missing_required

    if done:
        words = vocabulary(document.project_id, state.codebook)
        rating = db.session.scalar(sa.select(DocumentRating).where(
            DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
        missing = missing_required(words.document_form, rating.values if rating else {})
        if missing:
            names = {f["key"]: f.get("name", f["key"])
                     for f in words.document_form.get("fields", [])}
            raise Invalid(_("Before marking the document done, fill in: %(fields)s.",
                            fields=", ".join(names.get(k, k) for k in missing)),
                          {f"values.{k}": "required" for k in missing})
    _touch(user, document, state)
    db.session.flush()
    progress = db.session.scalar(sa.select(DocumentProgress).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user.id))
    submitting = done and progress.done_at is None
    progress.done_at = (progress.done_at or utcnow()) if done else None
    if submitting:
        from app.services.lti.grades import queue_submission

        queue_submission(user, document)  # the LMS gradebook hears of it, if it is in one
    db.session.commit()
    return done


def progress_by_document(project_id: int, user: User) -> dict[int, dict[str, Any]]:
    """For each document of a project: the user's tagged passages, spans, and done flag."""
    tagged = dict(db.session.execute(
        sa.select(PassageTag.document_id, sa.func.count(PassageTag.id))
        .join(Document, Document.id == PassageTag.document_id)
        .where(Document.project_id == project_id, PassageTag.user_id == user.id)
        .group_by(PassageTag.document_id)).all())
    spans = dict(db.session.execute(
        sa.select(Span.document_id, sa.func.count(Span.id))
        .join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project_id, Span.user_id == user.id)
        .group_by(Span.document_id)).all())
    done = set(db.session.scalars(
        sa.select(DocumentProgress.document_id)
        .join(Document, Document.id == DocumentProgress.document_id)
        .where(Document.project_id == project_id, DocumentProgress.user_id == user.id,
               DocumentProgress.done_at.is_not(None))))
    ids = set(tagged) | set(spans) | done
    return {doc_id: {"tagged": tagged.get(doc_id, 0), "spans": spans.get(doc_id, 0),
                     "done": doc_id in done} for doc_id in ids}
