"""The agreement report by round: every figure of each round (and of each codebook version a
round's work was made under), the series over rounds for the chart, the labels that gained
and lost most, the codebook changes between rounds, and the test–retest of annotators who
did a document in two rounds."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models import Codebook, Project, Round
from app.services.agreement import Scope, build_report
from app.services.codebooks import changes as codebook_changes
from app.services.rounds import as_dict, document_ids, rounds_of
from app.services.rounds.retest import retest
from app.services.rounds.work import RoundWorkSource

# The headline figure of each layer: (layer, figure name, what the chart calls it).
HEADLINES = (
    ("source_passages", "alpha_nominal", _l("Source type per passage (α)")),
    ("rhetoric", "u_alpha", _l("Rhetoric (u-α)")),
    ("claim", "u_alpha", _l("Unsupported claims (u-α)")),
)
# Per label: the layer of the report and the codebook layer its labels belong to.
LABEL_LAYERS = (("source_passages", "source"), ("rhetoric", "rhetoric"), ("claim", "claim"))
MOVERS = 3  # labels listed as gaining and losing most


def _pick(figures: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((f for f in figures if f["name"] == name), None)


def _headlines(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for layer, name, title in HEADLINES:
        found = _pick(report["layers"][layer]["coefficients"], name)
        if found is not None:
            out.append({"layer": layer, "title": str(title), **found})
    return out


def _labels(report: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Layer -> label key -> its figure (alpha of the label against the rest for source
    types, u-alpha of the label for span layers)."""
    return {codebook_layer: {row["label"]: row for row in report["layers"][layer]["labels"]}
            for layer, codebook_layer in LABEL_LAYERS}


def _movers(before: dict[str, Any], after: dict[str, Any], names: dict[tuple[str, str], str],
            changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The labels whose figure rose and fell most from one round to the next."""
    deltas = []
    for layer, labels in after.items():
        for key, now in labels.items():
            then = before.get(layer, {}).get(key)
            if then and then.get("value") is not None and now.get("value") is not None:
                deltas.append({"layer": layer, "label": key,
                               "name": names.get((layer, key), key),
                               "before": then["value"], "after": now["value"],
                               "change": now["value"] - then["value"],
                               "codebook_changes": [c for c in changes if c["label"] == key
                                                    and c["layer"] == layer]})
    deltas.sort(key=lambda d: d["change"])
    return {"gained": [d for d in reversed(deltas) if d["change"] > 0][:MOVERS],
            "lost": [d for d in deltas if d["change"] < 0][:MOVERS]}


def round_report(project: Project, round_: Round, version: int | None = None,
                 scope: Scope | None = None) -> dict[str, Any]:
    """Every figure of one round's work (only that made under `version` when given)."""
    scope = scope or Scope()
    ids = document_ids(round_)
    if scope.documents:
        ids = [d for d in ids if d in set(scope.documents)]
    # No document id matches -1: a round without documents reports on nothing, not on all.
    narrowed = Scope(ids or [-1], scope.annotators, scope.gold)
    return build_report(project, narrowed, RoundWorkSource(round_, version))


def by_round(project: Project, scope: Scope | None = None) -> dict[str, Any]:
    """The agreement of each round of the project and how it moved (see the module)."""
    from app.services.vocabulary import vocabulary

    words = vocabulary(project.id)
    names = {key: info.name for key, info in words.labels.items()}
    codebook = project.codebook or Codebook(id=0)
    rounds = rounds_of(project)
    out_rounds: list[dict[str, Any]] = []
    previous_version = 0
    previous_labels: dict[str, Any] | None = None
    for round_ in rounds:
        report = round_report(project, round_, scope=scope)
        versions = RoundWorkSource(round_).versions(document_ids(round_))
        upto = max(versions, default=previous_version)
        changes = (codebook_changes.between(codebook.id, previous_version, upto)
                   if out_rounds and upto > previous_version else [])
        labels = _labels(report)
        entry = {
            **as_dict(round_),
            "annotators": report["annotators"],
            "codebook_versions": versions,
            "codebook_changes": changes,
            "headline": _headlines(report),
            "labels": labels,
            "layers": report["layers"],
            "movers": (_movers(previous_labels, labels, names, changes)
                       if previous_labels is not None else None),
            "by_version": [],
        }
        if len(versions) > 1:
            for version in versions:
                part = round_report(project, round_, version, scope)
                entry["by_version"].append({"version": version,
                                            "annotators": part["annotators"],
                                            "headline": _headlines(part)})
        out_rounds.append(entry)
        previous_version, previous_labels = max(upto, previous_version), labels
    return {
        "project": {"id": project.id, "title": project.title},
        "codebook_version": words.version,
        "rounds": out_rounds,
        "series": _series(out_rounds, names),
        "retest": retest(project, rounds, scope),
    }


def _series(rounds: list[dict[str, Any]], names: dict[tuple[str, str], str]
            ) -> dict[str, Any]:
    """The lines of the chart: each headline figure, and each label per layer, by round."""
    overall = [{"key": layer, "name": str(title),
                "values": [next((h["value"] for h in r["headline"] if h["layer"] == layer),
                                None) for r in rounds]}
               for layer, _, title in HEADLINES]
    per_label: dict[str, list[dict[str, Any]]] = {}
    for _, layer in LABEL_LAYERS:
        keys = sorted({key for r in rounds for key in r["labels"][layer]})
        per_label[layer] = [{"key": key, "name": names.get((layer, key), key),
                             "values": [(r["labels"][layer].get(key) or {}).get("value")
                                        for r in rounds]} for key in keys]
    return {"rounds": [r["name"] for r in rounds], "overall": overall, "labels": per_label}
