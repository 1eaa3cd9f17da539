"""The admin's pages: site settings and teacher invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import accounts, invitations
from app.services.errors import ServiceError
from app.services.people import passwords
from app.web import bp
from app.web.forms import InvitationForm, ResetPasswordForm, SettingsForm


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(404)


def _page(form: SettingsForm, invite_form: InvitationForm, link: str | None = None):
    return render_template("web/admin.html", form=form, invite_form=invite_form, link=link,
                           invitations=invitations.pending(), teachers=passwords.teachers(),
                           reset_form=ResetPasswordForm(formdata=None))


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def admin():
    _admin_only()
    form = SettingsForm(teacher_signup=accounts.teacher_signup_open())
    if form.validate_on_submit():
        accounts.set_setting("teacher_signup", "on" if form.teacher_signup.data else "off")
        flash(_("Settings saved."), "info")
        return redirect(url_for("web.admin"))
    return _page(form, InvitationForm(formdata=None))


@bp.post("/admin/invitations")
@login_required
def create_invitation():
    """Make a teacher invitation and show its link, once."""
    _admin_only()
    settings = SettingsForm(formdata=None, teacher_signup=accounts.teacher_signup_open())
    form = InvitationForm()
    if not form.validate_on_submit():
        return _page(settings, form), 400
    try:
        token = invitations.create(current_user, form.days.data, form.note.data or "")[1]
    except ServiceError as exc:
        flash(exc.message, "error")
        return _page(settings, form), 400
    link = url_for("auth.signup", invite=token, _external=True)
    return _page(settings, InvitationForm(formdata=None), link)
