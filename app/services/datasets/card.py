"""The dataset card: a Markdown page that travels with an export.

It says what the data is (project, codebook and its version, schema, offsets), what is in
it (documents, annotators, counts per label and annotator), how far the annotators agree,
and what every label means. Counts come from SQL aggregates, so a card costs little even
for a large export.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.models import (
    Codebook,
    CodebookLayer,
    Document,
    Label,
    PassageTag,
    Project,
    Span,
    User,
)
from app.services.datasets.core import GOLD, SCHEMA, language_list
from app.services.datasets.export import (
    EVERYTHING,
    RATING,
    Filters,
    context,
    document_ids,
    pseudonym,
)
from app.services.gold import GOLD_USERNAME, SYSTEM_ROLE


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _figure(figure: dict[str, Any]) -> str:
    if figure.get("value") is None:
        return f"undefined: {figure.get('undefined')}"
    text = f"{figure['value']:.3f}"
    if figure.get("ci"):
        text += f" (95% CI {figure['ci'][0]:.3f} to {figure['ci'][1]:.3f})"
    if figure.get("reading"):
        text += f", {figure['reading']}"
    return text + f"; {figure['n_items']} items, {figure['n_coders']} annotators"


def _counts(project: Project, filters: Filters, ids: list[int]
            ) -> tuple[dict[tuple[str, str], dict[str, int]], list[str]]:
    """(layer, label) -> annotator -> count of spans and passage tags."""
    users = {uid: (name, role) for uid, name, role in
             db.session.execute(sa.select(User.id, User.username, User.role))}
    wanted = set(filters.annotators)

    def who(user_id: int) -> str | None:
        name, role = users[user_id]
        if name == GOLD_USERNAME:
            return GOLD
        if filters.gold_only or role == SYSTEM_ROLE or (wanted and name not in wanted):
            return None
        return pseudonym(project.id, user_id) if filters.pseudonymise else name

    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    span_rows = db.session.execute(
        sa.select(CodebookLayer.key, Label.key, Span.user_id, sa.func.count(Span.id))
        .join(Label, Label.id == Span.label_id).join(CodebookLayer,
                                                     CodebookLayer.id == Span.layer_id)
        .where(Span.document_id.in_(ids))
        .group_by(CodebookLayer.key, Label.key, Span.user_id))
    tag_rows = db.session.execute(
        sa.select(sa.literal("source"), Label.key, PassageTag.user_id,
                  sa.func.count(PassageTag.id))
        .join(Label, Label.id == PassageTag.label_id)
        .where(PassageTag.document_id.in_(ids))
        .group_by(Label.key, PassageTag.user_id))
    names: set[str] = set()
    for layer, label, user_id, count in [*span_rows, *tag_rows]:
        name = who(user_id)
        if name is None or not filters.wants(layer):
            continue
        counts[(layer, label)][name] += count
        names.add(name)
    ordered = sorted(names - {GOLD}) + ([GOLD] if GOLD in names else [])
    return counts, ordered


def _format_notes(fmt: str, ctx: Any, counts: dict[tuple[str, str], dict[str, int]]
                  ) -> list[str]:
    """What a user of this export's format must know: the target tool's settings, and
    what the format leaves out."""
    from app.services.datasets.formats import ptc

    if fmt == "doccano":
        return ["", "## In doccano", "",
                "Create the doccano project as *Sequence Labeling* with **Allow overlapping "
                "spans** ticked: doccano's default project drops every span that overlaps "
                "another on import (the zip's `README.txt` counts them per file). Offsets "
                "are UTF-16 code units, as doccano counts them."]
    if fmt == "label-studio":
        return ["", "## In Label Studio", "",
                "Create the project with the labeling config downloaded beside this export "
                "(*Settings > Labeling Interface > Code*), then import the JSON file."]
    if fmt == "ptc":
        lines = ["", "## SemEval-2020 Task 11 classes", "",
                 "Only rhetoric spans whose label maps to one of the task's 14 technique "
                 "classes are exported; the others are left out.", "",
                 "| label | class | spans left out |", "|---|---|---:|"]
        for (layer, key), meta in ctx.labels.items():
            if layer != ptc.LAYER:
                continue
            name = ptc.technique(ctx, key)
            left = 0 if name else sum(counts.get((layer, key), {}).values())
            lines.append(f"| {_cell(meta.name)} (`{_cell(key)}`) | "
                         f"{_cell(name) if name else 'none'} | {left} |")
        return lines
    return []


def _languages(ids: list[int]) -> Counter[str]:
    """Documents per language code among `ids` ("" for those not known)."""
    if not ids:
        return Counter()
    rows = db.session.execute(sa.select(Document.language, sa.func.count(Document.id))
                              .where(Document.id.in_(ids)).group_by(Document.language))
    return Counter({language or "": count for language, count in rows})


def dataset_card(project: Project, filters: Filters = EVERYTHING, fmt: str = "jsonl") -> str:
    """The card for an export of `project` with `filters` in format `fmt`."""
    from app.services.agreement import Scope, build_report

    ctx = context(project)
    codebook = db.session.scalar(sa.select(Codebook).where(Codebook.project_id == project.id))
    ids = document_ids(project, filters)
    characters = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Document.char_count), 0))
        .where(Document.id.in_(ids))) if ids else 0
    counts, names = _counts(project, filters, ids)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with force_locale("en"):  # the card is written in English
        languages = language_list(_languages(ids))
    lines = [
        f"# {_cell(project.title)}: dataset card", "",
        f"Exported {now} from Sourcemark as `{fmt}` (record schema `{SCHEMA}`). Codebook "
        f"`{_cell(codebook.key)}`, version {codebook.version}.", "",
        "## Contents", "",
        f"- Documents: {len(ids)} ({characters:,} characters)",
        f"- Languages (ISO 639-1): {languages}",
        f"- Annotators: {len([n for n in names if n != GOLD])}"
        + (" (pseudonymised: names replaced by stable pseudonyms)" if filters.pseudonymise
           else ""),
        f"- Gold key: {'yes' if GOLD in names else 'no'}",
        f"- Layers: {', '.join(ctx.layer_names.get(k, k) for k in ctx.layers if filters.wants(k))}"
        + ("; document ratings" if filters.wants(RATING) else ""),
        "- Offsets: Unicode code points into the canonical text (LF line ends, NFC), "
        "half-open [start, end).",
    ]
    if filters.documents or filters.annotators or filters.layers or filters.gold_only:
        lines.append("- Filtered: " + "; ".join(filter(None, [
            f"documents {', '.join(map(str, filters.documents))}" if filters.documents else "",
            f"annotators {', '.join(filters.annotators)}" if filters.annotators
            and not filters.pseudonymise else
            (f"{len(filters.annotators)} chosen annotators" if filters.annotators else ""),
            f"layers {', '.join(filters.layers)}" if filters.layers else "",
            "gold key only" if filters.gold_only else ""])))
    lines += _format_notes(fmt, ctx, counts)
    lines += ["", "## Counts per label and annotator", "",
              "Passage source types and spans, per annotator (passages tagged count once each)."]
    for layer in ctx.layers:
        if not filters.wants(layer):
            continue
        rows = [(key, meta) for (lk, key), meta in ctx.labels.items() if lk == layer]
        lines += ["", f"### {_cell(ctx.layer_names.get(layer, layer))}", "",
                  "| label | " + " | ".join(_cell(n) for n in names) + " | total |",
                  "|---|" + "---:|" * (len(names) + 1)]
        for key, meta in rows:
            per = counts.get((layer, key), {})
            total = sum(per.values())
            if not total:
                continue
            lines.append(f"| {_cell(meta.name)} (`{_cell(key)}`) | "
                         + " | ".join(str(per.get(n, 0)) for n in names) + f" | {total} |")
    if not filters.gold_only:
        lines += ["", "## Agreement", ""]
        annotators = tuple(filters.annotators)
        with force_locale("en"):  # the card is written in English, its reasons too
            report = build_report(project, Scope(tuple(ids) or None, annotators or None))
        sections = (("source_passages", "Source type per passage"),
                    ("source_characters", "Source type per character"),
                    ("rhetoric", "Rhetoric spans"), ("claim", "Unsupported-claim spans"))
        for key, title in sections:
            layer = "source" if key.startswith("source") else key
            if not filters.wants(layer):
                continue
            figures = report["layers"][key]["coefficients"]
            if figures:
                lines.append(f"- {title}: " + "; ".join(
                    f"{f['name']} {_figure(f)}" for f in figures[:2]))
        if filters.wants(RATING):
            for field in report["layers"]["ratings"]["fields"]:
                if field["coefficients"]:
                    f = field["coefficients"][0]
                    lines.append(f"- Rating, {_cell(field['name'])}: {f['name']} {_figure(f)}")
        lines += ["", "Alpha readings follow Krippendorff (2004): at least 0.800 reliable, "
                  "0.667 to 0.800 tentative, below 0.667 unreliable."]
    lines += ["", "## Codebook", ""]
    for layer in ctx.layers:
        if not filters.wants(layer):
            continue
        lines += [f"### {_cell(ctx.layer_names.get(layer, layer))} (`{layer}`)", ""]
        for (lk, key), meta in ctx.labels.items():
            if lk == layer:
                lines.append(f"- **{_cell(meta.name)}** (`{_cell(key)}`): "
                             f"{_cell(meta.definition) or 'no definition'}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
