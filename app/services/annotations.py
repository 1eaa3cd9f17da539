"""Annotating a document: spans, passage source types, the rating form and "done".

Every write checks what it is given against the canonical text and the project's codebook,
and names the version it changes: a stale version is refused with the current state, so no
work is ever silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Codebook,
    CodebookLayer,
    Document,
    DocumentProgress,
    DocumentRating,
    Label,
    Passage,
    PassageTag,
    Span,
    User,
    utcnow,
)
from app.services.attributes import clean_attributes
from app.services.errors import Conflict, Invalid, NotFound, StaleVersion

MAX_NOTE = 2000
SOURCE_LAYER = "source"


@dataclass(frozen=True)
class Vocabulary:
    """A codebook's layers and labels, looked up by key."""

    codebook: Codebook
    layers: dict[str, CodebookLayer]
    labels: dict[tuple[str, str], Label]

    def layer(self, key: str) -> CodebookLayer:
        layer = self.layers.get(key)
        if layer is None:
            raise Invalid(f"Unknown layer '{key}'.", {"layer": "unknown layer"})
        return layer

    def label(self, layer: CodebookLayer, key: str, *, for_new: bool = True) -> Label:
        label = self.labels.get((layer.key, key))
        if label is None:
            raise Invalid(f"The layer '{layer.key}' has no label '{key}'.",
                          {"label": "unknown label"})
        if for_new and not label.active:
            raise Invalid(f"The label '{label.name}' is retired; choose another.",
                          {"label": "retired"})
        return label


def vocabulary(project_id: int) -> Vocabulary:
    """Load a project's codebook with its layers and labels in one go."""
    codebook = db.session.scalar(
        sa.select(Codebook)
        .where(Codebook.project_id == project_id)
        .options(selectinload(Codebook.layers).selectinload(CodebookLayer.labels))
    )
    if codebook is None:
        raise NotFound("This project has no codebook.")
    layers = {layer.key: layer for layer in codebook.layers}
    labels = {(layer.key, label.key): label for layer in codebook.layers
              for label in layer.labels}
    return Vocabulary(codebook, layers, labels)


# --- serialisation -------------------------------------------------------------------------

def span_dict(span: Span, text: str, author: str | None = None) -> dict[str, Any]:
    return {
        "id": span.id, "client_id": span.client_id, "layer": span.layer.key,
        "label": span.label.key, "start": span.start, "end": span.end,
        "text": text[span.start:span.end], "note": span.note, "attributes": span.attributes,
        "version": span.version, "codebook_version": span.codebook_version,
        "author": author if author is not None else span.user.username,
        "updated_at": span.updated_at.isoformat(),
    }


def tag_dict(tag: PassageTag) -> dict[str, Any]:
    return {"passage_id": tag.passage_id, "label": tag.label.key, "version": tag.version,
            "codebook_version": tag.codebook_version, "updated_at": tag.updated_at.isoformat()}


def rating_dict(rating: DocumentRating) -> dict[str, Any]:
    return {"values": rating.values, "version": rating.version,
            "codebook_version": rating.codebook_version,
            "updated_at": rating.updated_at.isoformat()}


