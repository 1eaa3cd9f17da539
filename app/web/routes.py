"""Page views: parse, call a service, respond."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.security import current_login_token
from app.services import accounts, annotations, archive, classroom, projects, tokens
from app.services.dashboard.reading import may_annotate
from app.services.documents import import_seeds
from app.services.errors import ServiceError
from app.services.lti import links as lti_links
from app.services.people import roster
from app.web import bp
from app.web.classroom import project_page
from app.web.forms import (
    ActionForm,
    ConfirmForm,
    CopyProjectForm,
    EditProjectForm,
    JoinCodeForm,
    JoiningForm,
    MemberRoleForm,
    NewProjectForm,
    ResetPasswordForm,
    RosterForm,
    TimeZoneForm,
    TokenForm,
    UploadForm,
)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.projects"))
    return redirect(url_for("auth.login"))


@bp.get("/projects", endpoint="projects")
@login_required
def projects_page():
    return render_template("web/projects.html", projects=projects.visible_projects(current_user),
                           join_form=JoinCodeForm())


@bp.post("/projects/join")
@login_required
def join_project():
    form = JoinCodeForm()
    if form.validate_on_submit():
        try:
            project = projects.join_with_code(current_user, form.code.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("You joined %(title)s.", title=project.title), "info")
            return redirect(url_for("web.project", project_id=project.id))
    return redirect(url_for("web.projects"))


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def new_project():
    if current_user.role not in {"teacher", "admin"}:
        abort(403)
    form = NewProjectForm()
    if form.validate_on_submit():
        try:
            project = projects.create_project(current_user, form.title.data,
                                              form.instructions.data, form.time_zone.data,
                                              form.language.data)
        except ServiceError as exc:
            flash(exc.message, "error")
            return render_template("web/project_form.html", form=form, project=None), exc.status
        else:
            flash(_("Project created. Students join with the code %(code)s.",
                    code=project.join_code), "info")
            return redirect(url_for("web.project", project_id=project.id))
    return render_template("web/project_form.html", form=form, project=None)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit_project(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = EditProjectForm(obj=project)
    copy_form = CopyProjectForm(formdata=None, title=f"{project.title} (copy)")
    if form.validate_on_submit():
        try:
            projects.update_project(project, form.title.data, form.instructions.data,
                                    form.time_zone.data)
            classroom.set_reveal(project, form.reveal.data, bool(form.reveal_anonymous.data))
        except ServiceError as exc:
            flash(exc.message, "error")
            return render_template("web/project_form.html", form=form, project=project,
                                   copy_form=copy_form), exc.status
        else:
            flash(_("Project saved."), "info")
            return redirect(url_for("web.project", project_id=project.id))
    return render_template("web/project_form.html", form=form, project=project,
                           copy_form=copy_form)


@bp.get("/projects/<int:project_id>")
@login_required
def project(project_id: int):
    project = projects.get_project(current_user, project_id)
    role = projects.project_role(project, current_user)
    room = project_page(project, role)
    documents = projects.document_rows(project)
    if room["mine"] is not None:  # a student with assignments sees only theirs
        documents = [row for row in documents if row[0].id in room["mine"]]
    return render_template(
        "web/project.html", project=project, role=role,
        documents=documents, members=projects.members(project),
        progress=annotations.progress_by_document(project.id, current_user),
        upload_form=UploadForm(), roster_form=RosterForm(), action_form=ActionForm(),
        joining_form=JoiningForm(enabled=project.join_enabled), role_form=MemberRoleForm(),
        reset_form=ResetPasswordForm(),
        course_links=lti_links.links_of_project(project.id) if role == "teacher" else [],
        **room,
    )


@bp.post("/projects/<int:project_id>/documents/seeds")
@login_required
def add_sample_texts(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    if ActionForm().validate_on_submit():
        added = import_seeds(project, Path(current_app.config["SEEDS_DIR"]),
                             current_app.config["DOCUMENT_MAX_BYTES"], current_user)
        flash(ngettext("Imported %(num)d sample text.", "Imported %(num)d sample texts.",
                       len(added)), "info")
    return redirect(url_for("web.project", project_id=project.id))


@bp.post("/projects/<int:project_id>/roster")
@login_required
def add_roster(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = RosterForm()
    if form.validate_on_submit():
        try:
            slips = roster.add_roster(project, form.roster.data,
                                        expire=bool(form.expire.data))
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            # Shown once: only the password hashes are kept.
            return render_template("web/slips.html", project=project, slips=slips,
                                   expires=bool(form.expire.data))
    return redirect(url_for("web.project", project_id=project.id))


@bp.post("/projects/<int:project_id>/members/<int:user_id>/role")
@login_required
def set_member_role(project_id: int, user_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = MemberRoleForm()
    if form.validate_on_submit():
        try:
            member = projects.set_member_role(project, user_id, form.role.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            said = {"teacher": _("%(name)s is now a teacher."),
                    "adjudicator": _("%(name)s is now an adjudicator."),
                    "student": _("%(name)s is now a student.")}
            flash(said.get(member.role, "%(name)s") % {"name": member.user.username}, "info")
    return redirect(url_for("web.project", project_id=project.id) + "#members")


@bp.post("/projects/<int:project_id>/join-code")
@login_required
def new_join_code(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    if ActionForm().validate_on_submit():
        code = projects.regenerate_join_code(project)
        flash(_("New join code: %(code)s. The old one no longer works.", code=code), "info")
    return redirect(url_for("web.project", project_id=project.id))


@bp.post("/projects/<int:project_id>/joining")
@login_required
def set_joining(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = JoiningForm()
    if form.validate_on_submit():
        projects.set_joining(project, bool(form.enabled.data))
        flash(_("Joining with the code is open.") if project.join_enabled
              else _("Joining with the code is closed."), "info")
    return redirect(url_for("web.project", project_id=project.id))


@bp.get("/projects/<int:project_id>/documents/<int:document_id>")
@login_required
def document(project_id: int, document_id: int):
    doc = projects.get_document(current_user, project_id, document_id)
    return render_template("web/document.html", project=doc.project, document=doc,
                           manage=projects.project_role(doc.project, current_user) == "teacher",
                           annotate=may_annotate(doc, current_user))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            secret = tokens.create_token(current_user, form.name.data)[1]
        except ServiceError as exc:
            flash(exc.message, "error")
        form = TokenForm(formdata=None)
    return render_template("web/tokens.html", form=form, secret=secret,
                           tokens=tokens.user_tokens(current_user), action_form=ActionForm(),
                           sessions=accounts.sessions_of(current_user),
                           zone_form=TimeZoneForm(time_zone=current_user.time_zone),
                           this_session=current_user.login_token_hash())


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if ActionForm().validate_on_submit():
        tokens.revoke_token(current_user, token_id)
        flash(_("Token revoked."), "info")
    return redirect(url_for("web.api_tokens"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    if ActionForm().validate_on_submit():
        ended = accounts.sign_out_everywhere(current_user, keep_token=current_login_token())
        flash(ngettext("Signed out of %(num)s other browser.",
                       "Signed out of %(num)s other browsers.", ended), "info")
    return redirect(url_for("web.api_tokens", _anchor="sessions"))


@bp.route("/projects/<int:project_id>/documents/<int:document_id>/delete",
          methods=["GET", "POST"])
@login_required
def delete_document(project_id: int, document_id: int):
    """Delete a document; one with annotations is archived after the teacher confirms."""
    project = projects.get_project(current_user, project_id, manage=True)
    document = projects.get_document(current_user, project_id, document_id)
    form = ConfirmForm()
    counts = archive.annotation_counts(document.id)
    if request.method == "POST" and form.validate_on_submit():
        try:
            outcome = archive.remove_document(current_user, document,
                                              confirm=form.confirm.data == "yes")
        except archive.ConfirmationNeeded:
            pass  # show the page again, with the counts and the confirm button
        else:
            flash(_("“%(title)s” was archived with its annotations: the archive (linked under "
                    "the documents) restores it.", title=document.title)
                  if outcome == "archived" else _("“%(title)s” was deleted.",
                                                  title=document.title), "info")
            return redirect(url_for("web.project", project_id=project.id, _anchor="documents"))
    return render_template("web/document_delete.html", project=project, document=document,
                           counts=counts, described=archive.describe(counts), form=form)


@bp.get("/projects/<int:project_id>/archive")
@login_required
def document_archive(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    return render_template("web/archive.html", project=project,
                           rows=archive.archived_documents(project), form=ActionForm())


@bp.post("/projects/<int:project_id>/archive/<int:document_id>/restore")
@login_required
def restore_document(project_id: int, document_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    document = archive.restore_document(current_user, project, document_id)
    flash(_("“%(title)s” is back in the project with everything on it.",
            title=document.title), "info")
    return redirect(url_for("web.project", project_id=project.id, _anchor="documents"))


@bp.route("/projects/<int:project_id>/documents/<int:document_id>/edit",
          methods=["GET", "POST"])
@login_required
def edit_document(project_id: int, document_id: int):
    """A document's metadata (its publisher above all: source profiles group by it)."""
    from app.services.documents import update_metadata
    from app.web.forms import DocumentMetaForm

    project = projects.get_project(current_user, project_id, manage=True)
    document = projects.get_document(current_user, project_id, document_id)
    form = DocumentMetaForm(obj=document)
    if form.validate_on_submit():
        try:
            update_metadata(document, {key: getattr(form, key).data or "" for key in
                                       ("title", "publisher", "author", "published", "url",
                                        "language", "notes")})
        except ServiceError as exc:
            flash(exc.message, "error")
            for key, message in exc.fields.items():
                getattr(form, key).errors = [message]
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("web.document", project_id=project.id,
                                    document_id=document.id))
    return render_template("web/document_edit.html", project=project, document=document,
                           form=form)
