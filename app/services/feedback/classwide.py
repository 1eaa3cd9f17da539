"""What the class found hard: confusions with the key, spans missed, passages disputed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from app.models import Project
from app.services import classroom
from app.services.feedback.document import classify_spans
from app.services.feedback.work import (
    LAYER_TITLES,
    SPAN_CHARS,
    SPAN_LAYERS,
    SpanTuple,
    Work,
    excerpt,
    load_work,
    name_of,
)

TOP = 10  # rows per list of the class summary


# --- the class -----------------------------------------------------------------------------

def class_summary(project: Project) -> dict[str, Any]:
    """What the class found hard, for a discussion: the labels most often confused with the
    key (source types per passage, and span labels marked on the key's span with another
    label), the key's spans most students missed, and the passages most disputed: the most
    students disagreeing with the key, or with each other where there is no key.

    Counts cover submitted documents; no student is named.
    """
    people = classroom.students(project)
    data = load_work(project, [p.id for p in people])
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
            tags = [t for t in (data.work.get((document.id, uid), Work()).tags.get(passage.id)
                                for uid in done) if t is not None]
            right = key.tags.get(passage.id) if key else None
            for uid in done:
                said = data.work.get((document.id, uid), Work()).tags.get(passage.id)
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
                    "excerpt": excerpt(document.text[passage.start:passage.end]),
                    "key": right, "key_name": name_of(words, "source", right) if right else None,
                    "students": len(tags), "against_key": against, "outside_majority": outside,
                    "disagreeing": against if right else outside,
                    "tags": [{"label": label, "name": name_of(words, "source", label),
                              "count": n, "agrees": label == right}
                             for label, n in sorted(counts.items(),
                                                    key=lambda item: (-item[1], item[0]))]})
        if key is None:
            continue
        for layer in SPAN_LAYERS:
            for uid in done:
                mine = data.work.get((document.id, uid), Work()).spans[layer]
                _, differs, lost, _ = classify_spans(mine, key.spans[layer])
                for ours, theirs in differs:
                    confused[layer][(theirs[2], ours[2])] += 1
                    confused_by[layer][(theirs[2], ours[2])].add(uid)
                for span in lost:
                    missed[(document.id, layer, span)] += 1
    documents = {d.id: d for d in project.documents}
    order = {key: i for i, key in enumerate(k for _, k in words.labels)}
    confusions = {
        layer: [{"key": right, "key_name": name_of(words, layer, right), "mine": said,
                 "mine_name": name_of(words, layer, said), "count": n,
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
                "name": name_of(words, layer, span[2]), "note": span[3],
                "text": excerpt(document.text[span[0]:span[1]], SPAN_CHARS),
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
