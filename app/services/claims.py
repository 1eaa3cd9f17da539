"""The claims board: claims across the corpus filed under questions, lined up with who
says them, when, what value, how they are sourced and what students found.

A question ("How many people died in Zhanaozen on 16 December 2011?") expects numbers,
dates or text. A claim filed under it is a stretch of a document with the value it asserts
("at least 17 (some estimates up to 70)" = 17 to 70, "16 + 1" = 17). Claims whose values
cannot both be true contradict each other, and the board says so. Students give verdicts
(supported, refuted, not enough information) with evidence; their agreement is
Krippendorff's alpha like any other layer's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import (
    CLAIM_VALUE_KINDS,
    SOURCINGS,
    VERDICTS,
    ClaimLink,
    ClaimQuestion,
    ClaimVerdict,
    Document,
    Project,
    Span,
    User,
    utcnow,
)
from app.services.claim_values import clean_value, contradicts, value_label
from app.services.errors import (
    ConfirmationNeeded,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    StaleVersion,
)
from app.tally import commonest

VERDICT_NAMES = {"supported": "supported", "refuted": "refuted",
                 "not_enough_info": "not enough information"}
SOURCING_BY_LABEL = {"claim.no_source": "none", "claim.vague_source": "vague"}


def _member_role(project: Project, user: User) -> str:
    from app.services.projects import project_role

    role = project_role(project, user)
    if role is None:
        raise NotFound(_("No such project."))
    return role


# --- questions and claims ------------------------------------------------------------------

def create_question(project: Project, user: User, text: Any, value_kind: Any = "number"
                    ) -> ClaimQuestion:
    _member_role(project, user)
    text = " ".join(str(text or "").split())
    if not 5 <= len(text) <= 500:
        raise Invalid(_("A question is 5 to 500 characters."), {"text": "5–500 characters"})
    if value_kind not in CLAIM_VALUE_KINDS:
        raise Invalid(_("Claims answer with a number, a date or text."),
                      {"value_kind": "number/date/text"})
    question = ClaimQuestion(project_id=project.id, text=text, value_kind=value_kind,
                             created_by_id=user.id)
    db.session.add(question)
    db.session.commit()
    return question


def get_question(project: Project, question_id: int) -> ClaimQuestion:
    question = db.session.get(ClaimQuestion, question_id)
    if question is None or question.project_id != project.id:
        raise NotFound(_("No such question in this project."))
    return question


def questions(project: Project) -> list[tuple[ClaimQuestion, int]]:
    """The project's questions with how many claims each has."""
    counts = (sa.select(ClaimLink.question_id, sa.func.count(ClaimLink.id).label("n"))
              .group_by(ClaimLink.question_id).subquery())
    return [(q, n) for q, n in db.session.execute(
        sa.select(ClaimQuestion, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.question_id == ClaimQuestion.id)
        .where(ClaimQuestion.project_id == project.id).order_by(ClaimQuestion.id)).all()]


def delete_question(project: Project, user: User, question_id: int, confirm: bool = False
                    ) -> None:
    """Remove a question; with the claims filed under it and verdicts on them only when
    the teacher confirms."""
    question = get_question(project, question_id)
    if _member_role(project, user) != "teacher" and question.created_by_id != user.id:
        raise Forbidden(_("Only the teacher or whoever asked it removes a question."))
    filed = links_of(question)
    if filed and _member_role(project, user) != "teacher":
        raise Conflict(_("Claims are filed under this question; only the teacher removes it."))
    if filed and not confirm:
        counts = {"claims": len(filed), **_verdicts([link.id for link in filed], None)}
        raise ConfirmationNeeded(
            _("%(claims)s claims are filed under this question, with %(verdicts)s verdicts on "
              "them. Confirm to remove them all.",
              claims=counts['claims'], verdicts=counts['verdicts']), counts)
    db.session.delete(question)
    db.session.commit()


