"""The review screen's data: who agrees with whom, which labels get confused, and every
annotator's work on one document side by side. Teachers only (annotation is blind)."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, DocumentRating, Passage, PassageTag, Project, Span, User
from app.services.gold import GOLD_NAME, SYSTEM_ROLE, rater_name
from app.services.vocabulary import vocabulary


def _covered(project: Project, names: list[str]) -> dict[str, set[int]]:
    """name -> the documents of the project that annotator worked on."""
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    rows = db.session.execute(sa.union(*[
        sa.select(rater_name(), model.document_id).join(User, User.id == model.user_id)
        .where(model.document_id.in_(in_project), rater_name().in_(names))
        for model in (Span, PassageTag, DocumentRating)])).all()
    out: dict[str, set[int]] = {name: set() for name in names}
    for name, document_id in rows:
        out[name].add(document_id)
    return out


def _order(names: set[str]) -> list[str]:
    """Annotators by name, the gold key last."""
    return sorted(names - {GOLD_NAME}) + ([GOLD_NAME] if GOLD_NAME in names else [])


def _passage_tags(project: Project, documents: list[int] | None = None, gold: bool = False
                  ) -> tuple[dict[int, dict[str, str]], list[str]]:
    """passage id -> {annotator: source label key}, and the annotators in name order; the
    gold key (as "gold") only when asked."""
    words = vocabulary(project.id)
    key_of = {info.id: key for (layer, key), info in words.labels.items() if layer == "source"}
    rows = db.session.execute(
        sa.select(PassageTag.passage_id, rater_name(), PassageTag.label_id)
        .join(User, User.id == PassageTag.user_id)
        .join(Document, Document.id == PassageTag.document_id)
        .where(Document.project_id == project.id,
               Document.id.in_(documents) if documents else sa.true(),
               sa.true() if gold else User.role != SYSTEM_ROLE)).all()
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    for passage_id, username, label_id in rows:
        tags[passage_id][username] = key_of[label_id]
    return tags, _order({username for _, username, _ in rows})


def annotators(project: Project, gold: bool = False) -> list[str]:
    """Usernames of everyone who annotated in the project (and "gold" if asked and there)."""
    from app.services.agreement import Scope, annotators_of

    return list(annotators_of(project, Scope(gold=gold)).values())


def source_labels(project: Project) -> list[dict[str, str]]:
    words = vocabulary(project.id)
    return [{"key": key, "name": info.name, "color": info.color}
            for (layer, key), info in words.labels.items() if layer == "source"]


def confusion(project: Project, first: str | None = None, second: str | None = None
              ) -> dict[str, Any]:
    """Source-type confusion counts for one pair of annotators, or pooled over all pairs.

    Cell [x][y] counts passages where the first of a pair said x and the second said y;
    pooled, every pair counts once in each order, so the matrix is symmetric.
    """
    tags, annotators = _passage_tags(project, gold=GOLD_NAME in (first, second))
    labels = [label["key"] for label in source_labels(project)]
    index = {key: i for i, key in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for by_coder in tags.values():
        if first and second:
            pairs = [(first, second)] if first in by_coder and second in by_coder else []
        else:
            pairs = [p for a, b in combinations(sorted(by_coder), 2) for p in ((a, b), (b, a))]
        for a, b in pairs:
            matrix[index[by_coder[a]]][index[by_coder[b]]] += 1
    return {"labels": labels, "matrix": matrix, "annotators": annotators,
            "first": first, "second": second}


def confused_passages(project: Project, said: str, other: str, first: str | None = None,
                      second: str | None = None) -> list[dict[str, Any]]:
    """The passages behind one confusion cell, with every annotator's tag on each."""
    tags, _ = _passage_tags(project, gold=GOLD_NAME in (first, second))
    hits = []
    for passage_id, by_coder in tags.items():
        if first and second:
            match = by_coder.get(first) == said and by_coder.get(second) == other
        else:
            values = list(by_coder.values())
            match = said in values and other in values and (said != other or
                                                            values.count(said) >= 2)
        if match:
            hits.append(passage_id)
    return _passage_rows(hits, tags)


