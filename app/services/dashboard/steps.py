"""What to do next: a short ordered list read off the project's state, each step a key the
template words and links."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import CodebookChange, Project


def next_steps(project: Project, cards: dict[str, Any]) -> list[str]:
    """The steps still open, in the order a class is set up and run."""
    steps = []
    if not cards["documents"]["count"]:
        steps.append("documents")
    codebook = project.codebook
    # Until the first edit (or the first submissions) the codebook is the one that came
    # with the project: worth a read with the class's texts in mind.
    if (codebook is not None and codebook.version <= 1 and not cards["progress"]["submitted"]
            and not db.session.scalar(sa.select(sa.func.count(CodebookChange.id))
                                      .where(CodebookChange.codebook_id == codebook.id))):
        steps.append("codebook")
    if not cards["students"]["count"]:
        steps.append("roster")
    progress = cards["progress"]
    if cards["students"]["count"] and cards["documents"]["count"] and not progress["assigned_mode"]:
        steps.append("assign")
    if progress["overdue"] or cards["students"]["behind_count"]:
        steps.append("behind")
    if progress["submitted"]:
        steps.append("agreement")
        steps.append("feedback")
    elif progress["assigned_mode"]:
        steps.append("wait")
    return steps
