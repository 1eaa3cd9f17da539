"""A student's work on one document beside the key's: passages, span layers and ratings."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext, lazy_gettext

from app import agreement as engine
from app.models import Document, Project, User
from app.services.agreement import reasons
from app.services.feedback.work import (
    LAYER_TITLES,
    SPAN_CHARS,
    SPAN_LAYERS,
    Data,
    SpanTuple,
    Work,
    excerpt,
    load_work,
    name_of,
)
from app.services.review import match_spans
from app.services.vocabulary import Vocabulary
from app.services.wording.feedback import UNTAGGED, summary

NO_KEY = lazy_gettext("This document has no gold key yet, so there is nothing to compare "
                      "your work with.")


# --- passages ------------------------------------------------------------------------------

def _kappa(key: list[str], mine: list[str], words: Vocabulary) -> tuple[float | None, str | None]:
    """Cohen's kappa of the student against the key, or None and the reason it is undefined."""
    if not key:
        return None, gettext("no passage has both your tag and the key's, so there is nothing "
                             "to compare")
    try:
        return engine.cohen_kappa([key, mine]), None
    except engine.Undefined as exc:
        if len(set(key) | set(mine)) == 1:
            return None, gettext("you and the key used only “%(label)s” on the passages you "
                                 "both tagged, so chance agreement is 1 and κ is 0/0; read "
                                 "the agreement share instead",
                                 label=name_of(words, 'source', key[0]))
        return None, reasons.why(exc)


def _passages(document: Document, mine: dict[int, str], key: dict[int, str],
              words: Vocabulary) -> dict[str, Any]:
    """The student's source types against the key's, passage by passage."""
    order = [k for (layer, k) in words.labels if layer == "source"]
    confusions: Counter[tuple[str, str]] = Counter()
    differences = []
    agreed = compared = left_untagged = key_untagged = 0
    both_key: list[str] = []
    both_mine: list[str] = []
    for passage in document.passages:
        said, right = mine.get(passage.id), key.get(passage.id)
        if right is None:
            key_untagged += 1
            continue
        compared += 1
        confusions[(right, said or UNTAGGED)] += 1
        if said is not None:
            both_key.append(right)
            both_mine.append(said)
        if said == right:
            agreed += 1
            continue
        if said is None:
            left_untagged += 1
        differences.append({
            "passage_id": passage.id, "index": passage.index,
            "excerpt": excerpt(document.text[passage.start:passage.end]),
            "mine": said, "mine_name": name_of(words, "source", said),
            "key": right, "key_name": name_of(words, "source", right)})
    used = {label for pair in confusions for label in pair}
    labels = [k for k in order if k in used]
    kappa, kappa_undefined = _kappa(both_key, both_mine, words)
    wrong = [(pair, n) for pair, n in confusions.items() if pair[0] != pair[1]]
    rank = {k: i for i, k in enumerate([*order, UNTAGGED])}
    # The commonest difference; on a tie a real confusion before a passage left untagged.
    top = min(wrong, key=lambda item: (-item[1], item[0][1] == UNTAGGED,
                                       rank.get(item[0][0], 99), rank.get(item[0][1], 99))
              ) if wrong else None
    return {
        "labels": labels,
        "columns": [*labels, UNTAGGED],
        "names": {k: name_of(words, "source", k) for k in [*labels, UNTAGGED]},
        "matrix": {right: {said: confusions.get((right, said), 0)
                           for said in [*labels, UNTAGGED]} for right in labels},
        "peak": max(confusions.values(), default=0),
        "agreed": agreed, "compared": compared,
        "share": agreed / compared if compared else None,
        "share_undefined": None if compared else gettext(
            "the key tags no passage of this document"),
        "kappa": kappa, "kappa_undefined": kappa_undefined, "kappa_n": len(both_key),
        "tagged": sum(1 for p in document.passages if p.id in mine),
        "left_untagged": left_untagged, "key_untagged": key_untagged,
        "most_confused": None if top is None else {
            "key": top[0][0], "key_name": name_of(words, "source", top[0][0]),
            "mine": top[0][1], "mine_name": name_of(words, "source", top[0][1]), "count": top[1]},
        "differences": differences,
    }


