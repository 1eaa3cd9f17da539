"""A document's history: every change to the annotations on it, and a way back for
deleted spans."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.models import User
from app.services import gold, history, projects
from app.services.errors import Forbidden, NotFound, ServiceError
from app.web import bp
from app.web.forms import RestoreForm


def viewable_owners(project, user) -> list[int] | None:
    """Whose history a user may read: a teacher everyone's (None), an adjudicator their
    own and the gold key's, a student their own."""
    role = projects.project_role(project, user)
    if role == "teacher":
        return None
    owners = [user.id]
    if role == "adjudicator":
        gold_id = gold.gold_user_id()
        if gold_id is not None:
            owners.append(gold_id)
    return owners


def owner_filter(project, user, wanted: str | None) -> list[int] | None:
    """The owners to show: those the user may see, narrowed to `wanted` (a username)."""
    allowed = viewable_owners(project, user)
    if not wanted:
        return allowed
    name = gold.GOLD_USERNAME if wanted == gold.GOLD_NAME else wanted.strip().lower()
    found = db.session.scalar(sa.select(User.id).where(User.username == name))
    if found is None or (allowed is not None and found not in allowed):
        return []
    return [found]


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/history")
@login_required
def document_history(project_id: int, document_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    wanted = request.args.get("user") or None
    owners = owner_filter(document.project, current_user, wanted)
    rows = history.events(document, owners)
    return render_template("web/history.html", project=document.project, document=document,
                           rows=rows, wanted=wanted, form=RestoreForm(),
                           everyone=viewable_owners(document.project, current_user) is None)


@bp.post("/projects/<int:project_id>/documents/<int:document_id>/history/<int:event_id>/restore")
@login_required
def restore_span(project_id: int, document_id: int, event_id: int):
    document = projects.get_document(current_user, project_id, document_id)
    if not RestoreForm().validate_on_submit():
        abort(400)
    try:
        _, created = history.restore_span(current_user, document, event_id)
    except (Forbidden, NotFound):
        raise  # not theirs to restore: the error page
    except ServiceError as exc:
        flash(f"Not restored: {exc.message}", "error")
    else:
        flash("The span is back." if created else "That span was restored already.", "info")
    return redirect(url_for("web.document_history", project_id=project_id,
                            document_id=document_id, user=request.args.get("user") or None))
