"""The classroom: assignments, submission and its lock, the progress board, the reveal.

A teacher assigns documents: every student every document, or each document to k students
chosen to balance everyone's load (the overlap agreement figures need). A student submits a
document by marking it done; it is then locked for them until the teacher reopens it. What a
student may see of classmates' work and the gold key depends on the project's reveal policy.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db, run_prepared
from app.models import (
    REVEAL_POLICIES,
    Assignment,
    Codebook,
    Document,
    DocumentProgress,
    DocumentRating,
    Membership,
    Passage,
    PassageTag,
    Project,
    Round,
    RoundDocument,
    Span,
    User,
    utcnow,
)
from app.services.errors import Forbidden, Invalid, NotFound, ServiceError


class Locked(ServiceError):
    """The student submitted this document; only a teacher can reopen it."""

    code = "submitted"
    status = 423


# --- assignments -----------------------------------------------------------------------------

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


# --- submission and its lock -----------------------------------------------------------------

def is_student(project_id: int, user: User) -> bool:
    return db.session.scalar(sa.select(Membership.role).where(
        Membership.project_id == project_id, Membership.user_id == user.id)) == "student"


@dataclass(frozen=True)
class WriteState:
    """What an annotation write needs to know before it writes, read in one statement."""

    role: str | None  # the writer's role in the project
    submitted: datetime | None
    assigns: bool  # the project assigns the writer documents …
    mine: bool  # … and this one is among them
    last_activity: datetime | None  # the writer's last change to the document
    codebook: tuple[Any, ...]  # the project's codebook: (id, version, updated_at)


def _scalar(column: Any, *where: Any) -> Any:
    return sa.select(column).where(*where).scalar_subquery()


# Run before every annotation write, so built once: a Core statement with bound parameters.
_PROJECT, _DOCUMENT, _USER = (sa.bindparam(name) for name in ("project", "document", "user"))
_WRITE_STATE = sa.select(
    _scalar(Membership.role, Membership.project_id == _PROJECT, Membership.user_id == _USER),
    _scalar(DocumentProgress.done_at, DocumentProgress.document_id == _DOCUMENT,
            DocumentProgress.user_id == _USER),
    sa.exists().where(Assignment.project_id == _PROJECT, Assignment.user_id == _USER),
    sa.exists().where(Assignment.document_id == _DOCUMENT, Assignment.user_id == _USER),
    _scalar(DocumentProgress.last_activity_at, DocumentProgress.document_id == _DOCUMENT,
            DocumentProgress.user_id == _USER),
    _scalar(Codebook.id, Codebook.project_id == _PROJECT),
    _scalar(Codebook.version, Codebook.project_id == _PROJECT),
    _scalar(Codebook.updated_at, Codebook.project_id == _PROJECT),
)


def check_writable(user: User, document: Document, *, submitting: bool = False
                   ) -> WriteState:
    """Refuse a student's change to a document not assigned to them (when the project
    assigns documents), or one they submitted (a teacher reopens it). One query, whose
    answer the write goes on with."""
    row = run_prepared(_WRITE_STATE, {
        "project": document.project_id, "document": document.id, "user": user.id}).one()
    state = WriteState(row[0], row[1], bool(row[2]), bool(row[3]), row[4], tuple(row[5:8]))
    if state.role == "student":
        if state.assigns and not state.mine:
            raise Forbidden(_("This document is not one of your assignments."))
        if state.submitted is not None and not submitting:
            raise Locked(_("You submitted this document, so it is locked; ask your teacher to "
                           "reopen it if you need to change something."))
    return state


def reopen(project: Project, document_id: int, username: str) -> None:
    """Let a student change a submitted document again."""
    row = db.session.execute(
        sa.select(DocumentProgress).join(User, User.id == DocumentProgress.user_id)
        .join(Document, Document.id == DocumentProgress.document_id)
        .where(Document.project_id == project.id, Document.id == document_id,
               User.username == username)).scalar_one_or_none()
    if row is None or row.done_at is None:
        raise NotFound(_("%(username)s has not submitted this document.", username=username))
    row.done_at = None
    db.session.commit()


# --- the progress board ----------------------------------------------------------------------

NOT_ASSIGNED, NOT_STARTED, IN_PROGRESS, SUBMITTED = (
    "not assigned", "not started", "in progress", "submitted")


def board(project: Project) -> dict[str, Any]:
    """Students x documents: status, passages tagged, spans, last activity; totals."""
    people = students(project)
    documents = list(db.session.scalars(sa.select(Document).where(
        Document.project_id == project.id).order_by(Document.position, Document.id)))
    ids = [d.id for d in documents]
    passages = dict(db.session.execute(
        sa.select(Passage.document_id, sa.func.count(Passage.id))
        .where(Passage.document_id.in_(ids)).group_by(Passage.document_id)).all())
    assigned = {(a.document_id, a.user_id): a for a in db.session.scalars(
        sa.select(Assignment).where(Assignment.project_id == project.id))}
    any_assigned = bool(assigned)
    progress = {(p.document_id, p.user_id): p for p in db.session.scalars(
        sa.select(DocumentProgress).where(DocumentProgress.document_id.in_(ids)))}
    tags = {(d, u): n for d, u, n in db.session.execute(
        sa.select(PassageTag.document_id, PassageTag.user_id, sa.func.count(PassageTag.id))
        .where(PassageTag.document_id.in_(ids))
        .group_by(PassageTag.document_id, PassageTag.user_id))}
    spans = {(d, u): n for d, u, n in db.session.execute(
        sa.select(Span.document_id, Span.user_id, sa.func.count(Span.id))
        .where(Span.document_id.in_(ids)).group_by(Span.document_id, Span.user_id))}
    now = utcnow()
    rows = []
    totals = {"assigned": 0, "submitted": 0, "in_progress": 0, "overdue": 0}
    for person in people:
        cells = []
        summary = {"assigned": 0, "submitted": 0, "overdue": 0, "last": None}
        for document in documents:
            key = (document.id, person.id)
            assignment = assigned.get(key)
            mine = progress.get(key)
            on = assignment is not None or not any_assigned
            if mine is not None and mine.done_at is not None:
                status = SUBMITTED
            elif mine is not None:
                status = IN_PROGRESS
            else:
                status = NOT_STARTED if on else NOT_ASSIGNED
            due = assignment.due_at if assignment else None
            overdue = bool(on and due and due < now and status != SUBMITTED)
            if on:
                summary["assigned"] += 1
                summary["submitted"] += status == SUBMITTED
                summary["overdue"] += overdue
                totals["in_progress"] += status == IN_PROGRESS
            if mine is not None and (summary["last"] is None
                                     or mine.last_activity_at > summary["last"]):
                summary["last"] = mine.last_activity_at
            cells.append({"document_id": document.id, "status": status, "assigned": on,
                          "tagged": tags.get(key, 0), "passages": passages.get(document.id, 0),
                          "spans": spans.get(key, 0), "due": due, "overdue": overdue,
                          "last": mine.last_activity_at if mine else None,
                          "submitted_at": mine.done_at if mine else None})
        totals["assigned"] += summary["assigned"]
        totals["submitted"] += summary["submitted"]
        totals["overdue"] += summary["overdue"]
        rows.append({"user": person, "cells": cells, **summary,
                     "share": summary["submitted"] / summary["assigned"]
                     if summary["assigned"] else None})
    shares = [r["share"] for r in rows if r["share"] is not None]
    mean = sum(shares) / len(shares) if shares else 0.0
    # Behind: anything overdue, or well under the class's share of submitted documents.
    behind = [r for r in rows if r["overdue"] or (r["share"] is not None
                                                  and r["share"] < mean - 0.25)]
    return {"documents": documents, "rows": rows, "totals": totals,
            "share": totals["submitted"] / totals["assigned"] if totals["assigned"] else 0.0,
            "behind": sorted(behind, key=lambda r: (-r["overdue"], r["share"] or 0)),
            "assigned_mode": any_assigned}


def my_assignments(project: Project, user: User) -> list[dict[str, Any]]:
    """A student's documents in project order with their status and due date."""
    ids = assigned_ids(project.id, user.id)
    documents = [d for d in project.documents if ids is None or d.id in ids]
    due = dict(db.session.execute(sa.select(Assignment.document_id, Assignment.due_at).where(
        Assignment.project_id == project.id, Assignment.user_id == user.id)).all())
    progress = {p.document_id: p for p in db.session.scalars(sa.select(DocumentProgress).where(
        DocumentProgress.user_id == user.id,
        DocumentProgress.document_id.in_([d.id for d in documents])))}
    out = []
    for document in documents:
        mine = progress.get(document.id)
        status = SUBMITTED if mine and mine.done_at else IN_PROGRESS if mine else NOT_STARTED
        out.append({"document": document, "status": status, "due": due.get(document.id)})
    return out


