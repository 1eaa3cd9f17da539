"""Who is asking: session logins and API tokens; response headers every page gets."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from app.extensions import login_manager
from app.models import User

# No inline script or style anywhere: pages load their code from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def csp(frame_ancestors: str | None = None, form_action: str | None = None) -> str:
    """The policy, letting these origins frame the page or receive its forms as well (a
    session opened by an LMS launch lives in the LMS's iframe)."""
    policy = CSP
    if frame_ancestors:
        policy = policy.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors}")
    if form_action:
        policy = policy.replace("form-action 'self'", f"form-action 'self' {form_action}")
    return policy

# One year, as HSTS preload lists ask.
HSTS_MAX_AGE = 31536000


class Anonymous(AnonymousUserMixin):
    role = None
    username = ""
    name = ""


def bearer_token(req: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The login cookie names a user and one of their login sessions; signing out (or
    "sign out everywhere") deletes the session, and the cookie signs nobody in again."""
    from app.services.accounts import session_user

    if bearer_token(request) is not None:
        # A request that names a token is that token's alone: the cookie it also carries
        # signs nobody in (else a junk token would skip CSRF while the cookie acted).
        return None
    ident, _, login_token = user_id.partition(":")
    if not ident.isdigit() or not login_token:
        return None
    user = session_user(int(ident), login_token)
    if user is not None:
        user.login_token = login_token
    return user


def current_login_token() -> str | None:
    """The login session token of this request's cookie, if any."""
    from flask import session

    _, _, token = str(session.get("_user_id", "")).partition(":")
    return token or None


@login_manager.request_loader
def load_user_from_token(req: Request) -> User | None:
    from app.services.tokens import user_for_token

    token = bearer_token(req)
    return user_for_token(token) if token else None


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        response = jsonify(error={"code": "unauthorized",
                                  "message": _("Sign in, or send 'Authorization: Bearer "
                                               "<token>'."),
                                  "fields": {}})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="sourcemark"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _unstorable(value: Any, where: str) -> str | None:
    """The place of the first string no database can store: one holding the NUL character
    or half of a surrogate pair (not a character at all)."""
    if isinstance(value, str):
        if "\x00" in value:
            return where
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key, where) or _unstorable(item, f"{where}.{key}" if where
                                                            else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable(item, f"{where}[{index}]")
            if found:
                return found
    return None


_FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse_unstorable_text() -> None:
    """Refuse, before any view runs, text that cannot be stored (PostgreSQL refuses NUL in
    text; lone surrogates are not UTF-8): a clear 400 naming the field, never a 500."""
    from app.services.errors import Invalid

    sources: list[Any] = [request.view_args or {}]
    if request.query_string:
        sources.append(request.args.to_dict(flat=False))
    if request.mimetype in _FORMS:
        sources.append(request.form.to_dict(flat=False))
    elif request.is_json:
        sources.append(request.get_json(silent=True))
    for value in sources:
        where = _unstorable(value, "")
        if where is not None:
            raise Invalid(_("'%(where)s' holds a character that cannot be stored (NUL or a lone "
                            "surrogate); remove it and send again.",
                            where=where), {where: "invalid character"})


# What a user whose password expired may still do: choose a new one, or sign out.
_WHILE_PASSWORD_EXPIRED = {"static", "auth.change_password", "auth.logout"}


def require_password_change():
    """A user signed in with a password that expired at first sign-in chooses their own
    before anything else: pages redirect to the form, the API answers 403."""
    from flask_login import current_user

    if request.endpoint in _WHILE_PASSWORD_EXPIRED or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        from app.errors import api_error

        return api_error("password_change_required",
                         _("Choose your own password first: the one you were given has "
                           "expired. Open /account/password in the browser."), 403)
    return redirect(url_for("auth.change_password"))


def init_app(app: Flask) -> None:
    from app import security_log

    security_log.init_app(app)
    app.before_request(refuse_unstorable_text)
    app.before_request(require_password_change)

    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the unauthorized handler sends people to sign in
    login_manager.session_protection = "basic"

    @app.after_request
    def headers(response):
        from flask import g

        framers = g.get("frame_ancestors")  # only the LMS of an LTI session (app.lti)
        response.headers.setdefault("Content-Security-Policy", csp(framers))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not framers:
            response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["PRODUCTION"]:
            # Production is served over HTTPS only (behind the proxy): browsers remember it.
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={HSTS_MAX_AGE}; includeSubDomains")
        return response
