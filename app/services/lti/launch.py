"""OIDC third-party login initiation and the launch: every check LTI 1.3 asks of an
id_token, made by PyJWT against the platform's published keys."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import utcnow
from app.models_lti import LtiDeployment, LtiLogin, LtiPlatform
from app.services.lti import CLAIM, HTTP_TIMEOUT, LTI_VERSION, LaunchRefused, platforms

# A login must come back as a launch within this time.
LOGIN_MINUTES = 10
# Clocks of the LMS and ours may differ by this much.
LEEWAY_SECONDS = 60
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
ALGORITHMS = ["RS256", "RS384", "RS512"]
# An unknown key id fetches the platform's JWKS again at most this often (a flood of made-up
# key ids must not make us hammer the LMS).
JWKS_COOLDOWN_SECONDS = 30.0

ADVICE_REGISTER = _l("Ask the LMS admin to check that Sourcemark is registered for this LMS "
                     "with the issuer and client id the LMS shows, on Sourcemark's admin page.")
ADVICE_RETRY = _l("Open the activity again from the course. If this keeps happening, ask the "
                  "LMS admin to check that the LMS clock is right and that it sends the "
                  "launch back to Sourcemark's launch URL.")
ADVICE_KEYS = _l("Ask the LMS admin to check the platform's public keyset URL (JWKS) "
                 "registered in Sourcemark: the launch was not signed by a key published there.")


@dataclass(frozen=True)
class Launch:
    """A checked launch: the platform, the deployment and the token's claims."""

    platform: LtiPlatform
    deployment: LtiDeployment
    claims: dict[str, Any]

    def claim(self, name: str, default: Any = None) -> Any:
        return self.claims.get(CLAIM + name, default)

    @property
    def message_type(self) -> str:
        return self.claim("message_type")


def start_login(params: dict[str, str], launch_url: str) -> tuple[str, str]:
    """Begin a launch a platform initiated: remember a fresh state and nonce, and return
    the platform's authorisation URL to redirect to, and the state."""
    issuer = params.get("iss", "")
    if not issuer or not params.get("login_hint"):
        raise LaunchRefused(_("The login request misses 'iss' or 'login_hint'."),
                            _("Ask the LMS admin to check Sourcemark's login initiation URL."))
    platform = platforms.find(issuer, params.get("client_id"))
    if platform is None:
        raise LaunchRefused(_("No LMS with the issuer '%(value)s' is registered.",
                              value=issuer[:200]),
                            ADVICE_REGISTER)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    # Logins never finished are forgotten here, in the same transaction.
    db.session.execute(sa.delete(LtiLogin).where(
        LtiLogin.created_at < utcnow() - timedelta(minutes=LOGIN_MINUTES)))
    db.session.add(LtiLogin(state=state, nonce=nonce, platform_id=platform.id))
    db.session.commit()
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
             "prompt": "none", "client_id": platform.client_id, "redirect_uri": launch_url,
             "login_hint": params["login_hint"], "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return f"{platform.auth_login_url}{separator}{urlencode(query)}", state


_JWKS: dict[str, jwt.PyJWKClient] = {}
_JWKS_LOCK = threading.Lock()


def _jwks_client(url: str) -> jwt.PyJWKClient:
    """One cached key set per JWKS URL; PyJWKClient fetches it again when a token names a
    key id it does not hold (the platform rotated its keys)."""
    with _JWKS_LOCK:
        client = _JWKS.get(url)
        if client is None:
            client = _JWKS[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600,
                                                  timeout=HTTP_TIMEOUT,
                                                  cooldown_duration=JWKS_COOLDOWN_SECONDS)
        return client


def _consume(state: str) -> tuple[str, int] | None:
    """Delete the login of this state and return its (nonce, platform id): a state is good
    for one launch, whichever of two racing requests gets it."""
    row = db.session.execute(
        sa.delete(LtiLogin).where(
            LtiLogin.state == state,
            LtiLogin.created_at >= utcnow() - timedelta(minutes=LOGIN_MINUTES))
        .returning(LtiLogin.nonce, LtiLogin.platform_id)).first()
    db.session.commit()
    return (row[0], row[1]) if row else None


