"""Test–retest: the same annotator on the same document in two rounds. The two occasions
are the coders of Krippendorff's alpha (intra-annotator agreement, Krippendorff 2004 §11.1
"stability"): nominal alpha on the source type of each passage, u-alpha on each span layer,
each annotator's documents laid end to end and, pooled, every annotator's after another."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import sqlalchemy as sa

from app import agreement as engine
from app.extensions import db
from app.models import Document, Project, Round, User
from app.services.agreement import Scope, figure, merge_overlaps
from app.services.rounds import document_ids
from app.services.rounds.work import RoundWorkSource
from app.services.vocabulary import vocabulary

OCCASIONS = ("first", "second")
SPAN_LAYERS = ("rhetoric", "claim")


def _passages(first: RoundWorkSource, second: RoundWorkSource, docs: list[int],
              people: list[int], both: set[tuple[int, int]]) -> dict[Any, dict[str, Any]]:
    """Nominal alpha of each annotator's passage tags on the two occasions, and pooled."""
    tags = [{(uid, pid): label for pid, doc, uid, label in work.tags(docs)
             if (uid, doc) in both} for work in (first, second)]
    out: dict[Any, dict[str, Any]] = {}
    for uid in [*people, None]:
        keys = sorted({k for side in tags for k in side if uid is None or k[0] == uid})
        codes = {label: i for i, label in enumerate(sorted({v for side in tags
                                                              for v in side.values()}))}
        matrix = np.array([[codes[side[k]] if k in side else np.nan for k in keys]
                           for side in tags], dtype=float).reshape(2, len(keys))
        both = int((~np.isnan(matrix)).all(axis=0).sum())
        out[uid] = figure("alpha_nominal",
                          lambda matrix=matrix: engine.krippendorff_alpha(matrix, "nominal"),
                          n_items=len(keys), n_pairable=2 * both, n_coders=2)
    return out


def _spans(first: RoundWorkSource, second: RoundWorkSource, documents: list[Document],
           people: list[int], layer_id: int, both: set[tuple[int, int]]
           ) -> dict[Any, dict[str, Any]]:
    """u-alpha of each annotator's spans of a layer on the two occasions (the documents they
    did on both laid end to end), and pooled (every annotator's stretch after another)."""
    ids = [d.id for d in documents]
    rows = [(occasion, row) for occasion, work in zip(OCCASIONS, (first, second), strict=True)
            for row in work.spans(ids, layer_id)]
    out: dict[Any, dict[str, Any]] = {}
    pooled: list[tuple[str, int, int, Any]] = []
    base = 0
    for uid in people:
        offsets, total = {}, 0
        for doc in documents:
            if (uid, doc.id) in both:
                offsets[doc.id] = total
                total += doc.char_count
        # An annotator's overlapping spans of one label count as the text they cover.
        mine = merge_overlaps([(occasion, offsets[doc] + start, offsets[doc] + end, label)
                               for occasion, (doc, who, start, end, label) in rows
                               if who == uid and doc in offsets])
        pooled += [(o, base + s, base + e, lab) for o, s, e, lab in mine]
        out[uid] = figure("u_alpha", lambda mine=mine, total=total: engine.unitizing_alpha(
            mine, 0, total, coders=OCCASIONS), n_items=len(mine), n_pairable=len(mine),
            n_coders=2)
        base += total
    out[None] = figure("u_alpha", lambda: engine.unitizing_alpha(
        pooled, 0, base, coders=OCCASIONS), n_items=len(pooled), n_pairable=len(pooled),
        n_coders=2)
    return out


def retest(project: Project, rounds: list[Round], scope: Scope | None = None
           ) -> list[dict[str, Any]]:
    """One entry per pair of rounds sharing documents: the annotators who did a shared
    document in both, with their intra-annotator figures and the pooled ones."""
    scope = scope or Scope()
    words = vocabulary(project.id)
    out = []
    docs_of = {r.id: document_ids(r) for r in rounds}
    for a, b in combinations(rounds, 2):
        shared = [d for d in docs_of[a.id] if d in set(docs_of[b.id])
                  and (not scope.documents or d in set(scope.documents))]
        if not shared:
            continue
        first, second = RoundWorkSource(a), RoundWorkSource(b)
        # Only the documents an annotator did on both occasions count for them.
        both = ({(uid, doc) for uid, doc in first.workers(shared)}
                & {(uid, doc) for uid, doc in second.workers(shared)})
        names = dict(db.session.execute(sa.select(User.id, User.username).where(
            User.id.in_({uid for uid, _ in both}), User.role != "system")).all())
        if scope.annotators:
            names = {uid: n for uid, n in names.items() if n in set(scope.annotators)}
        people = sorted(names, key=names.get)
        documents = list(db.session.scalars(sa.select(Document).where(Document.id.in_(shared))
                                            .order_by(Document.position, Document.id)))
        entry: dict[str, Any] = {"rounds": [a.name, b.name], "documents": shared,
                                 "annotators": [names[u] for u in people], "layers": {}}
        if people:
            passages = _passages(first, second, shared, people, both)
            entry["layers"]["source_passages"] = _named(passages, names)
            for layer in SPAN_LAYERS:
                if layer in words.layers:
                    entry["layers"][layer] = _named(_spans(
                        first, second, documents, people, words.layers[layer].id, both),
                        names)
        out.append(entry)
    return out


def _named(figures: dict[Any, dict[str, Any]], names: dict[int, str]) -> dict[str, Any]:
    return {"pooled": figures[None],
            "annotators": [{"annotator": names[uid], **fig}
                           for uid, fig in figures.items() if uid is not None]}
