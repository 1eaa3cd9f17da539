"""The language switch in the header."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.i18n import COOKIE, supported

bp = Blueprint("i18n", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.post("/language")
def choose():
    """Remember the chosen language (on the account when signed in, else in a cookie) and
    go back to the page the switch was on."""
    code = supported(request.form.get("language"))
    if code is None:
        abort(400, description=_("Unknown language."))
    from app.services import accounts

    if current_user.is_authenticated:
        accounts.set_locale(current_user, code)
    from app.auth.routes import _safe_next

    response = redirect(_safe_next(request.form.get("next")))
    response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
