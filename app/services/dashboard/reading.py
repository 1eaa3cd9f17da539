"""Whether the reader of a document may open it for annotating."""

from __future__ import annotations

from app.models import Document, User
from app.services import classroom, projects


def may_annotate(document: Document, user: User) -> bool:
    """Every member may, except a student whose teacher assigned them other documents."""
    role = projects.project_role(document.project, user)
    if role is None:
        return False
    if role == "student":
        mine = classroom.assigned_ids(document.project_id, user.id)
        return mine is None or document.id in mine
    return True
