"""What every dataset format shares: the document record, the export context, problems.

A *record* is one document with all its annotations, as a plain dict; it is exactly one
line of our `jsonl` format (schema `sourcemark.document/1`, documented in
`annotations/README.md`):

    {
      "schema": "sourcemark.document/1",
      "id": 17,                                  # the document's id where it was exported
      "title": "...", "publisher": "...", "author": "...", "published": "2011-12-17",
      "url": "...", "source_name": "000_x.txt", "notes": "...",
      "language": "kk",                          # ISO 639-1, or null when not known
      "text": "...",                             # canonical text (LF, NFC)
      "text_hash": "sha256:<hex of the UTF-8 text>",
      "offset_unit": "codepoint",
      "codebook": {"key": "media-literacy-default", "version": 3},
      "passages": [{"start": 0, "end": 57,
                    "source_type": {"aigerim": "news_report"},   # annotator -> label key
                    "gold": "news_report"}],                       # or null
      "annotators": {"aigerim": {"done": true, "spans": [SPAN, ...], "rating": {...} | null}},
      "gold": null | {"spans": [SPAN, ...], "rating": {...} | null}
    }
    SPAN = {"layer": "rhetoric", "label": "loaded_language", "start": 10, "end": 24,
            "text": "...", "note": "", "attributes": {}}

Offsets are code points, half-open. Annotators are sorted by name, spans by (start, -end,
layer, label). Readers of other formats return records of the same shape; they may leave
out what their format cannot carry (`passages`, `gold`, metadata), and their text and
offsets are the file's own (the importer canonicalises and maps them).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.errors import ImportFailed
from app.services.texts import Problem

SCHEMA = "sourcemark.document/1"
LAYERS = ("source", "rhetoric", "claim")


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LabelMeta:
    layer: str
    key: str
    name: str
    definition: str = ""
    maps_to: dict[str, str] = field(default_factory=dict)


@dataclass
class ExportContext:
    """What writers need besides the records: the codebook's labels and rating form."""

    labels: dict[tuple[str, str], LabelMeta]
    layers: list[str]                       # layer keys in codebook order
    layer_names: dict[str, str]
    form: dict[str, Any]                    # the codebook's document_form
    project_title: str = ""
    # Span attributes with a closed set of values: key -> values (empty for true/false).
    enum_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def flat_label(self, layer: str, key: str) -> str:
        """The label as one string for formats without layers: the bare key, or
        `layer:key` where another layer uses the same key."""
        clash = any(k == key and other != layer for other, k in self.labels)
        return f"{layer}:{key}" if clash else key

    def unflat_label(self, value: str) -> tuple[str, str] | None:
        """(layer, key) for a flat label string, or None when unknown or ambiguous."""
        if ":" in value:
            layer, _colon, key = value.partition(":")
            return (layer, key) if (layer, key) in self.labels else None
        found = [pair for pair in self.labels if pair[1] == value]
        return found[0] if len(found) == 1 else None


WHERE = "_where"  # where a reader found a record or span: (file, line[, field there])


def gather_locations(record: dict[str, Any]) -> None:
    """Move the `_where` a reader put on a record and its spans into one map on the
    record, from the record's field paths (`annotators.kid1.spans[0]`, `gold.spans[2]`,
    "" for the record) to (file, line), so that the importer names the file and line a
    problem comes from. Call it once the spans are in their final order."""
    found: dict[str, tuple[Any, ...]] = {}
    if isinstance(record.get(WHERE), tuple):
        found[""] = record[WHERE]
    works = [(f"annotators.{name}", work) for name, work in record.get("annotators", {}).items()]
    if record.get("gold"):
        works.append(("gold", record["gold"]))
    for path, work in works:
        if isinstance(work.get(WHERE), tuple):
            found[path] = work.pop(WHERE)
        for index, span in enumerate(work.get("spans", [])):
            if WHERE in span:
                found[f"{path}.spans[{index}]"] = span.pop(WHERE)
    record[WHERE] = found


class FormatError(ImportFailed):
    """A file could not be read; every problem names the file, line or record and field.
    `records` holds what could be read all the same, so that the importer can check those
    too and every problem comes in one round."""

    def __init__(self, problems: list[Problem], records: list[dict[str, Any]] | None = None):
        super().__init__(problems)
        self.records = records or []


def problems_or_none(problems: list[Problem]) -> None:
    if problems:
        raise FormatError(problems)


