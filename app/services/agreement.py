"""The agreement report of a project: annotations read from the database, fed to the pure
engine in app.agreement, and returned as plain data for the page, the API and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import sqlalchemy as sa

from app import agreement as engine
from app.extensions import db
from app.models import Document, DocumentRating, Passage, PassageTag, Project, Span, User
from app.services.gold import GOLD_NAME, GOLD_USERNAME, SYSTEM_ROLE
from app.services.vocabulary import Vocabulary, vocabulary

FEW_PAIRABLE = 20  # below this many pairable values a coefficient says little
DOMINANT_SHARE = 0.8  # one value this common makes chance-corrected figures fragile
BOOTSTRAP_SAMPLES = 1000
SEED = 20111216  # the bootstrap is repeatable: the same data give the same interval
MAX_LISTED = 500  # disagreements listed per layer


@dataclass(frozen=True)
class Scope:
    """What the report covers: every document and annotator unless narrowed."""

    documents: Sequence[int] | None = None
    annotators: Sequence[str] | None = None
    gold: bool = False  # the gold key as one more rater


# --- figures -------------------------------------------------------------------------------

def _figure(name: str, compute: Callable[[], float], *, n_items: int, n_pairable: int,
            n_coders: int, interval: Callable[[], Any] | None = None) -> dict[str, Any]:
    """One coefficient with its counts and reading, or the reason it is undefined."""
    out: dict[str, Any] = {"name": name, "value": None, "undefined": None, "n_items": n_items,
                           "n_pairable": n_pairable, "n_coders": n_coders}
    try:
        value = float(compute())
    except engine.Undefined as exc:
        out["undefined"] = str(exc)
        return out
    out["value"] = value
    if name.startswith("alpha") or name.startswith("u_alpha"):
        out["reading"] = engine.interpret_alpha(value)
    if interval is not None:
        try:
            ci = interval()
            out["ci"] = [float(ci.low), float(ci.high)]
        except engine.Undefined:
            out["ci"] = None
    return out


def _counts(matrix: np.ndarray) -> dict[str, int]:
    """Items with a value, pairable values (in items with two or more values), coders."""
    present = ~np.isnan(matrix)
    per_item = present.sum(axis=0)
    return {"n_items": int((per_item > 0).sum()),
            "n_pairable": int(per_item[per_item >= 2].sum()),
            "n_coders": int(present.any(axis=1).sum())}


def _warnings(matrix: np.ndarray, n_pairable: int) -> list[str]:
    notes = []
    if n_pairable < FEW_PAIRABLE:
        notes.append(f"Only {n_pairable} pairable values: read these figures as a first "
                     "impression, not a measurement.")
    values = matrix[~np.isnan(matrix)]
    if values.size:
        share = np.unique(values, return_counts=True)[1].max() / values.size
        if share >= DOMINANT_SHARE:
            notes.append(f"One value makes up {share:.0%} of all codes: chance-corrected "
                         "coefficients can be low even where coders mostly agree (the "
                         "prevalence paradox); compare them with percent agreement.")
    return notes


def nominal_block(matrix: np.ndarray, coders: list[str], labels: list[str]) -> dict[str, Any]:
    """Nominal coefficients of a coders × items matrix of label codes (NaN for missing):
    the overall figures, Cohen's kappa per pair, and alpha per label (one against the rest)."""
    counts = _counts(matrix)
    block: dict[str, Any] = {
        "coefficients": [
            _figure("alpha_nominal", lambda: engine.krippendorff_alpha(matrix, "nominal"),
                    **counts, interval=lambda: engine.bootstrap_alpha(
                        matrix, "nominal", samples=BOOTSTRAP_SAMPLES, seed=SEED)),
            _figure("fleiss_kappa", lambda: engine.fleiss_kappa(matrix), **counts),
            _figure("gwet_ac1", lambda: engine.gwet_ac1(matrix), **counts),
            _figure("percent_agreement", lambda: engine.percent_agreement(matrix), **counts),
        ],
        "warnings": _warnings(matrix, counts["n_pairable"]),
        "pairs": [],
        "labels": [],
    }
    for a, b in combinations(range(len(coders)), 2):
        pair = matrix[[a, b]]
        both = int((~np.isnan(pair)).all(axis=0).sum())
        block["pairs"].append({"coders": [coders[a], coders[b]], **_figure(
            "cohen_kappa", lambda pair=pair: engine.cohen_kappa(pair),
            n_items=both, n_pairable=2 * both, n_coders=2)})
    for code, label in enumerate(labels):
        binary = np.where(np.isnan(matrix), np.nan, (matrix == code).astype(float))
        if not np.nansum(binary):
            continue
        block["labels"].append({"label": label, **_figure(
            "alpha_nominal", lambda binary=binary: engine.krippendorff_alpha(binary, "nominal"),
            **counts)})
    return block