def file_claim(project: Project, user: User, question_id: int, data: dict[str, Any]
               ) -> ClaimLink:
    """File a stretch of a document under a question with the value it asserts. The text
    sent must be exactly the document's at those offsets (as for spans)."""
    from app.services.annotations import check_range

    role = _member_role(project, user)
    question = get_question(project, question_id)
    document = db.session.get(Document, data.get("document_id")) \
        if isinstance(data.get("document_id"), int) else None
    if document is None or document.project_id != project.id:
        raise NotFound(_("No such document in this project."))
    start, end = check_range(document, data.get("start"), data.get("end"), data.get("text"))
    span_id = data.get("span_id")
    span = None
    if span_id is not None:
        span = db.session.get(Span, span_id) if isinstance(span_id, int) else None
        if span is None or span.document_id != document.id:
            raise NotFound(_("No such span in this document."))
        if role == "student" and span.user_id != user.id:
            raise Forbidden(_("File your own claim spans (or the words themselves)."))
    sourcing = data.get("sourcing")
    if sourcing in (None, ""):
        sourcing = _sourcing_of(span)
    if sourcing not in SOURCINGS:
        raise Invalid(_("Sourcing is named, vague or none."), {"sourcing": "named/vague/none"})
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise Invalid(_("A note is text of at most 2,000 characters."), {"note": "too long"})
    values = clean_value(question.value_kind, data.get("value"), data.get("stated"))
    taken = db.session.scalar(sa.select(ClaimLink.id).where(
        ClaimLink.question_id == question.id, ClaimLink.document_id == document.id,
        ClaimLink.start == start, ClaimLink.end == end))
    if taken is not None:
        raise Conflict(_("This claim is on the board under this question already."),
                       {"start": "filed already"})
    link = ClaimLink(question_id=question.id, document_id=document.id, start=start, end=end,
                     span_id=span.id if span else None, sourcing=sourcing, note=note.strip(),
                     linked_by_id=user.id, **values)
    db.session.add(link)
    db.session.commit()
    return link


def _sourcing_of(span: Span | None) -> str:
    if span is None:
        return "named"
    from app.services.vocabulary import vocabulary

    label = vocabulary(db.session.get(Document, span.document_id).project_id) \
        .label_by_id.get(span.label_id)
    return SOURCING_BY_LABEL.get(label.key if label else "", "named")


def get_link(project: Project, link_id: int) -> ClaimLink:
    link = db.session.get(ClaimLink, link_id)
    if link is None or link.question.project_id != project.id:
        raise NotFound(_("No such claim on this project's board."))
    return link


def _verdicts(link_ids: list[int], but: int | None) -> dict[str, int]:
    """Verdicts on these claims (by anyone but user `but`), and how many people gave them."""
    query = sa.select(ClaimVerdict.user_id, sa.func.count(ClaimVerdict.id)) \
        .where(ClaimVerdict.link_id.in_(link_ids)).group_by(ClaimVerdict.user_id)
    if but is not None:
        query = query.where(ClaimVerdict.user_id != but)
    rows = db.session.execute(query).all()
    return {"verdicts": sum(n for _, n in rows), "people": len(rows)}


def _verdicts_text(counts: dict[str, int]) -> str:
    return ngettext("%(verdicts)s by %(num)d person", "%(verdicts)s by %(num)d people",
                    counts["people"],
                    verdicts=ngettext("%(num)d verdict", "%(num)d verdicts", counts["verdicts"]))


def unfile_claim(project: Project, user: User, link_id: int, confirm: bool = False) -> None:
    """Take a claim off the board. Other people's verdicts on it go with it only when the
    teacher confirms (ConfirmationNeeded says how many); a student who filed it may take it
    off while the only verdict on it is their own."""
    link = get_link(project, link_id)
    teacher = _member_role(project, user) == "teacher"
    if not teacher and link.linked_by_id != user.id:
        raise Forbidden(_("Only the teacher or whoever filed it takes a claim off the board."))
    others = _verdicts([link.id], link.linked_by_id)
    if others["verdicts"] and not teacher:
        raise Conflict(_("This claim has %(verdicts)s besides your own: it stays on the board (ask "
                         "your teacher if it must go).", verdicts=_verdicts_text(others)),
                       {"verdicts": "given by others"})
    if others["verdicts"] and not confirm:
        every = _verdicts([link.id], None)
        raise ConfirmationNeeded(
            _("This claim has %(verdicts)s. Confirm to take it off the board with them: they are "
              "deleted.", verdicts=_verdicts_text(every)), every)
    db.session.delete(link)
    db.session.commit()


