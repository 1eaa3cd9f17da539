"""Sign-in pages. Views parse, call a service, respond."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import ChangePasswordForm, JoinForm, LoginForm, SignupForm
from app.security import current_login_token
from app.services import accounts, invitations, projects, signin
from app.services.errors import ServiceError, TooManyAttempts
from app.services.people import passwords as people_passwords


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("web.projects")


def _start_session(user) -> None:
    # A fresh session at sign-in: nothing from before it (a planted id) survives, and the
    # cookie names a new login session of its own.
    session.clear()
    user.login_token = accounts.open_session(user, request.headers.get("User-Agent", ""))
    login_user(user)


def _field_errors(form, exc: ServiceError) -> None:
    for name, message in exc.fields.items():
        if hasattr(form, name):
            getattr(form, name).errors = [*getattr(form, name).errors, message]
    flash(exc.message, "error")


def _too_many(template: str, form, exc: TooManyAttempts):
    flash(exc.message, "error")
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _count_sign_up(username: str) -> None:
    signin.count_sign_up(username, request.remote_addr or "",
                         signin.SignupLimit.from_config(current_app.config))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.projects"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = signin.authenticate(form.username.data, form.password.data,
                                       request.remote_addr or "",
                                       signin.Throttle.from_config(current_app.config))
        except TooManyAttempts as exc:
            return _too_many("auth/login.html", form, exc)
        if user is not None:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username or password."), "error")
        status = 401
    return render_template("auth/login.html", form=form,
                           signup_open=accounts.teacher_signup_open()), status


@bp.post("/logout")
@login_required
def logout():
    token = current_login_token()
    if token:
        accounts.close_session(token)  # a copy of the cookie signs nobody in any more
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Teachers create their own account while an admin allows it, or with an invitation."""
    form = SignupForm()
    if request.method == "GET":
        form.invite.data = request.args.get("invite", "")
    if invitations.valid(form.invite.data) is None and not accounts.teacher_signup_open():
        abort(404)
    if form.validate_on_submit():
        try:
            _count_sign_up(form.username.data)
            user = invitations.sign_up_teacher(form.username.data, form.password.data,
                                               form.display_name.data or "", form.invite.data)
        except TooManyAttempts as exc:
            return _too_many("auth/signup.html", form, exc)
        except ServiceError as exc:
            _field_errors(form, exc)
        else:
            _start_session(user)
            flash(_("Welcome! Create your first class project."), "info")
            return redirect(url_for("web.new_project"))
    return render_template("auth/signup.html", form=form)


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Students join a class with its code and choose a username and password."""
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            _count_sign_up(form.username.data)
            user = projects.sign_up_student(form.code.data, form.username.data,
                                            form.password.data, form.display_name.data or "")
        except TooManyAttempts as exc:
            return _too_many("auth/join.html", form, exc)
        except ServiceError as exc:
            _field_errors(form, exc)
        else:
            _start_session(user)
            project = projects.project_by_code(form.code.data)
            flash(_("Welcome to %(project)s!", project=project.title), "info")
            return redirect(url_for("web.project", project_id=project.id))
    return render_template("auth/join.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password (the current one is asked); other browsers are signed out."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            ended = people_passwords.change_own_password(
                current_user, form.current.data, form.password.data, current_login_token())
        except ServiceError as exc:
            _field_errors(form, exc)
            status = exc.status
        else:
            flash(_("Your password is changed.") + (
                " " + ngettext("Signed out of %(num)s other browser.",
                               "Signed out of %(num)s other browsers.", ended)
                if ended else ""), "info")
            return redirect(url_for("web.projects"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form), status
