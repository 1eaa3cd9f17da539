"""CoNLL-2003-style BIO tags per token, one tag column per layer, one file per annotator.

The zip holds `<annotator>.conll` for each annotator, `gold.conll` where a gold key exists,
`documents.tsv` (which document each `-DOCSTART-` of each file is, with its language) and
`README.txt` (the
columns, the rules below and how many spans each file had to leave out).

Each file is the CoNLL-2003 layout with tabs (or, as the `conll-space` export writes it,
with one space between columns, as the original CoNLL-2003 files and the Hugging Face
`conll2003` loader and its copies have them: tokens never hold white space, so either
separator is safe): a `-DOCSTART-` line (tag columns `O`) and a blank line start each
document; then one token per line, `token<TAB>tag` with one tag
column per layer in codebook order; a blank line ends each sentence. A sentence is a
passage; text outside every passage makes sentences of its own. There are no comment
lines: the usual CoNLL-2003 loaders (the Hugging Face `conll2003` script, AllenNLP, flair
by default) would read them as tokens.

Tokens are `\\w+` runs and single other characters, counted in user-perceived characters
rather than code points: a combining mark stays with its base letter (`\\w` does not match
U+0307), and an emoji sequence joined by ZWJ, with modifiers or variation selectors, or a
flag stays one token. A token belongs to a span when they overlap by one code point or more.

Tags are IOB2 (every chunk starts with `B-`), with the label as `ctx.flat_label` gives it.
A token has one tag per layer, so overlapping spans of a layer cannot all be written:

- source: the innermost span wins (a quoted voice over its passage's source type); the
  outer span resumes after it with a new `B-`. A span hidden by inner ones is dropped.
- other layers: the span starting first wins, then the longest, then by label; a span
  sharing a token with one already written is dropped whole.

A span covering no token (only spaces) is dropped too, and a span across a sentence
boundary restarts with `B-` in the next sentence. Documents appear in an annotator's file
only when the annotator worked on them.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.datasets.core import GOLD, ExportContext, all_spans, has_gold, people

NAME = "conll"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

DOCSTART = "-DOCSTART-"
INNERMOST_LAYER = "source"  # nests; its effective label is the innermost span's
SPOOL_BYTES = 1 << 20       # per-file buffer in memory before it spills to a temporary file

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


# --- Tokens -------------------------------------------------------------------------------

def _ranges(codes: list[int]) -> str:
    """A regex character class body for these code points, as ranges."""
    parts, start, previous = [], codes[0], codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            parts.append(re.escape(chr(start)) if start == previous else
                         f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
            start = code
        previous = code
    return "".join(parts)


@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """Tokens as one regex (built once, on first use: it lists every combining mark).

    A user-perceived character is a base followed by what extends it: combining marks
    (Mn, Mc, Me; `\\w` matches none of them), ZWNJ, emoji modifiers and tag characters,
    and ZWJ with the character it joins. A pair of regional indicators is one flag. A word
    is a run of such characters whose bases are word characters; anything else visible is
    a token of one such character. A mark after a space or at the start is a base of its
    own, so no visible character is ever left out."""
    marks = [code for code in range(sys.maxunicode + 1)
             if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me")]
    # Two classes: one of the Basic Multilingual Plane alone is a fast lookup table.
    bmp = [code for code in marks if code <= 0xFFFF] + [0x200C]
    astral = [code for code in marks if code > 0xFFFF]
    extend = (rf"[{_ranges(sorted(bmp))}]|\u200d\S?"
              rf"|[{_ranges(astral)}\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]")
    flag = r"[\U0001F1E6-\U0001F1FF]{2}"
    return re.compile(rf"(?:\w+(?:{extend})*)+|(?:{flag}|[^\w\s])(?:{extend})*")


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) code point offsets of the tokens: runs of word characters, and each
    other visible character alone, combining marks and emoji sequences kept whole;
    whitespace separates and is never part of a token."""
    return [match.span() for match in _token_pattern().finditer(text)]


def sentence_ids(tokens: list[tuple[int, int]], passages: list[dict[str, Any]]) -> list[int]:
    """A sentence number per token: a new sentence at each passage, and at each stretch of
    tokens outside every passage."""
    bounds = sorted((p["start"], p["end"]) for p in passages)
    starts = [start for start, _ in bounds]
    ids: list[int] = []
    current: Any = object()
    number = -1
    for start, _end in tokens:
        index = bisect_right(starts, start) - 1
        key: Any = index if index >= 0 and start < bounds[index][1] else ("gap", index)
        if key != current:
            current, number = key, number + 1
        ids.append(number)
    return ids


# --- Tags ---------------------------------------------------------------------------------

@dataclass
class LayerCounts:
    """What happened to one file's spans of one layer."""

    spans: int = 0
    written: int = 0
    overlapping: int = 0    # dropped: shares tokens with a span that won
    no_tokens: int = 0      # dropped: covers no token


@dataclass
class FileCounts:
    documents: int = 0
    tokens: int = 0
    layers: dict[str, LayerCounts] = field(default_factory=dict)


