"""Claims filed under a question (a stretch of a document and its value) and taken off again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import SOURCINGS, ClaimLink, ClaimQuestion, Document, Project, Span, User
from app.services.claim_values import clean_value
from app.services.claims.core import count_verdicts, get_question, links_of, member_role
from app.services.errors import ConfirmationNeeded, Conflict, Forbidden, Invalid, NotFound

SOURCING_BY_LABEL = {"claim.no_source": "none", "claim.vague_source": "vague"}


def file_claim(project: Project, user: User, question_id: int, data: dict[str, Any]
               ) -> ClaimLink:
    """File a stretch of a document under a question with the value it asserts. The text
    sent must be exactly the document's at those offsets (as for spans)."""
    from app.services.annotations import check_range

    role = member_role(project, user)
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


def _verdicts_text(counts: dict[str, int]) -> str:
    return ngettext("%(verdicts)s by %(num)d person", "%(verdicts)s by %(num)d people",
                    counts["people"],
                    verdicts=ngettext("%(num)d verdict", "%(num)d verdicts", counts["verdicts"]))


def unfile_claim(project: Project, user: User, link_id: int, confirm: bool = False) -> None:
    """Take a claim off the board. Other people's verdicts on it go with it only when the
    teacher confirms (ConfirmationNeeded says how many); a student who filed it may take it
    off while the only verdict on it is their own."""
    link = get_link(project, link_id)
    teacher = member_role(project, user) == "teacher"
    if not teacher and link.linked_by_id != user.id:
        raise Forbidden(_("Only the teacher or whoever filed it takes a claim off the board."))
    others = count_verdicts([link.id], link.linked_by_id)
    if others["verdicts"] and not teacher:
        raise Conflict(_("This claim has %(verdicts)s besides your own: it stays on the board (ask "
                         "your teacher if it must go).", verdicts=_verdicts_text(others)),
                       {"verdicts": "given by others"})
    if others["verdicts"] and not confirm:
        every = count_verdicts([link.id], None)
        raise ConfirmationNeeded(
            _("This claim has %(verdicts)s. Confirm to take it off the board with them: they are "
              "deleted.", verdicts=_verdicts_text(every)), every)
    db.session.delete(link)
    db.session.commit()


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
