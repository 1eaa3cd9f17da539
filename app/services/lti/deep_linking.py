"""Deep linking: an instructor picks (or creates) a project, and optionally one of its
documents, and the LMS gets it back as a signed LtiDeepLinkingResponse."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, User, utcnow
from app.models_lti import LtiPlatform
from app.services import projects
from app.services.errors import Invalid
from app.services.lti import CLAIM, DL_CLAIM, LTI_VERSION, keys, people
from app.services.lti.launch import Launch

SCORE_MAXIMUM = 100


def settings_of(launch: Launch) -> dict[str, Any]:
    """What the deep linking response needs later (kept in the session meanwhile)."""
    settings = launch.claims.get(DL_CLAIM + "deep_linking_settings") or {}
    return_url = str(settings.get("deep_link_return_url", ""))
    if not return_url.startswith(("https://", "http://")):
        from app.services.lti import LaunchRefused

        raise LaunchRefused(_("The deep linking request names no return URL."),
                            _("Ask the LMS admin to check Sourcemark's deep linking settings."))
    return {"platform_id": launch.platform.id, "return_url": return_url,
            "deployment_id": launch.claim("deployment_id"), "data": settings.get("data"),
            "accept_types": list(settings.get("accept_types") or ["ltiResourceLink"])}


def teaching_projects(user: User) -> list:
    """The projects this user teaches, to choose from."""
    return [p for p in projects.visible_projects(user)
            if projects.project_role(p, user) == "teacher"]


def respond(user: User, settings: dict[str, Any], launch_url: str, project_id: int | None,
            new_title: str, document_id: int | None) -> str:
    """The signed LtiDeepLinkingResponse of the instructor's choice (a new project is
    created and committed first)."""
    if "ltiResourceLink" not in settings["accept_types"]:
        raise Invalid(_("The LMS does not accept links to activities here."), {})
    if new_title.strip():
        project = projects.create_project(user, new_title.strip())
    elif project_id:
        project = projects.get_project(user, project_id, manage=True)
    else:
        raise Invalid(_("Choose a project, or give a title for a new one."),
                      {"project": "required"})
    document = db.session.get(Document, document_id) if document_id else None
    if document is not None and document.project_id != project.id:
        raise Invalid(_("That document is not in the chosen project."), {"document": "other"})
    title = project.title + (f": {document.title}" if document else "")
    item = {"type": "ltiResourceLink", "title": title[:255], "url": launch_url,
            "custom": {"sourcemark": people.resource_token(
                project.id, document.id if document else None)},
            "lineItem": {"scoreMaximum": SCORE_MAXIMUM, "label": title[:255]}}
    platform = db.session.get(LtiPlatform, settings["platform_id"])
    now = utcnow()
    claims = {
        "iss": platform.client_id, "aud": platform.issuer, "iat": now,
        "exp": now + timedelta(minutes=5), "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": settings["deployment_id"],
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": LTI_VERSION,
        DL_CLAIM + "content_items": [item],
    }
    if settings.get("data") is not None:
        claims[DL_CLAIM + "data"] = settings["data"]
    return keys.sign(claims)
