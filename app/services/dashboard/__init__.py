"""The project page's dashboard: the cards a teacher reads first (documents, students,
progress, agreement at a glance, what to do next), computed from the project's state."""

from __future__ import annotations

from typing import Any

from app.models import Project
from app.services import classroom
from app.services.dashboard.agreement import MIN_SHARED_PASSAGES, agreement_glance
from app.services.dashboard.cards import documents_card, progress_card, students_card
from app.services.dashboard.steps import next_steps

__all__ = ["MIN_SHARED_PASSAGES", "agreement_glance", "teacher_dashboard"]


def teacher_dashboard(project: Project, board: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every card of a teacher's project page, read off one progress board (`board`, when
    the caller has it already)."""
    board = board if board is not None else classroom.board(project)
    cards: dict[str, Any] = {
        "documents": documents_card(project),
        "students": students_card(board),
        "progress": progress_card(board),
        "agreement": agreement_glance(project),
    }
    cards["steps"] = next_steps(project, cards)
    return cards
