"""brat standoff: a zip with a folder per annotator (`gold/` for the gold key) holding
`<stem>.txt` and `<stem>.ann` for each document, and `annotation.conf` and `visual.conf` at
the root, which brat applies to every folder below them.

    aigerim/a.ann
    T1	loaded_language 48 64	shooting to kill
    #1	AnnotatorNotes T1	needs a second look
    T2	official_statement 0 24	Police 👮‍♀️ said 14 died
    A1	role T2 voice
    #2	Sourcemark T2	{"speaker": "Police"}

Offsets are code points into the `.txt`, half-open: brat is Python and indexes the text as
a Unicode string (only a "narrow" Python 2 build, as on Windows, would count a character
outside the Basic Multilingual Plane twice). brat's `.ann` is line-oriented and a span may
not cross a line break, so a span that does is written as fragments split at the breaks
(`T3	testimony 26 40;41 50`, with the fragments' texts joined by a space, as brat writes
them). Line breaks at the very start or end of a span cannot be written and are left out of
it.

Discontinuous spans. Reading joins fragments whose gaps are only white space (line breaks,
tabs: how brat writes a span across lines) into one span. Fragments with words between
them (`T1	loaded_language 0 6;15 19`) are never widened over their gap: each fragment
becomes a span of its own with the same label and attributes, linked by a note that
starts `[brat T1, part 1 of 2]` (the brat annotation's own note follows it).

CR LF. A brat server counts a CR LF pair as one character (nlplab/brat#853): a `.ann`
written over a `.txt` with Windows line ends has offsets into the text with every CR LF
read as LF. Reading tries the file's own count first and, when its texts do not match
there, brat's; either way the text comes in with LF line ends and the offsets are mapped
to it.

Type names. brat allows only `[A-Za-z0-9_-]` in type and attribute names; our flat labels
(`ExportContext.flat_label`) are lowercase keys that may hold `.` (`claim.no_source`) and
`:` (`layer:key` where two layers share a key). `.` is written as `-` and any other
character as `-X<hex code>-` (`:` is `-X3A-`); both are undone on reading. `annotation.conf`
lists the codebook's labels under one non-selectable group per layer (`!RHETORIC`),
allows any overlap of spans, and declares the attributes the export uses; `visual.conf`
gives each type its label name.

Notes and attributes. A note is brat's own `AnnotatorNotes` comment. An attribute becomes
a brat attribute where brat can hold it: `true` as a binary attribute (`A1	is_requote T4`),
a value that is a lowercase identifier (as enum values are: `voice`, `unchecked`) as a
multi-valued one (`A2	verdict T5 unchecked`). Anything else (free text such as a speaker,
numbers, lists such as evidence, and the exact text of a note that has line breaks, which
`AnnotatorNotes` shows on one line) goes in a `Sourcemark` comment on the span as a JSON
object. So everything survives a round trip: texts, spans with layer, label, note and
attributes (whole-passage source types come back as `source` spans covering the passage);
brat has no place for ratings, whether an annotator is done, or the document's metadata
other than its file name (read back as `source_name`).

`read` takes each `.ann` with the `.txt` beside it as one annotator's work on a document
(a `.txt` alone, such as a README, is not a document); the annotator is the folder holding
them, or for files at the top of the zip, the zip's name. Relations, events, normalisations
and equivalences (`R`, `E`, `N`, `*` lines) are ignored.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any, BinaryIO

from app import jsonsafe
from app.services.datasets.core import (
    GOLD,
    WHERE,
    ExportContext,
    FormatError,
    all_spans,
    decode_strict,
    file_stem,
    gather_locations,
    owners,
    zip_entries,
)
from app.services.texts import Problem

NAME = "brat"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

NOTE_TYPE = "AnnotatorNotes"
DATA_TYPE = "Sourcemark"  # comment type holding the attributes brat cannot
# Everything Python's str.splitlines (which brat uses to read a file) counts as a line end.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_ENUM_VALUE = re.compile(r"[a-z0-9_]+")
_ESCAPE = re.compile(r"-X([0-9A-F]{1,6})-")


# --- names -----------------------------------------------------------------------------------

def brat_name(value: str) -> str:
    """A brat type or attribute name for a flat label or attribute key (reversible)."""
    out = []
    for char in value:
        if char == ".":
            out.append("-")
        elif re.fullmatch(r"[a-z0-9_]", char):
            out.append(char)
        else:
            out.append(f"-X{ord(char):X}-")
    return "".join(out)


def from_brat_name(name: str) -> str:
    """The flat label or attribute key a `brat_name` came from."""
    parts = _ESCAPE.split(name)
    return "".join(part.replace("-", ".") if index % 2 == 0 else chr(int(part, 16))
                   for index, part in enumerate(parts))


# --- writing ---------------------------------------------------------------------------------



def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of [start, end) between line breaks, empty pieces left out."""
    out, piece = [], start
    for match in _BREAK.finditer(text, start, end):
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
            lines.append(f"{next_id('#')}\t{NOTE_TYPE} {tid}\t{_BREAK.sub(' ', note)}")
            if _BREAK.search(note):
                extra["note"] = note
        for key, value in sorted((span.get("attributes") or {}).items()):
            name = brat_name(key)
            if value is True:
                conf.attributes.setdefault(name, set())
                lines.append(f"{next_id('A')}\t{name} {tid}")
            elif isinstance(value, str) and _ENUM_VALUE.fullmatch(value):
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