def next_document(project: Project, user: User) -> Document | None:
    """The first of a student's documents not submitted yet (in progress ones first)."""
    items = my_assignments(project, user)
    for wanted in (IN_PROGRESS, NOT_STARTED):
        for item in items:
            if item["status"] == wanted:
                return item["document"]
    return None


# --- the reveal ------------------------------------------------------------------------------

def set_reveal(project: Project, policy: str, anonymous: bool) -> None:
    if policy not in REVEAL_POLICIES:
        raise Invalid(_("Reveal is one of %(value)s.",
                        value=', '.join(REVEAL_POLICIES)), {"reveal": "unknown"})
    project.reveal = policy
    project.reveal_anonymous = anonymous
    db.session.commit()


def revealed(project: Project, document: Document, user: User, role: str | None = None
             ) -> bool:
    """May this member see classmates' annotations and the gold key of this document?
    Teachers always; students as the project's reveal policy says. `role`: the user's role
    in the project when the caller has read it already."""
    if role is None:
        role = db.session.scalar(sa.select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == user.id))
    if role != "student":
        return role is not None or user.role == "admin"
    if project.reveal == "after_submit":
        return db.session.scalar(sa.select(DocumentProgress.done_at).where(
            DocumentProgress.document_id == document.id,
            DocumentProgress.user_id == user.id)) is not None
    if project.reveal == "after_due":
        due = db.session.scalar(sa.select(Assignment.due_at).where(
            Assignment.document_id == document.id, Assignment.user_id == user.id))
        return due is not None and due <= utcnow()
    return False


