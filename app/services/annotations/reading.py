"""An annotator's work as the page and the API give it, and their progress per document."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from app.extensions import db, run_prepared
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    PassageTag,
    Span,
    User,
)
from app.services.vocabulary import Vocabulary, vocabulary

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
# rating_dict reads a row of these as it reads the model.
_MY_RATING = _mine((DocumentRating.values, DocumentRating.version,
                    DocumentRating.codebook_version, DocumentRating.updated_at), DocumentRating)
_MY_DONE_AT = _mine((DocumentProgress.done_at,), DocumentProgress)


def my_annotations(user: User, document: Document, *, page: bool = False) -> dict[str, Any]:
    """Everything one annotator has on a document (and only theirs); `page`: the spans as
    page_spans gives them."""
    words = vocabulary(document.project_id)
    user_id, author, text = user.id, user.username, document.text  # read once, not per span
    mine = {"document": document.id, "user": user_id}
    # Core statements: the ORM's loading of a thousand column rows cost more than the query.
    spans = run_prepared(_MY_PAGE_SPANS if page else _MY_SPANS, mine).all()
    tags = run_prepared(_MY_TAGS, mine).all()
    rating = run_prepared(_MY_RATING, mine).first()
    done_at = run_prepared(_MY_DONE_AT, mine).scalar()
    return {
        "document_id": document.id,
        "spans": page_spans(spans, words) if page else
                 [span_dict(s, text, words, author) for s in spans],
        "passage_tags": [tag_dict(t, words) for t in tags],
        "rating": rating_dict(rating) if rating else None,
        "done": done_at is not None,
    }



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