def label_disagreements(project: Project, label: str) -> list[dict[str, Any]]:
    """Passages where someone chose `label` and someone else chose another source type."""
    tags, _ = _passage_tags(project)
    hits = [pid for pid, by_coder in tags.items()
            if label in by_coder.values() and len(set(by_coder.values())) > 1]
    return _passage_rows(hits, tags)


def _passage_rows(hits: list[int], tags: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    if not hits:
        return []
    rows = db.session.execute(
        sa.select(Passage.id, Passage.index, Passage.start, Passage.end, Document.id,
                  Document.title, Document.text)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id.in_(hits)).order_by(Document.position, Passage.index)).all()
    return [{"passage_id": pid, "passage_index": index, "document_id": doc_id, "title": title,
             "text": text[start:end], "tags": tags[pid]}
            for pid, index, start, end, doc_id, title, text in rows]


def label_distribution(project: Project, documents: list[int] | None = None,
                       only: list[str] | None = None, gold: bool = False) -> dict[str, Any]:
    """How often each annotator used each source type (counts of passages), optionally
    within some documents and for some annotators (and the gold key)."""
    tags, annotators = _passage_tags(project, documents, gold or GOLD_NAME in (only or []))
    if only:
        annotators = [name for name in annotators if name in only]
    labels = [label["key"] for label in source_labels(project)]
    counts = {name: dict.fromkeys(labels, 0) for name in annotators}
    for by_coder in tags.values():
        for name, label in by_coder.items():
            if name in counts:
                counts[name][label] += 1
    used = [key for key in labels if any(counts[name][key] for name in annotators)]
    return {"labels": used, "annotators": annotators,
            "counts": {name: [counts[name][key] for key in used] for name in annotators}}


def comparison(document: Document) -> dict[str, Any]:
    """Every annotator's passage tags and spans on one document, passage by passage."""
    words = vocabulary(document.project_id)
    rows = db.session.execute(
        sa.select(PassageTag.passage_id, rater_name(), PassageTag.label_id)
        .join(User, User.id == PassageTag.user_id)
        .where(PassageTag.document_id == document.id)).all()
    spans = db.session.execute(
        sa.select(rater_name(), Span.label_id, Span.start, Span.end, Span.note)
        .join(User, User.id == Span.user_id)
        .where(Span.document_id == document.id).order_by(Span.start, Span.end)).all()
    annotators = _order({r[1] for r in rows} | {s[0] for s in spans})
    label = words.label_by_id
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    for passage_id, username, label_id in rows:
        tags[passage_id][username] = label[label_id].key
    passages = []
    for passage in document.passages:
        inside = [s for s in spans if s.start < passage.end and s.end > passage.start]
        by_coder: dict[str, list[dict[str, Any]]] = {name: [] for name in annotators}
        for username, label_id, start, end, note in inside:
            info = label[label_id]
            by_coder[username].append({
                "layer": info.layer_key, "label": info.key, "name": info.name,
                "color": info.color, "start": start, "end": end, "note": note,
                "text": document.text[start:end]})
        given = tags.get(passage.id, {})
        passages.append({
            "id": passage.id, "index": passage.index,
            "text": document.text[passage.start:passage.end],
            "tags": given,
            "disagree": len(set(given.values())) > 1,
            "spans": by_coder,
        })
    return {"annotators": annotators, "passages": passages,
            "names": {key: info.name for (layer, key), info in words.labels.items()
                      if layer == "source"}}


