"""The admin's platform registrations and a teacher's course link page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.lti import LAUNCHED, bp
from app.lti.forms import DeploymentForm, LinkForm, PlatformForm
from app.services.errors import ServiceError
from app.services.lti import deep_linking, grades, keys, links, platforms, roster


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(404)


def _admin_page(form: PlatformForm, status: int = 200):
    return render_template("lti/admin.html", form=form, platforms=platforms.all_platforms(),
                           deployment_form=DeploymentForm(formdata=None),
                           jwks=keys.jwks()), status


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def admin():
    """Register an LMS, and see the registered ones."""
    _admin_only()
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            platforms.register(form.data, (form.deployment_ids.data or "").splitlines())
        except ServiceError as exc:
            flash(exc.message, "error")
            return _admin_page(form, 400)
        flash(_("The platform is registered."), "info")
        return redirect(url_for("lti.admin"))
    return _admin_page(form, 400 if form.is_submitted() else 200)


@bp.post("/admin/<int:platform_id>/deployments")
@login_required
def add_deployment(platform_id: int):
    _admin_only()
    form = DeploymentForm()
    if not form.validate_on_submit():
        flash(_("Give a deployment id."), "error")
        return redirect(url_for("lti.admin"))
    platforms.add_deployment(platforms.get(platform_id), form.deployment_id.data)
    flash(_("Deployment added."), "info")
    return redirect(url_for("lti.admin"))


@bp.post("/admin/<int:platform_id>/delete")
@login_required
def remove_platform(platform_id: int):
    _admin_only()
    platforms.remove(platform_id)
    flash(_("The platform is removed."), "info")
    return redirect(url_for("lti.admin"))


@bp.post("/admin/keys")
@login_required
def rotate_keys():
    """A new signing key; the previous one stays published until the next rotation."""
    _admin_only()
    keys.rotate()
    flash(_("A new signing key is in use."), "info")
    return redirect(url_for("lti.admin"))


def _link_page(link, form: LinkForm, status: int = 200):
    return render_template("lti/link.html", link=link, form=form,
                           log=grades.log(link)), status


def _link_form(link) -> LinkForm:
    form = LinkForm(project=link.project_id or 0, document=link.document_id or 0,
                    formula=link.formula)
    choices = deep_linking.teaching_projects(current_user)
    form.project.choices = [(0, _("A new project named after the course link"))] + [
        (p.id, p.title) for p in choices]
    form.document.choices = [(0, _("The whole project"))] + [
        (d.id, f"{p.title}: {d.title}") for p in choices for d in p.documents]
    return form


@bp.route("/links/<int:course_link_id>", methods=["GET", "POST"])
@login_required
def link(course_link_id: int):
    """A course link: what it opens, its grade formula, the roster and the grades sent."""
    found = links.get_link(current_user, course_link_id, session.get(LAUNCHED, []))
    form = _link_form(found)
    if form.validate_on_submit():
        try:
            links.configure(current_user, found, form.project.data, form.document.data,
                            form.formula.data)
        except ServiceError as exc:
            flash(exc.message, "error")
            return _link_page(found, form, 400)
        flash(_("Saved."), "info")
        return redirect(url_for("lti.link", course_link_id=course_link_id))
    return _link_page(found, form, 400 if form.is_submitted() else 200)


@bp.post("/links/<int:course_link_id>/grades")
@login_required
def send_grades(course_link_id: int):
    """Queue every student's score and send them now (failures are retried later)."""
    found = links.get_link(current_user, course_link_id, session.get(LAUNCHED, []))
    queued = grades.queue_link(found)
    counts = grades.drain()
    flash(_("%(queued)s scores queued; %(sent)s sent now, %(failed)s to retry.",
            queued=queued, sent=counts['sent'], failed=counts['failed']),
          "info")
    return redirect(url_for("lti.link", course_link_id=course_link_id))


@bp.post("/links/<int:course_link_id>/roster")
@login_required
def sync_roster(course_link_id: int):
    """Bring the course roster into the project."""
    found = links.get_link(current_user, course_link_id, session.get(LAUNCHED, []))
    try:
        counts = roster.sync(found)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(members)s course members are in the project.",
                members=counts['members']), "info")
    return redirect(url_for("lti.link", course_link_id=course_link_id))
