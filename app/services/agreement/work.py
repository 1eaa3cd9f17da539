"""Where the report reads annotations from: the live tables, optionally only the work made
under one codebook version. A round's frozen work (app.services.rounds) reads the same way,
so every figure can be computed for a round."""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa

from app.extensions import db
from app.models import DocumentProgress, DocumentRating, PassageTag, Span

TagRow = tuple[int, int, int, int]  # passage id, document id, user id, label id
SpanRow = tuple[int, int, int, int, int]  # document id, user id, start, end, label id
RatingRow = tuple[int, int, dict[str, Any]]  # document id, user id, values


class Work(Protocol):
    """The annotations of some documents, as the report's sections read them."""

    def workers(self, doc_ids: list[int]) -> set[tuple[int, int]]:
        """(user id, document id) of everyone who worked on each document."""
        ...

    def tags(self, doc_ids: list[int]) -> list[TagRow]: ...

    def spans(self, doc_ids: list[int], layer_id: int) -> list[SpanRow]: ...

    def ratings(self, doc_ids: list[int]) -> list[RatingRow]: ...


class LiveWork:
    """The annotations as they stand; with `version`, only those made under that codebook
    version (a document marked done then counts only through such annotations)."""

    def __init__(self, version: int | None = None) -> None:
        self.version = version

    def _of(self, model: Any) -> list[Any]:
        return [] if self.version is None else [model.codebook_version == self.version]

    def workers(self, doc_ids: list[int]) -> set[tuple[int, int]]:
        if not doc_ids:
            return set()
        selects = [sa.select(model.user_id, model.document_id)
                   .where(model.document_id.in_(doc_ids), *self._of(model))
                   for model in (Span, PassageTag, DocumentRating)]
        if self.version is None:
            selects.append(sa.select(DocumentProgress.user_id, DocumentProgress.document_id)
                           .where(DocumentProgress.document_id.in_(doc_ids),
                                  DocumentProgress.done_at.is_not(None)))
        return {(uid, doc) for uid, doc in db.session.execute(sa.union(*selects)).all()}

    def tags(self, doc_ids: list[int]) -> list[TagRow]:
        return [tuple(row) for row in db.session.execute(
            sa.select(PassageTag.passage_id, PassageTag.document_id, PassageTag.user_id,
                      PassageTag.label_id)
            .where(PassageTag.document_id.in_(doc_ids), *self._of(PassageTag)))]

    def spans(self, doc_ids: list[int], layer_id: int) -> list[SpanRow]:
        return [tuple(row) for row in db.session.execute(
            sa.select(Span.document_id, Span.user_id, Span.start, Span.end, Span.label_id)
            .where(Span.document_id.in_(doc_ids), Span.layer_id == layer_id,
                   *self._of(Span)))]

    def ratings(self, doc_ids: list[int]) -> list[RatingRow]:
        return [tuple(row) for row in db.session.execute(
            sa.select(DocumentRating.document_id, DocumentRating.user_id, DocumentRating.values)
            .where(DocumentRating.document_id.in_(doc_ids), *self._of(DocumentRating)))]


LIVE = LiveWork()