def span_differences(project: Project, layer: str, first: str, second: str,
                     label: str | None = None) -> list[dict[str, Any]]:
    """Where two annotators' spans of a layer differ: a span the other has no overlapping
    span of the same label for ("only first"/"only second"), or one the other marked with
    other boundaries ("boundaries differ"). Exact matches are left out."""
    words = vocabulary(project.id)
    layer_info = words.layers.get(layer)
    if layer_info is None:
        return []
    rows = db.session.execute(
        sa.select(rater_name(), Span.document_id, Span.start, Span.end, Span.label_id,
                  Span.note)
        .join(User, User.id == Span.user_id)
        .join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project.id, Span.layer_id == layer_info.id,
               rater_name().in_([first, second]))).all()
    key = {info.id: k for (lk, k), info in words.labels.items() if lk == layer}
    covered = _covered(project, [first, second])
    both = covered[first] & covered[second]  # a document only one read says nothing
    spans: dict[str, list[tuple[int, int, int, str, str]]] = {first: [], second: []}
    for username, doc_id, start, end, label_id, note in rows:
        if doc_id in both and (label is None or key[label_id] == label):
            spans[username].append((doc_id, start, end, key[label_id], note))
    documents = {d.id: d for d in db.session.scalars(
        sa.select(Document).where(Document.id.in_(both)))} if both else {}
    out = []
    for me, other in ((first, second), (second, first)):
        theirs = spans[other]
        for doc_id, start, end, lab, note in spans[me]:
            overlapping = [t for t in theirs if t[0] == doc_id and t[3] == lab
                           and t[1] < end and t[2] > start]
            if any((t[1], t[2]) == (start, end) for t in overlapping):
                continue
            if overlapping and me == second:
                continue  # a boundary difference is listed once, from the first's side
            text = documents[doc_id].text
            out.append({
                "kind": "boundaries differ" if overlapping else f"only {me}",
                "annotator": me, "document_id": doc_id, "title": documents[doc_id].title,
                "label": lab, "name": words.labels[(layer, lab)].name, "note": note,
                "start": start, "end": end, "text": text[start:end],
                "other": [{"start": t[1], "end": t[2], "text": text[t[1]:t[2]]}
                          for t in overlapping],
            })
    return sorted(out, key=lambda d: (documents[d["document_id"]].position, d["start"]))


def label_span_differences(project: Project, layer: str, label: str) -> list[dict[str, Any]]:
    """`span_differences` on one label for every pair of annotators, pair by pair."""
    out = []
    for first, second in combinations(annotators(project), 2):
        for row in span_differences(project, layer, first, second, label):
            out.append({**row, "pair": f"{first} · {second}"})
    return out


NONE = "(none)"  # a span the other annotator did not mark at all


def _layer_spans(project: Project, layer: str, names: list[str]
                 ) -> dict[str, dict[int, list[tuple[int, int, str, str]]]]:
    """name -> document id -> [(start, end, label key, note)] for one span layer."""
    words = vocabulary(project.id)
    info = words.layers.get(layer)
    out: dict[str, dict[int, list[tuple[int, int, str, str]]]] = {
        name: defaultdict(list) for name in names}
    if info is None or not names:
        return out
    rows = db.session.execute(
        sa.select(rater_name(), Span.document_id, Span.start, Span.end, Span.label_id, Span.note)
        .join(User, User.id == Span.user_id)
        .join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project.id, Span.layer_id == info.id,
               rater_name().in_(names))).all()
    for name, doc_id, start, end, label_id, note in rows:
        out[name][doc_id].append((start, end, words.label_by_id[label_id].key, note))
    return out


def match_spans(mine: list[tuple[int, int, str, str]], theirs: list[tuple[int, int, str, str]]
                ) -> list[tuple[tuple | None, tuple | None]]:
    """Pair two annotators' spans of one document: overlapping spans pair up, the largest
    overlaps first, each span at most once; the rest stay unpaired (None on the other side)."""
    candidates = sorted(
        ((min(a[1], b[1]) - max(a[0], b[0]), i, j)
         for i, a in enumerate(mine) for j, b in enumerate(theirs)
         if a[0] < b[1] and b[0] < a[1]), key=lambda c: (-c[0], c[1], c[2]))
    used_a, used_b, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((mine[i], theirs[j]))
    pairs += [(a, None) for i, a in enumerate(mine) if i not in used_a]
    pairs += [(None, b) for j, b in enumerate(theirs) if j not in used_b]
    return pairs


