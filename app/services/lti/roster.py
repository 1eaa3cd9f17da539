"""Names and Role Provisioning Services: the course roster into the project."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.extensions import db
from app.models import Project
from app.models_lti import LtiResourceLink
from app.services.errors import Invalid, ServiceError
from app.services.lti import SCOPE_NRPS
from app.services.lti.client import PlatformError, call
from app.services.lti.people import join_project, linked_user, project_role

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
# Pages of a roster followed at most (a course of 100 000 would stop here).
MAX_PAGES = 50


def _members(link: LtiResourceLink) -> list[dict[str, Any]]:
    platform = link.deployment.platform
    url: str | None = link.memberships_url
    members: list[dict[str, Any]] = []
    for _page in range(MAX_PAGES):
        if not url:
            break
        answer = call(platform, [SCOPE_NRPS], "GET", url,
                      headers={"Accept": MEMBERSHIP_TYPE})
        members += answer.json().get("members", [])
        url = answer.links.get("next", {}).get("url")
    return members


def sync(link: LtiResourceLink) -> dict[str, int]:
    """Add the course's active members to the link's project with the roles the LMS gives
    (accounts are made for people who never launched). Returns counts. One transaction."""
    if link.project_id is None:
        raise Invalid(_("Choose the project of this course link first."), {"project": "required"})
    if not link.memberships_url:
        raise Invalid(_("The LMS offers no roster for this course (Names and Role "
                        "Provisioning Services is off for Sourcemark)."), {})
    try:
        members = _members(link)
    except PlatformError as exc:
        raise Invalid(_("The LMS did not give the roster: %(exc)s", exc=exc), {}) from None
    project = db.session.get(Project, link.project_id)
    issuer = link.deployment.platform.issuer
    counts = {"members": 0, "skipped": 0}
    try:
        _add(project, issuer, members, counts)
    except ServiceError:
        db.session.rollback()  # nothing half-way: the member limit refuses the whole roster
        raise
    db.session.commit()
    return counts


def _add(project: Project, issuer: str, members: list[dict[str, Any]],
         counts: dict[str, int]) -> None:
    for member in members:
        sub = str(member.get("user_id", "")).strip()[:255]
        if not sub or member.get("status", "Active") != "Active":
            counts["skipped"] += 1
            continue
        role = project_role(member.get("roles", []))
        name = str(member.get("name") or " ".join(
            str(member.get(k, "")) for k in ("given_name", "family_name")).strip())[:120]
        join_project(project, linked_user(issuer, sub, name, role), role)
        db.session.flush()
        counts["members"] += 1
