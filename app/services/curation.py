"""Curation: every annotator's work on one document aligned, for adjudicating its gold key.

Passages line up each annotator's source type with the majority and the key. Spans of a
layer are grouped into clusters of overlapping spans (from any annotator), each listing the
distinct proposals (label and boundaries) with who made them, beside the key's spans there.
A pre-merge fills what the key lacks from the annotators' majority (or a stricter share),
never changing what the key already says.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, DocumentRating, PassageTag, Span, User
from app.services import annotations as notes
from app.services.gold import GOLD_USERNAME, bump, gold_user, key_info
from app.services.vocabulary import vocabulary
from app.tally import ranked

SPAN_LAYERS = ("source", "rhetoric", "claim")


def _names(document: Document, anonymous: bool) -> tuple[dict[int, str], int | None]:
    """Annotators of the document (user id -> name shown) and the gold key's user id."""
    ids = sa.union(*[sa.select(model.user_id).where(model.document_id == document.id)
                     for model in (Span, PassageTag, DocumentRating)])
    rows = db.session.execute(sa.select(User.id, User.username, User.role)
                              .where(User.id.in_(ids)).order_by(User.username)).all()
    gold_id = next((uid for uid, name, _role in rows if name == GOLD_USERNAME), None)
    people = [(uid, name) for uid, name, role in rows if uid != gold_id and role != "system"]
    if anonymous:
        return {uid: _("Annotator %(num)d", num=n)
                for n, (uid, _key) in enumerate(people, start=1)}, gold_id
    return dict(people), gold_id