def my_annotations(user: User, document: Document) -> dict[str, Any]:
    """Everything one annotator has on a document (and only theirs)."""
    spans = db.session.scalars(
        sa.select(Span).where(Span.document_id == document.id, Span.user_id == user.id)
        .options(selectinload(Span.layer), selectinload(Span.label))
        .order_by(Span.start, Span.end.desc(), Span.id)
    ).all()
    tags = db.session.scalars(
        sa.select(PassageTag).where(PassageTag.document_id == document.id,
                                    PassageTag.user_id == user.id)
        .options(selectinload(PassageTag.label))
    ).all()
    rating = db.session.scalar(sa.select(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
    progress = db.session.scalar(sa.select(DocumentProgress).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user.id))
    return {
        "document_id": document.id,
        "spans": [span_dict(s, document.text, user.username) for s in spans],
        "passage_tags": [tag_dict(t) for t in tags],
        "rating": rating_dict(rating) if rating else None,
        "done": bool(progress and progress.done_at),
    }


# --- checks --------------------------------------------------------------------------------

def check_range(document: Document, start: Any, end: Any, text: Any) -> tuple[int, int]:
    """The offsets must lie in the text, and the sent text must be exactly text[start:end]."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise Invalid("start and end are whole numbers (code points).",
                      {"start": "integer", "end": "integer"})
    if not 0 <= start < end <= document.char_count:
        raise Invalid(f"The range [{start}, {end}) is not inside the text "
                      f"(0 to {document.char_count} code points).",
                      {"start": "out of range", "end": "out of range"})
    if not isinstance(text, str) or document.text[start:end] != text:
        raise Invalid("The selected text does not match the document at these offsets; "
                      "reload the page and select again.", {"text": "does not match"})
    return start, end


def _check_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid(f"A note is text of at most {MAX_NOTE} characters.",
                      {"note": f"at most {MAX_NOTE} characters"})
    return note.strip()


def _check_source_nesting(document: Document, user: User, layer: CodebookLayer,
                          start: int, end: int, ignore_id: int | None = None) -> None:
    """Source spans lie inside one passage, nest without crossing, and are not too deep.

    The passage itself is the outermost level, so spans may nest `max_depth - 1` deep.
    """
    inside = db.session.scalar(sa.select(Passage.id).where(
        Passage.document_id == document.id, Passage.start <= start, Passage.end >= end))
    if inside is None:
        raise Invalid("A quoted voice lies inside one passage; this selection spans "
                      "several.", {"start": "crosses passages"})
    others = db.session.execute(sa.select(Span.id, Span.start, Span.end).where(
        Span.document_id == document.id, Span.user_id == user.id,
        Span.layer_id == layer.id, Span.start < end, Span.end > start)).all()
    ranges = [(s, e) for ident, s, e in others if ident != ignore_id]
    for s, e in ranges:
        if (s, e) == (start, end):
            raise Conflict("You already marked a voice on exactly this text.",
                           {"start": "duplicate"})
        if not (s <= start and end <= e) and not (start <= s and e <= end):
            raise Invalid("Source spans nest or stay apart: this one would cross another "
                          f"at [{s}, {e}).", {"start": "crosses another source span"})
    limit = (layer.max_depth or 3) - 1
    depth = _max_depth(ranges + [(start, end)])
    if depth > limit:
        raise Invalid(f"Voices nest at most {limit} deep inside a passage.",
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


def _touch(user: User, document: Document) -> None:
    progress = db.session.scalar(sa.select(DocumentProgress).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user.id))
    if progress is None:
        db.session.add(DocumentProgress(document_id=document.id, user_id=user.id))
    else:
        progress.last_activity_at = utcnow()


def _own_span(user: User, document: Document, span_id: int) -> Span | None:
    span = db.session.get(Span, span_id)
    if span is None or span.user_id != user.id or span.document_id != document.id:
        return None
    return span


def _expect_version(version: Any) -> int:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Invalid("Name the version you are changing (a whole number from 1).",
                      {"version": "required"})
    return version


# --- spans ---------------------------------------------------------------------------------

def create_span(user: User, document: Document, data: dict[str, Any]) -> tuple[Span, bool]:
    """Create a span; returns (span, created). A retry with the same client_id returns the
    span made the first time instead of a second one."""
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
        raise Invalid("client_id is the browser's own id for the span (8 to 64 characters).",
                      {"client_id": "8–64 characters"})
    existing = db.session.scalar(sa.select(Span).where(Span.user_id == user.id,
                                                       Span.client_id == client_id))
    if existing is not None:
        if existing.document_id != document.id:
            raise Conflict("This client_id is already used for another document.",
                           {"client_id": "taken"})
        return existing, False
    words = vocabulary(document.project_id)
    layer = words.layer(data.get("layer"))
    label = words.label(layer, data.get("label"))
    start, end = check_range(document, data.get("start"), data.get("end"), data.get("text"))
    if layer.key == SOURCE_LAYER:
        _check_source_nesting(document, user, layer, start, end)
    span = Span(document_id=document.id, user_id=user.id, layer=layer, label=label,
                client_id=client_id, start=start, end=end, note=_check_note(data.get("note")),
                attributes=clean_attributes(layer, data.get("attributes"), document),
                codebook_version=words.codebook.version)
    db.session.add(span)
    _touch(user, document)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two concurrent retries of one create: the other one won; answer with its span.
        db.session.rollback()
        existing = db.session.scalar(sa.select(Span).where(Span.user_id == user.id,
                                                           Span.client_id == client_id))
        if existing is None:
            raise
        return existing, False
    return span, True


def update_span(user: User, document: Document, span_id: int,
                data: dict[str, Any]) -> Span:
    """Change a span's label, boundaries, note or attributes, if `version` is current."""
    span = _own_span(user, document, span_id)
    version = _expect_version(data.get("version"))
    if span is None:
        raise StaleVersion("This span was deleted meanwhile (in another tab?).", None)
    if span.version != version:
        raise StaleVersion("This span was changed meanwhile (in another tab?): "
                           "keep yours or the stored one.", span_dict(span, document.text))
    words = vocabulary(document.project_id)
    layer = span.layer
    if "label" in data and data["label"] != span.label.key:
        span.label = words.label(layer, data["label"])
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
    span.codebook_version = words.codebook.version
    span.updated_at = utcnow()
    _touch(user, document)
    db.session.commit()
    return span


def delete_span(user: User, document: Document, span_id: int, version: Any) -> None:
    """Delete a span if `version` is current; deleting an already deleted span is a no-op."""
    version = _expect_version(version)
    span = _own_span(user, document, span_id)
    if span is None:
        return
    if span.version != version:
        raise StaleVersion("This span was changed meanwhile (in another tab?): "
                           "keep yours or the stored one.", span_dict(span, document.text))
    db.session.delete(span)
    _touch(user, document)
    db.session.commit()


# --- passage source types ------------------------------------------------------------------

def _passage(document: Document, passage_id: int) -> Passage:
    passage = db.session.get(Passage, passage_id)
    if passage is None or passage.document_id != document.id:
        raise NotFound("No such passage in this document.")
    return passage


def set_passage_tag(user: User, document: Document, passage_id: int, label_key: Any,
                    version: Any = None) -> PassageTag:
    """Give a passage a source type. A first tag names no version; a change names the
    current one. Sending the stored label again is a harmless retry."""
    passage = _passage(document, passage_id)
    words = vocabulary(document.project_id)
    label = words.label(words.layer(SOURCE_LAYER), label_key)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        if version is not None:
            raise StaleVersion("This passage's tag was removed meanwhile.", None)
        tag = PassageTag(passage_id=passage.id, document_id=document.id, user_id=user.id,
                         label=label, codebook_version=words.codebook.version)
        db.session.add(tag)
    elif tag.label_id == label.id and version in (None, tag.version):
        return tag
    elif version != tag.version:
        raise StaleVersion("This passage was tagged meanwhile (in another tab?): "
                           "keep yours or the stored one.", tag_dict(tag))
    else:
        tag.label = label
        tag.version += 1
        tag.codebook_version = words.codebook.version
        tag.updated_at = utcnow()
    _touch(user, document)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        current = db.session.scalar(sa.select(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == user.id))
        raise StaleVersion("This passage was tagged meanwhile.",
                           tag_dict(current) if current else None) from None
    return tag


def clear_passage_tag(user: User, document: Document, passage_id: int, version: Any) -> None:
    passage = _passage(document, passage_id)
    version = _expect_version(version)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        return
    if tag.version != version:
        raise StaleVersion("This passage was tagged meanwhile (in another tab?).",
                           tag_dict(tag))
    db.session.delete(tag)
    _touch(user, document)
    db.session.commit()


# --- the rating form and "done" ------------------------------------------------------------

def save_rating(user: User, document: Document, values: Any, version: Any = None
                ) -> DocumentRating:
    """Store the rating form (partial forms are fine while working)."""
    from app.services.ratings import clean_rating

    words = vocabulary(document.project_id)
    cleaned = clean_rating(words.codebook.document_form, values)
    rating = db.session.scalar(sa.select(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
    if rating is None:
        if version is not None:
            raise StaleVersion("This rating was removed meanwhile.", None)
        rating = DocumentRating(document_id=document.id, user_id=user.id, values=cleaned,
                                codebook_version=words.codebook.version)
        db.session.add(rating)
    elif rating.values == cleaned and version in (None, rating.version):
        return rating
    elif version != rating.version:
        raise StaleVersion("The rating was changed meanwhile (in another tab?): "
                           "keep yours or the stored one.", rating_dict(rating))
    else:
        rating.values = cleaned
        rating.version += 1
        rating.codebook_version = words.codebook.version
        rating.updated_at = utcnow()
    _touch(user, document)
    db.session.commit()
    return rating


def set_done(user: User, document: Document, done: bool) -> bool:
    """Mark the document done (or not) for this annotator; done needs the required
    rating fields."""
    from app.services.ratings import missing_required

    if done:
        words = vocabulary(document.project_id)
        rating = db.session.scalar(sa.select(DocumentRating).where(
            DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
        missing = missing_required(words.codebook.document_form, rating.values if rating else {})
        if missing:
            names = {f["key"]: f.get("name", f["key"])
                     for f in words.codebook.document_form.get("fields", [])}
            raise Invalid("Before marking the document done, fill in: "
                          + ", ".join(names.get(k, k) for k in missing) + ".",
                          {f"values.{k}": "required" for k in missing})
    _touch(user, document)
    db.session.flush()
    progress = db.session.scalar(sa.select(DocumentProgress).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user.id))
    progress.done_at = (progress.done_at or utcnow()) if done else None
    db.session.commit()
    return done
