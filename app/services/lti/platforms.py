"""Registering platforms (LMSs) and their deployments, and the configuration their admins
paste into the LMS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models_lti import LtiDeployment, LtiPlatform
from app.services.errors import Conflict, Invalid, NotFound
from app.services.lti import SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_SCORE

URL_FIELDS = ("auth_login_url", "auth_token_url", "jwks_url")
MAX_LENGTH = {"name": 120, "issuer": 255, "client_id": 255, "deployment_id": 255,
              **{field: 1000 for field in URL_FIELDS}}


def _check_url(field: str, value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Invalid(_("'%(field)s' must be an https:// URL (the LMS shows it in its LTI "
                        "settings).", field=field), {field: "not a URL"})
    return value


def _check_length(field: str, value: str) -> str:
    if len(value) > MAX_LENGTH[field]:
        raise Invalid(_("'%(field)s' is longer than %(value)s characters.",
                        field=field, value=MAX_LENGTH[field]),
                      {field: "too long"})
    return value


def _clean(values: dict[str, str]) -> dict[str, str]:
    out = {}
    for field in ("name", "issuer", "client_id", *URL_FIELDS):
        value = _check_length(field, (values.get(field) or "").strip())
        if field != "name" and not value:
            raise Invalid(_("'%(field)s' is required.", field=field), {field: "required"})
        out[field] = _check_url(field, value) if field in URL_FIELDS else value
    _check_url("issuer", out["issuer"])
    return out


def _deployment_ids(ids: Iterable[str]) -> list[str]:
    out = []
    for raw in ids:
        value = _check_length("deployment_id", raw.strip())
        if value and value not in out:
            out.append(value)
    return out


def register(values: dict[str, str], deployment_ids: Iterable[str]) -> LtiPlatform:
    """Register a platform with its deployments (one transaction)."""
    fields = _clean(values)
    exists = db.session.scalar(sa.select(LtiPlatform.id).where(
        LtiPlatform.issuer == fields["issuer"], LtiPlatform.client_id == fields["client_id"]))
    if exists is not None:
        raise Conflict(_("This issuer and client id are registered already."),
                       {"client_id": "taken"})
    platform = LtiPlatform(**fields)
    platform.deployments = [LtiDeployment(deployment_id=d)
                            for d in _deployment_ids(deployment_ids)]
    db.session.add(platform)
    db.session.commit()
    return platform


def add_deployment(platform: LtiPlatform, deployment_id: str) -> LtiDeployment:
    """Allow launches from one more deployment of a registered platform."""
    (value,) = _deployment_ids([deployment_id]) or [""]
    if not value:
        raise Invalid(_("'deployment_id' is required."), {"deployment_id": "required"})
    for known in platform.deployments:
        if known.deployment_id == value:
            return known
    deployment = LtiDeployment(platform=platform, deployment_id=value)
    db.session.add(deployment)
    db.session.commit()
    return deployment


def remove(platform_id: int) -> None:
    """Forget a platform: its launches stop working (its links and grade log go too)."""
    db.session.delete(get(platform_id))
    db.session.commit()


def get(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        raise NotFound(_("No such platform."))
    return platform


def all_platforms() -> list[LtiPlatform]:
    return list(db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.id)))


def find(issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The platform of an issuer (and client id, when the platform names it)."""
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(db.session.scalars(query.order_by(LtiPlatform.id).limit(2)))
    # Without a client id the issuer must name exactly one registration.
    return found[0] if len(found) == 1 else None


def tool_urls(url_for) -> dict[str, str]:
    """Our URLs a platform admin pastes, from a url_for that makes external URLs."""
    return {"login_initiation": url_for("lti.login"), "launch": url_for("lti.launch"),
            "deep_linking": url_for("lti.launch"), "jwks": url_for("lti.jwks"),
            "configuration": url_for("lti.configuration")}


def canvas_json(urls: dict[str, str], domain: str) -> dict[str, Any]:
    """The JSON Canvas's "Developer Keys → LTI Key → Paste JSON" takes."""
    return {
        "title": "Sourcemark",
        "description": "Annotate texts by source type, rhetoric and unsupported claims.",
        "oidc_initiation_url": urls["login_initiation"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_NRPS],
        "extensions": [{
            "domain": domain, "tool_id": "sourcemark", "platform": "canvas.instructure.com",
            "privacy_level": "public",
            "settings": {"placements": [
                {"placement": "assignment_selection", "message_type": "LtiDeepLinkingRequest",
                 "target_link_uri": urls["deep_linking"]},
                {"placement": "link_selection", "message_type": "LtiDeepLinkingRequest",
                 "target_link_uri": urls["deep_linking"]},
            ]},
        }],
        "custom_fields": {},
    }


def tool_scopes() -> list[str]:
    """The LTI Advantage scopes Sourcemark asks for."""
    return [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_NRPS]