INDEX = "documents.tsv"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the zip, each document's files as it comes; the configs go in last."""
    conf, stems = _Conf(), set()
    index = ["stem\tdocument_id\ttitle"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            stem = file_stem(record)
            if stem in stems:
                stem = f"{stem}-{record.get('id', len(stems))}"
            stems.add(stem)
            title = " ".join(str(record.get("title") or "").split())
            index.append(f"{stem}\t{record.get('id', '')}\t{title}")
            for folder, annotator in owners(record):
                archive.writestr(f"{folder}/{stem}.txt", record["text"].encode("utf-8"))
                archive.writestr(f"{folder}/{stem}.ann",
                                 _ann(record, annotator, ctx, conf).encode("utf-8"))
        # Which document each file is: titles, and the ids evidence links point to.
        archive.writestr(INDEX, "\n".join(index) + "\n")
        archive.writestr("annotation.conf", annotation_conf(ctx, conf.types, conf.attributes))
        archive.writestr("visual.conf", visual_conf(ctx))


# --- reading ---------------------------------------------------------------------------------



def _entries(name: str, raw: bytes) -> dict[str, bytes]:
    return zip_entries(name, raw, lambda path, base: base.endswith((".txt", ".ann"))
                       or path == INDEX)


def _joined(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The fragments with gaps of nothing but white space (line breaks, tabs) joined."""
    out = [pieces[0]]
    for start, end in pieces[1:]:
        if start <= out[-1][1] or text[out[-1][1]:start].isspace():
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _parse_fragments(where: str) -> list[tuple[int, int]] | None:
    out = []
    for piece in where.split(";"):
        parts = piece.split()
        if len(parts) != 2 or not all(re.fullmatch(r"\d+", p) for p in parts):
            return None
        out.append((int(parts[0]), int(parts[1])))
    return out


class _AnnReader:
    """Reads one `.ann` against its text, collecting problems."""

    def __init__(self, file: str, text: str, ctx: ExportContext, problems: list[Problem]):
        self.file, self.text, self.ctx, self.problems = file, text, ctx, problems
        self.spans: dict[str, dict[str, Any]] = {}
        self.parts: dict[str, list[dict[str, Any]]] = {}  # id -> its fragments' spans
        self.later: list[tuple[int, str, str]] = []

    def problem(self, message: str, line: int, field: str | None = None) -> None:
        self.problems.append(Problem(self.file, message, line, field))

    def textbound(self, number: int, ident: str, rest: str) -> None:
        data, _, stored = rest.partition("\t")
        kind, _, where = data.partition(" ")
        pieces = _parse_fragments(where)
        if not kind or pieces is None:
            self.problem("a text-bound line is 'T<n><TAB><type> <start> <end>[;<start> <end>…]"
                         "<TAB><text>'", number)
            return
        label = from_brat_name(kind)
        pair = self.ctx.unflat_label(label)
        if pair is None:
            self.problem(f"unknown label '{label}' (type '{kind}')", number, "type")
        text = self.text
        if any(not 0 <= s < e <= len(text) for s, e in pieces):
            self.problem(f"offsets {where} are outside the text (0-{len(text)}) or empty",
                         number, "offsets")
            return
        found = " ".join(text[s:e] for s, e in pieces)
        if stored != found:
            self.problem(f"the annotation's text {stored!r} is not the text at {where} "
                         f"({found!r})", number, "text")
            return
        if ident in self.spans:
            self.problem(f"a second annotation with id {ident}", number, "id")
            return
        if pair is not None:
            pieces = _joined(text, sorted(pieces))
            self.parts[ident] = [
                {"layer": pair[0], "label": pair[1], "start": start, "end": end,
                 "text": text[start:end], "note": "", "attributes": {},
                 WHERE: (self.file, number)} for start, end in pieces]
            self.spans[ident] = self.parts[ident][0]
        else:
            self.spans[ident] = {}  # known id, so its notes and attributes are not reported

    def attribute(self, number: int, data: str) -> None:
        parts = data.split(" ", 2)
        if len(parts) < 2:
            self.problem("an attribute line is 'A<n><TAB><name> <T id>[ <value>]'", number)
            return
        span = self._target(parts[1], number)
        if span:
            key = from_brat_name(parts[0])
            span["attributes"][key] = parts[2] if len(parts) == 3 else True

    def comment(self, number: int, data: str, tail: str) -> None:
        parts = data.split()
        if len(parts) != 2:
            self.problem("a comment line is '#<n><TAB><type> <T id><TAB><text>'", number)
            return
        span = self._target(parts[1], number)
        if not span:
            return
        if parts[0] == NOTE_TYPE:
            span["note"] = span["note"] or tail
        elif parts[0] == DATA_TYPE:
            try:
                extra = jsonsafe.loads(tail)
            except json.JSONDecodeError as exc:
                self.problem(f"not valid JSON ({exc.msg})", number, DATA_TYPE)
                return
            if not isinstance(extra, dict):
                self.problem("must be a JSON object", number, DATA_TYPE)
                return
            if isinstance(extra.get("note"), str):
                span["note"] = extra.pop("note")
            span["attributes"].update(extra)

    def _target(self, ident: str, number: int) -> dict[str, Any] | None:
        if ident not in self.spans:
            self.problem(f"refers to {ident}, which is not a text-bound annotation here",
                         number, "target")
            return None
        return self.spans[ident]

    def read(self, source: str) -> list[dict[str, Any]]:
        for number, line in enumerate(source.split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            ident, tab, rest = line.partition("\t")
            if not tab or not re.fullmatch(r"([A-Za-z]+|#[A-Za-z]*)[0-9]+.*|\*", ident):
                self.problem("not a brat annotation line (an id, then a tab)", number)
            elif ident[0] == "T":
                self.textbound(number, ident, rest)
            elif ident[0] in "AM#":
                self.later.append((number, ident, rest))
            elif ident[0] not in "REN*":
                self.problem(f"unknown kind of annotation '{ident}'", number, "id")
        for number, ident, rest in self.later:
            data, _, tail = rest.partition("\t")
            if ident[0] == "#":
                self.comment(number, data, tail)
            else:
                self.attribute(number, data)
        spans = []
        for ident, parts in self.parts.items():
            note, attributes = parts[0]["note"], parts[0]["attributes"]
            for index, part in enumerate(parts):
                if len(parts) > 1:  # a discontinuous span: its parts, linked by their note
                    mark = f"[brat {ident}, part {index + 1} of {len(parts)}]"
                    part.update(note=f"{mark} {note}".strip(), attributes=dict(attributes))
                spans.append(part)
        spans.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
        return spans


def _read_ann(file: str, text: str, ann: str, ctx: ExportContext, problems: list[Problem]
              ) -> tuple[str, list[dict[str, Any]]]:
    """(the text with LF line ends, the spans of `ann` on it). Over a text with CR LF line
    ends, the offsets are the file's own or, when its texts match only there, brat's, which
    counts each CR LF as one character (nlplab/brat#853)."""
    if "\r\n" not in text:
        return text, _AnnReader(file, text, ctx, problems).read(ann)
    own: list[Problem] = []
    spans = _AnnReader(file, text, ctx, own).read(ann)
    lf_text = text.replace("\r\n", "\n")
    if any(p.field in ("text", "offsets") for p in own):
        counted: list[Problem] = []
        lf_spans = _AnnReader(file, lf_text, ctx, counted).read(ann)
        if not any(p.field in ("text", "offsets") for p in counted):
            problems.extend(counted)
            return lf_text, lf_spans
    problems.extend(own)
    # The file's own count: each offset moves back by the CRs of CR LF pairs before it.
    before, shift = [], 0
    for index, char in enumerate(text):
        before.append(shift)
        if char == "\r" and text.startswith("\n", index + 1):
            shift += 1
    before.append(shift)
    for span in spans:
        span["start"] -= before[span["start"]]
        span["end"] -= before[span["end"]]
        span["text"] = lf_text[span["start"]:span["end"]]
    return lf_text, spans


def read(name: str, raw: bytes, ctx: ExportContext) -> list[dict[str, Any]]:
    """Records from a brat zip (see the module docstring)."""
    entries = _entries(name, raw)
    zip_stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "brat"
    problems: list[Problem] = []
    records: dict[str, dict[str, Any]] = {}
    for path in entries:
        if not path.endswith(".ann"):
            continue
        base = path[:-4]
        folder, _, stem = base.rpartition("/")
        annotator = folder.rsplit("/", 1)[-1] if folder else zip_stem
        if base + ".txt" not in entries:
            problems.append(Problem(f"{name}/{path}", "no .txt file of the same name beside it"))
            continue
        text = decode_strict(entries[base + ".txt"], f"{name}/{base}.txt", problems)
        ann = decode_strict(entries[path], f"{name}/{path}", problems, bom=True)
        if text is None or ann is None:
            continue
        text, spans = _read_ann(f"{name}/{path}", text, ann, ctx, problems)
        record = records.setdefault(stem, {"text": text, "source_name": f"{stem}.txt",
                                           "annotators": {},
                                           WHERE: (f"{name}/{path}", None)})
        if record["text"] != text:
            problems.append(Problem(f"{name}/{base}.txt", f"'{stem}.txt' differs from the "
                                    "file of the same name in another folder"))
        elif annotator == GOLD:
            record["gold"] = {"spans": spans, "rating": None, WHERE: (f"{name}/{path}", None)}
        else:
            record["annotators"][annotator] = {"spans": spans, "rating": None, "done": False,
                                               WHERE: (f"{name}/{path}", None)}
    if INDEX in entries:
        for line in entries[INDEX].decode("utf-8", "replace").splitlines()[1:]:
            stem, _, rest = line.partition("\t")
            ident, _, title = rest.partition("\t")
            if stem in records:
                if ident.isdigit():
                    records[stem]["id"] = int(ident)
                if title:
                    records[stem]["title"] = title
    if not records and not problems:
        problems.append(Problem(name, "the zip holds no brat documents (a .txt file and its "
                                      ".ann beside it)"))
    for record in records.values():
        record["annotators"] = dict(sorted(record["annotators"].items()))
        gather_locations(record)
    if problems:
        raise FormatError(problems, list(records.values()))
    return list(records.values())
