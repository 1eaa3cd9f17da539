"""Agreement at a glance: one figure a teacher reads without a statistics course (on how many
passages the students who tagged them chose the same source type), or why there is none yet."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, PassageTag, Project, User
from app.services.gold import SYSTEM_ROLE

# Below this many passages tagged by two or more people a share says little: the card says
# how many there are instead (the agreement page gives the figures with their caveats).
MIN_SHARED_PASSAGES = 10


def agreement_glance(project: Project) -> dict[str, Any]:
    """Passages tagged by two or more annotators, and on how many of them all agreed; one
    aggregate query, so the project page stays quick with a large class."""
    # All agreed on a passage when its smallest and largest label are one (cheaper than a
    # count of distinct labels).
    per_passage = (
        sa.select((sa.func.min(PassageTag.label_id) == sa.func.max(PassageTag.label_id))
                  .label("same"))
        .where(PassageTag.document_id.in_(
                   sa.select(Document.id).where(Document.project_id == project.id)),
               PassageTag.user_id.not_in(  # the gold key is no student
                   sa.select(User.id).where(User.role == SYSTEM_ROLE)))
        .group_by(PassageTag.passage_id)
        .having(sa.func.count(PassageTag.id) >= 2)
        .subquery())
    shared, agreed = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(
            sa.case((per_passage.c.same, 1), else_=0)), 0)).select_from(per_passage)
    ).one()
    return {"ready": shared >= MIN_SHARED_PASSAGES, "shared": shared, "agreed": agreed,
            "percent": round(100 * agreed / shared) if shared else 0,
            "needed": MIN_SHARED_PASSAGES}