def _clusters(spans: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Groups of spans linked by overlap (a chain of overlaps is one group), in text order."""
    ordered = sorted(spans, key=lambda s: (s["start"], -s["end"]))
    groups: list[list[dict[str, Any]]] = []
    reach = -1
    for span in ordered:
        if groups and span["start"] < reach:
            groups[-1].append(span)
            reach = max(reach, span["end"])
        else:
            groups.append([span])
            reach = span["end"]
    return groups


def _settles(key: Any, votes: Counter) -> bool:
    """Whether the key settles a passage: it agrees with the most common tag, or with one of
    the tags tied for most common (the key breaks the tie); an untagged passage is settled by
    any key. Independent of the order the tags were read in."""
    return key is not None and (not votes or votes[key] == max(votes.values()))


def curation(document: Document, anonymous: bool = False) -> dict[str, Any]:
    """Everything the curation page shows for one document."""
    words = vocabulary(document.project_id)
    names, gold_id = _names(document, anonymous)
    annotators = list(names.values())
    label_name = {(info.layer_key, key): info.name for (_, key), info in words.labels.items()}
    tags: dict[int, dict[int, Any]] = defaultdict(dict)
    passage_names: dict[str, str] = {}  # a passage label's key -> its name, as the page says it
    for passage_id, user_id, label_id, version in db.session.execute(
            sa.select(PassageTag.passage_id, PassageTag.user_id, PassageTag.label_id,
                      PassageTag.version).where(PassageTag.document_id == document.id)):
        label = words.label_by_id[label_id]
        tags[passage_id][user_id] = (label.key, version)
        passage_names[label.key] = label.name
    passages = []
    counts = Counter()
    for passage in document.passages:
        given = tags.get(passage.id, {})
        by_name = {names[uid]: label for uid, (label, _version) in given.items() if uid in names}
        votes = Counter(by_name.values())
        order = ranked(votes)  # ties by the label's key, not by the order rows came in
        majority, top = order[0] if order else (None, 0)
        gold = given.get(gold_id) if gold_id else None
        status = ("untagged" if not votes else "agreed" if len(votes) == 1 else "disputed")
        counts[status] += 1
        passages.append({
            "id": passage.id, "index": passage.index,
            "text": document.text[passage.start:passage.end],
            "tags": by_name, "votes": order, "majority": majority,
            "share": top / len(by_name) if by_name else 0.0, "status": status,
            "gold": gold[0] if gold else None, "gold_version": gold[1] if gold else None,
            "settled": _settles(gold[0] if gold else None, votes),
        })
    layers = {}
    rows = db.session.execute(
        sa.select(Span.id, Span.user_id, Span.layer_id, Span.label_id, Span.start, Span.end,
                  Span.note, Span.version, Span.attributes)
        .where(Span.document_id == document.id)).all()
    for layer_key in SPAN_LAYERS:
        layer = words.layers.get(layer_key)
        if layer is None:
            continue
        spans = []
        for ident, user_id, layer_id, label_id, start, end, note, version, attrs in rows:
            if layer_id != layer.id or (user_id not in names and user_id != gold_id):
                continue
            spans.append({"id": ident, "who": "gold" if user_id == gold_id else names[user_id],
                          "gold": user_id == gold_id, "label": words.label_by_id[label_id].key,
                          "start": start, "end": end, "note": note, "version": version,
                          "text": document.text[start:end], "attributes": attrs or {}})
        clusters = []
        for group in _clusters(spans):
            proposals: dict[tuple, dict[str, Any]] = {}
            for span in group:
                if span["gold"]:
                    continue
                key = (span["label"], span["start"], span["end"])
                entry = proposals.setdefault(key, {
                    "label": span["label"], "name": label_name.get((layer_key, span["label"])),
                    "start": span["start"], "end": span["end"], "text": span["text"],
                    "attributes": span["attributes"], "who": [], "notes": []})
                entry["who"].append(span["who"])
                if span["note"]:
                    entry["notes"].append(span["note"])
            in_key = [s for s in group if s["gold"]]
            for entry in proposals.values():
                entry["in_key"] = any((g["label"], g["start"], g["end"])
                                      == (entry["label"], entry["start"], entry["end"])
                                      for g in in_key)
            labels = Counter(s["label"] for s in group if not s["gold"])
            clusters.append({
                "start": group[0]["start"], "end": max(s["end"] for s in group),
                "proposals": sorted(proposals.values(), key=lambda e: (-len(e["who"]),
                                                                       e["start"])),
                "gold": [dict(g, name=label_name.get((layer_key, g["label"])))
                         for g in in_key],
                "people": len({s["who"] for s in group if not s["gold"]}),
                "agreed": len(labels) == 1 and len(proposals) == 1
                and len(proposals[next(iter(proposals))]["who"]) == len(annotators),
            })
        layers[layer_key] = {"name": layer.name, "clusters": clusters}
    ratings = {}
    for user_id, values in db.session.execute(
            sa.select(DocumentRating.user_id, DocumentRating.values)
            .where(DocumentRating.document_id == document.id)):
        if user_id == gold_id:
            ratings["gold"] = values
        elif user_id in names:
            ratings[names[user_id]] = values
    return {"annotators": annotators, "passages": passages, "counts": dict(counts),
            "passage_names": passage_names,
            "layers": layers, "ratings": ratings, "key": key_info(document.id),
            "fields": words.document_form.get("fields", [])}


def summary(project_id: int, documents: list[Document]) -> list[dict[str, Any]]:
    """Per document, what the curation index shows: annotators, passages agreed, disputed
    and untagged, passages the key settles, the key's version; from one query of tags."""
    from app.models import GoldKey, Passage

    gold_id = db.session.scalar(sa.select(User.id).where(User.username == GOLD_USERNAME))
    ids = [d.id for d in documents]
    tags: dict[int, dict[int, int]] = defaultdict(dict)
    doc_of: dict[int, int] = {}
    for passage_id, document_id in db.session.execute(
            sa.select(Passage.id, Passage.document_id).where(Passage.document_id.in_(ids))):
        doc_of[passage_id] = document_id
    people: dict[int, set[int]] = defaultdict(set)
    for passage_id, user_id, label_id in db.session.execute(
            sa.select(PassageTag.passage_id, PassageTag.user_id, PassageTag.label_id)
            .join(User, User.id == PassageTag.user_id)
            .where(PassageTag.document_id.in_(ids),
                   (User.role != "system") | (User.id == gold_id))):
        tags[passage_id][user_id] = label_id
        if user_id != gold_id:
            people[doc_of[passage_id]].add(user_id)
    keys = {k.document_id: k for k in db.session.scalars(
        sa.select(GoldKey).where(GoldKey.document_id.in_(ids)))}
    out = {d.id: {"document": d, "counts": Counter(), "settled": 0, "passages": 0,
                  "annotators": len(people[d.id]), "key": keys.get(d.id)} for d in documents}
    for passage_id, document_id in doc_of.items():
        row = out[document_id]
        row["passages"] += 1
        given = tags.get(passage_id, {})
        votes = Counter(label for uid, label in given.items() if uid != gold_id)
        row["counts"]["untagged" if not votes else "agreed" if len(votes) == 1
                      else "disputed"] += 1
        key = given.get(gold_id)
        row["settled"] += _settles(key, votes)
    return [out[d.id] for d in documents]


THRESHOLDS = {"majority": 0.5, "two_thirds": 2 / 3, "all": 1.0}


def premerge(document: Document, actor: User, threshold: str = "majority") -> dict[str, int]:
    """Fill the gold key's gaps from the annotators: a passage's source type where more than
    half of them agree ("majority"), at least two thirds, or all; a span (label and the
    boundaries most of them chose) where that share marked an overlapping span of that label.
    What the key already has is kept. Returns how many tags and spans were added."""
    if threshold not in THRESHOLDS:
        threshold = "majority"
    share_needed = THRESHOLDS[threshold]

    def enough(count: int, total: int) -> bool:
        if total < 1:
            return False
        share = count / total
        return share > share_needed if threshold == "majority" else share >= share_needed - 1e-9

    view = curation(document)
    people = len(view["annotators"])
    gold = gold_user()
    added = {"tags": 0, "spans": 0}
    for passage in view["passages"]:
        if passage["gold"] is None and passage["majority"] is not None \
                and enough(dict(passage["votes"])[passage["majority"]], len(passage["tags"])):
            notes.set_passage_tag(gold, document, passage["id"], passage["majority"], None)
            added["tags"] += 1
    for layer_key, layer in view["layers"].items():
        for cluster in layer["clusters"]:
            by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for proposal in cluster["proposals"]:
                by_label[proposal["label"]].append(proposal)
            have = {g["label"] for g in cluster["gold"]}
            for label, proposals in by_label.items():
                voters = {who for p in proposals for who in p["who"]}
                if label in have or not enough(len(voters), people):
                    continue
                best = max(proposals, key=lambda p: (len(p["who"]), p["end"] - p["start"]))
                notes.create_span(gold, document, {
                    "client_id": uuid.uuid4().hex, "layer": layer_key, "label": label,
                    "start": best["start"], "end": best["end"], "text": best["text"],
                    "attributes": best["attributes"] or None})
                added["spans"] += 1
    if added["tags"] or added["spans"]:
        bump(document.id, actor)
    return added