def records_with_annotator_spans(record: dict[str, Any]
                                 ) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
    """(annotator, spans) for each annotator of a record, then (None, gold spans)."""
    for name, work in record.get("annotators", {}).items():
        yield name, work.get("spans", [])
    if record.get("gold"):
        yield None, record["gold"].get("spans", [])


def passage_spans(record: dict[str, Any], annotator: str | None) -> list[dict[str, Any]]:
    """One annotator's passage source types as whole-passage spans of the source layer
    (annotator None: the gold key's), for formats that only know spans. They carry no
    attributes: an importer takes the first attribute-less source span that covers a whole
    passage for that passage's source type (a quoted voice or a marked segment has a role)."""
    out = []
    text = record["text"]
    for passage in record.get("passages", []):
        key = passage.get("gold") if annotator is None else \
            passage.get("source_type", {}).get(annotator)
        if key:
            out.append({"layer": "source", "label": key, "start": passage["start"],
                        "end": passage["end"], "text": text[passage["start"]:passage["end"]],
                        "note": "", "attributes": {}})
    return out


def all_spans(record: dict[str, Any], annotator: str | None) -> list[dict[str, Any]]:
    """Passage tags (as spans) and spans of one annotator (None: gold), in offset order."""
    if annotator is None:
        spans = list((record.get("gold") or {}).get("spans", []))
    else:
        spans = list(record.get("annotators", {}).get(annotator, {}).get("spans", []))
    # Passage source types go first among equal spans, so that a reader meets a passage's
    # type before a segment span marked over the same passage.
    spans = passage_spans(record, annotator) + spans
    spans.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
    return spans


def people(record: dict[str, Any]) -> list[str]:
    """Everyone with work on a record, by name: their own entry or a passage tag."""
    names = set(record.get("annotators", {}))
    for passage in record.get("passages", []):
        names.update(passage.get("source_type", {}))
    return sorted(names)


def has_gold(record: dict[str, Any]) -> bool:
    return bool(record.get("gold")) or any(p.get("gold") for p in record.get("passages", []))


def owners(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(name to write, annotator) for everyone with work on a record, then the gold key as
    (GOLD, None)."""
    out: list[tuple[str, str | None]] = [(name, name) for name in people(record)]
    if has_gold(record):
        out.append((GOLD, None))
    return out


def decode_strict(raw: bytes, file: str, problems: list[Problem], *, bom: bool = False
                  ) -> str | None:
    """Strict UTF-8 (a byte-order mark dropped when `bom`); a problem naming the byte and its
    line, and None, when the bytes are not UTF-8."""
    try:
        return raw.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file, _("not valid UTF-8 (byte 0x%(value)s at offset %(start)s); "
                                        "save the file as UTF-8",
                                        value=format(raw[exc.start], '02x'), start=exc.start),
                                line=raw.count(b"\n", 0, exc.start) + 1))
        return None


def zip_entries(name: str, raw: bytes, keep: Callable[[str, str], bool]) -> dict[str, bytes]:
    """The files of a zip that `keep(path, base name)` wants, by path, read within the zip
    limits (see `safezip`); hidden files and macOS resource forks skipped. A file that is
    not a zip, or one over a limit, is a FormatError."""
    from app.services.datasets.safezip import read_members

    return read_members(name, raw, keep)


def annotator_names(records: Iterable[dict[str, Any]]) -> list[str]:
    names: set[str] = set()
    for record in records:
        names.update(record.get("annotators", {}))
    return sorted(names)


GOLD = "gold"  # the gold key's name where a format only knows annotators (folders, users)


def file_stem(record: dict[str, Any]) -> str:
    """A safe, stable file name (no extension) for a record inside an archive: the source
    file's stem when it is plain, else `document-<id>`."""
    import re

    stem = str(record.get("source_name") or "").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}", stem):
        return stem
    return f"document-{record.get('id', 0)}"


def language_list(languages: Counter[str]) -> str:
    """"kk (3 documents), ru (1 document), not known (1 document)" in the current language,
    or "none" (a caller that can list no documents says so in its own words)."""
    def documents(n: int) -> str:
        return ngettext("%(num)d document", "%(num)d documents", n)

    parts = [f"{code} ({documents(n)})" for code, n in sorted(languages.items()) if code]
    if languages.get(""):
        parts.append(_("not known (%(documents)s)", documents=documents(languages[""])))
    return ", ".join(parts) or "none"
