"""The documents, students and progress cards, as plain data for the template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Project, utcnow

BEHIND_SHOWN = 3  # names on the students card; the progress board lists them all


def documents_card(project: Project) -> dict[str, Any]:
    """How many documents, and the one added last."""
    count = db.session.scalar(sa.select(sa.func.count(Document.id))
                              .where(Document.project_id == project.id)) or 0
    # The id and title alone: a whole Document would bring its text along.
    latest = db.session.execute(sa.select(Document.id, Document.title)
                                .where(Document.project_id == project.id)
                                .order_by(Document.created_at.desc(), Document.id.desc())
                                .limit(1)).first()
    return {"count": count, "latest": latest}


def students_card(board: dict[str, Any]) -> dict[str, Any]:
    """How many students, and the first few of those who are behind."""
    behind = board["behind"]
    return {"count": len(board["rows"]), "behind": [row["user"] for row in behind[:BEHIND_SHOWN]],
            "behind_count": len(behind)}


def progress_card(board: dict[str, Any]) -> dict[str, Any]:
    """Submitted of assigned, overdue, and the due dates still ahead (the next first)."""
    now = utcnow()
    dues: set[datetime] = {cell["due"] for row in board["rows"] for cell in row["cells"]
                           if cell["due"] is not None}
    ahead = sorted(due for due in dues if due >= now)
    totals = board["totals"]
    return {"assigned": totals["assigned"], "submitted": totals["submitted"],
            "overdue": totals["overdue"], "percent": round(board["share"] * 100),
            "assigned_mode": board["assigned_mode"], "has_documents": bool(board["documents"]),
            "next_due": ahead[0] if ahead else None, "later_dues": len(ahead) - 1 if ahead else 0,
            "last_due": max(dues) if dues and not ahead else None}
