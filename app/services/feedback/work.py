"""Students' and the key's work on documents of a project, read at once, and its labels named."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, DocumentProgress, DocumentRating, PassageTag, Project, Span
from app.services.gold import gold_user_id
from app.services.vocabulary import Vocabulary, vocabulary
from app.services.wording.feedback import UNTAGGED

SpanTuple = tuple[int, int, str, str]  # start, end, label key, note (as match_spans takes)

SPAN_LAYERS = ("rhetoric", "claim")
LAYER_TITLES = {"rhetoric": "Rhetoric", "claim": "Unsupported claims"}
EXCERPT_CHARS = 160  # passage excerpts in lists
SPAN_CHARS = 240  # span texts in lists


# --- reading the work ---------------------------------------------------------------------

@dataclass
class Work:
    """One annotator's work on one document."""

    tags: dict[int, str] = field(default_factory=dict)  # passage id -> source label key
    spans: dict[str, list[SpanTuple]] = field(
        default_factory=lambda: {layer: [] for layer in SPAN_LAYERS})
    rating: dict[str, Any] | None = None


@dataclass
class Data:
    """Students' and the key's work on some documents of a project, read in four queries."""

    words: Vocabulary
    gold_id: int | None
    work: dict[tuple[int, int], Work]  # (document id, user id) -> work
    submitted: dict[tuple[int, int], datetime]  # (document id, user id) -> when submitted

    def of(self, document_id: int, user_id: int) -> Work | None:
        return self.work.get((document_id, user_id))

    def key(self, document_id: int) -> Work | None:
        """The gold key of a document, or None when it has none."""
        return self.work.get((document_id, self.gold_id)) if self.gold_id else None


def load_work(project: Project, user_ids: Iterable[int],
          document_ids: Iterable[int] | None = None) -> Data:
    words = vocabulary(project.id)
    gold_id = gold_user_id()
    people = [*user_ids, *([gold_id] if gold_id else [])]
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    if document_ids is not None:
        in_project = in_project.where(Document.id.in_(list(document_ids)))
    layer_of = {words.layers[key].id: key for key in SPAN_LAYERS if key in words.layers}
    label = words.label_by_id
    work: dict[tuple[int, int], Work] = defaultdict(Work)
    for doc_id, user_id, passage_id, label_id in db.session.execute(
            sa.select(PassageTag.document_id, PassageTag.user_id, PassageTag.passage_id,
                      PassageTag.label_id)
            .where(PassageTag.document_id.in_(in_project), PassageTag.user_id.in_(people))):
        work[(doc_id, user_id)].tags[passage_id] = label[label_id].key
    for doc_id, user_id, layer_id, start, end, label_id, note in db.session.execute(
            sa.select(Span.document_id, Span.user_id, Span.layer_id, Span.start, Span.end,
                      Span.label_id, Span.note)
            .where(Span.document_id.in_(in_project), Span.user_id.in_(people),
                   Span.layer_id.in_(list(layer_of)))):
        work[(doc_id, user_id)].spans[layer_of[layer_id]].append(
            (start, end, label[label_id].key, note or ""))
    for doc_id, user_id, values in db.session.execute(
            sa.select(DocumentRating.document_id, DocumentRating.user_id, DocumentRating.values)
            .where(DocumentRating.document_id.in_(in_project),
                   DocumentRating.user_id.in_(people))):
        work[(doc_id, user_id)].rating = dict(values or {})
    submitted = {(doc_id, user_id): done for doc_id, user_id, done in db.session.execute(
        sa.select(DocumentProgress.document_id, DocumentProgress.user_id,
                  DocumentProgress.done_at)
        .where(DocumentProgress.document_id.in_(in_project),
               DocumentProgress.user_id.in_(people),
               DocumentProgress.done_at.is_not(None)))}
    return Data(words, gold_id, dict(work), submitted)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary to about `limit` characters."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,.;:") + " …"


def name_of(words: Vocabulary, layer: str, key: str | None) -> str:
    if key is None or key == UNTAGGED:
        return "untagged"
    info = words.labels.get((layer, key))
    return info.name if info else key
