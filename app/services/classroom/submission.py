"""Submission and its lock: a student's submitted document is read-only to them until a
teacher reopens it; what an annotation write checks first, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db, run_prepared
from app.models import (
    Assignment,
    Codebook,
    Document,
    DocumentProgress,
    Membership,
    Project,
    User,
)
from app.services.errors import Forbidden, NotFound, ServiceError


class Locked(ServiceError):
    """The student submitted this document; only a teacher can reopen it."""

    code = "submitted"
    status = 423


@dataclass(frozen=True)
class WriteState:
    """What an annotation write needs to know before it writes, read in one statement."""

    role: str | None  # the writer's role in the project
    submitted: datetime | None
    assigns: bool  # the project assigns the writer documents …
    mine: bool  # … and this one is among them
    last_activity: datetime | None  # the writer's last change to the document
    codebook: tuple[Any, ...]  # the project's codebook: (id, version, updated_at)


def _scalar(column: Any, *where: Any) -> Any:
    return sa.select(column).where(*where).scalar_subquery()


# Run before every annotation write, so built once: a Core statement with bound parameters.
_PROJECT, _DOCUMENT, _USER = (sa.bindparam(name) for name in ("project", "document", "user"))
_WRITE_STATE = sa.select(
    _scalar(Membership.role, Membership.project_id == _PROJECT, Membership.user_id == _USER),
    _scalar(DocumentProgress.done_at, DocumentProgress.document_id == _DOCUMENT,
            DocumentProgress.user_id == _USER),
    sa.exists().where(Assignment.project_id == _PROJECT, Assignment.user_id == _USER),
    sa.exists().where(Assignment.document_id == _DOCUMENT, Assignment.user_id == _USER),
    _scalar(DocumentProgress.last_activity_at, DocumentProgress.document_id == _DOCUMENT,
            DocumentProgress.user_id == _USER),
    _scalar(Codebook.id, Codebook.project_id == _PROJECT),
    _scalar(Codebook.version, Codebook.project_id == _PROJECT),
    _scalar(Codebook.updated_at, Codebook.project_id == _PROJECT),
)


def check_writable(user: User, document: Document, *, submitting: bool = False
                   ) -> WriteState:
    """Refuse a student's change to a document not assigned to them (when the project
    assigns documents), or one they submitted (a teacher reopens it). One query, whose
    answer the write goes on with."""
    row = run_prepared(_WRITE_STATE, {
        "project": document.project_id, "document": document.id, "user": user.id}).one()
    state = WriteState(row[0], row[1], bool(row[2]), bool(row[3]), row[4], tuple(row[5:8]))
    if state.role == "student":
        if state.assigns and not state.mine:
            raise Forbidden(_("This document is not one of your assignments."))
        if state.submitted is not None and not submitting:
            raise Locked(_("You submitted this document, so it is locked; ask your teacher to "
                           "reopen it if you need to change something."))
    return state


def reopen(project: Project, document_id: int, username: str) -> None:
    """Let a student change a submitted document again."""
    row = db.session.execute(
        sa.select(DocumentProgress).join(User, User.id == DocumentProgress.user_id)
        .join(Document, Document.id == DocumentProgress.document_id)
        .where(Document.project_id == project.id, Document.id == document_id,
               User.username == username)).scalar_one_or_none()
    if row is None or row.done_at is None:
        raise NotFound(_("%(username)s has not submitted this document.", username=username))
    row.done_at = None
    db.session.commit()
