"""Assignments: who annotates which documents (every student every document, or each document
to k students with everyone's load balanced), and the teachers' names a student is shown."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db, run_prepared
from app.models import (
    Assignment,
    Document,
    DocumentProgress,
    DocumentRating,
    Membership,
    PassageTag,
    Project,
    Round,
    RoundDocument,
    Span,
    User,
)
from app.services.errors import Invalid


@dataclass
class AssignResult:
    created: int = 0
    kept: int = 0
    removed: int = 0
    per_student: dict[str, int] = field(default_factory=dict)


def teacher_names(project: Project) -> list[str]:
    """Display names of the project's teachers (who can reopen a submitted document)."""
    teachers = run_prepared(_TEACHER_NAMES, {"project": project.id})
    return sorted(display_name or username for display_name, username in teachers)


# The annotation page asks these of every student's load: Core statements built once.
_TEACHER_NAMES = (sa.select(User.display_name, User.username)
                  .join(Membership, Membership.user_id == User.id)
                  .where(Membership.project_id == sa.bindparam("project"),
                         Membership.role == "teacher"))
_ASSIGNED = sa.select(Assignment.document_id).where(
    Assignment.project_id == sa.bindparam("project"), Assignment.user_id == sa.bindparam("user"))


def students(project: Project) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, Membership.role == "student")
        .order_by(User.username)))


def _worked(project: Project) -> set[tuple[int, int]]:
    """(document id, user id) pairs with any work: progress, a span, a tag or a rating."""
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    rows = db.session.execute(sa.union(*[
        sa.select(model.document_id, model.user_id).where(model.document_id.in_(in_project))
        for model in (DocumentProgress, Span, PassageTag, DocumentRating)])).all()
    return {(d, u) for d, u in rows}


def assign(project: Project, mode: str, k: int | None = None,
           due_at: datetime | None = None, round_: Round | None = None) -> AssignResult:
    """Assign the project's documents to its students.

    `mode` "all": every student every document. `mode` "k": each document to `k` students,
    balanced: the least loaded students first (ties broken by a shuffle seeded with the
    project, so the same class gets the same draw). Running it again keeps every assignment
    a student has already worked on and redraws only the untouched ones. `due_at` applies to
    every assignment of the project (None leaves none). With `round_`, only the round's
    documents are assigned (and their assignments marked as the round's); others stay.
    """
    people = students(project)
    documents = list(db.session.scalars(sa.select(Document).where(
        Document.project_id == project.id).order_by(Document.position, Document.id)))
    in_round = _round_documents(round_)
    if in_round is not None:
        documents = [d for d in documents if d.id in in_round]
    if mode not in ("all", "k"):
        raise Invalid(_("Choose 'all' (everyone does every document) or 'k' (each document to "
                        "k students)."), {"mode": "all or k"})
    if not people:
        raise Invalid(_("The project has no students yet: add a roster or share the join code."),
                      {"mode": "no students"})
    if not documents:
        raise Invalid(_("The project has no documents yet."), {"mode": "no documents"})
    if mode == "k":
        if not isinstance(k, int) or not 1 <= k <= len(people):
            raise Invalid(_("k is how many students read each document: 1 to %(count)s.",
                            count=len(people)),
                          {"k": f"1 to {len(people)}"})
    else:
        k = len(people)
    existing = [a for a in db.session.scalars(sa.select(Assignment).where(
        Assignment.project_id == project.id)) if in_round is None or a.document_id in in_round]
    worked = {(d, u) for d, u in _worked(project) if in_round is None or d in in_round}
    round_id = round_.id if round_ is not None else None
    result = AssignResult()
    member_ids = {p.id for p in people}
    keep: dict[int, set[int]] = defaultdict(set)
    for assignment in existing:
        pair = (assignment.document_id, assignment.user_id)
        if assignment.user_id in member_ids and (mode == "all" or pair in worked):
            keep[assignment.document_id].add(assignment.user_id)
            assignment.due_at = due_at
            assignment.round_id = round_id
            result.kept += 1
        else:
            db.session.delete(assignment)
            result.removed += 1
    # Deletes go first: a redraw may give a student the same document again, and the unit
    # of work would otherwise insert it before deleting the old row (a unique violation).
    db.session.flush()
    # Work already done counts as assigned too, so nobody loses it to a redraw.
    for document_id, user_id in worked:
        if user_id in member_ids and user_id not in keep[document_id] \
                and any(d.id == document_id for d in documents):
            db.session.add(Assignment(project_id=project.id, document_id=document_id,
                                      user_id=user_id, due_at=due_at, round_id=round_id))
            keep[document_id].add(user_id)
            result.created += 1
    load = {p.id: sum(1 for ids in keep.values() if p.id in ids) for p in people}
    rng = random.Random(project.id)
    order = {p.id: rank for rank, p in enumerate(rng.sample(people, len(people)))}
    for document in sorted(documents, key=lambda d: (len(keep[d.id]), d.position, d.id)):
        needed = k - len(keep[document.id])
        if needed <= 0:
            continue
        free = sorted((p for p in people if p.id not in keep[document.id]),
                      key=lambda p: (load[p.id], order[p.id]))
        for person in free[:needed]:
            db.session.add(Assignment(project_id=project.id, document_id=document.id,
                                      user_id=person.id, due_at=due_at, round_id=round_id))
            keep[document.id].add(person.id)
            load[person.id] += 1
            result.created += 1
    db.session.commit()
    result.per_student = {p.username: load[p.id] for p in people}
    return result


def _round_documents(round_: Round | None) -> set[int] | None:
    """The ids of a round's documents, or None for no round (every document)."""
    if round_ is None:
        return None
    return set(db.session.scalars(sa.select(RoundDocument.document_id).where(
        RoundDocument.round_id == round_.id)))


def clear_assignments(project: Project) -> int:
    """Remove every assignment (work stays); students then see every document again."""
    count = db.session.execute(sa.delete(Assignment).where(
        Assignment.project_id == project.id)).rowcount
    db.session.commit()
    return count


def has_assignments(project_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(Assignment.id).where(
        Assignment.project_id == project_id, Assignment.user_id == user_id).limit(1)) is not None


def assigned_ids(project_id: int, user_id: int) -> set[int] | None:
    """The documents assigned to a student, or None when the project assigns them nothing
    (then every document is theirs to annotate)."""
    ids = set(run_prepared(_ASSIGNED, {"project": project_id, "user": user_id}).scalars())
    return ids or None
