"""The endpoints an LMS calls: login initiation, launch, our JWKS and configuration, and
the deep linking choice. Views parse, call a service, respond."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.extensions import db
from app.lti import FRAME, LAUNCHED, bp
from app.lti.forms import DeepLinkForm
from app.security import csp
from app.services import accounts
from app.services.errors import ServiceError
from app.services.lti import LaunchRefused, deep_linking, keys, people, platforms
from app.services.lti.launch import check_launch, start_login

STATE_COOKIE = "lti_state"
DEEP_LINK = "lti_deep_link"


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _origin(url: str | None) -> str | None:
    """scheme://host[:port] of a URL, or None: the only shape that goes into a header."""
    parts = urlsplit(url or "")
    if parts.scheme in ("https", "http") and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return None


@bp.errorhandler(LaunchRefused)
def refused(exc: LaunchRefused):
    db.session.rollback()  # nothing half-way: no account, no link
    current_app.logger.warning("LTI launch refused: %s", exc.message)
    return render_template("lti/refused.html", message=exc.message, advice=exc.advice), 400


@bp.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party login initiation: on to the platform's authorisation endpoint."""
    params = request.values.to_dict()
    target, state = start_login(params, _url("lti.launch"))
    response = redirect(target)
    # Binds the launch to this browser where third-party cookies are allowed.
    response.set_cookie(STATE_COOKIE, state, max_age=600, secure=True, httponly=True,
                        samesite="None", partitioned=True, path=url_for("lti.launch"))
    return response


def _sign_in(user, framer: str | None) -> None:
    # As at any sign-in: a fresh session with a login session of its own.
    session.clear()
    user.login_token = accounts.open_session(user, request.headers.get("User-Agent", ""))
    login_user(user)
    if framer:
        session[FRAME] = framer


@bp.post("/launch")
def launch():
    """The platform's form post of the id_token: check it, sign the person in, go on."""
    checked = check_launch(request.form.get("id_token", ""), request.form.get("state", ""),
                           request.cookies.get(STATE_COOKIE))
    entry = people.enter(checked)
    framer = _origin(request.headers.get("Origin")) or _origin(request.referrer) \
        or _origin(checked.platform.issuer)
    _sign_in(entry.user, framer)
    if entry.link is not None and entry.role == "teacher":
        session[LAUNCHED] = [entry.link.id]
    if checked.message_type == "LtiDeepLinkingRequest":
        session[DEEP_LINK] = deep_linking.settings_of(checked)
        target = url_for("lti.deep_link")
    elif entry.link.project_id is None:
        target = url_for("lti.link", course_link_id=entry.link.id) if entry.role == "teacher" \
            else url_for("lti.not_ready")
    elif entry.link.document_id and entry.role == "student":
        target = url_for("web.annotate", project_id=entry.link.project_id,
                         document_id=entry.link.document_id)
    else:
        target = url_for("web.project", project_id=entry.link.project_id)
    response = redirect(target)
    response.delete_cookie(STATE_COOKIE, path=url_for("lti.launch"), secure=True,
                           samesite="None", partitioned=True)
    return response


@bp.get("/not-ready")
def not_ready():
    return render_template("lti/not_ready.html")


@bp.get("/jwks")
def jwks():
    """Our public keys (JWKS), for platforms to check what we sign."""
    return jsonify(keys.jwks())


@bp.get("/config")
def configuration():
    """The values a platform admin pastes into the LMS."""
    urls = platforms.tool_urls(_url)
    return render_template("lti/configuration.html", urls=urls,
                           domain=urlsplit(request.host_url).hostname)


@bp.get("/config.json")
def configuration_json():
    return jsonify({**platforms.tool_urls(_url), "scopes": platforms.tool_scopes()})


@bp.get("/canvas.json")
def canvas_json():
    """The JSON for Canvas's "Paste JSON" developer key form."""
    return jsonify(platforms.canvas_json(platforms.tool_urls(_url),
                                         urlsplit(request.host_url).hostname or ""))


def _deep_link_form(settings) -> DeepLinkForm:
    form = DeepLinkForm()
    choices = deep_linking.teaching_projects(current_user)
    form.project.choices = [(0, "—")] + [(p.id, p.title) for p in choices]
    form.document.choices = [(0, _("The whole project"))] + [
        (d.id, f"{p.title}: {d.title}") for p in choices for d in p.documents]
    return form


@bp.route("/deep-link", methods=["GET", "POST"])
def deep_link():
    """The instructor's choice of what the new course activity opens."""
    settings = session.get(DEEP_LINK)
    if settings is None or not current_user.is_authenticated:
        abort(404)
    form = _deep_link_form(settings)
    if form.validate_on_submit():
        try:
            token = deep_linking.respond(current_user, settings, _url("lti.launch"),
                                         form.project.data or None, form.new_title.data or "",
                                         form.document.data or None)
        except ServiceError as exc:
            return render_template("lti/deep_link.html", form=form, error=exc.message), 400
        session.pop(DEEP_LINK, None)
        response = current_app.make_response(render_template(
            "lti/deep_link_return.html", return_url=settings["return_url"], jwt=token))
        response.headers["Content-Security-Policy"] = csp(
            session.get(FRAME) and f"'self' {session[FRAME]}", _origin(settings["return_url"]))
        return response
    return render_template("lti/deep_link.html", form=form, error=None), \
        400 if form.is_submitted() else 200
