"""Rounds of a project: named sets of documents annotated together, with a start and a due
date. A later round may reuse documents of an earlier one (a test–retest): starting it
freezes the earlier round's work on them (app.models.RoundWork) and the annotators begin
those documents afresh, so each round keeps its own copy of an annotator's work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    PassageTag,
    Project,
    Round,
    RoundDocument,
    RoundWork,
    Span,
    User,
    utcnow,
)
from app.services import history
from app.services.errors import Conflict, Invalid, NotFound

MAX_NAME = 120
MAX_ROUNDS = 50


def rounds_of(project: Project) -> list[Round]:
    """The project's rounds in their order."""
    return list(db.session.scalars(sa.select(Round).where(Round.project_id == project.id)
                                   .order_by(Round.position, Round.id)))


def get_round(project: Project, round_id: int) -> Round:
    """The project's round with this id (NotFound otherwise)."""
    found = db.session.get(Round, round_id)
    if found is None or found.project_id != project.id:
        raise NotFound(_("This project has no such round."))
    return found


def document_ids(round_: Round) -> list[int]:
    """The round's documents (archived ones left out), in the project's order."""
    return list(db.session.scalars(
        sa.select(Document.id).join(RoundDocument, RoundDocument.document_id == Document.id)
        .where(RoundDocument.round_id == round_.id)
        .order_by(Document.position, Document.id)))


def _check(project: Project, round_: Round | None, name: Any, documents: Iterable[Any],
           starts_at: datetime | None, due_at: datetime | None) -> tuple[str, list[int]]:
    """The cleaned name and document ids, or Invalid naming every bad field."""
    fields: dict[str, str] = {}
    messages: list[str] = []
    clean = str(name or "").strip()
    if not clean:
        fields["name"] = "required"
        messages.append(_("A round needs a name."))
    elif len(clean) > MAX_NAME:
        fields["name"] = "too long"
        messages.append(_("A round's name is %(limit)s characters at most.", limit=MAX_NAME))
    elif db.session.scalar(sa.select(Round.id).where(
            Round.project_id == project.id, Round.name == clean,
            *([Round.id != round_.id] if round_ is not None else []))):
        fields["name"] = "taken"
        messages.append(_("The project already has a round named '%(name)s'.", name=clean))
    wanted: list[int] = []
    for value in documents:
        if isinstance(value, bool) or not str(value).strip().isdigit():
            fields["documents"] = "invalid"
            messages.append(_("Documents are given by their ids."))
            break
        wanted.append(int(str(value).strip()))
    wanted = list(dict.fromkeys(wanted))
    known = set(db.session.scalars(sa.select(Document.id).where(
        Document.project_id == project.id, Document.id.in_(wanted)))) if wanted else set()
    if "documents" not in fields:
        if not wanted:
            fields["documents"] = "required"
            messages.append(_("Pick at least one document for the round."))
        elif set(wanted) - known:
            fields["documents"] = "unknown"
            messages.append(_("Some of the chosen documents are not in this project."))
    if starts_at and due_at and due_at < starts_at:
        fields["due_at"] = "before start"
        messages.append(_("A round's due date cannot come before its start."))
    if fields:
        raise Invalid(" ".join(messages), fields)
    return clean, wanted


def create_round(project: Project, name: Any, documents: Iterable[Any],
                 starts_at: datetime | None = None, due_at: datetime | None = None) -> Round:
    """Add a round after the project's others."""
    existing = rounds_of(project)
    if len(existing) >= MAX_ROUNDS:
        raise Invalid(_("A project has %(max_rounds)s rounds at most.",
                        max_rounds=MAX_ROUNDS), {"name": "too many"})
    clean, wanted = _check(project, None, name, documents, starts_at, due_at)
    round_ = Round(project_id=project.id, name=clean, starts_at=starts_at, due_at=due_at,
                   position=max((r.position for r in existing), default=-1) + 1)
    round_.documents = [RoundDocument(document_id=d) for d in wanted]
    db.session.add(round_)
    db.session.commit()
    return round_


def update_round(round_: Round, name: Any, documents: Iterable[Any],
                 starts_at: datetime | None = None, due_at: datetime | None = None) -> Round:
    """Rename a round, change its dates and pick its documents again. A started round keeps
    the documents whose earlier work it froze."""
    project = db.session.get(Project, round_.project_id)
    clean, wanted = _check(project, round_, name, documents, starts_at, due_at)
    if round_.started_at is not None:
        frozen = set(db.session.scalars(sa.select(RoundWork.document_id).join(
            Round, Round.id == RoundWork.round_id).where(
            Round.project_id == round_.project_id, Round.position < round_.position)))
        dropped = frozen & (set(document_ids(round_)) - set(wanted))
        if dropped:
            raise Invalid(_("A started round keeps the documents it began afresh."),
                          {"documents": "started"})
    round_.name, round_.starts_at, round_.due_at = clean, starts_at, due_at
    have = {link.document_id: link for link in round_.documents}
    round_.documents = [have.get(d) or RoundDocument(document_id=d) for d in wanted]
    db.session.commit()
    return round_


