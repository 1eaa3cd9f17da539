"""Texts in: uploading files (shown first when the app had to interpret them), the
import preview, and pasting a text."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.services import projects
from app.services.errors import ImportFailed, ServiceError
from app.services.reading import pasted, previews
from app.web import bp
from app.web.forms import ActionForm, PasteForm, UploadForm


def _imported(count: int) -> str:
    return ngettext("Imported %(num)s document.", "Imported %(num)s documents.", count)


def _flash_problems(exc: ImportFailed) -> None:
    flash(_("Nothing was imported."), "error")
    for problem in exc.problems:
        flash(str(problem), "error")


@bp.post("/projects/<int:project_id>/documents")
@login_required
def upload_documents(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = UploadForm()
    if form.validate_on_submit():
        files = [(f.filename or "upload", f.read()) for f in form.files.data or [] if f.filename]
        try:
            done = previews.upload(project, files, current_app.config["DOCUMENT_MAX_BYTES"],
                                   current_user)
        except ImportFailed as exc:
            _flash_problems(exc)
        else:
            if done.token:
                return redirect(url_for("web.import_preview", project_id=project.id,
                                        token=done.token))
            flash(_imported(len(done.documents)), "info")
    return redirect(url_for("web.project", project_id=project.id))


@bp.route("/projects/<int:project_id>/documents/preview/<token>", methods=["GET", "POST"])
@login_required
def import_preview(project_id: int, token: str):
    """What an upload will import; Import stores it, Cancel forgets it."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        choice = request.form.get("choice")
        try:
            if choice == "import":
                added = previews.confirm(project, current_user, token)
                flash(_imported(len(added)), "info")
            elif choice == "cancel":
                previews.cancel(project, token)
                flash(_("Import cancelled; nothing was stored."), "info")
        except ImportFailed as exc:
            _flash_problems(exc)
        if choice in {"import", "cancel"}:
            return redirect(url_for("web.project", project_id=project.id))
    drafts = previews.drafts(project, token)
    status = 400 if request.method == "POST" else 200  # a POST without a valid choice
    return render_template("web/import_preview.html", project=project, form=form, token=token,
                           items=[previews.summary(d) for d in drafts]), status


@bp.route("/projects/<int:project_id>/documents/paste", methods=["GET", "POST"])
@login_required
def paste_document(project_id: int):
    """A text pasted from anywhere becomes a document."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = PasteForm()
    if form.validate_on_submit():
        try:
            document = pasted.paste_document(
                project, {key: getattr(form, key).data or "" for key in
                          ("title", "publisher", "author", "published", "url", "text")},
                current_app.config["DOCUMENT_MAX_BYTES"], current_user)
        except ServiceError as exc:
            for key, message in exc.fields.items():
                getattr(form, key).errors = [message]
        else:
            flash(_("Added “%(title)s”.", title=document.title), "info")
            return redirect(url_for("web.project", project_id=project.id))
    status = 400 if request.method == "POST" else 200
    return render_template("web/paste.html", project=project, form=form), status
