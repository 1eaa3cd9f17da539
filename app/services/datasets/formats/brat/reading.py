"""Reading a brat zip (see the package docstring)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _

from app import jsonsafe
from app.services.datasets.core import (
    GOLD,
    WHERE,
    ExportContext,
    FormatError,
    decode_strict,
    gather_locations,
    zip_entries,
)
from app.services.datasets.formats.brat.common import DATA_TYPE, INDEX, NOTE_TYPE
from app.services.datasets.formats.brat.names import from_brat_name
from app.services.texts import Problem


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
        data, _tab, stored = rest.partition("\t")
        kind, _space, where = data.partition(" ")
        pieces = _parse_fragments(where)
        if not kind or pieces is None:
            self.problem(_("a text-bound line is 'T<n><TAB><type> <start> <end>[;<start> "
                           "<end>…]<TAB><text>'"), number)
            return
        label = from_brat_name(kind)
        pair = self.ctx.unflat_label(label)
        if pair is None:
            self.problem(_("unknown label '%(label)s' (type '%(type)s')", label=label,
                           type=kind), number, "type")
        text = self.text
        if any(not 0 <= s < e <= len(text) for s, e in pieces):
            self.problem(_("offsets %(offsets)s are outside the text (0-%(length)s) or empty",
                           offsets=where, length=len(text)), number, "offsets")
            return
        found = " ".join(text[s:e] for s, e in pieces)
        if stored != found:
            self.problem(_("the annotation's text %(stored)s is not the text at %(offsets)s "
                           "(%(found)s)", stored=repr(stored), offsets=where, found=repr(found)),
                         number, "text")
            return
        if ident in self.spans:
            self.problem(_("a second annotation with id %(id)s", id=ident), number, "id")
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
            self.problem(_("an attribute line is 'A<n><TAB><name> <T id>[ <value>]'"), number)
            return
        span = self._target(parts[1], number)
        if span:
            key = from_brat_name(parts[0])
            span["attributes"][key] = parts[2] if len(parts) == 3 else True

    def comment(self, number: int, data: str, tail: str) -> None:
        parts = data.split()
        if len(parts) != 2:
            self.problem(_("a comment line is '#<n><TAB><type> <T id><TAB><text>'"), number)
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
                self.problem(_("not valid JSON (%(msg)s)", msg=exc.msg), number, DATA_TYPE)
                return
            if not isinstance(extra, dict):
                self.problem(_("must be a JSON object"), number, DATA_TYPE)
                return
            if isinstance(extra.get("note"), str):
                span["note"] = extra.pop("note")
            span["attributes"].update(extra)

    def _target(self, ident: str, number: int) -> dict[str, Any] | None:
        if ident not in self.spans:
            self.problem(_("refers to %(id)s, which is not a text-bound annotation here",
                           id=ident), number, "target")
            return None
        return self.spans[ident]

    def read(self, source: str) -> list[dict[str, Any]]:
        for number, line in enumerate(source.split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            ident, tab, rest = line.partition("\t")
            if not tab or not re.fullmatch(r"([A-Za-z]+|#[A-Za-z]*)[0-9]+.*|\*", ident):
                self.problem(_("not a brat annotation line (an id, then a tab)"), number)
            elif ident[0] == "T":
                self.textbound(number, ident, rest)
            elif ident[0] in "AM#":
                self.later.append((number, ident, rest))
            elif ident[0] not in "REN*":
                self.problem(_("unknown kind of annotation '%(id)s'", id=ident), number, "id")
        for number, ident, rest in self.later:
            data, _tab, tail = rest.partition("\t")
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
        folder, _slash, stem = base.rpartition("/")
        annotator = folder.rsplit("/", 1)[-1] if folder else zip_stem
        if base + ".txt" not in entries:
            problems.append(Problem(f"{name}/{path}", _("no .txt file of the same name beside it")))
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
            problems.append(Problem(f"{name}/{base}.txt", _("'%(stem)s.txt' differs from the file "
                                                            "of the same name in another folder",
                                                            stem=stem)))
        elif annotator == GOLD:
            record["gold"] = {"spans": spans, "rating": None, WHERE: (f"{name}/{path}", None)}
        else:
            record["annotators"][annotator] = {"spans": spans, "rating": None, "done": False,
                                               WHERE: (f"{name}/{path}", None)}
    if INDEX in entries:
        head, *lines = entries[INDEX].decode("utf-8", "replace").splitlines() or [""]
        # By the header's names: older exports have no language column.
        columns = head.split("\t")
        for line in lines:
            row = dict(zip(columns, line.split("\t"), strict=False))
            stem, ident = row.get("stem", ""), row.get("document_id", "")
            if stem in records:
                if ident.isdigit():
                    records[stem]["id"] = int(ident)
                for key in ("title", "language"):
                    if row.get(key):
                        records[stem][key] = row[key]
    if not records and not problems:
        problems.append(Problem(name, _("the zip holds no brat documents (a .txt file and its "
                                        ".ann beside it)")))
    for record in records.values():
        record["annotators"] = dict(sorted(record["annotators"].items()))
        gather_locations(record)
    if problems:
        raise FormatError(problems, list(records.values()))
    return list(records.values())
