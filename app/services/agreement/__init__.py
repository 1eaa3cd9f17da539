"""The agreement report of a project: annotations read from the database, fed to the pure
engine in app.agreement, and returned as plain data for the page, the API and the CLI."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.models import Project
from app.services.agreement.figures import (
    BOOTSTRAP_SAMPLES,
    MIN_INTERVAL_UNITS,
    SEED,
    figure,
    nominal_block,
)
from app.services.agreement.methods import methods
from app.services.agreement.passages import effective_section, passages_section
from app.services.agreement.people import (
    WORKED_ON,
    Scope,
    annotators_in,
    annotators_of,
    coverage,
    documents_in,
)
from app.services.agreement.ratings import ratings_section
from app.services.agreement.spans import merge_overlaps, units_section
from app.services.agreement.work import LIVE, LiveWork, Work
from app.services.vocabulary import vocabulary

__all__ = [
    "BOOTSTRAP_SAMPLES",
    "LIVE",
    "MIN_INTERVAL_UNITS",
    "SEED",
    "WORKED_ON",
    "LiveWork",
    "Scope",
    "Work",
    "annotators_of",
    "build_report",
    "coverage",
    "figure",
    "merge_overlaps",
    "methods",
    "nominal_block",
]


def build_report(project: Project, scope: Scope | None = None,
                 work: Work | None = None) -> dict[str, Any]:
    """Every agreement figure of a project, per layer, as plain data; from `work` (a round's,
    or one codebook version's) instead of every live annotation when given."""
    scope = scope or Scope()
    words = vocabulary(project.id)
    documents = documents_in(project, scope)
    if work is None:
        work, users = LIVE, annotators_of(project, scope)
    else:
        users = annotators_in(work, [d.id for d in documents], scope)
    covered = coverage(documents, users, work)
    return {
        "project": {"id": project.id, "title": project.title},
        "codebook_version": words.version,
        "annotators": list(users.values()),
        "documents": [{"id": d.id, "title": d.title} for d in documents],
        # Agreement needs two people on one text: the pages say how near that is.
        "most_coders_on_a_document": max(Counter(
            doc for docs in covered.values() for doc in docs).values(), default=0),
        "methods": methods(),
        "layers": {
            "source_passages": passages_section(documents, users, words, work),
            "source_characters": effective_section(documents, users, words, work),
            "rhetoric": units_section(documents, users, words, "rhetoric", covered, work),
            "claim": units_section(documents, users, words, "claim", covered, work),
            "ratings": ratings_section(documents, users, words, work),
        },
    }
