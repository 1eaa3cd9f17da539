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

Offsets are UTF-16 code units, as doccano counts them: its frontend is JavaScript, whose
string indices are UTF-16 code units, and its backend stores what the frontend sends
(doccano/doccano#2290), so every offset after an emoji or another character outside the
Basic Multilingual Plane is one higher per such character than a code point count. The
writer converts code points to UTF-16 and the reader converts back; an offset that falls
between the two halves of such a character is refused with its file and line.
doccano has one label namespace, so labels are flat strings (`ExportContext.flat_label`:
the bare key, or `layer:key` where two layers share a key).

What survives: texts, metadata, every span with its layer and label (whole-passage source
types as `source` spans covering the passage), and span notes. doccano has no place for a
note on a span, only free-text comments on a whole example, so a note travels as a comment
`[start:end label] note`; reading attaches such a comment to the span with those offsets
and that label, and ignores comments of any other form. Dropped: span attributes, ratings,
and whether an annotator marked the document done.

Overlapping spans. A doccano sequence-labelling project drops overlapping spans on import
unless it is created with "Allow overlapping spans" ticked; the zip's `README.txt` (and
the dataset card) says so, and how many overlapping spans each file holds.

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

from flask_babel import gettext as _

from app import jsonsafe
from app.services.datasets.core import (
    GOLD,
    ExportContext,
    FormatError,
    all_spans,
    decode_strict,
    gather_locations,
    owners,
    zip_entries,
)
from app.services.datasets.utf16 import Utf16
from app.services.texts import Problem

NAME = "doccano"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

META_FIELDS = ("title", "publisher", "author", "published", "url", "source_name", "notes")
_SPAN_KEYS = ("label", "labels", "entities")
_NOTE_COMMENT = re.compile(r"\[(\d+):(\d+) (\S+)\] (.*)", re.DOTALL)
_SPOOL_BYTES = 1 << 20  # each annotator's lines stay in memory up to this, then go to disk


# --- writing ---------------------------------------------------------------------------------



def overlapping(ranges: list[tuple[int, int]]) -> int:
    """How many ranges overlap an earlier one (in start order): what doccano drops."""
    count, reach = 0, -1
    for start, end in sorted(ranges):
        if start < reach:
            count += 1
        reach = max(reach, end)
    return count


def _line(record: dict[str, Any], annotator: str | None, ctx: ExportContext
          ) -> tuple[dict[str, Any], int]:
    """One doccano line, and how many of its spans overlap another."""
    labels, comments = [], []
    units = Utf16(record["text"])
    spans = all_spans(record, annotator)
    for span in spans:
        label = ctx.flat_label(span["layer"], span["label"])
        start, end = units.to_units(span["start"]), units.to_units(span["end"])
        labels.append([start, end, label])
        if span.get("note"):
            comments.append(f"[{start}:{end} {label}] {span['note']}")
    line: dict[str, Any] = {"id": record.get("id"), "text": record["text"], "label": labels,
                            "Comments": comments}
    line.update({key: record[key] for key in META_FIELDS if record.get(key)})
    return line, overlapping([(s["start"], s["end"]) for s in spans])


