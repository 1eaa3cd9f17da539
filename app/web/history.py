"""A document's history: every change to the annotations on it, and a way back for
deleted spans."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import history, projects
from app.services.errors import Forbidden, NotFound, ServiceError
from app.web import bp
from app.web.forms import ActionForm


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/history")
@login_required
def document_history(project_id: int, document_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    wanted = request.args.get("user") or None
    owners = history.owner_filter(document.project, current_user, wanted)
    rows = history.events(document, owners)
    return render_template("web/history.html", project=document.project, document=document,
                           rows=rows, wanted=wanted, form=ActionForm(),
                           everyone=history.viewable_owners(document.project, current_user) is None)


@bp.post("/projects/<int:project_id>/documents/<int:document_id>/history/<int:event_id>/restore")
@login_required
def restore_span(project_id: int, document_id: int, event_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        created = history.restore_span(current_user, document, event_id)[1]
    except (Forbidden, NotFound):
        raise  # not theirs to restore: the error page
    except ServiceError as exc:
        flash(_("Not restored: %(why)s", why=exc.message), "error")
    else:
        flash(_("The span is back.") if created else _("That span was restored already."),
              "info")
    return redirect(url_for("web.document_history", project_id=project_id,
                            document_id=document_id, user=request.args.get("user") or None))
