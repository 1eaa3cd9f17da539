"""A span layer (rhetoric, unsupported claims): u-alpha overall, per label and per document,
gamma overall and per document, and pairwise span F1. The coders are the annotators who
worked on the documents, whether or not they marked anything in the layer: finding nothing
is an observation too."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import combinations
from typing import Any

from flask_babel import gettext as _

from app import agreement as engine
from app.models import Document
from app.services.agreement import reasons
from app.services.agreement.figures import BOOTSTRAP_SAMPLES, CONFIDENCE, SEED, figure
from app.services.agreement.gamma import gamma_figure
from app.services.agreement.work import LIVE, Work
from app.services.vocabulary import Vocabulary

Unit = tuple[str, int, int, str]  # coder, start, end, label


def merge_overlaps(units: list[Unit]) -> list[Unit]:
    """Join one annotator's overlapping spans of one label into one unit.

    u-alpha reads each coder's units of a category as a segmentation of the text, where
    overlaps have no meaning; the annotation page allows them (a phrase inside a sentence
    marked with the same technique), and for agreement they count as the text they cover.
    """
    merged: list[Unit] = []
    for coder, start, end, label in sorted(units, key=lambda u: (u[0], u[3], u[1], u[2])):
        if merged and merged[-1][0] == coder and merged[-1][3] == label and start < merged[-1][2]:
            last = merged[-1]
            merged[-1] = (coder, last[1], max(last[2], end), label)
        else:
            merged.append((coder, start, end, label))
    return merged


def units_section(documents: list[Document], users: dict[int, str], words: Vocabulary,
                  layer: str, covered: dict[str, set[int]], work: Work = LIVE
                  ) -> dict[str, Any]:
    """A span layer: u-alpha overall, per label and per document; pairwise span F1, each
    pair over the documents both annotators worked on. `covered` maps each annotator to the
    documents they worked on: they are the coders, spans or none."""
    layer_id = words.layers[layer].id
    label_key = {info.id: key for (lk, key), info in words.labels.items() if lk == layer}
    offsets, total = {}, 0
    for doc in documents:
        offsets[doc.id] = total
        total += doc.char_count
    rows = [row for row in work.spans(list(offsets), layer_id) if row[1] in users]
    # gamma aligns each span as marked; u-alpha needs an annotator's spans of a label merged.
    raw = [(users[uid], offsets[doc] + s, offsets[doc] + e, label_key[lab])
           for doc, uid, s, e, lab in rows]
    pooled = merge_overlaps(raw)
    coders = [name for name in users.values() if covered.get(name)]
    marked = {unit[0] for unit in pooled}
    per_document: dict[int, list[Unit]] = {d.id: [] for d in documents}
    for doc_id, uid, s, e, lab in rows:
        per_document[doc_id].append((users[uid], s, e, label_key[lab]))
    merged = {d.id: merge_overlaps(per_document[d.id]) for d in documents}
    intervals = _intervals([(d.char_count, merged[d.id]) for d in documents], coders)
    shared = {"n_units": sum(1 for d in documents
                             if sum(d.id in covered[c] for c in coders) >= 2),
              "units": "documents"}
    common = {"n_items": len(pooled), "n_pairable": len(pooled), "n_coders": len(coders)}
    section: dict[str, Any] = {
        "coefficients": [figure("u_alpha", lambda: _u_alpha(pooled, total, coders), **common,
                                **shared, interval=lambda: _pick(intervals(), None)),
                         gamma_figure(raw, coders)],
        "coders": coders,
        "marked_nothing": [c for c in coders if c not in marked],
        "labels": [],
        "documents": [],
        "documents_gamma": [],
        "pairs": [],
        "warnings": [],
    }
    if len(coders) < 2:
        section["warnings"].append(_("Fewer than two annotators worked on these documents."))
    elif not pooled:
        section["warnings"].append(_("Nobody marked a span in this layer."))
    for label in sorted({unit[3] for unit in pooled}):
        n = sum(1 for unit in pooled if unit[3] == label)
        section["labels"].append({"label": label, **figure(
            "u_alpha", lambda label=label: engine.unitizing_alpha(
                pooled, 0, total, label, coders=coders),
            n_items=n, n_pairable=n, n_coders=len(coders), **shared,
            interval=lambda label=label: _pick(intervals(), label))})
    for doc in documents:
        mine = merged[doc.id]
        readers = [c for c in coders if doc.id in covered[c]]
        section["documents"].append({"document_id": doc.id, "title": doc.title, **figure(
            "u_alpha", lambda mine=mine, doc=doc, readers=readers: engine.unitizing_alpha(
                mine, 0, doc.char_count, coders=readers), n_items=len(mine),
            n_pairable=len(mine), n_coders=len(readers))})
        section["documents_gamma"].append({"document_id": doc.id, "title": doc.title,
                                           **gamma_figure(per_document[doc.id], readers)})
    worked = set().union(*(covered[c] for c in coders)) if coders else set()
    if len(coders) >= 2 and any(covered[c] != worked for c in coders):
        section["warnings"].append(_(
            "Not every annotator worked on every document: u-alpha counts a document an "
            "annotator has not worked on as one they left unmarked. Pairwise F1 compares each "
            "pair on the documents both worked on; filter the documents for a fair u-alpha."))
    section["pairs"] = _pairs(coders, pooled, per_document, offsets, covered)
    return section


def _intervals(documents: list[tuple[int, list[Unit]]], coders: list[str]
               ) -> Callable[[], dict[Any, Any]]:
    """The document-level bootstrap of u-alpha, overall and per label, run once when the
    first of the layer's figures asks for its interval."""
    @cache
    def run() -> dict[Any, Any]:
        return engine.bootstrap_unitizing_alpha(documents, coders, samples=BOOTSTRAP_SAMPLES,
                                                seed=SEED, confidence=CONFIDENCE)
    return run


