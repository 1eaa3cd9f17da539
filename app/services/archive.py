"""Taking a document out of a project without losing anything.

A document nobody has annotated is deleted. One with annotations is archived, and only
when the teacher confirms: it leaves every list, report and export with all its spans,
passage tags and ratings kept, and a teacher can restore it as it was.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, DocumentRating, PassageTag, Project, Span, User, utcnow
from app.services import history
from app.services.errors import Conflict, NotFound


class ConfirmationNeeded(Conflict):
    """The document has annotations: say so, and ask again with confirmation."""

    code = "confirmation_needed"

    def __init__(self, message: str, counts: dict[str, int]):
        super().__init__(message, {"confirm": "required"})
        self.counts = counts


def annotation_counts(document_id: int) -> dict[str, int]:
    """Spans, passage tags and ratings on a document, and how many annotators made them."""
    owners: set[int] = set()
    counts = {}
    for name, model in (("spans", Span), ("passage_tags", PassageTag),
                        ("ratings", DocumentRating)):
        rows = db.session.execute(
            sa.select(model.user_id, sa.func.count(model.id))
            .where(model.document_id == document_id).group_by(model.user_id)).all()
        counts[name] = sum(n for _, n in rows)
        owners.update(user_id for user_id, _ in rows)
    counts["annotators"] = len(owners)
    return counts


def describe(counts: dict[str, int]) -> str:
    return (f"{counts['spans']} spans, {counts['passage_tags']} passage tags and "
            f"{counts['ratings']} ratings by {counts['annotators']} annotator"
            f"{'s' if counts['annotators'] != 1 else ''}")


def remove_document(user: User, document: Document, confirm: bool = False) -> str:
    """Delete an unannotated document, or archive an annotated one when `confirm` is given.
    Returns "deleted" or "archived"; raises ConfirmationNeeded otherwise."""
    counts = annotation_counts(document.id)
    if not any(counts[k] for k in ("spans", "passage_tags", "ratings")):
        db.session.delete(document)
        db.session.commit()
        return "deleted"
    if not confirm:
        raise ConfirmationNeeded(
            f"“{document.title}” has {describe(counts)}. Confirm to archive it: it leaves "
            "the project's lists, reports and exports, and everything on it is kept to "
            "restore.", counts)
    document.archived_at = utcnow()
    document.archived_by_id = user.id
    history.record(document, user.id, "document", "archive", after=counts)
    db.session.commit()
    return "archived"


def archived_documents(project: Project) -> list[tuple[Document, dict[str, Any]]]:
    documents = db.session.scalars(
        sa.select(Document).where(Document.project_id == project.id,
                                  Document.archived_at.is_not(None))
        .order_by(Document.archived_at.desc())
        .execution_options(include_archived=True)).all()
    names = dict(db.session.execute(sa.select(User.id, User.username).where(
        User.id.in_({d.archived_by_id for d in documents if d.archived_by_id}))).all()) \
        if documents else {}
    return [(d, {"by": names.get(d.archived_by_id, ""), **annotation_counts(d.id)})
            for d in documents]


def archived_document(project: Project, document_id: int) -> Document:
    document = db.session.scalar(
        sa.select(Document).where(Document.id == document_id,
                                  Document.project_id == project.id,
                                  Document.archived_at.is_not(None))
        .execution_options(include_archived=True))
    if document is None:
        raise NotFound("No such document in this project's archive.")
    return document


def restore_document(user: User, project: Project, document_id: int) -> Document:
    """Bring an archived document back into the project, with everything on it."""
    document = archived_document(project, document_id)
    document.archived_at = None
    document.archived_by_id = None
    history.record(document, user.id, "document", "restore")
    db.session.commit()
    return document

