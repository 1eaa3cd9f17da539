"""The reveal: what a student may see of classmates' work and the gold key, by the project's
policy."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    REVEAL_POLICIES,
    Assignment,
    Document,
    DocumentProgress,
    Membership,
    Project,
    User,
    utcnow,
)
from app.services.errors import Forbidden, Invalid


def set_reveal(project: Project, policy: str, anonymous: bool) -> None:
    if policy not in REVEAL_POLICIES:
        raise Invalid(_("Reveal is one of %(value)s.",
                        value=', '.join(REVEAL_POLICIES)), {"reveal": "unknown"})
    project.reveal = policy
    project.reveal_anonymous = anonymous
    db.session.commit()


def revealed(project: Project, document: Document, user: User, role: str | None = None
             ) -> bool:
    """May this member see classmates' annotations and the gold key of this document?
    Teachers always; students as the project's reveal policy says. `role`: the user's role
    in the project when the caller has read it already."""
    if role is None:
        role = db.session.scalar(sa.select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == user.id))
    if role != "student":
        return role is not None or user.role == "admin"
    if project.reveal == "after_submit":
        return db.session.scalar(sa.select(DocumentProgress.done_at).where(
            DocumentProgress.document_id == document.id,
            DocumentProgress.user_id == user.id)) is not None
    if project.reveal == "after_due":
        due = db.session.scalar(sa.select(Assignment.due_at).where(
            Assignment.document_id == document.id, Assignment.user_id == user.id))
        return due is not None and due <= utcnow()
    return False


def reveal_view(project: Project, document: Document, user: User) -> dict[str, Any]:
    """The comparison of a document as a student may see it after the reveal: their own
    work ("You"), the gold key and classmates (as "Classmate n" when the project hides
    names). Raises Forbidden before the reveal."""
    from app.services.gold import GOLD_NAME
    from app.services.review import comparison

    if not revealed(project, document, user):
        raise Forbidden(str(_NOT_YET[project.reveal]))
    view = comparison(document)
    others = [name for name in view["annotators"] if name not in (user.username, GOLD_NAME)]
    shown = {user.username: _("You"), GOLD_NAME: _("Gold key")}
    for number, name in enumerate(others, start=1):
        shown[name] = _("Classmate %(number)s", number=number) if project.reveal_anonymous \
            else name
    order = [n for n in (user.username, GOLD_NAME) if n in view["annotators"]] + others
    passages = []
    for passage in view["passages"]:
        passages.append({**passage,
                         "tags": {shown[n]: passage["tags"][n] for n in order
                                  if n in passage["tags"]},
                         "spans": {shown[n]: passage["spans"][n] for n in order}})
    return {"annotators": [shown[n] for n in order], "passages": passages,
            "names": view["names"]}


_NOT_YET = {
    "never": _l("Your teacher has not opened classmates' work or the answer key for this "
                "project."),
    "after_submit": _l("Submit the document first: then you can compare your work with the "
                       "key and your classmates'."),
    "after_due": _l("You can compare your work with the key and your classmates' after the "
                    "due date."),
}
