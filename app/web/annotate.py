"""The annotation page: one document, the annotator's own work, the project's codebook."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from app.services import annotations, projects
from app.services.codebooks import codebook_as_dict
from app.web import bp


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/annotate")
@login_required
def annotate(project_id: int, document_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    project = document.project
    ordered = [doc.id for doc, _ in projects.document_rows(project)]
    position = ordered.index(document.id)
    neighbours = {
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
    }
    data = {
        "user": current_user.username,
        "document": {"id": document.id, "title": document.title, "text": document.text,
                     "text_sha256": document.text_sha256,
                     "passages": [[p.id, p.start, p.end] for p in document.passages]},
        "codebook": codebook_as_dict(project.codebook, with_usage=False),
        "annotations": annotations.my_annotations(current_user, document),
        "api": url_for("api.get_annotations", project_id=project.id,
                       document_id=document.id).rsplit("/", 1)[0],
    }
    return render_template("web/annotate.html", project=project, document=document,
                           data=data, position=position, total=len(ordered),
                           neighbours=neighbours)