def _token_range(span: dict[str, Any], starts: list[int], ends: list[int]
                 ) -> tuple[int, int] | None:
    """The first and last token a span overlaps, or None."""
    if span["end"] <= span["start"]:
        return None
    first = bisect_right(ends, span["start"])
    last = bisect_left(starts, span["end"]) - 1
    return (first, last) if first <= last else None


def layer_owners(layer: str, spans: list[dict[str, Any]], starts: list[int],
                 ends: list[int], counts: LayerCounts) -> list[int | None]:
    """For each token, the index in `spans` of the span whose tag it carries, or None."""
    owners: list[int | None] = [None] * len(starts)
    ranked = sorted(range(len(spans)), key=lambda i: (spans[i]["start"], -spans[i]["end"],
                                                      spans[i]["label"]))
    ranges = {i: _token_range(spans[i], starts, ends) for i in ranked}
    counts.spans += len(spans)
    counts.no_tokens += sum(1 for found in ranges.values() if found is None)
    if layer == INNERMOST_LAYER:
        # Paint outer spans first: each later one starts later or ends sooner, so the last
        # painted over a token is the innermost span covering it.
        for i in ranked:
            found = ranges[i]
            if found is not None:
                owners[found[0]:found[1] + 1] = [i] * (found[1] - found[0] + 1)
        shown = {i for i in owners if i is not None}
        counts.written += len(shown)
        counts.overlapping += sum(1 for i in ranked if ranges[i] is not None
                                  and i not in shown)
        return owners
    last_taken = -1
    for i in ranked:
        found = ranges[i]
        if found is None:
            continue
        if found[0] <= last_taken:
            counts.overlapping += 1
            continue
        owners[found[0]:found[1] + 1] = [i] * (found[1] - found[0] + 1)
        last_taken = found[1]
        counts.written += 1
    return owners


def _tag_text(label: str) -> str:
    return re.sub(r"\s", "_", label)


def bio_tags(owners: list[int | None], sentences: list[int], labels: list[str]) -> list[str]:
    """IOB2 tags from token owners: B- where a span starts or a sentence begins inside one."""
    tags = []
    for index, owner in enumerate(owners):
        if owner is None:
            tags.append("O")
        elif index and owners[index - 1] == owner and sentences[index - 1] == sentences[index]:
            tags.append("I-" + labels[owner])
        else:
            tags.append("B-" + labels[owner])
    return tags


def document_block(record: dict[str, Any], annotator: str | None, ctx: ExportContext,
                   tokens: list[tuple[int, int]], sentences: list[int],
                   counts: FileCounts, separator: str = "\t") -> str:
    """One document of one annotator's file (annotator None: the gold key's), from its
    `-DOCSTART-` line to the blank line after its last sentence."""
    text = record["text"]
    starts = [start for start, _ in tokens]
    ends = [end for _, end in tokens]
    by_layer: dict[str, list[dict[str, Any]]] = {layer: [] for layer in ctx.layers}
    for span in all_spans(record, annotator):
        if span["layer"] in by_layer:
            by_layer[span["layer"]].append(span)
    columns = []
    for layer, spans in by_layer.items():
        owners = layer_owners(layer, spans, starts, ends,
                              counts.layers.setdefault(layer, LayerCounts()))
        labels = [_tag_text(ctx.flat_label(layer, span["label"])) for span in spans]
        columns.append(bio_tags(owners, sentences, labels))
    counts.documents += 1
    counts.tokens += len(tokens)

    lines = [separator.join([DOCSTART] + ["O"] * len(columns)), ""]
    for index, (start, end) in enumerate(tokens):
        if index and sentences[index] != sentences[index - 1]:
            lines.append("")
        lines.append(separator.join([text[start:end]] + [column[index] for column in columns]))
    if tokens:
        lines.append("")
    return "\n".join(lines) + "\n"


# --- The archive --------------------------------------------------------------------------





def _tsv(value: Any) -> str:
    return re.sub(r"[\t\r\n]+", " ", str(value if value is not None else ""))


class _Files:
    """One spooled temporary file per output file, created as annotators turn up (a zip
    can only write one entry at a time, and the records are read once)."""

    def __init__(self) -> None:
        self.files: dict[str, IO[bytes]] = {}
        self.names: dict[str | None, str] = {}
        self.counts: dict[str, FileCounts] = {}

    def name(self, annotator: str | None) -> str:
        if annotator not in self.names:
            if annotator is None:
                stem = GOLD
            elif _SAFE_NAME.fullmatch(annotator) and annotator != GOLD:
                stem = annotator
            else:
                stem = "annotator-" + re.sub(r"[^A-Za-z0-9._-]", "_", annotator)[:80]
            taken = set(self.names.values())
            name, number = f"{stem}.conll", 1
            while name in taken or name == "documents.tsv":
                number += 1
                name = f"{stem}-{number}.conll"
            self.names[annotator] = name
        return self.names[annotator]

    def get(self, name: str) -> IO[bytes]:
        if name not in self.files:
            self.files[name] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
            self.counts[name] = FileCounts()
        return self.files[name]

    def close(self) -> None:
        for file in self.files.values():
            file.close()


