"""LTI 1.3 pages: the endpoints an LMS calls (login, launch, JWKS, configuration), the
admin's registration page and the teacher's pages of a course link."""

from __future__ import annotations

from flask import Blueprint, Flask, g, session
from flask.sessions import SecureCookieSessionInterface

bp = Blueprint("lti", __name__, url_prefix="/lti")

# The session key that marks a session opened by an LTI launch: the LMS origin that may
# frame our pages. Only such sessions get a SameSite=None cookie and a frame-ancestors rule.
FRAME = "lti_frame"
# The course links an instructor's launch in this session came from (they may set them up).
LAUNCHED = "lti_launched"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie of a session opened by an LMS launch must travel inside the LMS's
    iframe (a third-party context): SameSite=None, and so Secure, and Partitioned (CHIPS):
    browsers that block third-party cookies keep a partitioned one, for frames under that
    LMS only. Every other session keeps the configured SameSite=Lax."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        if session.get(FRAME):
            return "None"
        return super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(session.get(FRAME)) or super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return bool(session.get(FRAME)) or super().get_cookie_partitioned(app)

    def open_session(self, app: Flask, request):  # noqa: ANN001, ANN201
        opened = super().open_session(app, request)
        if opened is not None:
            opened.was_framed = bool(opened.get(FRAME))
        return opened

    def save_session(self, app: Flask, session, response) -> None:  # noqa: ANN001
        framed = bool(session.get(FRAME))
        if framed != getattr(session, "was_framed", False):
            # The session changed kind (an LMS launch, or signing out of one). A browser at
            # the top level would send both kinds of cookie and the older would win: expire
            # the other kind first.
            response.delete_cookie(
                self.get_cookie_name(app), path=self.get_cookie_path(app),
                domain=self.get_cookie_domain(app), secure=not framed or None,
                samesite="None" if not framed else None, partitioned=not framed)
        super().save_session(app, session, response)


@bp.before_app_request
def _frame_rules() -> None:
    framer = session.get(FRAME)
    if framer:
        g.frame_ancestors = f"'self' {framer}"


def init_app(app: Flask) -> None:
    from app.extensions import csrf
    from app.lti import manage, routes  # noqa: F401  (routes attach themselves to bp)
    from app.services.lti import grades

    app.config.setdefault("LTI_SEND_AFTER_REQUEST", True)
    app.session_interface = SessionInterface()
    # The LMS posts these itself (no form of ours, no CSRF token): the signed id_token
    # and the single-use state are what make them trustworthy.
    csrf.exempt(routes.login)
    csrf.exempt(routes.launch)
    grades.init_app(app)
    from app.lti.cli import lti_cli

    app.cli.add_command(lti_cli)
    app.register_blueprint(bp)
