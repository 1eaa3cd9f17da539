"""Students' verdicts on claims, with their evidence, and how far the verdicts agree."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
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
from app.services.claims.core import member_role
from app.services.claims.filing import get_link
from app.services.errors import Invalid, NotFound, StaleVersion


def set_verdict(project: Project, user: User, link_id: int, data: dict[str, Any]
                ) -> ClaimVerdict:
    """A student's verdict on a claim, with evidence; a change names the current version."""
    from app.services.documents import check_url
    from app.services.texts import TextError

    member_role(project, user)
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
