"""Looking after a class's accounts: new passwords and slips for students (by their
teacher) and for teachers (by an admin); a student removed or moved; a project copied."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import accounts, projects
from app.services.errors import ConfirmationNeeded, Invalid
from app.services.people import members, passwords
from app.services.people.roster import Slip
from app.web import bp
from app.web.forms import (
    CopyProjectForm,
    MoveMemberForm,
    RemoveMemberForm,
    ResetPasswordForm,
    TimeZoneForm,
)


def _slip_page(project, user, password: str):
    # Shown once: only the password's hash is kept.
    slip = Slip(display_name=user.display_name or user.username, username=user.username,
                password=password)
    return render_template("web/slips.html", project=project, slips=[slip], reset=True,
                           expires=user.must_change_password)


@bp.post("/projects/<int:project_id>/members/<int:user_id>/password",
         endpoint="reset_student_password")
@login_required
def reset_student_password(project_id: int, user_id: int):
    """A teacher gives a student of the project a new password and prints its slip."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        abort(400)
    user, password = passwords.reset_password(current_user, user_id,
                                              expire=bool(form.expire.data),
                                              project_id=project.id)
    return _slip_page(project, user, password)


@bp.post("/admin/users/<int:user_id>/password", endpoint="reset_teacher_password")
@login_required
def reset_teacher_password(user_id: int):
    """An admin gives a teacher a new password and its slip."""
    if current_user.role != "admin":
        abort(404)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        abort(400)
    user, password = passwords.reset_password(current_user, user_id,
                                              expire=bool(form.expire.data))
    flash(_("%(user)s has a new password; their browsers are signed out.", user=user.username),
          "info")
    return _slip_page(None, user, password)


@bp.post("/account/time-zone", endpoint="set_time_zone")
@login_required
def set_time_zone():
    """The zone the signed-in user reads times in."""
    form = TimeZoneForm()
    if form.validate_on_submit():
        accounts.set_time_zone(current_user, form.time_zone.data or "")  # a bad zone: 400
        flash(_("Times are now shown in %(zone)s.",
                zone=current_user.time_zone or _("this browser's zone")), "info")
    return redirect(url_for("web.api_tokens", _anchor="time-zone"))


def _member_page(project, user, remove_form=None, counts=None, status=200):
    move_form = MoveMemberForm(formdata=None)
    move_form.target.choices = [(p.id, p.title) for p in
                                members.taught_projects(current_user, project)]
    return render_template(
        "web/member.html", project=project, student=user, counts=counts,
        reset_form=ResetPasswordForm(formdata=None), move_form=move_form,
        remove_form=remove_form or RemoveMemberForm(formdata=None)), status


@bp.get("/projects/<int:project_id>/members/<int:user_id>", endpoint="member")
@login_required
def member(project_id: int, user_id: int):
    """A student of the project: a new password, a move, a removal."""
    project = projects.get_project(current_user, project_id, manage=True)
    return _member_page(project, members.student_of(project, user_id))


@bp.post("/projects/<int:project_id>/members/<int:user_id>/remove", endpoint="remove_member")
@login_required
def remove_member(project_id: int, user_id: int):
    """Take a student out of the project, after the teacher confirms what happens to the
    work."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = RemoveMemberForm()
    if not form.validate_on_submit():
        return _member_page(project, members.student_of(project, user_id), form, status=400)
    try:
        removal = members.remove_student(project, user_id, form.how.data,
                                         confirm=form.confirm.data == "yes")
    except ConfirmationNeeded as exc:
        return _member_page(project, members.student_of(project, user_id), form, exc.counts)
    if removal.kept_as != removal.user.username:
        flash(_("%(user)s left %(project)s. Their work stays under the name %(name)s.",
                user=removal.user.username, project=project.title, name=removal.kept_as), "info")
    else:
        flash(_("%(user)s left %(project)s. Their work stays under their name.",
                user=removal.user.username, project=project.title), "info")
    return redirect(url_for("web.project", project_id=project.id, _anchor="members"))


@bp.post("/projects/<int:project_id>/members/<int:user_id>/move", endpoint="move_member")
@login_required
def move_member(project_id: int, user_id: int):
    """Move a student to another of the teacher's projects."""
    project = projects.get_project(current_user, project_id, manage=True)
    user = members.student_of(project, user_id)
    form = MoveMemberForm()
    form.target.choices = [(p.id, p.title) for p in members.taught_projects(current_user, project)]
    if not form.validate_on_submit():
        flash(_("Move to: choose one of your other projects."), "error")
        return _member_page(project, user, status=400)
    target = members.move_student(current_user, project, user.id, form.target.data)
    flash(_("%(user)s moved to %(target)s; their work so far stays in %(project)s.",
            user=user.username, target=target.title, project=project.title), "info")
    return redirect(url_for("web.project", project_id=project.id, _anchor="members"))


@bp.post("/projects/<int:project_id>/copy", endpoint="copy_project")
@login_required
def copy_project(project_id: int):
    """A new project with this one's codebook and settings (no documents or students)."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = CopyProjectForm()
    if not form.validate_on_submit():
        raise Invalid(_("The new project needs a title (200 characters at most)."),
                      {"title": "required"})
    copied = members.copy_project(current_user, project, form.title.data)
    flash(_("Created %(new)s with the codebook and settings of %(old)s. Students join with the "
            "code %(code)s.", new=copied.title, old=project.title, code=copied.join_code), "info")
    return redirect(url_for("web.project", project_id=copied.id))
