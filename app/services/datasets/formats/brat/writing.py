"""Writing a brat zip: .txt and .ann files, annotation.conf and visual.conf."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any, BinaryIO

from app.services.datasets.core import ExportContext, all_spans, file_stem, owners
from app.services.datasets.formats.brat.common import BREAK, DATA_TYPE, ENUM_VALUE, INDEX, NOTE_TYPE
from app.services.datasets.formats.brat.names import brat_name


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of [start, end) between line breaks, empty pieces left out."""
    out, piece = [], start
    for match in BREAK.finditer(text, start, end):
        if match.start() > piece:
            out.append((piece, match.start()))
        piece = match.end()
    if end > piece:
        out.append((piece, end))
    return out


class _Conf:
    """What the export used, for `annotation.conf`: types and attribute values."""

    def __init__(self) -> None:
        self.types: set[str] = set()
        self.attributes: dict[str, set[str]] = {}


def _ann(record: dict[str, Any], annotator: str | None, ctx: ExportContext,
         conf: _Conf) -> str:
    """The `.ann` file of one annotator's (None: gold) work on a record."""
    text, lines = record["text"], []
    numbers = {"T": 0, "A": 0, "#": 0}

    def next_id(kind: str) -> str:
        numbers[kind] += 1
        return f"{kind}{numbers[kind]}"

    for span in all_spans(record, annotator):
        pieces = fragments(text, span["start"], span["end"])
        if not pieces:
            continue  # nothing but line breaks: brat cannot show it
        kind = brat_name(ctx.flat_label(span["layer"], span["label"]))
        conf.types.add(kind)
        tid = next_id("T")
        where = ";".join(f"{s} {e}" for s, e in pieces)
        lines.append(f"{tid}\t{kind} {where}\t{' '.join(text[s:e] for s, e in pieces)}")
        extra: dict[str, Any] = {}
        note = span.get("note") or ""
        if note:
            lines.append(f"{next_id('#')}\t{NOTE_TYPE} {tid}\t{BREAK.sub(' ', note)}")
            if BREAK.search(note):
                extra["note"] = note
        for key, value in sorted((span.get("attributes") or {}).items()):
            name = brat_name(key)
            if value is True:
                conf.attributes.setdefault(name, set())
                lines.append(f"{next_id('A')}\t{name} {tid}")
            elif isinstance(value, str) and ENUM_VALUE.fullmatch(value):
                conf.attributes.setdefault(name, set()).add(value)
                lines.append(f"{next_id('A')}\t{name} {tid} {value}")
            else:
                extra[key] = value
        if extra:
            lines.append(f"{next_id('#')}\t{DATA_TYPE} {tid}\t{json.dumps(extra)}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(ctx: ExportContext, used_types: Iterable[str] = (),
                    attributes: dict[str, set[str]] | None = None) -> str:
    """brat's `annotation.conf` for the codebook's labels and the attributes used."""
    lines = ["# Sourcemark codebook" + (f": {ctx.project_title}" if ctx.project_title else ""),
             "# Types are flat labels with '.' written as '-' (and ':' as '-X3A-').",
             "[entities]"]
    listed = set()
    for layer in ctx.layers:
        lines.append("!" + re.sub(r"[^A-Za-z0-9_]", "_", layer).upper())
        for (key_layer, key) in ctx.labels:
            if key_layer == layer:
                kind = brat_name(ctx.flat_label(layer, key))
                listed.add(kind)
                lines.append(f"\t{kind}")
    lines += sorted(set(used_types) - listed)
    lines += ["", "[relations]",
              "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
              "", "[events]", "", "[attributes]"]
    declared = {key: set(values) for key, values in ctx.enum_attributes.items()}
    for name, values in (attributes or {}).items():
        declared.setdefault(name, set()).update(values)
    for name, values in sorted(declared.items()):
        suffix = f", Value:{'|'.join(sorted(values))}" if values else ""
        lines.append(f"{name}\tArg:<ENTITY>{suffix}")
    return "\n".join(lines) + "\n"


def visual_conf(ctx: ExportContext) -> str:
    """brat's `visual.conf`: each type shown with its label name."""
    lines = ["[labels]"]
    for (layer, key), meta in ctx.labels.items():
        lines.append(f"{brat_name(ctx.flat_label(layer, key))} | {meta.name.replace('|', '/')}")
    lines += ["", "[drawing]",
              "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
              "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
              "ATTRIBUTE_DEFAULT\tglyph:*"]
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the zip, each document's files as it comes; the configs go in last."""
    conf, stems = _Conf(), set()
    index = ["stem\tdocument_id\ttitle\tlanguage"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            stem = file_stem(record)
            if stem in stems:
                stem = f"{stem}-{record.get('id', len(stems))}"
            stems.add(stem)
            title = " ".join(str(record.get("title") or "").split())
            index.append(f"{stem}\t{record.get('id', '')}\t{title}\t{record.get('language') or ''}")
            for folder, annotator in owners(record):
                archive.writestr(f"{folder}/{stem}.txt", record["text"].encode("utf-8"))
                archive.writestr(f"{folder}/{stem}.ann",
                                 _ann(record, annotator, ctx, conf).encode("utf-8"))
        # Which document each file is: titles, languages, and the ids evidence links point to.
        archive.writestr(INDEX, "\n".join(index) + "\n")
        archive.writestr("annotation.conf", annotation_conf(ctx, conf.types, conf.attributes))
        archive.writestr("visual.conf", visual_conf(ctx))
