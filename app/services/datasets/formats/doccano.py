"""doccano sequence-labelling JSONL, laid out as doccano exports a project whose annotators
work separately (no collaborative annotation): a zip with one `<username>.jsonl` per
annotator, the gold key as `gold.jsonl`.

Each line is one document, in the shape doccano's own export writes for sequence labelling
(`id`, `text`, `label` as `[start, end, label]` triples, `Comments`, then the example's
metadata at the top level, which is where doccano puts whatever it imported besides `text`
and `label`):

    {"id": 17, "text": "...", "label": [[10, 24, "loaded_language"], [0, 57, "news_report"]],
     "Comments": ["[10:24 loaded_language] needs a second look"],
     "title": "...", "source_name": "000_x.txt"}

Offsets are Python string indices (doccano's backend is Python), i.e. code points, as ours.
doccano has one label namespace, so labels are flat strings (`ExportContext.flat_label`:
the bare key, or `layer:key` where two layers share a key).

What survives: texts, metadata, every span with its layer and label (whole-passage source
types as `source` spans covering the passage), and span notes. doccano has no place for a
note on a span, only free-text comments on a whole example, so a note travels as a comment
`[start:end label] note`; reading attaches such a comment to the span with those offsets
and that label, and ignores comments of any other form. Dropped: span attributes, ratings,
and whether an annotator marked the document done.

`read` accepts the zip (one annotator per `.jsonl` file, named after the file) or a single
`.jsonl` file (annotator from an `annotator` or `user` key on each line, else the file's
stem). Spans may be `label` triples (sequence labelling), `labels` triples (older import
examples) or `entities` objects with `start_offset`/`end_offset`/`label` (projects with
relations).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO, Any, BinaryIO

from app import jsonsafe
from app.services.datasets.core import (
    GOLD,
    ExportContext,
    FormatError,
    all_spans,
    decode_strict,
    owners,
    zip_entries,
)
from app.services.texts import Problem

NAME = "doccano"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

META_FIELDS = ("title", "publisher", "author", "published", "url", "source_name", "notes")
_SPAN_KEYS = ("label", "labels", "entities")
_NOTE_COMMENT = re.compile(r"\[(\d+):(\d+) (\S+)\] (.*)", re.DOTALL)
_SPOOL_BYTES = 1 << 20  # each annotator's lines stay in memory up to this, then go to disk


# --- writing ---------------------------------------------------------------------------------



def _note_comment(span: dict[str, Any], label: str) -> str:
    return f"[{span['start']}:{span['end']} {label}] {span['note']}"


def _line(record: dict[str, Any], annotator: str | None, ctx: ExportContext) -> dict[str, Any]:
    labels, comments = [], []
    for span in all_spans(record, annotator):
        label = ctx.flat_label(span["layer"], span["label"])
        labels.append([span["start"], span["end"], label])
        if span.get("note"):
            comments.append(_note_comment(span, label))
    line: dict[str, Any] = {"id": record.get("id"), "text": record["text"], "label": labels,
                            "Comments": comments}
    line.update({key: record[key] for key in META_FIELDS if record.get(key)})
    return line


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write a zip with one `<annotator>.jsonl` per annotator (and `gold.jsonl`).

    Records are read once. A zip takes one entry at a time, so each annotator's lines are
    collected in a spooled temporary file (memory, then disk) and copied in at the end.
    """
    spools: dict[str, IO[bytes]] = {}
    try:
        for record in records:
            for name, annotator in owners(record):
                spool = spools.get(name)
                if spool is None:
                    spool = spools[name] = tempfile.SpooledTemporaryFile(_SPOOL_BYTES)
                line = json.dumps(_line(record, annotator, ctx), ensure_ascii=False)
                # Escaped, so that readers splitting lines at any Unicode line end still
                # see one JSON document a line.
                line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
                spool.write(line.encode("utf-8") + b"\n")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(spools):
                spools[name].seek(0)
                with archive.open(f"{name}.jsonl", "w") as entry:
                    shutil.copyfileobj(spools[name], entry)
    finally:
        for spool in spools.values():
            spool.close()


# --- reading ---------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)