def reveal_view(project: Project, document: Document, user: User) -> dict[str, Any]:
    """The comparison of a document as a student may see it after the reveal: their own
    work ("You"), the gold key and classmates (as "Classmate n" when the project hides
    names). Raises Forbidden before the reveal."""
    from app.services.gold import GOLD_NAME
    from app.services.review import comparison

    if not revealed(project, document, user):
        raise Forbidden(str(_NOT_YET[project.reveal]))
    view = comparison(document)
    others = [name for name in view["annotators"] if name not in (user.username, GOLD_NAME)]
    shown = {user.username: _("You"), GOLD_NAME: _("Gold key")}
    for number, name in enumerate(others, start=1):
        shown[name] = _("Classmate %(number)s", number=number) if project.reveal_anonymous \
            else name
    order = [n for n in (user.username, GOLD_NAME) if n in view["annotators"]] + others
    passages = []
    for passage in view["passages"]:
        passages.append({**passage,
                         "tags": {shown[n]: passage["tags"][n] for n in order
                                  if n in passage["tags"]},
                         "spans": {shown[n]: passage["spans"][n] for n in order}})
    return {"annotators": [shown[n] for n in order], "passages": passages,
            "names": view["names"]}


_NOT_YET = {
    "never": _l("Your teacher has not opened classmates' work or the answer key for this "
                "project."),
    "after_submit": _l("Submit the document first: then you can compare your work with the "
                       "key and your classmates'."),
    "after_due": _l("You can compare your work with the key and your classmates' after the "
                    "due date."),
}
