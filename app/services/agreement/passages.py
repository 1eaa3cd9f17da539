"""Source types: per passage (nominal figures, per document, the disagreements) and per
character (the innermost source span deciding)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa

from app import agreement as engine
from app.extensions import db
from app.models import Document, Passage
from app.services.agreement.figures import counts, figure, nominal_block, warnings
from app.services.agreement.people import layer_labels, offered_labels
from app.services.agreement.work import LIVE, Work
from app.services.vocabulary import Vocabulary

MAX_LISTED = 500  # disagreements listed per layer


def passages_section(documents: list[Document], users: dict[int, str],
                     words: Vocabulary, work: Work = LIVE) -> dict[str, Any]:
    """Source type per passage: nominal figures, per document, and the disagreements. A
    passage an annotator left untagged is missing for them, not a disagreement."""
    labels = layer_labels(words, "source")
    code = {words.labels[("source", key)].id: i for i, key in enumerate(labels)}
    doc_ids = [d.id for d in documents]
    passages = db.session.execute(
        sa.select(Passage.id, Passage.document_id, Passage.index)
        .where(Passage.document_id.in_(doc_ids))
        .order_by(Passage.document_id, Passage.index)).all()
    column = {pid: i for i, (pid, _, _) in enumerate(passages)}
    row = {uid: i for i, uid in enumerate(users)}
    matrix = np.full((len(users), len(passages)), np.nan)
    for pid, _, uid, label_id in work.tags(doc_ids):
        if uid in row and pid in column:
            matrix[row[uid], column[pid]] = code[label_id]
    coders = list(users.values())
    section = nominal_block(matrix, coders, labels, offered_labels(words, "source"),
                            units="passages")
    titles = {d.id: d.title for d in documents}
    section["documents"] = []
    columns: dict[int, list[int]] = {doc.id: [] for doc in documents}
    for i, (_, doc_id, _) in enumerate(passages):
        columns[doc_id].append(i)
    for doc in documents:
        sub = matrix[:, columns[doc.id]]
        section["documents"].append({"document_id": doc.id, "title": doc.title, **figure(
            "alpha_nominal", lambda sub=sub: engine.krippendorff_alpha(sub, "nominal"),
            **counts(sub))})
    disagreements = []
    for i, (pid, doc_id, index) in enumerate(passages):
        values = {coders[r]: labels[int(v)] for r, v in enumerate(matrix[:, i])
                  if not np.isnan(v)}
        if len(values) >= 2 and len(set(values.values())) > 1:
            disagreements.append({"document_id": doc_id, "title": titles[doc_id],
                                  "passage_id": pid, "passage_index": index, "tags": values})
    section["disagreements"] = disagreements[:MAX_LISTED]
    section["disagreement_count"] = len(disagreements)
    return section


def effective_section(documents: list[Document], users: dict[int, str],
                      words: Vocabulary, work: Work = LIVE) -> dict[str, Any]:
    """Source type per character, the innermost source span deciding (codebook §3.3)."""
    labels = layer_labels(words, "source")
    code = {words.labels[("source", key)].id: i for i, key in enumerate(labels)}
    source = words.layers["source"].id
    row = {uid: i for i, uid in enumerate(users)}
    doc_ids = [d.id for d in documents]
    bounds = {pid: (start, end) for pid, start, end in db.session.execute(
        sa.select(Passage.id, Passage.start, Passage.end)
        .where(Passage.document_id.in_(doc_ids)))}
    tags_of: dict[int, list[tuple[int, int, int, int]]] = {d: [] for d in doc_ids}
    for pid, doc_id, uid, label_id in work.tags(doc_ids):
        tags_of[doc_id].append((uid, label_id, *bounds[pid]))
    spans_of: dict[int, list[tuple[int, int, int, int]]] = {d: [] for d in doc_ids}
    for doc_id, uid, start, end, label_id in work.spans(doc_ids, source):
        spans_of[doc_id].append((uid, label_id, start, end))
    blocks = []
    for doc in documents:
        grid = np.full((len(users), doc.char_count), np.nan, dtype=np.float32)
        for uid, label_id, start, end in tags_of[doc.id]:
            if uid in row:
                grid[row[uid], start:end] = code[label_id]
        # Longest first, so the innermost span is painted last and wins.
        for uid, label_id, start, end in sorted(spans_of[doc.id], key=lambda s: s[2] - s[3]):
            if uid in row:
                grid[row[uid], start:end] = code[label_id]
        paired = (~np.isnan(grid)).sum(axis=0) >= 2
        blocks.append(grid[:, paired])
    matrix = (np.concatenate(blocks, axis=1).astype(float) if blocks
              else np.full((len(users), 0), np.nan))
    tally = counts(matrix)
    return {
        "unit": "character",
        "coefficients": [figure(
            "alpha_nominal", lambda: engine.krippendorff_alpha(matrix, "nominal"), **tally)],
        "warnings": warnings(matrix, tally["n_pairable"]),
    }