def delete_round(round_: Round) -> None:
    """Delete a round that froze nothing (its documents and their work stay)."""
    if db.session.scalar(sa.select(RoundWork.id).where(RoundWork.round_id == round_.id)
                         .limit(1)):
        raise Conflict(_("This round's work was frozen when a later round reused its "
                         "documents: deleting it would lose that work."), {"round": "frozen"})
    db.session.delete(round_)
    db.session.commit()


def _snapshot(document_id: int, user_id: int) -> dict[str, Any]:
    spans = [[layer, label, start, end, cv] for layer, label, start, end, cv in db.session.execute(
        sa.select(Span.layer_id, Span.label_id, Span.start, Span.end, Span.codebook_version)
        .where(Span.document_id == document_id, Span.user_id == user_id)
        .order_by(Span.start, Span.end, Span.id))]
    tags = [[pid, label, cv] for pid, label, cv in db.session.execute(
        sa.select(PassageTag.passage_id, PassageTag.label_id, PassageTag.codebook_version)
        .where(PassageTag.document_id == document_id, PassageTag.user_id == user_id))]
    rating = db.session.execute(
        sa.select(DocumentRating.values, DocumentRating.codebook_version)
        .where(DocumentRating.document_id == document_id,
               DocumentRating.user_id == user_id)).first()
    done = db.session.scalar(
        sa.select(DocumentProgress.done_at).where(DocumentProgress.document_id == document_id,
                                                  DocumentProgress.user_id == user_id))
    return {"spans": spans, "tags": tags,
            "rating": {"values": dict(rating[0] or {}), "codebook_version": rating[1]}
            if rating else None, "done": done is not None}


def start_round(round_: Round, actor: User) -> dict[str, int]:
    """Start a round: every annotator's work on the documents it reuses is frozen as the
    earlier round's and cleared, so they annotate those documents afresh (the gold key
    stays). One transaction; starting a started round changes nothing."""
    if round_.started_at is not None:
        return {"documents": 0, "annotators": 0}
    from app.services.gold import gold_user_id
    from app.services.rounds.work import live_owner

    gold = gold_user_id()
    owner = live_owner(round_.project_id)
    positions = {r.id: r for r in rounds_of(db.session.get(Project, round_.project_id))}
    earlier: dict[int, Round] = {}
    for doc_id in document_ids(round_):
        holder = positions[owner[doc_id]]
        if holder.id == round_.id:
            continue
        if holder.position > round_.position:
            raise Conflict(_("'%(name)s', a later round with some of these documents, has started "
                             "already: start rounds in their order.", name=holder.name),
                           {"round": "out of order"})
        earlier[doc_id] = holder
    frozen_docs, people = 0, set()
    try:
        with history.acting_as(f"round '{round_.name}' started", actor.id):
            for doc_id, before in earlier.items():
                owners = {uid for (uid,) in db.session.execute(sa.union(*[
                    sa.select(model.user_id).where(model.document_id == doc_id)
                    for model in (Span, PassageTag, DocumentRating, DocumentProgress)]))}
                owners.discard(gold)
                for uid in sorted(owners):
                    db.session.add(RoundWork(round_id=before.id, document_id=doc_id,
                                             user_id=uid, work=_snapshot(doc_id, uid)))
                    for model in (Span, PassageTag, DocumentRating, DocumentProgress):
                        for row in db.session.scalars(sa.select(model).where(
                                model.document_id == doc_id, model.user_id == uid)):
                            db.session.delete(row)  # logged in the history, so recoverable
                    people.add(uid)
                frozen_docs += 1
            round_.started_at = utcnow()
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"documents": frozen_docs, "annotators": len(people)}


def as_dict(round_: Round) -> dict[str, Any]:
    """A round as plain data."""
    return {"id": round_.id, "name": round_.name, "position": round_.position,
            "starts_at": round_.starts_at.isoformat() if round_.starts_at else None,
            "due_at": round_.due_at.isoformat() if round_.due_at else None,
            "started_at": round_.started_at.isoformat() if round_.started_at else None,
            "documents": document_ids(round_)}