def _pick(intervals: dict[Any, Any], key: str | None) -> Any:
    found = intervals[key]
    if isinstance(found, engine.Undefined):
        raise found
    return found


def _u_alpha(pooled: list[Unit], total: int, coders: list[str]) -> float:
    if not total:
        raise engine.Undefined("no_text")
    return engine.unitizing_alpha(pooled, 0, total, coders=coders)


def _pairs(coders: list[str], pooled: list[Unit], per_document: dict[int, list[Unit]],
           offsets: dict[int, int], covered: dict[str, set[int]]) -> list[dict[str, Any]]:
    """Span F1 (exact and overlap) of every pair of coders, the first as the reference,
    over the documents both worked on; a coder who marked nothing scores precision or
    recall 0 against one who did (`engine.SpanScores`), and a pair where neither marked
    anything is undefined."""
    by_coder: dict[str, list[tuple[int, int, str]]] = {c: [] for c in coders}
    for who, start, end, label in pooled:
        by_coder[who].append((start, end, label))
    scores = {mode: engine.pairwise_span_f1(by_coder, mode) for mode in ("exact", "overlap")}
    out = []
    for a, b in combinations(coders, 2):
        pair: dict[str, Any] = {"coders": [a, b]}
        both = covered[a] & covered[b]
        if not both:
            reason = reasons.undefined("no_shared_documents")
            out.append({**pair, "exact": reason, "overlap": reason})
            continue
        if both != covered[a] | covered[b]:
            # Only the documents both worked on: the others say nothing about agreement.
            def units(who: str, both: set[int] = both) -> list[tuple[int, int, str]]:
                return [(offsets[d] + s, offsets[d] + e, lab) for d in sorted(both)
                        for coder, s, e, lab in merge_overlaps(per_document[d]) if coder == who]

            restricted = {a: units(a), b: units(b)}
            pair_scores = {mode: engine.pairwise_span_f1(restricted, mode)
                           for mode in ("exact", "overlap")}
        else:
            pair_scores = scores
        for mode in ("exact", "overlap"):
            result = pair_scores[mode][(a, b)]
            pair[mode] = (reasons.undefined(result.code, **result.params)
                          if isinstance(result, engine.Undefined)
                          else {"precision": result.precision, "recall": result.recall,
                                "f1": result.f1})
        out.append(pair)
    return out
