"""Feedback against the gold key: a student's work on a document beside the key's answer,
their record over the project (the gradebook), and the class's most common confusions.

Everything compares one student with the key, never with a classmate, so a student's pages
show only their own work and the key. Which documents a student may see feedback on is the
reveal policy's call (`classroom.revealed`): `student_report(..., for_student=True)` withholds
the others without computing anything for them.

Totals, the gradebook and the class summary count the documents a student has submitted:
a document still in progress is listed with its figures, but half-done work says little
about judgement and would drag a total down for being unfinished, not for being wrong.

Conventions, the same on every page:
- passages: the agreement share is over the passages the key tags (one the student left
  untagged counts as a difference); Cohen's kappa is over the passages both tagged;
- spans of a layer (rhetoric, unsupported claims): overlapping spans of the same label are
  matched first, as many as can be paired one to one (largest overlaps preferred), exactly
  as `app.agreement.span_f1` in overlap mode scores them; of the rest, overlapping spans
  with other labels pair up as "label differs"; what is left is missed (only the key has
  it) or extra (only the student has it);
- ratings: every field side by side; scale fields the codebook measures agreement on
  (`agreement:` in the rating form) are scored by their difference, student minus key.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext

from app import agreement as engine
from app.extensions import db
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    PassageTag,
    Project,
    Span,
    User,
)
from app.services import classroom
from app.services.agreement import reasons
from app.services.gold import gold_user_id
from app.services.review import match_spans
from app.services.vocabulary import Vocabulary, vocabulary
from app.services.wording.feedback import UNTAGGED, summary

SpanTuple = tuple[int, int, str, str]  # start, end, label key, note (as match_spans takes)

SPAN_LAYERS = ("rhetoric", "claim")
LAYER_TITLES = {"rhetoric": "Rhetoric", "claim": "Unsupported claims"}
EXCERPT_CHARS = 160  # passage excerpts in lists
SPAN_CHARS = 240  # span texts in lists
TOP = 10  # rows per list of the class summary
NO_KEY = lazy_gettext("This document has no gold key yet, so there is nothing to compare "
                      "your work with.")


# --- reading the work ---------------------------------------------------------------------

@dataclass
class _Work:
    """One annotator's work on one document."""

    tags: dict[int, str] = field(default_factory=dict)  # passage id -> source label key
    spans: dict[str, list[SpanTuple]] = field(
        default_factory=lambda: {layer: [] for layer in SPAN_LAYERS})
    rating: dict[str, Any] | None = None


@dataclass
class _Data:
    """Students' and the key's work on some documents of a project, read in four queries."""

    words: Vocabulary
    gold_id: int | None
    work: dict[tuple[int, int], _Work]  # (document id, user id) -> work
    submitted: dict[tuple[int, int], datetime]  # (document id, user id) -> when submitted

    def of(self, document_id: int, user_id: int) -> _Work | None:
        return self.work.get((document_id, user_id))

    def key(self, document_id: int) -> _Work | None:
        """The gold key of a document, or None when it has none."""
        return self.work.get((document_id, self.gold_id)) if self.gold_id else None


def _load(project: Project, user_ids: Iterable[int],
          document_ids: Iterable[int] | None = None) -> _Data:
    words = vocabulary(project.id)
    gold_id = gold_user_id()
    people = [*user_ids, *([gold_id] if gold_id else [])]
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    if document_ids is not None:
        in_project = in_project.where(Document.id.in_(list(document_ids)))
    layer_of = {words.layers[key].id: key for key in SPAN_LAYERS if key in words.layers}
    label = words.label_by_id
    work: dict[tuple[int, int], _Work] = defaultdict(_Work)
    for doc_id, user_id, passage_id, label_id in db.session.execute(
            sa.select(PassageTag.document_id, PassageTag.user_id, PassageTag.passage_id,
                      PassageTag.label_id)
            .where(PassageTag.document_id.in_(in_project), PassageTag.user_id.in_(people))):
        work[(doc_id, user_id)].tags[passage_id] = label[label_id].key
    for doc_id, user_id, layer_id, start, end, label_id, note in db.session.execute(
            sa.select(Span.document_id, Span.user_id, Span.layer_id, Span.start, Span.end,
                      Span.label_id, Span.note)
            .where(Span.document_id.in_(in_project), Span.user_id.in_(people),
                   Span.layer_id.in_(list(layer_of)))):
        work[(doc_id, user_id)].spans[layer_of[layer_id]].append(
            (start, end, label[label_id].key, note or ""))
    for doc_id, user_id, values in db.session.execute(
            sa.select(DocumentRating.document_id, DocumentRating.user_id, DocumentRating.values)
            .where(DocumentRating.document_id.in_(in_project),
                   DocumentRating.user_id.in_(people))):
        work[(doc_id, user_id)].rating = dict(values or {})
    submitted = {(doc_id, user_id): done for doc_id, user_id, done in db.session.execute(
        sa.select(DocumentProgress.document_id, DocumentProgress.user_id,
                  DocumentProgress.done_at)
        .where(DocumentProgress.document_id.in_(in_project),
               DocumentProgress.user_id.in_(people),
               DocumentProgress.done_at.is_not(None)))}
    return _Data(words, gold_id, dict(work), submitted)


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary to about `limit` characters."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,.;:") + " …"