# --- span layers ---------------------------------------------------------------------------

def classify_spans(mine: list[SpanTuple], key: list[SpanTuple]
                   ) -> tuple[list[tuple[SpanTuple, SpanTuple]], list[tuple[SpanTuple, SpanTuple]],
                              list[SpanTuple], list[SpanTuple]]:
    """Sort a student's spans of one layer and document against the key's: (matched pairs,
    label-differs pairs, missed key spans, extra student spans); pairs are (mine, key).

    Same-label overlapping spans are matched first by `engine.overlap_pairs` (largest
    overlap first, then as many pairs as possible), with the key as the first side: the
    pairing `span_f1(key, mine, "overlap")` counts, so `len(matched)` is its true positives.
    Of the spans left, overlapping ones pair up across labels, largest overlap first; the
    rest are missed or extra.
    """
    mine, key = sorted(mine), sorted(key)
    pairs = engine.overlap_pairs([s[:3] for s in key], [s[:3] for s in mine])
    matched = [(mine[j], key[i]) for i, j in pairs]
    key_paired, mine_paired = {i for i, _ in pairs}, {j for _, j in pairs}
    key_left = [s for i, s in enumerate(key) if i not in key_paired]
    mine_left = [s for j, s in enumerate(mine) if j not in mine_paired]
    differs, missed, extra = [], [], []
    for theirs, ours in match_spans(sorted(key_left), sorted(mine_left)):
        if theirs and ours:
            differs.append((ours, theirs))
        elif theirs:
            missed.append(theirs)
        elif ours:
            extra.append(ours)
    by_start = lambda pair: (pair[1][0], pair[1][1])  # noqa: E731 - the key's position
    return (sorted(matched, key=by_start), sorted(differs, key=by_start), sorted(missed),
            sorted(extra))


def _slip_words(start: int, end: int) -> str:
    """A boundary difference in words: "starts 3 earlier, ends 2 later" (characters)."""
    def side(name: str, diff: int) -> str:
        if diff == 0:
            return f"same {name}"
        verb = "starts" if name == "start" else "ends"
        return f"{verb} {abs(diff)} {'earlier' if diff < 0 else 'later'}"

    return f"{side('start', start)}, {side('end', end)}"


def _layer(document: Document, layer: str, mine: list[SpanTuple], key: list[SpanTuple],
           words: Vocabulary) -> dict[str, Any]:
    """One span layer of a document: matched, label differs, missed, extra, P/R/F1, slips."""
    text = document.text

    def span(s: SpanTuple) -> dict[str, Any]:
        return {"start": s[0], "end": s[1], "label": s[2], "name": name_of(words, layer, s[2]),
                "note": s[3], "text": excerpt(text[s[0]:s[1]], SPAN_CHARS)}

    matched, differs, missed, extra = classify_spans(mine, key)
    try:
        scores = engine.span_f1([s[:3] for s in key], [s[:3] for s in mine], mode="overlap")
        figures: dict[str, Any] = {"precision": scores.precision, "recall": scores.recall,
                                   "f1": scores.f1, "undefined": None}
    except engine.Undefined:
        figures = {"precision": None, "recall": None, "f1": None,
                   "undefined": gettext("neither you nor the key marked a span here, so "
                                        "precision, recall and F1 are 0/0")}
    pairs = []
    for ours, theirs in matched:
        start, end = ours[0] - theirs[0], ours[1] - theirs[1]
        pairs.append({"mine": span(ours), "key": span(theirs), "start_diff": start,
                      "end_diff": end, "exact": start == end == 0,
                      "slip": _slip_words(start, end)})
    return {
        "layer": layer, "title": LAYER_TITLES.get(layer, layer),
        "mine_count": len(mine), "key_count": len(key),
        "matched": pairs,
        "label_differs": [{"mine": span(ours), "key": span(theirs)} for ours, theirs in differs],
        "missed": [span(s) for s in missed],
        "extra": [span(s) for s in extra],
        "slips": [p for p in pairs if not p["exact"]],
        "exact": sum(1 for p in pairs if p["exact"]),
        **figures,
        "true_positives": len(matched),
    }


