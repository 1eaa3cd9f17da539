"""The agreement page: every figure of the project's report, with the disagreements."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.services import projects
from app.services.agreement import build_report
from app.web import bp

LAYER_TITLES = {
    "source_passages": "Source type per passage",
    "source_characters": "Source type per character (innermost span decides)",
    "rhetoric": "Rhetoric",
    "claim": "Unsupported claims",
}


@bp.get("/projects/<int:project_id>/agreement")
@login_required
def agreement(project_id: int):
    project = projects.get_project(current_user, project_id)
    # Names and the disagreeing tags are for teachers: annotation stays blind for students.
    teacher = projects.project_role(project, current_user) == "teacher"
    return render_template("web/agreement.html", project=project, report=build_report(project),
                           titles=LAYER_TITLES, teacher=teacher)