def _name(words: Vocabulary, layer: str, key: str | None) -> str:
    if key is None or key == UNTAGGED:
        return "untagged"
    info = words.labels.get((layer, key))
    return info.name if info else key


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
                                 label=_name(words, 'source', key[0]))
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
            "excerpt": _excerpt(document.text[passage.start:passage.end]),
            "mine": said, "mine_name": _name(words, "source", said),
            "key": right, "key_name": _name(words, "source", right)})
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
        "names": {k: _name(words, "source", k) for k in [*labels, UNTAGGED]},
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
            "key": top[0][0], "key_name": _name(words, "source", top[0][0]),
            "mine": top[0][1], "mine_name": _name(words, "source", top[0][1]), "count": top[1]},
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
        return {"start": s[0], "end": s[1], "label": s[2], "name": _name(words, layer, s[2]),
                "note": s[3], "text": _excerpt(text[s[0]:s[1]], SPAN_CHARS)}

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

def _document(document: Document, data: _Data, student_id: int) -> dict[str, Any]:
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
    mine = mine or _Work()
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
    return _document(document, _load(project, [student.id], [document.id]), student.id)


# --- one student over the project ----------------------------------------------------------

@dataclass
class _Totals:
    """Pooled counts over the documents a student submitted that have a key."""

    documents: int = 0
    agreed: int = 0
    compared: int = 0
    spans: dict[str, list[int]] = field(  # layer -> [true positives, student spans, key spans]
        default_factory=lambda: {layer: [0, 0, 0] for layer in SPAN_LAYERS})
    abs_difference: float = 0.0
    scored: int = 0

    def add(self, feedback: dict[str, Any]) -> None:
        self.documents += 1
        self.agreed += feedback["passages"]["agreed"]
        self.compared += feedback["passages"]["compared"]
        for layer, figures in feedback["layers"].items():
            counts = self.spans[layer]
            counts[0] += figures["true_positives"]
            counts[1] += figures["mine_count"]
            counts[2] += figures["key_count"]
        self.abs_difference += feedback["ratings"]["abs_difference_sum"]
        self.scored += feedback["ratings"]["scored"]

    def as_dict(self) -> dict[str, Any]:
        layers = {}
        for layer, (tp, mine, key) in self.spans.items():
            layers[layer] = {"true_positives": tp, "mine_count": mine, "key_count": key,
                             "precision": tp / mine if mine else None,
                             "recall": tp / key if key else None,
                             "f1": 2 * tp / (mine + key) if mine + key else None}
        return {"documents": self.documents, "agreed": self.agreed, "compared": self.compared,
                "share": self.agreed / self.compared if self.compared else None,
                "layers": layers,
                "mean_abs_difference": self.abs_difference / self.scored if self.scored
                else None, "scored": self.scored}


def _report(project: Project, student: User, data: _Data, for_student: bool,
            items: list[dict[str, Any]] | None = None, reveal: bool = True) -> dict[str, Any]:
    """`reveal` False skips asking whether each document is revealed to the student (the
    gradebook does not say); `revealed` is then None."""
    items = classroom.my_assignments(project, student) if items is None else items
    totals = _Totals()
    rows = []
    for item in items:
        document = item["document"]
        shown = classroom.revealed(project, document, student) \
            if reveal or for_student else None
        row: dict[str, Any] = {"document_id": document.id, "title": document.title,
                               "status": item["status"], "due": item["due"],
                               "revealed": shown, "withheld": for_student and not shown}
        if not row["withheld"]:
            feedback = _document(document, data, student.id)
            row["feedback"] = feedback
            row["counted"] = feedback["has_key"] and feedback["submitted"]
            if row["counted"]:
                totals.add(feedback)
        rows.append(row)
    return {
        "student": {"id": student.id, "username": student.username, "name": student.name,
                    "display_name": student.display_name},
        "assigned": len(items),
        "submitted": sum(1 for item in items if item["status"] == classroom.SUBMITTED),
        "rows": rows, "totals": totals.as_dict(),
        "withheld": sum(1 for row in rows if row["withheld"]),
    }


def student_report(project: Project, student: User, *, for_student: bool = False
                   ) -> dict[str, Any]:
    """A student's documents (their assignments, or every document when the project assigns
    none) with each one's feedback, and totals over the submitted documents that have a
    key: passage agreement, span precision/recall/F1 per layer (pooled counts) and the mean
    absolute difference of scored ratings.

    `for_student`: the student is the reader, so documents not revealed to them are
    withheld: listed with their status only, and left out of the totals.
    """
    items = classroom.my_assignments(project, student)
    data = _load(project, [student.id], [item["document"].id for item in items])
    return _report(project, student, data, for_student, items)


