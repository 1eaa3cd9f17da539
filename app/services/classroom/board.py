"""The progress board: students x documents, with status, work done and last activity; a
student's own assignments and what to open next."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Assignment,
    Document,
    DocumentProgress,
    Passage,
    PassageTag,
    Project,
    Span,
    User,
    utcnow,
)
from app.services.classroom.assignments import assigned_ids, students

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