# --- verdicts ------------------------------------------------------------------------------

def set_verdict(project: Project, user: User, link_id: int, data: dict[str, Any]
                ) -> ClaimVerdict:
    """A student's verdict on a claim, with evidence; a change names the current version."""
    from app.services.documents import check_url
    from app.services.texts import TextError

    _member_role(project, user)
    link = get_link(project, link_id)
    verdict = data.get("verdict")
    if verdict not in VERDICTS:
        raise Invalid(_("A verdict is supported, refuted or not_enough_info."),
                      {"verdict": "supported/refuted/not_enough_info"})
    url = data.get("evidence_url") or ""
    if url:
        try:
            url = check_url(url, "evidence")
        except TextError:  # the checker names a file; here the field says it
            raise Invalid(_("Evidence is a web address (http or https)."),
                          {"evidence_url": "http(s) address"}) from None
    span_id = data.get("evidence_span_id")
    if span_id is not None:
        span = db.session.get(Span, span_id) if isinstance(span_id, int) else None
        document = db.session.get(Document, span.document_id) if span else None
        if span is None or document is None or document.project_id != project.id:
            raise NotFound(_("The evidence span is not in this project."))
    words = evidence_words(project, data)
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise Invalid(_("A note is text of at most 2,000 characters."), {"note": "too long"})
    current = db.session.scalar(sa.select(ClaimVerdict).where(
        ClaimVerdict.link_id == link.id, ClaimVerdict.user_id == user.id))
    version = data.get("version")
    if current is None:
        if version is not None:
            raise StaleVersion(_("This verdict was removed meanwhile."), None)
        current = ClaimVerdict(link_id=link.id, user_id=user.id, verdict=verdict)
        db.session.add(current)
    else:
        if version != current.version:
            raise StaleVersion(_("Your verdict was changed meanwhile (in another tab?)."),
                               verdict_dict(current))
        current.version += 1
    current.verdict, current.evidence_url, current.evidence_span_id = verdict, url, span_id
    (current.evidence_document_id, current.evidence_start,
     current.evidence_end) = words or (None, None, None)
    current.note, current.updated_at = note.strip(), utcnow()
    db.session.commit()
    return current


_PASSAGE_LINK = re.compile(r"/projects/(\d+)/documents/(\d+)(?:/annotate)?/?(?:\?[^#]*)?#p(\d+)$")


def evidence_words(project: Project, data: dict[str, Any]) -> tuple[int, int, int] | None:
    """Words of a document of the project given as evidence: a pasted link to a passage
    (`…/documents/3#p5`, the reading page's address of passage 5), or a document and a code
    point range (what "Copy as evidence" on the annotation page holds). None without one."""
    link = (data.get("evidence_passage") or "").strip()
    if link:
        match = _PASSAGE_LINK.search(link)
        if match is None:
            raise Invalid(_("Paste the link of a passage: open the document, pick the passage's "
                            "¶ mark and copy its address (it ends in #p and a number)."),
                          {"evidence_passage": "a passage's link"})
        project_id, document_id, index = (int(g) for g in match.groups())
        document = db.session.get(Document, document_id)
        if project_id != project.id or document is None or document.project_id != project.id \
                or document.archived_at is not None:
            raise NotFound(_("That passage is not in a document of this project."))
        passage = next((p for p in document.passages if p.index == index), None)
        if passage is None:
            raise NotFound(_("“%(title)s” has no passage %(index)s.",
                             title=document.title, index=index))
        return document.id, passage.start, passage.end
    document_id = data.get("evidence_document_id")
    if document_id is None:
        return None
    start, end = data.get("evidence_start"), data.get("evidence_end")
    document = db.session.get(Document, document_id) if isinstance(document_id, int) else None
    if document is None or document.project_id != project.id or document.archived_at is not None:
        raise NotFound(_("The evidence is not in a document of this project."))
    if not (isinstance(start, int) and isinstance(end, int) and
            0 <= start < end <= document.char_count):
        raise Invalid(_("The evidence's words are outside the document."),
                      {"evidence_start": "in the document"})
    return document.id, start, end


