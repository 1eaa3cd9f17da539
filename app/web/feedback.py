"""The feedback pages: a student's work against the gold key, document by document and over
the project, the class's common confusions, and the gradebook download.

A teacher sees every student; a student sees only their own feedback, and only on documents
the reveal policy has opened to them (others are listed without any data). Another student's
page does not exist for a student (404), and no classmate is ever named on a student's page.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.models import Project, User
from app.services import classroom, feedback, projects
from app.services.datasets.formats.csv_ import safe_cell
from app.services.rounds.chart import line_chart
from app.services.rounds.progress import over_rounds
from app.services.wording import sentences
from app.web import bp

GRADEBOOK_COLUMNS = (
    ("username", "username"), ("display_name", "display_name"),
    ("documents_assigned", "assigned"), ("documents_submitted", "submitted"),
    ("documents_compared", "compared"), ("passage_agreement", "passage_agreement"),
    ("rhetoric_f1", "rhetoric_f1"), ("claim_f1", "claim_f1"),
    ("mean_abs_rating_difference", "mean_abs_rating_difference"),
)


def _reader(project_id: int) -> tuple[Project, str | None]:
    """The project (404 unless a member) and the reader's role in it."""
    project = projects.get_project(current_user, project_id)
    return project, projects.project_role(project, current_user)


def _student(project: Project, role: str | None, username: str) -> tuple[User, bool]:
    """The student whose feedback is asked for, and whether they are the reader.

    A student may only read their own (anyone else's is 404, as if it did not exist);
    a teacher any student of the project; other members nobody's.
    """
    if role == "student":
        if username != current_user.username:
            abort(404)
        return current_user._get_current_object(), True
    if role != "teacher":
        abort(403)
    for person in classroom.students(project):
        if person.username == username:
            return person, False
    abort(404)


def _cell(value: Any) -> Any:
    """A gradebook cell: numbers as numbers (3 decimals), None empty, text formula-safe."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, int):
        return value
    return safe_cell(str(value))


@bp.get("/projects/<int:project_id>/feedback")
@login_required
def feedback_index(project_id: int):
    project, role = _reader(project_id)
    if role == "student":
        return redirect(url_for("web.feedback_student", project_id=project.id,
                                username=current_user.username))
    if role != "teacher":
        abort(403)
    return render_template("web/feedback.html", project=project,
                           summary=feedback.class_summary(project),
                           rows=feedback.gradebook(project))


@bp.get("/projects/<int:project_id>/feedback/gradebook.csv")
@login_required
def feedback_gradebook(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in GRADEBOOK_COLUMNS])
    for row in feedback.gradebook(project):
        writer.writerow([_cell(row[key]) for _, key in GRADEBOOK_COLUMNS])
    slug = re.sub(r"[^A-Za-z0-9]+", "-", project.title).strip("-").lower()[:60] or "project"
    return Response(
        out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-gradebook.csv"',
                 "Content-Type": "text/csv; charset=utf-8"})


@bp.get("/projects/<int:project_id>/feedback/<username>")
@login_required
def feedback_student(project_id: int, username: str):
    project, role = _reader(project_id)
    student, own = _student(project, role, username)
    report = feedback.student_report(project, student, for_student=own)
    name = None if own else student.name
    lead = sentences.feedback_sentences(report["totals"], name) or [sentences.feedback_waiting(
        report["submitted"], report["assigned"], name)]
    progress = over_rounds(project, student, for_student=own)
    chart = line_chart([r["name"] for r in progress], [
        {"name": _("Source types as the key (share)"), "values": [r["share"] for r in progress]},
        {"name": _("Source types, κ with the key"), "values": [r["kappa"] for r in progress]},
        {"name": _("Rhetoric F1"), "values": [r["layers"]["rhetoric"]["f1"] for r in progress]},
        {"name": _("Unsupported claims F1"), "values": [r["layers"]["claim"]["f1"]
                                                       for r in progress]},
    ]) if progress else None
    return render_template("web/feedback_student.html", project=project, report=report,
                           own=own, reveal=project.reveal, rounds=progress, chart=chart,
                           lead=lead, has_totals=bool(report["totals"]["documents"]))


@bp.get("/projects/<int:project_id>/feedback/<username>/<int:document_id>")
@login_required
def feedback_document(project_id: int, username: str, document_id: int):
    project, role = _reader(project_id)
    student, own = _student(project, role, username)
    document = projects.get_document(current_user, project.id, document_id)
    withheld = own and not classroom.revealed(project, document, student)
    view = None if withheld else feedback.student_feedback(project, document, student)
    return render_template("web/feedback_document.html", project=project, document=document,
                           student=student, own=own, withheld=withheld, view=view,
                           reveal=project.reveal)
