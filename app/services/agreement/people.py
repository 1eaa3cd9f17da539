"""Who the report counts: the annotators of a project, the documents in scope and which
documents each annotator worked on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Document, DocumentProgress, DocumentRating, PassageTag, Project, Span, User
from app.services.agreement.work import LIVE, Work
from app.services.gold import GOLD_NAME, GOLD_USERNAME, SYSTEM_ROLE
from app.services.vocabulary import Vocabulary

# What makes an annotator one of a document's coders, in the report's words (in the reader's
# language when turned into a string).
WORKED_ON = _l("An annotator worked on a document when they tagged one of its passages, marked "
               "a span in any layer, rated it or marked it done.")


@dataclass(frozen=True)
class Scope:
    """What the report covers: every document and annotator unless narrowed."""

    documents: Sequence[int] | None = None
    annotators: Sequence[str] | None = None
    gold: bool = False  # the gold key as one more rater


def _work(document_ids: sa.Select | list[int]) -> list[sa.Select]:
    """(user id, document id) of every kind of work on the documents: a tag, a span, a
    rating, a document marked done."""
    return [
        *[sa.select(model.user_id, model.document_id).where(model.document_id.in_(document_ids))
          for model in (Span, PassageTag, DocumentRating)],
        sa.select(DocumentProgress.user_id, DocumentProgress.document_id)
        .where(DocumentProgress.document_id.in_(document_ids),
               DocumentProgress.done_at.is_not(None)),
    ]


def annotators_of(project: Project, scope: Scope) -> dict[int, str]:
    """Everyone who worked on a document of the project (narrowed by the scope): id ->
    username, in name order. The gold key joins as the rater "gold" (last) when asked."""
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    ids = sa.select(sa.union(*_work(in_project)).subquery().c[0])
    rows = db.session.execute(
        sa.select(User.id, User.username, User.role).where(User.id.in_(ids))
        .order_by(User.username)
    ).all()
    wanted = set(scope.annotators) if scope.annotators else None
    people = {uid: name for uid, name, role in rows
              if role != SYSTEM_ROLE and (wanted is None or name in wanted)}
    if scope.gold or (wanted and GOLD_NAME in wanted):
        people.update({uid: GOLD_NAME for uid, name, _ in rows if name == GOLD_USERNAME})
    return people


def annotators_in(work: Work, doc_ids: list[int], scope: Scope) -> dict[int, str]:
    """Everyone `work` holds on the documents (narrowed by the scope), as annotators_of."""
    ids = {uid for uid, _ in work.workers(doc_ids)}
    rows = db.session.execute(sa.select(User.id, User.username, User.role)
                              .where(User.id.in_(ids)).order_by(User.username)).all()
    wanted = set(scope.annotators) if scope.annotators else None
    people = {uid: name for uid, name, role in rows
              if role != SYSTEM_ROLE and (wanted is None or name in wanted)}
    if scope.gold or (wanted and GOLD_NAME in wanted):
        people.update({uid: GOLD_NAME for uid, name, _ in rows if name == GOLD_USERNAME})
    return people


def documents_in(project: Project, scope: Scope) -> list[Document]:
    """The project's documents the scope covers, in the project's order."""
    query = sa.select(Document).where(Document.project_id == project.id)
    if scope.documents:
        query = query.where(Document.id.in_(list(scope.documents)))
    return list(db.session.scalars(query.order_by(Document.position, Document.id)))


def coverage(documents: list[Document], users: dict[int, str],
             work: Work = LIVE) -> dict[str, set[int]]:
    """The documents each annotator worked on (see WORKED_ON), by name."""
    ids = [d.id for d in documents]
    out: dict[str, set[int]] = {name: set() for name in users.values()}
    if not ids or not users:
        return out
    for user_id, document_id in work.workers(ids):
        if user_id in users:
            out[users[user_id]].add(document_id)
    return out


def layer_labels(words: Vocabulary, layer: str) -> list[str]:
    """Every label key of a layer, retired ones included (old work may use them)."""
    return [key for (layer_key, key) in words.labels if layer_key == layer]


def offered_labels(words: Vocabulary, layer: str) -> int:
    """How many labels the codebook offers for a layer now (retired ones left out)."""
    return sum(1 for (layer_key, _), info in words.labels.items()
               if layer_key == layer and info.active)
