"""A round's annotations, read like the live ones (app.services.agreement.work): the frozen
work of the documents a later round reused, the live work of the others. The live work on a
document belongs to the latest started round that has it, or else to the first round that
has it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Round, RoundDocument, RoundWork
from app.services.agreement.work import LiveWork, RatingRow, SpanRow, TagRow


def live_owner(project_id: int) -> dict[int, int]:
    """Document id -> the id of the round its live work belongs to."""
    rows = db.session.execute(
        sa.select(RoundDocument.document_id, Round.id, Round.position, Round.started_at)
        .join(Round, Round.id == RoundDocument.round_id)
        .where(Round.project_id == project_id)
        .order_by(Round.position, Round.id)).all()
    owner: dict[int, int] = {}
    started: dict[int, int] = {}
    for doc, round_id, _, started_at in rows:
        owner.setdefault(doc, round_id)
        if started_at is not None:
            started[doc] = round_id  # ordered: the latest started wins
    return {**owner, **started}


class RoundWorkSource:
    """The work of one round (optionally only what was made under one codebook version)."""

    def __init__(self, round_: Round, version: int | None = None) -> None:
        self.round = round_
        self.version = version
        self.live = LiveWork(version)
        owner = live_owner(round_.project_id)
        self.live_docs = {doc for doc, rid in owner.items() if rid == round_.id}
        self.frozen: dict[tuple[int, int], dict[str, Any]] = {
            (doc, uid): work for doc, uid, work in db.session.execute(
                sa.select(RoundWork.document_id, RoundWork.user_id, RoundWork.work)
                .where(RoundWork.round_id == round_.id))}

    def _split(self, doc_ids: list[int]) -> tuple[list[int], set[int]]:
        wanted = set(doc_ids)
        return sorted(wanted & self.live_docs), wanted

    def _ok(self, cv: int) -> bool:
        return self.version is None or cv == self.version

    def workers(self, doc_ids: list[int]) -> set[tuple[int, int]]:
        live, wanted = self._split(doc_ids)
        out = self.live.workers(live)
        for (doc, uid), work in self.frozen.items():
            if doc not in wanted:
                continue
            made = ([s[4] for s in work.get("spans", [])] + [t[2] for t in work.get("tags", [])]
                    + ([work["rating"]["codebook_version"]] if work.get("rating") else []))
            if any(self._ok(cv) for cv in made) or (self.version is None and work.get("done")):
                out.add((uid, doc))
        return out

    def tags(self, doc_ids: list[int]) -> list[TagRow]:
        live, wanted = self._split(doc_ids)
        return self.live.tags(live) + [
            (pid, doc, uid, label) for (doc, uid), work in self.frozen.items() if doc in wanted
            for pid, label, cv in work.get("tags", []) if self._ok(cv)]

    def spans(self, doc_ids: list[int], layer_id: int) -> list[SpanRow]:
        live, wanted = self._split(doc_ids)
        return self.live.spans(live, layer_id) + [
            (doc, uid, start, end, label) for (doc, uid), work in self.frozen.items()
            if doc in wanted for layer, label, start, end, cv in work.get("spans", [])
            if layer == layer_id and self._ok(cv)]

    def ratings(self, doc_ids: list[int]) -> list[RatingRow]:
        live, wanted = self._split(doc_ids)
        return self.live.ratings(live) + [
            (doc, uid, work["rating"]["values"]) for (doc, uid), work in self.frozen.items()
            if doc in wanted and work.get("rating")
            and self._ok(work["rating"]["codebook_version"])]

    def versions(self, doc_ids: list[int]) -> list[int]:
        """The codebook versions the round's work on the documents was made under."""
        from app.models import DocumentRating, PassageTag, Span

        live, wanted = self._split(doc_ids)
        found: set[int] = set()
        if live:
            found |= set(db.session.scalars(sa.union(*[
                sa.select(model.codebook_version).where(model.document_id.in_(live))
                for model in (Span, PassageTag, DocumentRating)])))
        for (doc, _), work in self.frozen.items():
            if doc in wanted:
                found |= {s[4] for s in work.get("spans", [])}
                found |= {t[2] for t in work.get("tags", [])}
                if work.get("rating"):
                    found.add(work["rating"]["codebook_version"])
        return sorted(found)
