"""The classroom: assignments, submission and its lock, the progress board, the reveal.

A teacher assigns documents: every student every document, or each document to k students
chosen to balance everyone's load (the overlap agreement figures need). A student submits a
document by marking it done; it is then locked for them until the teacher reopens it. What a
student may see of classmates' work and the gold key depends on the project's reveal policy.

The package's modules: assignments, submission (and the check before every annotation write),
board (the progress board), reveal. Callers import from the package.
"""

from app.services.classroom.assignments import (
    AssignResult,
    assign,
    assigned_ids,
    clear_assignments,
    has_assignments,
    students,
    teacher_names,
)
from app.services.classroom.board import (
    IN_PROGRESS,
    NOT_ASSIGNED,
    NOT_STARTED,
    SUBMITTED,
    board,
    my_assignments,
    next_document,
)
from app.services.classroom.reveal import reveal_view, revealed, set_reveal
from app.services.classroom.submission import (
    Locked,
    WriteState,
    check_writable,
    reopen,
)

__all__ = [
    "IN_PROGRESS", "NOT_ASSIGNED", "NOT_STARTED", "SUBMITTED", "AssignResult", "Locked",
    "WriteState", "assign", "assigned_ids", "board", "check_writable", "clear_assignments",
    "has_assignments", "my_assignments", "next_document", "reopen",
    "reveal_view", "revealed", "set_reveal", "students", "teacher_names",
]