def verdict_dict(verdict: ClaimVerdict) -> dict[str, Any]:
    return {"link_id": verdict.link_id, "verdict": verdict.verdict,
            "evidence_url": verdict.evidence_url, "evidence_span_id": verdict.evidence_span_id,
            "evidence_document_id": verdict.evidence_document_id,
            "evidence_start": verdict.evidence_start, "evidence_end": verdict.evidence_end,
            "note": verdict.note, "version": verdict.version,
            "updated_at": verdict.updated_at.isoformat()}


def verdict_agreement(project: Project, question_id: int | None = None) -> dict[str, Any]:
    """Krippendorff's nominal alpha of the students' verdicts (claims × students), with
    observed agreement and how much data it rests on."""
    from app.agreement import Undefined, krippendorff_alpha, percent_agreement
    from app.services.agreement import reasons

    query = sa.select(ClaimVerdict.link_id, ClaimVerdict.user_id, ClaimVerdict.verdict) \
        .join(ClaimLink, ClaimLink.id == ClaimVerdict.link_id) \
        .join(ClaimQuestion, ClaimQuestion.id == ClaimLink.question_id) \
        .where(ClaimQuestion.project_id == project.id)
    if question_id is not None:
        query = query.where(ClaimLink.question_id == question_id)
    rows = db.session.execute(query).all()
    links = sorted({r.link_id for r in rows})
    users = sorted({r.user_id for r in rows})
    table = {(r.link_id, r.user_id): r.verdict for r in rows}
    data = [[table.get((link, user)) for link in links] for user in users]
    out = {"claims": len(links), "students": len(users), "verdicts": len(rows),
           "alpha": None, "agreement": None, "why": ""}
    try:
        out["alpha"] = krippendorff_alpha(data, "nominal")
        out["agreement"] = percent_agreement(data)
    except (Undefined, ValueError) as reason:
        out["why"] = (reasons.why(reason) if isinstance(reason, Undefined)
                      else _("too few verdicts to compare"))
    return out


# --- the board -----------------------------------------------------------------------------

def links_of(question: ClaimQuestion) -> list[ClaimLink]:
    """The claims filed under a question, read afresh (sessions keep loaded collections)."""
    # The join keeps out claims on archived documents (they come back with the document).
    return list(db.session.scalars(sa.select(ClaimLink).join(ClaimLink.document).where(
        ClaimLink.question_id == question.id).order_by(ClaimLink.id)))


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
            votes[said.label] += 1
    if votes:
        return commonest(votes)
    return publisher.label if publisher else "the document itself"


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


def unfiled_claims(project: Project, question: ClaimQuestion, search: str = "",
                   only_user: User | None = None) -> list[dict[str, Any]]:
    """Claim spans of the corpus not yet on this question's board (the same words marked
    by several annotators shown once), optionally only those containing `search`, or only
    one annotator's (a student files their own)."""
    from app.services.gold import gold_user_id
    from app.services.vocabulary import vocabulary

    layer = vocabulary(project.id).layers.get("claim")
    if layer is None:
        return []
    filed = {(link.document_id, link.start, link.end) for link in links_of(question)}
    rows = db.session.execute(
        sa.select(Span, Document).join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project.id, Span.layer_id == layer.id,
               Span.user_id == only_user.id if only_user is not None else sa.true())
        .order_by(Document.position, Span.start, Span.end)).all()
    gold = gold_user_id()
    seen: dict[tuple[int, int, int], dict[str, Any]] = {}
    needle = search.casefold().strip()
    for span, document in rows:
        key = (document.id, span.start, span.end)
        if key in filed:
            continue
        text = document.text[span.start:span.end]
        if needle and needle not in text.casefold():
            continue
        entry = seen.setdefault(key, {"document": document, "start": span.start,
                                      "end": span.end, "text": text, "span": span,
                                      "annotators": 0, "sourcing": _sourcing_of(span)})
        entry["annotators"] += 0 if span.user_id == gold else 1
        if span.user_id == gold:
            entry["span"] = span
    return list(seen.values())
