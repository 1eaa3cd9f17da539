"""CSV for spreadsheets: one row per span, per passage tag and per rating field value.

Every annotator's work and the gold key are in the same table. The gold key's rows have
annotator `gold` (a reserved user name) and `is_gold` 1; the `kind` column says what a
row is:

- `span`: one span; `layer`, `label`, `start`, `end` (code points, half-open), `text`,
  `note` and `attributes` (a JSON object);
- `passage`: one passage's source type; `layer` is `source`, `start`/`end` the passage's
  offsets, `text` the passage, `passage_index` its position in the document (from 0);
- `rating`: one rating field; `field` is the form field's key (a checklist item is
  `field.item`) and `value` its value, a number for scales.

The file is UTF-8 with a byte order mark, so that spreadsheets read it as UTF-8, with CRLF
between rows and texts with line breaks quoted as one cell. Against formula injection
(OWASP "CSV Injection"), a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading `'`: spreadsheets show it as text, and a program reading the
file drops that one quote where the next character is one of those. Our own numbers (ids,
offsets, passage indexes, scale values) are written as numbers. Offsets always index the
document's text, never the (possibly quoted) `text` cell.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from app.services.datasets.core import GOLD, ExportContext, has_gold, people

NAME = "csv"
EXTENSION = ".csv"
MEDIA_TYPE = "text/csv; charset=utf-8"

COLUMNS = ("document_id", "document_title", "source_name", "annotator", "is_gold", "done",
           "kind", "layer", "label", "label_name", "start", "end", "text", "note",
           "attributes", "passage_index", "field", "value")

# OWASP: a cell starting with one of these may be run as a formula by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


def safe_cell(value: str) -> str:
    """A user-supplied text as a cell no spreadsheet runs as a formula: a leading `'` where
    it starts with =, +, -, @, tab or CR."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> Any:
    """Numbers stay numbers (written as such), None is an empty cell, text is made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return safe_cell(str(value))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))






def _rating_rows(rating: dict[str, Any], ctx: ExportContext) -> Iterator[Row]:
    """Rating values in the form's field order, then any field the form does not know; a
    checklist gives one row per item, other values that are not numbers or text are JSON."""
    order = [f.get("key") for f in ctx.form.get("fields", [])]
    keys = [k for k in order if k in rating] + sorted(k for k in rating if k not in order)
    for key in keys:
        value = rating[key]
        if value is None or value == "":
            continue
        if isinstance(value, dict):
            for item, item_value in value.items():
                yield {"field": f"{key}.{item}", "value": item_value}
        elif isinstance(value, bool | int | float | str):
            yield {"field": key, "value": value}
        else:
            yield {"field": key, "value": _json(value)}


def record_rows(record: dict[str, Any], ctx: ExportContext) -> Iterator[Row]:
    """The rows of one document: for each annotator, then the gold key, its passage tags,
    its spans and its rating."""
    text = record.get("text", "")
    base = {"document_id": record.get("id"), "document_title": record.get("title", ""),
            "source_name": record.get("source_name", "")}
    owners: list[tuple[str | None, dict[str, Any]]] = [
        (name, record.get("annotators", {}).get(name) or {}) for name in people(record)]
    if has_gold(record):
        owners.append((None, record.get("gold") or {}))

    def label_name(layer: str, key: str) -> str:
        meta = ctx.labels.get((layer, key))
        return meta.name if meta else ""

    for name, work in owners:
        who = {**base, "annotator": GOLD if name is None else name,
               "is_gold": name is None, "done": None if name is None else
               bool(work.get("done", False))}
        for index, passage in enumerate(record.get("passages", [])):
            key = passage.get("gold") if name is None else \
                passage.get("source_type", {}).get(name)
            if key:
                start, end = passage["start"], passage["end"]
                yield {**who, "kind": "passage", "layer": "source", "label": key,
                       "label_name": label_name("source", key), "start": start, "end": end,
                       "text": text[start:end], "passage_index": index}
        for span in work.get("spans", []):
            yield {**who, "kind": "span", "layer": span["layer"], "label": span["label"],
                   "label_name": label_name(span["layer"], span["label"]),
                   "start": span["start"], "end": span["end"],
                   "text": span.get("text", text[span["start"]:span["end"]]),
                   "note": span.get("note", ""),
                   "attributes": _json(span.get("attributes") or {})}
        for row in _rating_rows(work.get("rating") or {}, ctx):
            yield {**who, "kind": "rating", **row}


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the CSV, one document at a time (each document's rows are encoded and written
    before the next is read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the excel dialect: quotes where needed, CRLF rows
    writer.writerow(COLUMNS)
    out.write(codecs.BOM_UTF8)
    for record in records:
        for row in record_rows(record, ctx):
            writer.writerow([_cell(row.get(column)) for column in COLUMNS])
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
