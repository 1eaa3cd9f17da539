"""The board of a question: every claim filed under it, lined up by value, with contradictions."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import VERDICTS, ClaimQuestion, ClaimVerdict, Document, Project, Span, User
from app.services.claim_values import contradicts, value_label
from app.services.claims.core import links_of
from app.services.claims.verdicts import verdict_agreement
from app.tally import commonest


def _speakers(document: Document, start: int, end: int, names: Any) -> str:
    """Who says [start, end) by the annotators' source spans (most of them), or the
    document's publisher; `names` resolves speakers' names (sources.resolver)."""
    from app.services import sources
    from app.services.gold import gold_user_id
    from app.services.vocabulary import vocabulary

    layer = vocabulary(document.project_id).layers.get(sources.SOURCE)
    publisher = names.publisher(document.publisher)
    votes: Counter = Counter()
    if layer is not None:
        rows = db.session.scalars(sa.select(Span).where(
            Span.document_id == document.id, Span.layer_id == layer.id,
            Span.start <= start, Span.end >= end)).all()
        gold = gold_user_id()
        readings: dict[int, list[Span]] = {}
        for span in rows:
            readings.setdefault(span.user_id, []).append(span)
        for user_id, spans in readings.items():
            if user_id == gold and len(readings) > 1:
                continue
            said = sources.innermost_speaker(start, end, sources.source_spans(spans),
                                             publisher, names)
            votes[said.shown] += 1
    if votes:
        return commonest(votes)
    return publisher.shown if publisher else _("the document itself")


def board(project: Project, question: ClaimQuestion, user: User | None = None
          ) -> dict[str, Any]:
    """Every claim filed under the question, lined up by value, with contradictions."""
    from app.services.sources import resolver

    links = links_of(question)
    names_of_speakers = resolver(project.id)
    kind = question.value_kind
    given: dict[int, list[ClaimVerdict]] = {link.id: [] for link in links}
    for verdict in db.session.scalars(sa.select(ClaimVerdict).where(
            ClaimVerdict.link_id.in_(list(given))).order_by(ClaimVerdict.id)):
        given[verdict.link_id].append(verdict)
    every = [v for found in given.values() for v in found]
    evidence_spans = {s.id: s for s in db.session.scalars(sa.select(Span).where(
        Span.id.in_({v.evidence_span_id for v in every if v.evidence_span_id})))}
    names = dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(
        {v.user_id for v in every}
        | {link.linked_by_id for link in links if link.linked_by_id}))).all()) if links else {}
    rows = []
    for link in links:
        document = link.document
        against = [other.id for other in links if other.id != link.id
                   and contradicts(link, other, kind)]
        tally = Counter(v.verdict for v in given[link.id])
        evidence = []
        for verdict in given[link.id]:
            if verdict.evidence_url:
                evidence.append({"url": verdict.evidence_url,
                                 "by": names.get(verdict.user_id, "?")})
            if verdict.evidence_document_id is not None:
                source = db.session.get(Document, verdict.evidence_document_id)
                if source is not None:
                    evidence.append({"document": source, "by": names.get(verdict.user_id, "?"),
                                     "text": source.text[verdict.evidence_start:
                                                         verdict.evidence_end]})
            span = evidence_spans.get(verdict.evidence_span_id)
            if span is not None:
                source = db.session.get(Document, span.document_id)
                evidence.append({"document": source, "text": source.text[span.start:span.end],
                                 "by": names.get(verdict.user_id, "?")})
        if link.span_id is not None:
            claim_span = db.session.get(Span, link.span_id)
            by = names.get(claim_span.user_id) if claim_span else None
            by = by or "the claim's annotator"
            for item in (claim_span.attributes or {}).get("evidence", []) if claim_span else []:
                if not isinstance(item, dict):
                    continue
                if item.get("url"):
                    evidence.append({"url": item["url"], "by": by})
                elif item.get("kind") == "span":
                    source = db.session.get(Document, item.get("document_id"))
                    if source is not None and source.project_id == project.id:
                        evidence.append({"document": source, "by": by,
                                         "text": source.text[item["start"]:item["end"]]})
        mine = next((v for v in given[link.id] if user is not None and v.user_id == user.id),
                    None)
        rows.append({
            "link": link, "document": document, "quote": document.text[link.start:link.end],
            "publisher": document.publisher, "published": document.published,
            "speaker": _speakers(document, link.start, link.end, names_of_speakers),
            "value": value_label(link, kind), "stated": link.value_text,
            "sourcing": link.sourcing, "contradicts": against,
            "verdicts": {key: tally.get(key, 0) for key in VERDICTS},
            "evidence": evidence, "mine": mine,
            "filed_by": names.get(link.linked_by_id, ""),
        })

    def order(row: dict[str, Any]) -> tuple:
        link = row["link"]
        if kind == "number":
            low = link.value_low if link.value_low is not None else -math.inf
            high = link.value_high if link.value_high is not None else math.inf
            return (low, high, row["published"])
        if kind == "date":
            return (link.value_date, row["published"])
        return (link.value_text.casefold(), row["published"])

    rows.sort(key=order)
    distinct = Counter(row["value"] for row in rows)
    return {"question": question, "rows": rows, "distinct": distinct,
            "contradictions": sum(1 for row in rows if row["contradicts"]),
            "agreement": verdict_agreement(project, question.id)}