def readme(ctx: ExportContext, files: _Files, order: list[str], separator: str = "\t") -> str:
    """README.txt, in the current language; file names, columns and tags stay as written."""
    columns = ["token"] + ctx.layers
    # Paragraphs keep the line breaks of the English text: a translation sets its own.
    layout = (_("Layout (CoNLL-2003 with tabs, UTF-8): a '-DOCSTART-' line and a blank line "
                "start\neach document; one token per line; a blank line ends each sentence "
                "(a sentence\nis a passage of the document; text outside every passage forms "
                "its own).") if separator == "\t" else
              _("Layout (CoNLL-2003 with one space between columns, UTF-8): a '-DOCSTART-' "
                "line and a blank line start\neach document; one token per line; a blank line "
                "ends each sentence (a sentence\nis a passage of the document; text outside "
                "every passage forms its own)."))
    lines = [
        _("CoNLL export of %(project)s",
          project=ctx.project_title or _("a Sourcemark project")),
        "",
        _("Files: one <annotator>.conll per annotator, gold.conll for the gold key (if any).\n"
          "documents.tsv names the document behind each -DOCSTART- of each file, in order,\n"
          "with its language (ISO 639-1; empty when not known)."),
        "",
        layout,
        "",
        _("Columns: %(columns)s", columns=separator.join(columns)),
    ]
    for layer in ctx.layers:
        lines.append(f"  {layer}: {ctx.layer_names.get(layer, layer)}")
    lines += [
        "",
        _("Tags: IOB2 (B- starts every chunk, I- continues it, O is outside), labels as\n"
          "'key', or 'layer:key' where two layers share a key."),
        _("Tokens: runs of word characters and single other characters; combining marks\n"
          "stay with their letter and emoji sequences stay whole. A token is inside a span\n"
          "when they overlap."),
        "",
        _("One tag per token and layer, so overlapping spans of a layer cannot all be shown:"),
        _("- %(layer)s: the innermost span wins (a quoted voice over its passage's\n"
          "  source type); the outer span resumes after it with a new B-.",
          layer=INNERMOST_LAYER),
        _("- other layers: the span starting first wins, then the longest; spans sharing a\n"
          "  token with it are dropped."),
        _("Spans covering no token are dropped as well."),
        "",
        _("Labels:"),
    ]
    for (layer, key), meta in ctx.labels.items():
        if layer in ctx.layers:
            lines.append(f"  {ctx.flat_label(layer, key)}\t{meta.name}")
    lines += ["", _("Spans per file and layer (written / dropped as overlapping / dropped "
                    "as covering no token / total):")]
    for name in order:
        counts = files.counts[name]
        documents = ngettext("%(num)d document", "%(num)d documents", counts.documents)
        tokens = ngettext("%(num)d token", "%(num)d tokens", counts.tokens)
        lines.append(f"  {name}: {documents}, {tokens}")
        for layer in ctx.layers:
            c = counts.layers.get(layer, LayerCounts())
            lines.append(f"    {layer}: {c.written} / {c.overlapping} / {c.no_tokens} "
                         f"/ {c.spans}")
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext,
          separator: str = "\t") -> None:
    """Write the zip (columns separated by `separator`). Each document is tokenised once
    and its blocks appended to the annotators' spooled files, which go into the zip at the
    end."""
    files = _Files()
    index = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    index.write(b"file\tposition\tdocument_id\tsource_name\ttitle\tdone\tlanguage\n")
    try:
        for record in records:
            text = record.get("text", "")
            tokens = tokenize(text)
            sentences = sentence_ids(tokens, record.get("passages", []))
            owners: list[str | None] = list(people(record))
            if has_gold(record):
                owners.append(None)
            for annotator in owners:
                name = files.name(annotator)
                target = files.get(name)
                counts = files.counts[name]
                target.write(document_block(record, annotator, ctx, tokens, sentences,
                                            counts, separator).encode("utf-8"))
                done = "" if annotator is None else str(bool(
                    record.get("annotators", {}).get(annotator, {}).get("done"))).lower()
                index.write("\t".join([name, str(counts.documents), str(record.get("id", "")),
                                       _tsv(record.get("source_name")),
                                       _tsv(record.get("title")), done,
                                       _tsv(record.get("language"))]).encode("utf-8")
                            + b"\n")
        gold = files.names.get(None)
        order = sorted(n for n in files.files if n != gold) + ([gold] if gold else [])
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", readme(ctx, files, order, separator))
            for name, source in [("documents.tsv", index)] + [(n, files.files[n])
                                                               for n in order]:
                size = source.seek(0, 2)
                source.seek(0)
                big = size > zipfile.ZIP64_LIMIT - (1 << 24)  # deflate may add a little
                with archive.open(name, "w", force_zip64=big) as entry:
                    shutil.copyfileobj(source, entry)
    finally:
        index.close()
        files.close()