# --- reading annotations -------------------------------------------------------------------

def annotators_of(project: Project, scope: Scope) -> dict[int, str]:
    """Everyone with annotations in the project (narrowed by the scope): id -> username,
    in name order. The gold key joins as the rater "gold" (last) when the scope asks."""
    in_project = sa.select(Document.id).where(Document.project_id == project.id)
    ids = sa.union(
        sa.select(Span.user_id).where(Span.document_id.in_(in_project)),
        sa.select(PassageTag.user_id).where(PassageTag.document_id.in_(in_project)),
        sa.select(DocumentRating.user_id).where(DocumentRating.document_id.in_(in_project)),
    )
    rows = db.session.execute(
        sa.select(User.id, User.username, User.role).where(User.id.in_(ids))
        .order_by(User.username)
    ).all()
    wanted = set(scope.annotators) if scope.annotators else None
    people = {uid: name for uid, name, role in rows
              if role != SYSTEM_ROLE and (wanted is None or name in wanted)}
    if scope.gold or (wanted and GOLD_NAME in wanted):
        people.update({uid: GOLD_NAME for uid, name, _ in rows if name == GOLD_USERNAME})
    return people


def _documents(project: Project, scope: Scope) -> list[Document]:
    query = sa.select(Document).where(Document.project_id == project.id)
    if scope.documents:
        query = query.where(Document.id.in_(list(scope.documents)))
    return list(db.session.scalars(query.order_by(Document.position, Document.id)))


def _layer_labels(words: Vocabulary, layer: str) -> list[str]:
    return [key for (layer_key, key) in words.labels if layer_key == layer]


# --- passage source types ------------------------------------------------------------------

def passages_section(documents: list[Document], users: dict[int, str],
                     words: Vocabulary) -> dict[str, Any]:
    """Source type per passage: nominal figures, per document, and the disagreements."""
    labels = _layer_labels(words, "source")
    code = {words.labels[("source", key)].id: i for i, key in enumerate(labels)}
    doc_ids = [d.id for d in documents]
    passages = db.session.execute(
        sa.select(Passage.id, Passage.document_id, Passage.index)
        .where(Passage.document_id.in_(doc_ids))
        .order_by(Passage.document_id, Passage.index)).all()
    column = {pid: i for i, (pid, _, _) in enumerate(passages)}
    row = {uid: i for i, uid in enumerate(users)}
    matrix = np.full((len(users), len(passages)), np.nan)
    for pid, uid, label_id in db.session.execute(
            sa.select(PassageTag.passage_id, PassageTag.user_id, PassageTag.label_id)
            .where(PassageTag.document_id.in_(doc_ids))):
        if uid in row and pid in column:
            matrix[row[uid], column[pid]] = code[label_id]
    coders = list(users.values())
    section = nominal_block(matrix, coders, labels)
    titles = {d.id: d.title for d in documents}
    section["documents"] = []
    columns: dict[int, list[int]] = {doc.id: [] for doc in documents}
    for i, (_, doc_id, _) in enumerate(passages):
        columns[doc_id].append(i)
    for doc in documents:
        sub = matrix[:, columns[doc.id]]
        section["documents"].append({"document_id": doc.id, "title": doc.title, **_figure(
            "alpha_nominal", lambda sub=sub: engine.krippendorff_alpha(sub, "nominal"),
            **_counts(sub))})
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
                      words: Vocabulary) -> dict[str, Any]:
    """Source type per character, the innermost source span deciding (codebook §3.3)."""
    labels = _layer_labels(words, "source")
    code = {words.labels[("source", key)].id: i for i, key in enumerate(labels)}
    source = words.layers["source"].id
    row = {uid: i for i, uid in enumerate(users)}
    blocks = []
    for doc in documents:
        grid = np.full((len(users), doc.char_count), np.nan, dtype=np.float32)
        tags = db.session.execute(
            sa.select(PassageTag.user_id, PassageTag.label_id, Passage.start, Passage.end)
            .join(Passage, Passage.id == PassageTag.passage_id)
            .where(PassageTag.document_id == doc.id)).all()
        for uid, label_id, start, end in tags:
            if uid in row:
                grid[row[uid], start:end] = code[label_id]
        spans = db.session.execute(
            sa.select(Span.user_id, Span.label_id, Span.start, Span.end)
            .where(Span.document_id == doc.id, Span.layer_id == source)).all()
        # Longest first, so the innermost span is painted last and wins.
        for uid, label_id, start, end in sorted(spans, key=lambda s: s[2] - s[3]):
            if uid in row:
                grid[row[uid], start:end] = code[label_id]
        paired = (~np.isnan(grid)).sum(axis=0) >= 2
        blocks.append(grid[:, paired])
    matrix = (np.concatenate(blocks, axis=1).astype(float) if blocks
              else np.full((len(users), 0), np.nan))
    counts = _counts(matrix)
    return {
        "unit": "character",
        "coefficients": [_figure(
            "alpha_nominal", lambda: engine.krippendorff_alpha(matrix, "nominal"), **counts)],
        "warnings": _warnings(matrix, counts["n_pairable"]),
    }


