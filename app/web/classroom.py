"""The classroom pages: assigning documents, the progress board, reopening a submission, and
what the project page shows of them (the teacher's Assignments card, a student's own list)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import zones
from app.models import Project, utcnow
from app.services import classroom, dashboard, projects
from app.services.errors import ServiceError
from app.web import bp
from app.web.forms import ActionForm, AssignForm, ReopenForm

STATUS_CLASSES = {
    classroom.NOT_ASSIGNED: "status-not-assigned",
    classroom.NOT_STARTED: "status-not-started",
    classroom.IN_PROGRESS: "status-in-progress",
    classroom.SUBMITTED: "status-submitted",
}
# What the pages call each status (the data-status attributes keep the key).
STATUS_NAMES = {
    classroom.NOT_ASSIGNED: _l("not assigned"),
    classroom.NOT_STARTED: _l("not started"),
    classroom.IN_PROGRESS: _l("in progress"),
    classroom.SUBMITTED: _l("submitted"),
}


# --- formatting --------------------------------------------------------------------------------

def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, for recent times ("just now", "5 min ago", "3 h ago", "2 d ago");
    a short date in the viewer's zone for older ones."""
    if moment is None:
        return ""
    seconds = ((now or utcnow()) - moment).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("%(num)s min ago", num=int(seconds // 60))
    if seconds < 86400:
        return _("%(num)s h ago", num=int(seconds // 3600))
    if seconds < 7 * 86400:
        return _("%(num)s d ago", num=int(seconds // 86400))
    return zones.show(moment, zones.viewer_zone(), "date", now)


def width_class(share: float | None) -> str:
    """A bar's width as a class (w-0 … w-100 in steps of 5): the CSP allows no style="…"."""
    return f"w-{round(max(0.0, min(1.0, share or 0.0)) * 20) * 5}"


def per_student_text(per_student: dict[str, int]) -> str:
    if not per_student:
        return ""
    low, high = min(per_student.values()), max(per_student.values())
    if low == high:
        return ngettext("Each student has %(num)s document.",
                        "Each student has %(num)s documents.", high)
    return ngettext("Each student has %(low)s to %(num)s document.",
                    "Each student has %(low)s to %(num)s documents.", high, low=low)


HELPERS = {"ago": ago, "width_class": width_class, "status_classes": STATUS_CLASSES,
           "status_names": STATUS_NAMES}


# --- the project page ----------------------------------------------------------------------------

def assignment_summary(project: Project, board: dict[str, Any]) -> dict[str, Any]:
    """What the teacher's card says of the assignments, read off the board."""
    rows, documents = board["rows"], board["documents"]
    per_document = Counter()
    dues = set()
    for row in rows:
        for document, cell in zip(documents, row["cells"], strict=True):
            if cell["assigned"]:
                per_document[document.id] += 1
                dues.add(cell["due"])
    loads = [row["assigned"] for row in rows]
    counts = [per_document[d.id] for d in documents]
    everyone = bool(rows) and all(n == len(rows) for n in counts)
    return {
        "active": board["assigned_mode"], "students": len(rows), "documents": len(documents),
        "mode": "all" if everyone or not board["assigned_mode"] else "k",
        "k_low": min(counts, default=0), "k_high": max(counts, default=0),
        "load_low": min(loads, default=0), "load_high": max(loads, default=0),
        "due": next(iter(dues)) if len(dues) == 1 else None, "mixed_due": len(dues) > 1,
        "totals": board["totals"], "share": board["share"],
    }


def project_page(project: Project, role: str | None) -> dict[str, Any]:
    """The classroom part of the project page: for a teacher the dashboard and the
    Assignments card, for a student their assignments; `mine` is the set of a student's
    documents (None: all)."""
    view: dict[str, Any] = {"mine": None, "assignments": None, "my_items": None,
                            "next_document": None, "dashboard": None, **HELPERS}
    if role == "teacher":
        board = classroom.board(project)
        summary = assignment_summary(project, board)
        view["assignments"] = summary
        view["dashboard"] = dashboard.teacher_dashboard(project, board)
        view["assign_form"] = AssignForm(
            mode=summary["mode"], k=summary["k_high"] if summary["mode"] == "k" else 2,
            due=zones.local_date(summary["due"], project.time_zone) if summary["due"]
            else None)
        view["clear_form"] = ActionForm()
    elif role == "student":
        view["mine"] = classroom.assigned_ids(project.id, current_user.id)
        now = utcnow()
        view["my_items"] = [
            {**item, "overdue": bool(item["due"] and item["due"] < now
                                     and item["status"] != classroom.SUBMITTED)}
            for item in classroom.my_assignments(project, current_user)]
        view["next_document"] = classroom.next_document(project, current_user)
    return view


# --- the routes --------------------------------------------------------------------------------

def _back(project: Project):
    return redirect(url_for("web.project", project_id=project.id, _anchor="assignments"))


@bp.post("/projects/<int:project_id>/assignments", endpoint="assign")
@login_required
def assign_documents(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = AssignForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return _back(project)
    due_at = zones.end_of_day(form.due.data, project.time_zone) if form.due.data else None
    try:
        result = classroom.assign(project, form.mode.data, form.k.data, due_at)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _back(project)
    message = _("Assignments saved: %(created)s new, %(kept)s kept, %(removed)s removed.",
                created=result.created, kept=result.kept, removed=result.removed)
    message = f"{message} {per_student_text(result.per_student)}".strip()
    if due_at:
        message += " " + _("Due %(when)s (the end of the day in the project’s time zone, "
                           "%(zone)s).", when=zones.show(due_at, project.time_zone),
                           zone=project.time_zone)
    flash(message, "info")
    return _back(project)


@bp.post("/projects/<int:project_id>/assignments/clear", endpoint="clear_assignments")
@login_required
def clear_assignments(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    if ActionForm().validate_on_submit():
        count = classroom.clear_assignments(project)
        flash(ngettext("Cleared %(num)d assignment. Students' work is kept; every student may "
                       "annotate every document again.",
                       "Cleared %(num)d assignments. Students' work is kept; every student may "
                       "annotate every document again.", count), "info")
    return _back(project)


@bp.get("/projects/<int:project_id>/progress", endpoint="progress")
@login_required
def progress_board(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    return render_template("web/progress.html", project=project, board=classroom.board(project),
                           reopen_form=ReopenForm(), **HELPERS)


@bp.post("/projects/<int:project_id>/documents/<int:document_id>/reopen", endpoint="reopen")
@login_required
def reopen_document(project_id: int, document_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    document = projects.get_document(current_user, project_id, document_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            classroom.reopen(project, document.id, form.username.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Reopened “%(title)s” for %(username)s: they can change it and submit it "
                    "again.", title=document.title, username=form.username.data), "info")
    return redirect(url_for("web.progress", project_id=project.id))