def _stem(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def _entries(name: str, raw: bytes) -> list[tuple[str, bytes]]:
    """The `.jsonl` files of a zip, as (path inside the zip, bytes)."""
    out = list(zip_entries(name, raw, lambda path, base: base.lower().endswith(".jsonl"))
               .items())
    if not out:
        raise FormatError([Problem(name, "the zip holds no .jsonl files (doccano exports one "
                                         "<username>.jsonl per annotator)")])
    return out


def _span_items(line: dict[str, Any]) -> tuple[str, Any]:
    for key in _SPAN_KEYS:
        if key in line:
            return key, line[key]
    return "label", []


def _read_span(item: Any, text: str, where: tuple[str, int, str], ctx: ExportContext,
               problems: list[Problem]) -> dict[str, Any] | None:
    file, number, field = where
    if isinstance(item, list | tuple) and len(item) == 3:
        start, end, label = item
    elif isinstance(item, dict):
        start = item.get("start_offset", item.get("start"))
        end = item.get("end_offset", item.get("end"))
        label = item.get("label")
    else:
        problems.append(Problem(file, "a span is [start, end, label] or an object with "
                                      "start_offset, end_offset and label", number, field))
        return None
    if not isinstance(label, str):
        problems.append(Problem(file, "the label is not a string", number, field))
        return None
    pair = ctx.unflat_label(label)
    if pair is None:
        problems.append(Problem(file, f"unknown label '{label}' (not in this codebook, or "
                                      "ambiguous: write it as layer:key)", number, field))
    if not (_is_int(start) and _is_int(end)):
        problems.append(Problem(file, "start and end must be whole numbers", number, field))
        return None
    if not 0 <= start < end <= len(text):
        problems.append(Problem(file, f"offsets {start}-{end} are outside the text (0-"
                                      f"{len(text)}) or empty", number, field))
        return None
    if pair is None:
        return None
    return {"layer": pair[0], "label": pair[1], "start": start, "end": end,
            "text": text[start:end], "note": "", "attributes": {}}


def _attach_notes(spans: list[dict[str, Any]], comments: Any, ctx: ExportContext,
                  where: tuple[str, int], problems: list[Problem]) -> None:
    """Put `[start:end label] note` comments back on their spans; other comments are the
    annotators' own remarks on the example and are left out."""
    if not isinstance(comments, list):
        return
    file, number = where
    for index, comment in enumerate(comments):
        if isinstance(comment, dict):
            comment = comment.get("text")
        match = _NOTE_COMMENT.fullmatch(comment) if isinstance(comment, str) else None
        if not match:
            continue
        start, end, label = int(match[1]), int(match[2]), match[3]
        pair = ctx.unflat_label(label)
        # The last such span: a passage's source type (never noted) comes before a
        # segment span marked over the same passage.
        target = next((s for s in reversed(spans) if (s["start"], s["end"]) == (start, end)
                       and (s["layer"], s["label"]) == pair and not s["note"]), None)
        if target is None:
            problems.append(Problem(file, f"a note for {start}:{end} {label}, but there is "
                                          "no such span on this line", number,
                                    f"Comments[{index}]"))
        else:
            target["note"] = match[4]


def _parse_line(raw_line: str, where: tuple[str, int], default_annotator: str,
                ctx: ExportContext, problems: list[Problem]
                ) -> tuple[dict[str, Any], str, list[dict[str, Any]]] | None:
    """(the line, its annotator, its spans), or None when the line is unusable."""
    file, number = where
    try:
        line = jsonsafe.loads(raw_line)
    except json.JSONDecodeError as exc:
        problems.append(Problem(file, f"not valid JSON ({exc.msg}, column {exc.colno})",
                                number))
        return None
    if not isinstance(line, dict):
        problems.append(Problem(file, "each line must be a JSON object", number))
        return None
    text = line.get("text", line.get("data"))
    if not isinstance(text, str):
        problems.append(Problem(file, "the document text is missing", number, "text"))
        return None
    line["text"] = text
    doc_id = line.get("id")
    if doc_id is not None and not (_is_int(doc_id) or isinstance(doc_id, str)):
        problems.append(Problem(file, "the id must be a number or a string", number, "id"))
        return None
    annotator = line.get("annotator", line.get("user", default_annotator))
    annotator = str(annotator) if _is_int(annotator) or isinstance(annotator, str) \
        else default_annotator
    key, items = _span_items(line)
    if not isinstance(items, list):
        problems.append(Problem(file, "spans must be a list", number, key))
        return None
    spans = []
    for index, item in enumerate(items):
        span = _read_span(item, text, (file, number, f"{key}[{index}]"), ctx, problems)
        if span is not None:
            spans.append(span)
    _attach_notes(spans, line.get("Comments"), ctx, where, problems)
    return line, annotator, spans


def _new_record(line: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"text": line["text"]}
    if _is_int(line.get("id")):
        record["id"] = line["id"]
    meta = line.get("meta") if isinstance(line.get("meta"), dict) else {}
    for field in META_FIELDS:
        value = line.get(field, meta.get(field))
        if isinstance(value, str) and value:
            record[field] = value
    record["annotators"] = {}
    return record


def _read_lines(file: str, source: str, default_annotator: str, ctx: ExportContext,
                records: dict[Any, dict[str, Any]], problems: list[Problem]) -> None:
    """Add one file's lines to `records` (keyed by document id, else by text)."""
    for number, raw_line in enumerate(source.split("\n"), start=1):
        if not raw_line.strip():
            continue
        parsed = _parse_line(raw_line, (file, number), default_annotator, ctx, problems)
        if parsed is None:
            continue
        line, annotator, spans = parsed
        identity = ("id", line["id"]) if line.get("id") is not None else ("text", line["text"])
        record = records.setdefault(identity, _new_record(line))
        if record["text"] != line["text"]:
            problems.append(Problem(file, f"document {line['id']} has a different text here "
                                          "than in another annotator's file", number, "text"))
        elif annotator == GOLD:
            record.setdefault("gold", {"spans": [], "rating": None})["spans"].extend(spans)
        else:
            work = record["annotators"].setdefault(
                annotator, {"spans": [], "rating": None, "done": False})
            work["spans"].extend(spans)


def read(name: str, raw: bytes, ctx: ExportContext) -> list[dict[str, Any]]:
    """Records from a doccano zip or a single `.jsonl` file (see the module docstring)."""
    if raw[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
        files = [(f"{name}/{path}", _stem(path), data) for path, data in _entries(name, raw)]
    else:
        files = [(name, _stem(name), raw)]
    problems: list[Problem] = []
    records: dict[Any, dict[str, Any]] = {}
    for file, stem, data in files:
        source = decode_strict(data, file, problems, bom=True)
        if source is not None:
            _read_lines(file, source, stem, ctx, records, problems)
    if problems:
        raise FormatError(problems)
    out = list(records.values())
    for record in out:
        record["annotators"] = dict(sorted(record["annotators"].items()))
        for work in [*record["annotators"].values(), record.get("gold") or {"spans": []}]:
            work["spans"].sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
    return out