# --- ratings -------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ratings(form: dict[str, Any], mine: dict[str, Any] | None,
             key: dict[str, Any] | None) -> dict[str, Any]:
    """The rating form's fields, the student's value beside the key's."""
    fields = form.get("fields", [])
    declared = any("agreement" in f for f in fields)  # else every scale field is scored
    mine, key_values = mine or {}, key or {}
    rows = []
    for spec in fields:
        name, kind = spec.get("name", spec["key"]), spec.get("type")
        scored = kind == "ordinal" and ("agreement" in spec or not declared)
        if kind == "checklist":
            items = [(item["key"], f"{name}: {item.get('text', item['key'])}")
                     for item in spec.get("items", [])]
            pairs = [(f"{spec['key']}.{k}", text, (mine.get(spec["key"]) or {}).get(k),
                      (key_values.get(spec["key"]) or {}).get(k)) for k, text in items]
        else:
            pairs = [(spec["key"], name, mine.get(spec["key"]), key_values.get(spec["key"]))]
        for field_key, label, ours, theirs in pairs:
            if ours is None and theirs is None:
                continue
            numeric = kind == "ordinal" and _is_number(ours) and _is_number(theirs)
            rows.append({
                "field": field_key, "name": label, "kind": kind, "mine": ours, "key": theirs,
                "scored": scored,
                "difference": ours - theirs if numeric else None,
                "same": None if kind == "text" or ours is None or theirs is None
                else ours == theirs})
    differences = [abs(r["difference"]) for r in rows
                   if r["scored"] and r["difference"] is not None]
    return {"rows": rows, "rated": bool(mine), "key_rated": bool(key_values),
            "scored": len(differences), "abs_difference_sum": sum(differences),
            "mean_abs_difference": sum(differences) / len(differences) if differences else None}


# --- one document --------------------------------------------------------------------------

def document_feedback(document: Document, data: Data, student_id: int) -> dict[str, Any]:
    key = data.key(document.id)
    mine = data.of(document.id, student_id)
    out: dict[str, Any] = {
        "document_id": document.id, "title": document.title, "has_key": key is not None,
        "submitted": (document.id, student_id) in data.submitted,
        "submitted_at": data.submitted.get((document.id, student_id))}
    # As in the agreement report: marking a document done is work too, even with nothing
    # tagged, marked or rated.
    out["worked"] = mine is not None or out["submitted"]
    if key is None:
        return {**out, "summary": str(NO_KEY)}
    mine = mine or Work()
    words = data.words
    passages = _passages(document, mine.tags, key.tags, words)
    layers = {layer: _layer(document, layer, mine.spans[layer], key.spans[layer], words)
              for layer in SPAN_LAYERS if layer in words.layers}
    ratings = _ratings(words.document_form, mine.rating, key.rating)
    return {**out, "passages": passages, "layers": layers, "ratings": ratings,
            "summary": summary(passages, layers, ratings)}


def student_feedback(project: Project, document: Document, student: User) -> dict[str, Any]:
    """A student's work on one document against its gold key.

    Returns `has_key` and `summary` (a few sentences) always; with a key also `passages`
    (confusion of the key's source types (rows) with the student's (columns, plus
    "untagged"), agreement share, Cohen's kappa or why it is undefined, the passages that
    differ), `layers` (per span layer: matched, label_differs, missed, extra, precision,
    recall, F1, boundary slips) and `ratings` (values side by side, differences of scales).
    """
    if document.project_id != project.id:
        raise ValueError("the document is not in this project")
    return document_feedback(document, load_work(project, [student.id], [document.id]), student.id)
