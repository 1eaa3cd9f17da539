"""Agreement at a glance: one figure a teacher reads without a statistics course (on how many
passages the students who tagged them chose the same source type), or why there is none yet."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Project, User
from app.services.gold import SYSTEM_ROLE
from app.services.agreement.work import LIVE

# Below this many passages tagged by two or more people a share says little: the card says
# how many there are instead (the agreement page gives the figures with their caveats).
MIN_SHARED_PASSAGES = 10


def agreement_glance(project: Project) -> dict[str, Any]:
    """Passages tagged by two or more annotators, and on how many of them all agreed."""
    doc_ids = list(db.session.scalars(sa.select(Document.id)
                                      .where(Document.project_id == project.id)))
    system = set(db.session.scalars(sa.select(User.id).where(User.role == SYSTEM_ROLE)))
    labels: dict[int, list[int]] = defaultdict(list)
    for passage_id, _, user_id, label_id in LIVE.tags(doc_ids) if doc_ids else []:
        if user_id not in system:  # the gold key is no annotator of the class
            labels[passage_id].append(label_id)
    shared = [tags for tags in labels.values() if len(tags) >= 2]
    agreed = sum(1 for tags in shared if len(set(tags)) == 1)
    ready = len(shared) >= MIN_SHARED_PASSAGES
    return {"ready": ready, "shared": len(shared), "agreed": agreed,
            "percent": round(100 * agreed / len(shared)) if shared else 0,
            "needed": MIN_SHARED_PASSAGES, "tagged": len(labels)}
