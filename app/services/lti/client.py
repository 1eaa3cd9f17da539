"""Calls to a platform's services: an access token (OAuth 2 client credentials with a
signed JWT assertion), then JSON over HTTPS."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta
from typing import Any

import requests

from app.models import utcnow
from app.models_lti import LtiPlatform
from app.services.lti import HTTP_TIMEOUT, keys


class PlatformError(Exception):
    """A platform's service answered with an error, or not at all."""


_TOKENS: dict[tuple[int, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


def access_token(platform: LtiPlatform, scopes: list[str]) -> str:
    """A bearer token for these scopes, reused until shortly before it expires."""
    scope = " ".join(sorted(scopes))
    with _TOKENS_LOCK:
        cached = _TOKENS.get((platform.id, scope))
    if cached and cached[1] > time.monotonic():
        return cached[0]
    now = utcnow()
    assertion = keys.sign({"iss": platform.client_id, "sub": platform.client_id,
                           "aud": platform.auth_token_url, "iat": now,
                           "exp": now + timedelta(minutes=5),
                           "jti": secrets.token_urlsafe(16)})
    answer = _call("POST", platform.auth_token_url, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion, "scope": scope})
    body = answer.json()
    token = body.get("access_token")
    if not token:
        raise PlatformError("The platform's token endpoint gave no access_token.")
    lifetime = float(body.get("expires_in", 3600))
    with _TOKENS_LOCK:
        _TOKENS[(platform.id, scope)] = (token, time.monotonic() + max(lifetime - 60, 0))
    return token


def forget_tokens() -> None:
    """Drop cached access tokens (a platform that refused one may have revoked it)."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


def _call(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        answer = requests.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise PlatformError(f"{type(exc).__name__}: {exc}"[:400]) from None
    if answer.status_code >= 400:
        raise PlatformError(f"HTTP {answer.status_code} from {url[:200]}: "
                            f"{answer.text[:200]}")
    return answer


def call(platform: LtiPlatform, scopes: list[str], method: str, url: str,
         **kwargs: Any) -> requests.Response:
    """A service call with a bearer token of these scopes."""
    headers = {**kwargs.pop("headers", {}),
               "Authorization": f"Bearer {access_token(platform, scopes)}"}
    try:
        return _call(method, url, headers=headers, **kwargs)
    except PlatformError as exc:
        if str(exc).startswith("HTTP 401"):
            forget_tokens()
        raise