def _span_pairs(project: Project, layer: str, first: str | None, second: str | None):
    """(a, b, document id, span of a or None, span of b or None) for the chosen pair, or
    for every pair in both orders."""
    people = annotators(project, gold=GOLD_NAME in (first, second))
    if first and second:
        pairs = [(first, second)] if first in people and second in people else []
    else:
        pairs = [p for a, b in combinations(people, 2) for p in ((a, b), (b, a))]
    names = sorted({n for p in pairs for n in p})
    spans = _layer_spans(project, layer, names)
    covered = _covered(project, names)
    for a, b in pairs:
        for doc_id in sorted(covered[a] & covered[b]):
            for x, y in match_spans(spans[a].get(doc_id, []), spans[b].get(doc_id, [])):
                yield a, b, doc_id, x, y


def span_confusion(project: Project, layer: str, first: str | None = None,
                   second: str | None = None) -> dict[str, Any]:
    """Label confusion of a span layer: cell [x][y] counts spans where the first of a pair
    marked x and the second marked an overlapping span y; "(none)" when one marked nothing
    there. Pooled over all pairs (each in both orders) unless a pair is chosen."""
    words = vocabulary(project.id)
    labels = [key for (lk, key), info in words.labels.items() if lk == layer]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _, _, _, x, y in _span_pairs(project, layer, first, second):
        counts[(x[2] if x else NONE, y[2] if y else NONE)] += 1
    used = [key for key in labels if any(key in pair for pair in counts)] + [NONE]
    matrix = [[counts.get((x, y), 0) for y in used] for x in used]
    names = span_label_names(project, layer)
    return {"labels": used, "matrix": matrix, "annotators": annotators(project),
            "first": first, "second": second, "layer": layer,
            "names": {key: names[key] for key in used}}


def span_label_names(project: Project, layer: str) -> dict[str, str]:
    """Label key -> name for a span layer, and "(none)" -> "nothing marked"."""
    words = vocabulary(project.id)
    return {**{key: info.name for (lk, key), info in words.labels.items() if lk == layer},
            NONE: "nothing marked"}


def span_confusion_cell(project: Project, layer: str, said: str, other: str,
                        first: str | None = None, second: str | None = None
                        ) -> list[dict[str, Any]]:
    """The span pairs behind one cell of `span_confusion` (pooled: each pair once)."""
    hits = []
    seen = set()
    for a, b, doc_id, x, y in _span_pairs(project, layer, first, second):
        if (x[2] if x else NONE, y[2] if y else NONE) != (said, other):
            continue
        key = (doc_id, *sorted([(a, x or ()), (b, y or ())]))
        if not (first and second) and key in seen:
            continue
        seen.add(key)
        hits.append((a, b, doc_id, x, y))
    documents = {d.id: d for d in db.session.scalars(
        sa.select(Document).where(Document.id.in_({h[2] for h in hits})))} if hits else {}

    def side(name: str, span: tuple | None, text: str) -> dict[str, Any]:
        if span is None:
            return {"annotator": name, "text": None}
        return {"annotator": name, "start": span[0], "end": span[1], "label": span[2],
                "note": span[3], "text": text[span[0]:span[1]]}

    out = [{"document_id": doc_id, "title": documents[doc_id].title,
            "position": documents[doc_id].position, "at": (x or y)[0],
            "a": side(a, x, documents[doc_id].text), "b": side(b, y, documents[doc_id].text)}
           for a, b, doc_id, x, y in hits]
    return sorted(out, key=lambda r: (r["position"], r["at"]))
