"""Who a launch signs in: the account linked to the platform's user (issuer + sub), the
role the LMS gives them, and the project of the resource link they came from."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.models import Document, Project, User
from app.models_lti import LtiDeployment, LtiResourceLink, LtiUser
from app.services import projects
from app.services.lti import AGS_CLAIM, NRPS_CLAIM, LaunchRefused
from app.services.lti.launch import Launch

TEACHING = {"Instructor", "Administrator", "ContentDeveloper", "Mentor"}
ASSISTING = {"TeachingAssistant"}


def project_role(roles: list[Any]) -> str:
    """The project role of the LMS's course roles: Instructor → teacher, a teaching
    assistant → adjudicator, anyone else (Learner) → student. Only course (membership)
    roles count: an institution role says nothing of this course."""
    names = set()
    for role in roles or []:
        role = str(role)
        if "/institution/" in role or "/system/" in role:
            continue
        names.add(role.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    if names & ASSISTING:
        return "adjudicator"
    if names & TEACHING:
        return "teacher"
    return "student"


def _display_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    return str(name or "")[:120]


def linked_user(issuer: str, sub: str, name: str, role: str) -> User:
    """The account of a platform's user, made on their first launch (not committed). Its
    username is random: LMS names collide across schools, and must never match."""
    link = db.session.scalar(sa.select(LtiUser).where(LtiUser.issuer == issuer,
                                                      LtiUser.sub == sub))
    system_role = "teacher" if role in ("teacher", "adjudicator") else "student"
    if link is not None:
        user = db.session.get(User, link.user_id)
        if name:
            user.display_name = name
        if system_role == "teacher" and user.role == "student":
            user.role = "teacher"  # they may now make projects for their courses
        return user
    user = User(username=f"lti-{secrets.token_hex(6)}", role=system_role,
                display_name=name)
    user.set_password(secrets.token_urlsafe(32))  # never told to anyone: LMS sign-in only
    db.session.add(user)
    db.session.flush()
    db.session.add(LtiUser(issuer=issuer, sub=sub, user_id=user.id))
    return user


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lti-resource")


def resource_token(project_id: int, document_id: int | None) -> str:
    """What a deep-linked resource carries in its custom parameters: the project (and
    document), signed, so that an LMS user who edits custom parameters cannot point a
    link at somebody else's project."""
    return _serializer().dumps([project_id, document_id])


def _from_token(token: str) -> tuple[int, int | None] | None:
    try:
        project_id, document_id = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(project_id), (int(document_id) if document_id is not None else None)


@dataclass
class Entry:
    """Where a launch leads: the person, their role here, and the resource link."""

    user: User
    role: str
    link: LtiResourceLink | None


def _resource_link(launch: Launch) -> LtiResourceLink:
    resource = launch.claim("resource_link") or {}
    resource_id = str(resource.get("id", ""))[:255]
    if not resource_id:
        raise LaunchRefused(_("The launch names no resource link."),
                            _("Ask the LMS admin to check Sourcemark's placement in the course."))
    link = db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.deployment_id == launch.deployment.id,
        LtiResourceLink.resource_link_id == resource_id))
    if link is None:
        link = LtiResourceLink(deployment_id=launch.deployment.id, resource_link_id=resource_id)
        db.session.add(link)
    context = launch.claim("context") or {}
    link.context_id = str(context.get("id", ""))[:255]
    link.context_title = str(context.get("title", ""))[:255]
    link.title = str(resource.get("title", "") or "")[:255]
    ags = launch.claims.get(AGS_CLAIM) or {}
    link.lineitem_url = str(ags.get("lineitem", "") or link.lineitem_url)[:1000]
    nrps = launch.claims.get(NRPS_CLAIM) or {}
    link.memberships_url = str(nrps.get("context_memberships_url", "")
                               or link.memberships_url)[:1000]
    token = (launch.claim("custom") or {}).get("sourcemark")
    target = _from_token(str(token)) if token else None
    if target is not None and link.project_id is None:
        attach(link, *target)
    return link


def attach(link: LtiResourceLink, project_id: int, document_id: int | None) -> None:
    """Point a resource link at a project (and one of its documents)."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise LaunchRefused(_("The project of this activity was deleted."),
                            _("Ask the teacher to choose the project again."))
    document = db.session.get(Document, document_id) if document_id else None
    link.project_id = project.id
    link.document_id = document.id if document and document.project_id == project.id else None


def enter(launch: Launch) -> Entry:
    """Sign-in of a resource link launch: the linked account, the resource link (and its
    project, when one is chosen) and the person's membership in it. One transaction."""
    claims = launch.claims
    role = project_role(launch.claim("roles", []))
    user = linked_user(launch.platform.issuer, str(claims["sub"]), _display_name(claims), role)
    link = None
    if launch.message_type == "LtiResourceLinkRequest":
        link = _resource_link(launch)
        if link.project_id is not None:
            join_project(db.session.get(Project, link.project_id), user, role)
    elif role != "teacher":
        raise LaunchRefused(_("Only a course's instructors choose what Sourcemark opens."),
                            _("Ask the course's teacher to add the activity."))
    db.session.commit()
    return Entry(user, role, link)


def join_project(project: Project, user: User, role: str) -> None:
    """Make the person a member of the project with the LMS's role (not committed)."""
    member = projects.membership(project, user)
    if member is None:
        projects.add_member(project, user, role)
    elif role == "teacher" and member.role != "teacher":
        member.role = "teacher"  # the LMS made them an instructor of the course


def link_for(deployment: LtiDeployment, resource_link_id: str) -> LtiResourceLink | None:
    return db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.deployment_id == deployment.id,
        LtiResourceLink.resource_link_id == resource_link_id))