def _verify(id_token: str, platform: LtiPlatform) -> dict[str, Any]:
    try:
        key = _jwks_client(platform.jwks_url).get_signing_key_from_jwt(id_token)
    except jwt.PyJWKClientConnectionError as exc:
        raise LaunchRefused(_("The LMS's public keys could not be fetched: %(exc)s", exc=exc),
                            ADVICE_KEYS) from None
    except (jwt.PyJWKClientError, jwt.DecodeError):
        raise LaunchRefused(_("The launch was signed by a key the LMS does not publish."),
                            ADVICE_KEYS) from None
    try:
        return jwt.decode(id_token, key, algorithms=ALGORITHMS, audience=platform.client_id,
                          issuer=platform.issuer, leeway=LEEWAY_SECONDS,
                          options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})
    except jwt.ExpiredSignatureError:
        raise LaunchRefused(_("The launch has expired."), ADVICE_RETRY) from None
    except jwt.ImmatureSignatureError:
        raise LaunchRefused(_("The launch was issued in the future."), ADVICE_RETRY) from None
    except jwt.InvalidAudienceError:
        raise LaunchRefused(_("The launch is meant for another tool (its 'aud' is not our "
                              "client id)."), ADVICE_REGISTER) from None
    except jwt.InvalidIssuerError:
        raise LaunchRefused(_("The launch names another issuer."), ADVICE_REGISTER) from None
    except jwt.InvalidSignatureError:
        raise LaunchRefused(_("The launch's signature does not check."), ADVICE_KEYS) from None
    except jwt.InvalidTokenError as exc:
        raise LaunchRefused(_("The launch token is not valid: %(exc)s.",
                              exc=exc), ADVICE_RETRY) from None


def _check_claims(claims: dict[str, Any], platform: LtiPlatform, nonce: str
                  ) -> LtiDeployment:
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise LaunchRefused(_("The launch's nonce is not the one this login sent."), ADVICE_RETRY)
    audience = claims["aud"]
    azp = claims.get("azp")
    if (isinstance(audience, list) and len(audience) > 1 and azp is None) or (
            azp is not None and azp != platform.client_id):
        raise LaunchRefused(_("The launch's authorised party ('azp') is not our client id."),
                            ADVICE_REGISTER)
    if claims.get(CLAIM + "version") != LTI_VERSION:
        raise LaunchRefused(_("The launch is not LTI 1.3."), ADVICE_REGISTER)
    if claims.get(CLAIM + "message_type") not in MESSAGE_TYPES:
        raise LaunchRefused(_("The launch's message type is not one Sourcemark handles."),
                            _("Ask the LMS admin to place Sourcemark as a resource link or "
                              "a deep linking (content selection) tool."))
    if not str(claims.get("sub", "")).strip():
        raise LaunchRefused(_("The launch names no user ('sub')."), ADVICE_RETRY)
    deployment_id = str(claims.get(CLAIM + "deployment_id", ""))
    deployment = db.session.scalar(sa.select(LtiDeployment).where(
        LtiDeployment.platform_id == platform.id,
        LtiDeployment.deployment_id == deployment_id))
    if deployment is None:
        raise LaunchRefused(_("The deployment '%(value)s' is not registered.",
                              value=deployment_id[:200]),
                            _("Ask the LMS admin to add this deployment id to the LMS's "
                              "registration on Sourcemark's admin page."))
    return deployment


def check_launch(id_token: str, state: str, browser_state: str | None) -> Launch:
    """The launch a platform posted, checked: the state (single use, and this browser's
    when its cookie came along), then the id_token's signature against the platform's JWKS,
    iss, aud, azp, exp, iat, nonce, LTI version, message type and deployment."""
    if not id_token or not state:
        raise LaunchRefused(_("The launch misses 'id_token' or 'state'."), ADVICE_RETRY)
    if browser_state is not None and not secrets.compare_digest(browser_state, state):
        raise LaunchRefused(_("The launch belongs to another login of this browser."),
                            ADVICE_RETRY)
    login = _consume(state)
    if login is None:
        raise LaunchRefused(_("This launch was used already, or its login has expired."),
                            ADVICE_RETRY)
    nonce, platform_id = login
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        raise LaunchRefused(_("The LMS of this login is no longer registered."), ADVICE_REGISTER)
    claims = _verify(id_token, platform)
    deployment = _check_claims(claims, platform, nonce)
    return Launch(platform, deployment, claims)
