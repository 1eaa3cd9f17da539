"""A refused import's problems, kept on the server for the teacher who tried it.

A list of problems can be long (up to the importer's limit of 200): in the session cookie
60 of them made a 23 KB cookie that the browser dropped, and the teacher saw nothing. The
page after a refused import names a report by a random token instead; only its author
can read it, and reports older than a day are deleted when a new one is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import ImportReport, Project, User, utcnow
from app.services.texts import Problem

KEEP = timedelta(days=1)


def save(project: Project, user: User, file: str, problems: Sequence[Problem]) -> str:
    """Store the problems of a refused import; the token that shows them."""
    db.session.execute(sa.delete(ImportReport).where(ImportReport.created_at < utcnow() - KEEP))
    token = secrets.token_urlsafe(24)
    db.session.add(ImportReport(token=token, project_id=project.id, user_id=user.id,
                                file=file[:255], problems=[p.as_dict() for p in problems]))
    db.session.commit()
    return token


def load(project: Project, user: User, token: str) -> dict[str, Any] | None:
    """The report `token` names, if `user` stored it for `project`: its file and problems
    (each with file, line, field and message, and `text`: the whole problem as one line)."""
    report = db.session.scalar(sa.select(ImportReport).where(
        ImportReport.token == token, ImportReport.project_id == project.id,
        ImportReport.user_id == user.id))
    if report is None:
        return None
    problems = [dict(p, text=str(Problem(p["file"], p["message"], p.get("line"),
                                         p.get("field"))))
                for p in report.problems]
    return {"file": report.file, "problems": problems}