# --- span layers ---------------------------------------------------------------------------

def merge_overlaps(units: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Join one annotator's overlapping spans of one label into one unit.

    u-alpha reads each coder's units of a category as a segmentation of the text, where
    overlaps have no meaning; the annotation page allows them (a phrase inside a sentence
    marked with the same technique), and for agreement they count as the text they cover.
    """
    merged: list[tuple[str, int, int, str]] = []
    for coder, start, end, label in sorted(units, key=lambda u: (u[0], u[3], u[1], u[2])):
        if merged and merged[-1][0] == coder and merged[-1][3] == label and start < merged[-1][2]:
            last = merged[-1]
            merged[-1] = (coder, last[1], max(last[2], end), label)
        else:
            merged.append((coder, start, end, label))
    return merged


def coverage(documents: list[Document], users: dict[int, str]) -> dict[str, set[int]]:
    """The documents each annotator worked on (any span, passage tag or rating)."""
    ids = [d.id for d in documents]
    who = list(users)
    rows = db.session.execute(sa.union(*[
        sa.select(model.user_id, model.document_id)
        .where(model.document_id.in_(ids), model.user_id.in_(who))
        for model in (Span, PassageTag, DocumentRating)])).all()
    out: dict[str, set[int]] = {name: set() for name in users.values()}
    for user_id, document_id in rows:
        out[users[user_id]].add(document_id)
    return out


def units_section(documents: list[Document], users: dict[int, str], words: Vocabulary,
                  layer: str, covered: dict[str, set[int]] | None = None) -> dict[str, Any]:
    """A span layer: u-alpha overall, per label and per document; pairwise span F1, each
    pair over the documents both annotators worked on."""
    layer_id = words.layers[layer].id
    label_key = {info.id: key for (lk, key), info in words.labels.items() if lk == layer}
    offsets, total = {}, 0
    for doc in documents:
        offsets[doc.id] = total
        total += doc.char_count
    rows = db.session.execute(
        sa.select(Span.document_id, Span.user_id, Span.start, Span.end, Span.label_id)
        .where(Span.document_id.in_(list(offsets)), Span.layer_id == layer_id,
               Span.user_id.in_(list(users)))).all()
    pooled = merge_overlaps([(users[uid], offsets[doc] + s, offsets[doc] + e, label_key[lab])
                             for doc, uid, s, e, lab in rows])
    coders = sorted({unit[0] for unit in pooled})
    common = {"n_items": len(pooled), "n_pairable": len(pooled), "n_coders": len(coders)}
    section: dict[str, Any] = {
        "coefficients": [_figure("u_alpha", lambda: engine.unitizing_alpha(pooled, 0, total),
                                 **common)],
        "labels": [],
        "documents": [],
        "pairs": [],
        "warnings": [],
    }
    if len(coders) < 2:
        section["warnings"].append("Fewer than two annotators marked spans in this layer.")
    for label in sorted({unit[3] for unit in pooled}):
        n = sum(1 for unit in pooled if unit[3] == label)
        section["labels"].append({"label": label, **_figure(
            "u_alpha", lambda label=label: engine.unitizing_alpha(pooled, 0, total, label),
            n_items=n, n_pairable=n, n_coders=len(coders))})
    per_document: dict[int, list[tuple[str, int, int, str]]] = {d.id: [] for d in documents}
    for doc_id, uid, s, e, lab in rows:
        per_document[doc_id].append((users[uid], s, e, label_key[lab]))
    for doc in documents:
        mine = merge_overlaps(per_document[doc.id])
        section["documents"].append({"document_id": doc.id, "title": doc.title, **_figure(
            "u_alpha", lambda mine=mine, doc=doc: engine.unitizing_alpha(
                mine, 0, doc.char_count), n_items=len(mine), n_pairable=len(mine),
            n_coders=len({m[0] for m in mine}))})
    covered = covered if covered is not None else coverage(documents, users)
    worked = set().union(*covered.values()) if covered else set()
    if len(coders) >= 2 and any(covered.get(c, set()) != worked for c in coders):
        section["warnings"].append(
            "Not every annotator worked on every document: u-alpha counts a document an "
            "annotator has not worked on as one they left unmarked. Pairwise F1 compares each "
            "pair on the documents both worked on; filter the documents for a fair u-alpha.")
    by_coder: dict[str, list] = {c: [] for c in coders}
    for who, start, end, label in pooled:
        by_coder[who].append((start, end, label))
    scores = {mode: engine.pairwise_span_f1(by_coder, mode) for mode in ("exact", "overlap")}
    for a, b in combinations(coders, 2):
        pair: dict[str, Any] = {"coders": [a, b]}
        common = covered.get(a, set()) & covered.get(b, set())
        if common != covered.get(a, set()) | covered.get(b, set()):
            # Only the documents both worked on: the others say nothing about agreement.
            def units(who: str, common: set[int] = common) -> list[tuple[int, int, str]]:
                return [(offsets[d] + s, offsets[d] + e, lab) for d in sorted(common)
                        for coder, s, e, lab in merge_overlaps(per_document[d]) if coder == who]

            restricted = {a: units(a), b: units(b)}
            pair_scores = {mode: engine.pairwise_span_f1(restricted, mode)
                           for mode in ("exact", "overlap")}
        else:
            pair_scores = scores
        for mode in ("exact", "overlap"):
            result = pair_scores[mode][(a, b)]
            pair[mode] = ({"undefined": str(result)} if isinstance(result, engine.Undefined)
                          else {"precision": result.precision, "recall": result.recall,
                                "f1": result.f1})
        section["pairs"].append(pair)
    return section


# --- document ratings ----------------------------------------------------------------------

def ratings_section(documents: list[Document], users: dict[int, str],
                    words: Vocabulary) -> dict[str, Any]:
    """The rating form: interval and ordinal alpha for scales, nominal for categories."""
    column = {d.id: i for i, d in enumerate(documents)}
    row = {uid: i for i, uid in enumerate(users)}
    ratings = db.session.execute(
        sa.select(DocumentRating.document_id, DocumentRating.user_id, DocumentRating.values)
        .where(DocumentRating.document_id.in_(list(column)))).all()

    def matrix_of(read: Callable[[dict], Any]) -> np.ndarray:
        grid = np.full((len(users), len(documents)), np.nan)
        for doc, uid, values in ratings:
            value = read(values or {})
            if uid in row and isinstance(value, int | float) and not isinstance(value, bool):
                grid[row[uid], column[doc]] = value
        return grid

    fields = []
    for field in words.document_form.get("fields", []):
        key, kind = field["key"], field.get("type")
        if kind == "ordinal":
            grid = matrix_of(lambda values, key=key: values.get(key))
            counts = _counts(grid)
            figures = [_figure(f"alpha_{level}", lambda grid=grid, level=level:
                               engine.krippendorff_alpha(grid, level), **counts,
                               interval=(lambda grid=grid, level=level: engine.bootstrap_alpha(
                                   grid, level, samples=BOOTSTRAP_SAMPLES, seed=SEED)))
                       for level in ("interval", "ordinal")]
            fields.append({"field": key, "name": field.get("name", key), "coefficients": figures,
                           "warnings": _warnings(grid, counts["n_pairable"])})
        elif kind == "nominal":
            options = list(field.get("values", []))
            grid = matrix_of(lambda values, key=key, options=options: options.index(
                values[key]) if values.get(key) in options else None)
            fields.append(_nominal_field(key, field.get("name", key), grid))
        elif kind == "checklist":
            options = list(field.get("values", []))
            for item in field.get("items", []):
                grid = matrix_of(lambda values, key=key, item=item["key"], options=options:
                                 options.index(values.get(key, {}).get(item))
                                 if values.get(key, {}).get(item) in options else None)
                fields.append(_nominal_field(f"{key}.{item['key']}", item.get("text", ""), grid))
    return {"fields": fields}


def _nominal_field(key: str, name: str, grid: np.ndarray) -> dict[str, Any]:
    counts = _counts(grid)
    return {"field": key, "name": name, "coefficients": [_figure(
        "alpha_nominal", lambda: engine.krippendorff_alpha(grid, "nominal"), **counts)],
        "warnings": _warnings(grid, counts["n_pairable"])}


# --- the report ----------------------------------------------------------------------------

def build_report(project: Project, scope: Scope | None = None) -> dict[str, Any]:
    """Every agreement figure of a project, per layer, as plain data."""
    scope = scope or Scope()
    words = vocabulary(project.id)
    users = annotators_of(project, scope)
    documents = _documents(project, scope)
    covered = coverage(documents, users)
    return {
        "project": {"id": project.id, "title": project.title},
        "codebook_version": words.version,
        "annotators": list(users.values()),
        "documents": [{"id": d.id, "title": d.title} for d in documents],
        "layers": {
            "source_passages": passages_section(documents, users, words),
            "source_characters": effective_section(documents, users, words),
            "rhetoric": units_section(documents, users, words, "rhetoric", covered),
            "claim": units_section(documents, users, words, "claim", covered),
            "ratings": ratings_section(documents, users, words),
        },
    }
