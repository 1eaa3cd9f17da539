"""Course links (resource links) as a teacher manages them: what each opens, its grade
formula, and who may change it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, User
from app.models_lti import SCORE_FORMULAS, LtiResourceLink
from app.services import projects
from app.services.errors import Invalid, NotFound
from app.services.lti.people import attach


def get_link(user: User, link_id: int, launched: list[int]) -> LtiResourceLink:
    """A course link this user may manage: a teacher of its project, or (before it has a
    project) the instructor whose launch brought them here (`launched`)."""
    link = db.session.get(LtiResourceLink, link_id)
    if link is None:
        raise NotFound(_("No such course link."))
    if link.id in launched:
        return link
    if link.project_id is None:
        raise NotFound(_("No such course link."))
    projects.get_project(user, link.project_id, manage=True)  # 404 outsiders, 403 students
    return link


def links_of_project(project_id: int) -> list[LtiResourceLink]:
    return list(db.session.scalars(sa.select(LtiResourceLink).where(
        LtiResourceLink.project_id == project_id).order_by(LtiResourceLink.id)))


def configure(user: User, link: LtiResourceLink, project_id: int, document_id: int,
              formula: str) -> LtiResourceLink:
    """Set what a course link opens (0: a new project named after it) and its formula."""
    if formula not in SCORE_FORMULAS:
        raise Invalid(_("Unknown grade formula '%(formula)s'.",
                        formula=formula), {"formula": "unknown"})
    if project_id == 0:
        project = projects.create_project(
            user, (link.title or link.context_title or "Course project")[:200])
    else:
        project = projects.get_project(user, project_id, manage=True)
    document = db.session.get(Document, document_id) if document_id else None
    if document is not None and document.project_id != project.id:
        raise Invalid(_("That document is not in the chosen project."), {"document": "other"})
    attach(link, project.id, document.id if document else None)
    link.formula = formula
    projects.add_member(project, user, "teacher")
    db.session.commit()
    return link
