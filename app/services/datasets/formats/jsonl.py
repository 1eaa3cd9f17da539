"""Our own JSONL: one document per line with every annotator's work and the gold key.

The schema (`sourcemark.document/1`) is in `core` and `annotations/README.md`. Export
and import are exact inverses: exporting an imported file gives the same bytes, except the
document `id`s and the codebook `version`, which belong to the project.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson
from flask_babel import gettext as _

from app import jsonsafe
from app.services.datasets.core import SCHEMA, ExportContext, FormatError
from app.services.texts import Problem

NAME = "jsonl"
EXTENSION = ".jsonl"
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"

MAX_PROBLEMS = 200


def dump(record: dict[str, Any]) -> str:
    return encode(record).decode("utf-8")


def encode(record: dict[str, Any]) -> bytes:
    """One line's UTF-8 bytes, without its newline: the bytes of `json.dumps(record,
    ensure_ascii=False, separators=(",", ":"))`, written by orjson in a fifth of the time
    (the text and the spans are most of an export's work)."""
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS)


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    for record in records:
        out.write(encode(record) + b"\n")


class _Checker:
    """Type checks of one line, each failure a Problem naming the field's path."""

    def __init__(self, file: str, line: int, problems: list[Problem]):
        self.file, self.line, self.problems = file, line, problems

    def bad(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, message, line=self.line, field=field))

    def kind(self, value: Any, types: type | tuple, field: str, message: str) -> bool:
        ok = isinstance(value, types) and not (isinstance(value, bool) and types is int)
        if not ok:
            self.bad(field, message)
        return ok

    def span(self, span: Any, field: str) -> None:
        if not self.kind(span, dict, field, _("must be an object")):
            return
        for key in ("layer", "label", "text"):
            self.kind(span.get(key), str, f"{field}.{key}", _("must be text"))
        for key in ("start", "end"):
            self.kind(span.get(key), int, f"{field}.{key}",
                      _("must be a whole number (code points)"))
        if "note" in span:
            self.kind(span["note"], str, f"{field}.note", _("must be text"))
        if "attributes" in span:
            self.kind(span["attributes"], dict, f"{field}.attributes", _("must be an object"))
        extra = sorted(set(span) - {"layer", "label", "start", "end", "text", "note",
                                    "attributes"})
        if extra:
            self.bad(f"{field}.{extra[0]}", _("is not a span field"))

    def work(self, work: Any, field: str, *, annotator: bool) -> None:
        if not self.kind(work, dict, field, _("must be an object")):
            return
        spans = work.get("spans", [])
        if self.kind(spans, list, f"{field}.spans", _("must be a list")):
            for index, span in enumerate(spans):
                self.span(span, f"{field}.spans[{index}]")
        rating = work.get("rating")
        if rating is not None:
            self.kind(rating, dict, f"{field}.rating", _("must be an object or null"))
        if annotator and "done" in work:
            self.kind(work["done"], bool, f"{field}.done", _("must be true or false"))

    def record(self, record: Any) -> None:
        if not self.kind(record, dict, "", _("must be a JSON object (one document)")):
            return
        if record.get("schema") != SCHEMA:
            self.bad("schema", _("must be \"%(schema)s\" (this file is not a Sourcemark "
                                 "export or comes from a newer version)", schema=SCHEMA))
        if record.get("offset_unit", "codepoint") != "codepoint":
            self.bad("offset_unit", _("must be \"%(unit)s\"", unit="codepoint"))
        self.kind(record.get("text"), str, "text", _("must be the document's text"))
        for key in ("title", "publisher", "author", "published", "url", "source_name",
                    "notes", "language", "text_hash"):
            if record.get(key) is not None:
                self.kind(record[key], str, key, _("must be text"))
        passages = record.get("passages", [])
        if self.kind(passages, list, "passages", _("must be a list")):
            for index, passage in enumerate(passages):
                field = f"passages[{index}]"
                if not self.kind(passage, dict, field, _("must be an object")):
                    continue
                for key in ("start", "end"):
                    self.kind(passage.get(key), int, f"{field}.{key}", _("must be a whole number"))
                tags = passage.get("source_type", {})
                if self.kind(tags, dict, f"{field}.source_type", _("must be an object")):
                    for name, label in tags.items():
                        self.kind(label, str, f"{field}.source_type.{name}",
                                  _("must be a label key"))
                if passage.get("gold") is not None:
                    self.kind(passage["gold"], str, f"{field}.gold",
                              _("must be a label key or null"))
        annotators = record.get("annotators", {})
        if self.kind(annotators, dict, "annotators", _("must be an object")):
            for name, work in annotators.items():
                self.work(work, f"annotators.{name}", annotator=True)
        if record.get("gold") is not None:
            self.work(record["gold"], "gold", annotator=False)


def read(name: str, raw: bytes, ctx: ExportContext | None = None) -> list[dict[str, Any]]:
    """The records of a JSONL file, type-checked; FormatError lists every problem."""
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError([Problem(name, _("is not UTF-8 (byte %(start)s)",
                                           start=error.start))]) from None
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    # Split on LF only: JSON strings may hold U+2028 and other characters that
    # str.splitlines() would take for line ends.
    for number, line in enumerate(source.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = jsonsafe.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(name, _("is not valid JSON (%(msg)s, column %(colno)s)",
                                            msg=error.msg, colno=error.colno), line=number))
            continue
        before = len(problems)
        _Checker(name, number, problems).record(record)
        if len(problems) == before:
            record["_line"] = number
            out.append(record)
        if len(problems) >= MAX_PROBLEMS:
            break
    if not out and not problems:
        problems.append(Problem(name, _("holds no documents")))
    if problems:
        raise FormatError(problems, out)
    return out
