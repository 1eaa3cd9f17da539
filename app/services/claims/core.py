"""The questions of a project's claims board, the claims under each, and who may act on them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import CLAIM_VALUE_KINDS, ClaimLink, ClaimQuestion, ClaimVerdict, Project, User
from app.services.errors import ConfirmationNeeded, Conflict, Forbidden, Invalid, NotFound


def member_role(project: Project, user: User) -> str:
    from app.services.projects import project_role

    role = project_role(project, user)
    if role is None:
        raise NotFound(_("No such project."))
    return role


def create_question(project: Project, user: User, text: Any, value_kind: Any = "number"
                    ) -> ClaimQuestion:
    member_role(project, user)
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
    if member_role(project, user) != "teacher" and question.created_by_id != user.id:
        raise Forbidden(_("Only the teacher or whoever asked it removes a question."))
    filed = links_of(question)
    if filed and member_role(project, user) != "teacher":
        raise Conflict(_("Claims are filed under this question; only the teacher removes it."))
    if filed and not confirm:
        counts = {"claims": len(filed), **count_verdicts([link.id for link in filed], None)}
        raise ConfirmationNeeded(
            _("%(claims)s claims are filed under this question, with %(verdicts)s verdicts on "
              "them. Confirm to remove them all.",
              claims=counts['claims'], verdicts=counts['verdicts']), counts)
    db.session.delete(question)
    db.session.commit()


def count_verdicts(link_ids: list[int], but: int | None) -> dict[str, int]:
    """Verdicts on these claims (by anyone but user `but`), and how many people gave them."""
    query = sa.select(ClaimVerdict.user_id, sa.func.count(ClaimVerdict.id)) \
        .where(ClaimVerdict.link_id.in_(link_ids)).group_by(ClaimVerdict.user_id)
    if but is not None:
        query = query.where(ClaimVerdict.user_id != but)
    rows = db.session.execute(query).all()
    return {"verdicts": sum(n for _, n in rows), "people": len(rows)}


def links_of(question: ClaimQuestion) -> list[ClaimLink]:
    """The claims filed under a question, read afresh (sessions keep loaded collections)."""
    # The join keeps out claims on archived documents (they come back with the document).
    return list(db.session.scalars(sa.select(ClaimLink).join(ClaimLink.document).where(
        ClaimLink.question_id == question.id).order_by(ClaimLink.id)))
