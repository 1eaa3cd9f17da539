"""Taking a document out of a project without losing anything.

A document nobody has worked on is deleted. One with annotations (spans, passage tags,
ratings, or claims filed on the claims board and verdicts on them) is archived, and only
when the teacher confirms: it leaves every list, report and export with all of that kept,
and a teacher can restore it as it was.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app import security_log
from app.extensions import db
from app.models import (
    ClaimLink,
    ClaimVerdict,
    Document,
    DocumentRating,
    PassageTag,
    Project,
    Span,
    User,
    utcnow,
)
from app.services import history
from app.services.errors import ConfirmationNeeded, NotFound


def annotation_counts(document_id: int) -> dict[str, int]:
    """Spans, passage tags, ratings, claims filed on the claims board and verdicts on them,
    on a document, and how many people made them."""
    owners: set[int] = set()
    counts = {}
    for name, model in (("spans", Span), ("passage_tags", PassageTag),
                        ("ratings", DocumentRating)):
        rows = db.session.execute(
            sa.select(model.user_id, sa.func.count(model.id))
            .where(model.document_id == document_id).group_by(model.user_id)).all()
        counts[name] = sum(n for _, n in rows)
        owners.update(user_id for user_id, _ in rows)
    filed = db.session.execute(
        sa.select(ClaimLink.linked_by_id, sa.func.count(ClaimLink.id))
        .where(ClaimLink.document_id == document_id).group_by(ClaimLink.linked_by_id)).all()
    counts["claims"] = sum(n for _, n in filed)
    owners.update(user_id for user_id, _ in filed if user_id is not None)
    judged = db.session.execute(
        sa.select(ClaimVerdict.user_id, sa.func.count(ClaimVerdict.id))
        .join(ClaimLink, ClaimLink.id == ClaimVerdict.link_id)
        .where(ClaimLink.document_id == document_id).group_by(ClaimVerdict.user_id)).all()
    counts["verdicts"] = sum(n for _, n in judged)
    owners.update(user_id for user_id, _ in judged)
    counts["annotators"] = len(owners)
    return counts


WORK = ("spans", "passage_tags", "ratings", "claims", "verdicts")


def has_work(counts: dict[str, int]) -> bool:
    """Whether anyone's work is on the document (then it is archived, never deleted)."""
    return any(counts[k] for k in WORK)


def describe(counts: dict[str, int]) -> str:
    parts = [ngettext("%(num)d span", "%(num)d spans", counts["spans"]),
             ngettext("%(num)d passage tag", "%(num)d passage tags", counts["passage_tags"]),
             ngettext("%(num)d rating", "%(num)d ratings", counts["ratings"])]
    if counts.get("claims") or counts.get("verdicts"):
        parts += [ngettext("%(num)d claim on the claims board",
                           "%(num)d claims on the claims board", counts["claims"]),
                  ngettext("%(num)d verdict on them", "%(num)d verdicts on them",
                           counts["verdicts"])]
    return ngettext("%(things)s and %(last)s by %(num)d annotator",
                    "%(things)s and %(last)s by %(num)d annotators", counts["annotators"],
                    things=", ".join(parts[:-1]), last=parts[-1])


def remove_document(user: User, document: Document, confirm: bool = False) -> str:
    """Delete an unannotated document, or archive an annotated one when `confirm` is given.
    Returns "deleted" or "archived"; raises ConfirmationNeeded otherwise."""
    counts = annotation_counts(document.id)
    if not has_work(counts):
        project_id, document_id = document.project_id, document.id
        db.session.delete(document)
        db.session.commit()
        security_log.event("document_deleted", user=user, project_id=project_id,
                           object=f"document:{document_id}")
        return "deleted"
    if not confirm:
        raise ConfirmationNeeded(
            _("“%(title)s” has %(work)s. Confirm to archive it: it leaves the project's lists, "
              "reports and exports, and everything on it is kept to restore.",
              title=document.title, work=describe(counts)), counts)
    document.archived_at = utcnow()
    document.archived_by_id = user.id
    history.record(document, user.id, "document", "archive", after=counts)
    db.session.commit()
    _log("document_archived", user, document)
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
        raise NotFound(_("No such document in this project's archive."))
    return document


def restore_document(user: User, project: Project, document_id: int) -> Document:
    """Bring an archived document back into the project, with everything on it."""
    document = archived_document(project, document_id)
    document.archived_at = None
    document.archived_by_id = None
    history.record(document, user.id, "document", "restore")
    db.session.commit()
    _log("document_restored", user, document)
    return document


def _log(name: str, user: User, document: Document) -> None:
    security_log.event(name, user=user, project_id=document.project_id,
                       object=f"document:{document.id}")

