"""Adjudication: the curation view of a document and the pre-merge into its gold key."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import curation, gold, projects
from app.services.errors import ServiceError
from app.web import bp
from app.web.forms import PremergeForm


def _document(project_id: int, document_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    if not gold.can_adjudicate(project_id, current_user):
        abort(403)
    return document


@bp.get("/projects/<int:project_id>/curate")
@login_required
def curate_index(project_id: int):
    project = projects.get_project(current_user, project_id)
    if not gold.can_adjudicate(project_id, current_user):
        abort(403)
    documents = [document for document, _ in projects.document_rows(project)]
    rows = curation.summary(project.id, documents)
    return render_template("web/curate_index.html", project=project, rows=rows)


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/curate")
@login_required
def curate(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    anonymous = request.args.get("anonymous") == "1"
    view = curation.curation(document, anonymous=anonymous)
    api = url_for("api.get_annotations", project_id=project_id,
                  document_id=document_id).rsplit("/", 1)[0]
    return render_template("web/curate.html", project=document.project, document=document,
                           view=view, anonymous=anonymous, api=api, form=PremergeForm())


@bp.post("/projects/<int:project_id>/documents/<int:document_id>/curate/premerge")
@login_required
def premerge(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    form = PremergeForm()
    if form.validate_on_submit():
        try:
            added = curation.premerge(document, current_user, form.threshold.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Pre-merge added %(tags)s passage source types and %(spans)s spans to the "
                    "gold key; nothing it already had was changed.", tags=added["tags"],
                    spans=added["spans"]), "info")
    return redirect(url_for("web.curate", project_id=project_id, document_id=document_id))


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/compare-mine")
@login_required
def reveal(project_id: int, document_id: int):
    """A student's work beside the gold key and classmates', once the project reveals it."""
    from app.services import classroom

    document = projects.get_document(current_user, project_id, document_id)
    try:
        view = classroom.reveal_view(document.project, document, current_user)
    except ServiceError as exc:
        flash(exc.message, "info")
        return redirect(url_for("web.annotate", project_id=project_id, document_id=document_id))
    return render_template("web/reveal.html", project=document.project, document=document,
                           view=view)