def readme(overlaps: dict[str, int]) -> str:
    """The zip's README.txt: the doccano project settings the files need, in the current
    language (doccano's own option names stay in English, as doccano shows them)."""
    lines = [
        _("doccano sequence labelling, one <annotator>.jsonl per annotator (gold.jsonl: the\n"
          "gold key). Offsets are UTF-16 code units, as doccano counts them."),
        "",
        _("Create the doccano project as 'Sequence Labeling' with 'Allow overlapping spans'\n"
          "ticked (and 'Use relation labeling' unticked): without it doccano drops every span\n"
          "that overlaps another on import."),
        "",
        _("Spans overlapping another span, per file:")]
    lines += [f"  {name}.jsonl: {count}" for name, count in sorted(overlaps.items())]
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write a zip with one `<annotator>.jsonl` per annotator (and `gold.jsonl`).

    Records are read once. A zip takes one entry at a time, so each annotator's lines are
    collected in a spooled temporary file (memory, then disk) and copied in at the end.
    """
    spools: dict[str, IO[bytes]] = {}
    overlaps: dict[str, int] = {}
    try:
        for record in records:
            for name, annotator in owners(record):
                spool = spools.get(name)
                if spool is None:
                    spool = spools[name] = tempfile.SpooledTemporaryFile(_SPOOL_BYTES)
                data, overlap = _line(record, annotator, ctx)
                overlaps[name] = overlaps.get(name, 0) + overlap
                line = json.dumps(data, ensure_ascii=False)
                # Escaped, so that readers splitting lines at any Unicode line end still
                # see one JSON document a line.
                line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
                spool.write(line.encode("utf-8") + b"\n")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(spools):
                spools[name].seek(0)
                with archive.open(f"{name}.jsonl", "w") as entry:
                    shutil.copyfileobj(spools[name], entry)
            archive.writestr("README.txt", readme(overlaps))
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
        raise FormatError([Problem(name, _("the zip holds no .jsonl files (doccano exports one "
                                           "<username>.jsonl per annotator)"))])
    return out


def _span_items(line: dict[str, Any]) -> tuple[str, Any]:
    for key in _SPAN_KEYS:
        if key in line:
            return key, line[key]
    return "label", []


def _read_span(item: Any, units: Utf16, where: tuple[str, int, str], ctx: ExportContext,
               problems: list[Problem]) -> dict[str, Any] | None:
    file, number, field = where
    text = units.text
    if isinstance(item, list | tuple) and len(item) == 3:
        start, end, label = item
    elif isinstance(item, dict):
        start = item.get("start_offset", item.get("start"))
        end = item.get("end_offset", item.get("end"))
        label = item.get("label")
    else:
        problems.append(Problem(file, _("a span is [start, end, label] or an object with "
                                        "start_offset, end_offset and label"), number, field))
        return None
    if not isinstance(label, str):
        problems.append(Problem(file, _("the label is not a string"), number, field))
        return None
    pair = ctx.unflat_label(label)
    if pair is None:
        problems.append(Problem(file, _("unknown label '%(label)s' (not in this codebook, or "
                                        "ambiguous: write it as layer:key)",
                                        label=label), number, field))
    if not (_is_int(start) and _is_int(end)):
        problems.append(Problem(file, _("start and end must be whole numbers"), number, field))
        return None
    if not 0 <= start < end <= units.length():
        problems.append(Problem(file, _("offsets %(start)s-%(end)s are outside the text "
                                        "(0-%(value)s UTF-16 code units) or empty",
                                        start=start, end=end, value=units.length()),
                                number, field))
        return None
    cp_start, cp_end = units.to_codepoint(start), units.to_codepoint(end)
    if cp_start is None or cp_end is None:
        split = start if cp_start is None else end
        problems.append(Problem(file, _("offset %(split)s falls inside a character (an emoji or "
                                        "another character doccano counts as two UTF-16 code "
                                        "units)", split=split), number, field))
        return None
    if pair is None:
        return None
    return {"layer": pair[0], "label": pair[1], "start": cp_start, "end": cp_end,
            "text": text[cp_start:cp_end], "note": "", "attributes": {}}


def _attach_notes(spans: list[dict[str, Any]], comments: Any, units: Utf16,
                  ctx: ExportContext, where: tuple[str, int], problems: list[Problem]
                  ) -> None:
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
        # The comment names the span by doccano's (UTF-16) offsets, as its label does.
        bounds = (units.to_codepoint(start), units.to_codepoint(end))
        # The last such span: a passage's source type (never noted) comes before a
        # segment span marked over the same passage.
        target = next((s for s in reversed(spans) if (s["start"], s["end"]) == bounds
                       and (s["layer"], s["label"]) == pair and not s["note"]), None)
        if target is None:
            problems.append(Problem(file, _("a note for %(start)s:%(end)s %(label)s, but there is "
                                            "no such span on this line",
                                            start=start, end=end, label=label), number,
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
        problems.append(Problem(file, _("not valid JSON (%(msg)s, column %(colno)s)",
                                        msg=exc.msg, colno=exc.colno),
                                number))
        return None
    if not isinstance(line, dict):
        problems.append(Problem(file, _("each line must be a JSON object"), number))
        return None
    text = line.get("text", line.get("data"))
    if not isinstance(text, str):
        problems.append(Problem(file, _("the document text is missing"), number, "text"))
        return None
    line["text"] = text
    doc_id = line.get("id")
    if doc_id is not None and not (_is_int(doc_id) or isinstance(doc_id, str)):
        problems.append(Problem(file, _("the id must be a number or a string"), number, "id"))
        return None
    annotator = line.get("annotator", line.get("user", default_annotator))
    annotator = str(annotator) if _is_int(annotator) or isinstance(annotator, str) \
        else default_annotator
    key, items = _span_items(line)
    if not isinstance(items, list):
        problems.append(Problem(file, _("spans must be a list"), number, key))
        return None
    spans = []
    units = Utf16(text)
    for index, item in enumerate(items):
        span = _read_span(item, units, (file, number, f"{key}[{index}]"), ctx, problems)
        if span is not None:
            spans.append(span)
    _attach_notes(spans, line.get("Comments"), units, ctx, where, problems)
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
    seen: dict[tuple[Any, str], int] = {}
    for number, raw_line in enumerate(source.split("\n"), start=1):
        if not raw_line.strip():
            continue
        parsed = _parse_line(raw_line, (file, number), default_annotator, ctx, problems)
        if parsed is None:
            continue
        line, annotator, spans = parsed
        identity = ("id", line["id"]) if line.get("id") is not None else ("text", line["text"])
        if (identity, annotator) in seen:
            first = seen[identity, annotator]
            said = _("document id %(id)s is already on line %(first)s for '%(annotator)s'",
                     id=line["id"], first=first, annotator=annotator) if identity[0] == "id" \
                else _("the same text is already on line %(first)s for '%(annotator)s'",
                       first=first, annotator=annotator)
            problems.append(Problem(file, said, number, "id" if identity[0] == "id" else "text"))
            continue
        seen[identity, annotator] = number
        record = records.setdefault(identity, _new_record(line))
        record.setdefault("_where", (file, number))
        if record["text"] != line["text"]:
            problems.append(Problem(file, _("document %(id)s has a different text here than in "
                                            "another annotator's file",
                                            id=line['id']), number, "text"))
        elif annotator == GOLD:
            record.setdefault("gold", {"spans": [], "rating": None})["spans"].extend(spans)
        else:
            work = record["annotators"].setdefault(
                annotator, {"spans": [], "rating": None, "done": False})
            work["spans"].extend(spans)
        for span in spans:
            span["_where"] = (file, number)


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
    labelled = {name for record in records.values()
                for name, work in record["annotators"].items() if work["spans"]}
    if not problems and not labelled and not any(r.get("gold") and r["gold"]["spans"]
                                                 for r in records.values()):
        problems.append(Problem(name, _("no line has a label: a doccano file to import is a "
                                        "sequence-labelling export (each line's 'label' a list "
                                        "of [start, end, label])")))
    out = list(records.values())
    for record in out:
        # doccano writes every example into every annotator's file: one who labelled
        # nothing anywhere did no work here, and gets no account.
        record["annotators"] = {name: work for name, work in
                                sorted(record["annotators"].items()) if name in labelled}
        for work in [*record["annotators"].values(), record.get("gold") or {"spans": []}]:
            work["spans"].sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
        gather_locations(record)
    if problems:
        raise FormatError(problems, out)
    return out