def gradebook(project: Project) -> list[dict[str, Any]]:
    """One row per student of the project: assigned, submitted, and the totals of
    `student_report` (every document, whatever the reveal policy: teachers read this)."""
    people = classroom.students(project)
    data = _load(project, [p.id for p in people])
    rows = []
    for person in people:
        report = _report(project, person, data, for_student=False, reveal=False)
        totals = report["totals"]
        rows.append({
            "username": person.username, "display_name": person.display_name,
            "assigned": report["assigned"], "submitted": report["submitted"],
            "compared": totals["documents"], "passage_agreement": totals["share"],
            "rhetoric_f1": totals["layers"]["rhetoric"]["f1"],
            "claim_f1": totals["layers"]["claim"]["f1"],
            "mean_abs_rating_difference": totals["mean_abs_difference"],
        })
    return rows


# --- the class -----------------------------------------------------------------------------

def class_summary(project: Project) -> dict[str, Any]:
    """What the class found hard, for a discussion: the labels most often confused with the
    key (source types per passage, and span labels marked on the key's span with another
    label), the key's spans most students missed, and the passages most disputed: the most
    students disagreeing with the key, or with each other where there is no key.

    Counts cover submitted documents; no student is named.
    """
    people = classroom.students(project)
    data = _load(project, [p.id for p in people])
    words = data.words
    confused: dict[str, Counter[tuple[str, str]]] = {
        layer: Counter() for layer in ("source", *SPAN_LAYERS)}
    confused_by: dict[str, dict[tuple[str, str], set[int]]] = {
        layer: defaultdict(set) for layer in confused}
    missed: dict[tuple[int, str, SpanTuple], int] = Counter()
    readers: dict[int, int] = {}
    disputed = []
    keyed = 0
    for document in project.documents:
        key = data.key(document.id)
        keyed += key is not None
        done = [p.id for p in people if (document.id, p.id) in data.submitted]
        readers[document.id] = len(done)
        for passage in document.passages:
            tags = [t for t in (data.work.get((document.id, uid), _Work()).tags.get(passage.id)
                                for uid in done) if t is not None]
            right = key.tags.get(passage.id) if key else None
            for uid in done:
                said = data.work.get((document.id, uid), _Work()).tags.get(passage.id)
                if right is not None and said is not None and said != right:
                    confused["source"][(right, said)] += 1
                    confused_by["source"][(right, said)].add(uid)
            counts = Counter(tags)
            against = sum(n for label, n in counts.items() if label != right) if right else 0
            outside = len(tags) - max(counts.values(), default=0)
            if against or len(counts) > 1:
                disputed.append({
                    "document_id": document.id, "title": document.title,
                    "position": document.position, "passage_index": passage.index,
                    "excerpt": _excerpt(document.text[passage.start:passage.end]),
                    "key": right, "key_name": _name(words, "source", right) if right else None,
                    "students": len(tags), "against_key": against, "outside_majority": outside,
                    "disagreeing": against if right else outside,
                    "tags": [{"label": label, "name": _name(words, "source", label),
                              "count": n, "agrees": label == right}
                             for label, n in sorted(counts.items(),
                                                    key=lambda item: (-item[1], item[0]))]})
        if key is None:
            continue
        for layer in SPAN_LAYERS:
            for uid in done:
                mine = data.work.get((document.id, uid), _Work()).spans[layer]
                _, differs, lost, _ = classify_spans(mine, key.spans[layer])
                for ours, theirs in differs:
                    confused[layer][(theirs[2], ours[2])] += 1
                    confused_by[layer][(theirs[2], ours[2])].add(uid)
                for span in lost:
                    missed[(document.id, layer, span)] += 1
    documents = {d.id: d for d in project.documents}
    order = {key: i for i, key in enumerate(k for _, k in words.labels)}
    confusions = {
        layer: [{"key": right, "key_name": _name(words, layer, right), "mine": said,
                 "mine_name": _name(words, layer, said), "count": n,
                 "students": len(confused_by[layer][(right, said)])}
                for (right, said), n in sorted(counts.items(), key=lambda item: (
                    -item[1], order.get(item[0][0], 0), order.get(item[0][1], 0)))[:TOP]]
        for layer, counts in confused.items()}
    most_missed = defaultdict(list)
    for (doc_id, layer, span), n in sorted(
            missed.items(), key=lambda item: (-item[1] / readers[item[0][0]],
                                              documents[item[0][0]].position, item[0][2])):
        if len(most_missed[layer]) < TOP:
            document = documents[doc_id]
            most_missed[layer].append({
                "document_id": doc_id, "title": document.title, "label": span[2],
                "name": _name(words, layer, span[2]), "note": span[3],
                "text": _excerpt(document.text[span[0]:span[1]], SPAN_CHARS),
                "missed": n, "of": readers[doc_id]})
    disputed.sort(key=lambda d: (-d["disagreeing"], -len(d["tags"]), d["position"],
                                 d["passage_index"]))
    return {
        "students": len(people), "documents_with_key": keyed,
        "submitted": sum(readers.values()),
        "titles": {"source": "Source types", **LAYER_TITLES},
        "confusions": confusions,
        "missed": {layer: most_missed.get(layer, []) for layer in SPAN_LAYERS},
        "disputed": disputed[:TOP],
    }
