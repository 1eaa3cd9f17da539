"""Canonical text: decoding, normalisation, visible text of HTML, and the passage split.

Everything here is pure (no Flask, no database) so it can be tested on its own.
Offsets are Python string indices, which are Unicode code points.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from flask_babel import format_number
from flask_babel import gettext as _


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += ", " + _("line %(number)s", number=self.line)
        if self.field:
            where += ", " + _("field '%(field)s'", field=self.field)
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class TextError(ValueError):
    """A text breaks a canonical-text rule; `problem` says where and why."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# Unicode's control characters (category Cc: C0, DEL and C1) but newline and tab: one
# regular-expression search instead of a category lookup per character (a 90 KB text
# cost ~5 ms that way).
_FORBIDDEN_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def decode_utf8(raw: bytes, file: str) -> str:
    """Decode strict UTF-8 and drop a leading byte-order mark."""
    if b"\x00" in raw:
        raise TextError(Problem(file, _("this is a binary file, not text (it contains NUL bytes)")))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise TextError(
            Problem(
                file,
                _("not valid UTF-8 (byte 0x%(value)s at offset %(start)s); save the file as UTF-8 "
                  "and try again", value=format(raw[exc.start], '02x'), start=exc.start),
                line=line,
            )
        ) from None
    return text.removeprefix("\ufeff")


def check_size(text: str, file: str, max_bytes: int | None, *, line: int | None = None,
               field: str | None = None) -> None:
    """Refuse a text over `max_bytes` of UTF-8, before any work per character (a text of
    more characters than that is over it without counting its bytes)."""
    if max_bytes is None:
        return
    if len(text) > max_bytes:
        said = _("the text is at least %(size)s bytes, over the limit of %(max_bytes)s bytes",
                 size=format(len(text), ","), max_bytes=format(max_bytes, ","))
        raise TextError(Problem(file, said, line=line, field=field))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TextError(Problem(file, _("the text is %(size)s bytes, over the limit of "
                                        "%(max_bytes)s bytes", size=format(size, ","),
                                        max_bytes=format(max_bytes, ",")), line=line, field=field))


def canonicalize(text: str, file: str, *, line: int | None = None, field: str | None = None,
                 max_bytes: int | None = None) -> str:
    """Return the canonical form of a decoded text: LF line ends, NFC, no stray controls.

    `line` and `field` locate the text inside a larger file (a .jsonl record) in errors.
    """
    # The raw size first, so that an oversized text costs no normalisation; the canonical
    # size again below (NFC may lengthen a text).
    check_size(text, file, max_bytes, line=line, field=field)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    forbidden = _FORBIDDEN_CONTROL.search(text)
    if forbidden is not None:
        where = line if line is not None else _line_of(text, forbidden.start())
        raise TextError(Problem(file, _("contains the control character U+%(code)s; only "
                                        "newlines and tabs are allowed",
                                        code=format(ord(forbidden.group()), "04X")),
                                line=where, field=field))
    if not text.strip():
        raise TextError(Problem(file, _("the text is empty"), line=line, field=field))
    if max_bytes is not None:
        size = len(text.encode("utf-8"))
        if size > max_bytes:
            raise TextError(
                Problem(
                    file,
                    _("the text is %(size)s bytes, over the limit of %(max_bytes)s bytes",
                      size=format_number(size), max_bytes=format_number(max_bytes)),
                    line=line,
                    field=field,
                )
            )
    return text


class OffsetMap:
    """Where each code-point offset of a raw text lands in its canonical form.

    `at(i)` is the canonical offset of raw offset i (0..len(raw)); None when i falls
    inside a sequence that canonicalisation merged (the CR of a CR LF pair is fine: it
    maps to the LF; a boundary between a letter and an accent that NFC composes is not).
    """

    def __init__(self, positions: list[int | None]):
        self._positions = positions

    def at(self, offset: int) -> int | None:
        if not 0 <= offset < len(self._positions):
            return None
        return self._positions[offset]


def _nfc_runs(text: str) -> Iterator[str]:
    """The text cut before every character that NFC never combines with what precedes."""
    start = 0
    for index in range(1, len(text)):
        char = text[index]
        if unicodedata.combining(char) == 0 and not 0x1160 <= ord(char) <= 0x11FF \
                and unicodedata.is_normalized("NFC", char):
            yield text[start:index]
            start = index
    if text:
        yield text[start:]


def canonicalize_mapped(raw: str, file: str, *, line: int | None = None,
                        field: str | None = None, max_bytes: int | None = None
                        ) -> tuple[str, OffsetMap]:
    """`canonicalize` for a text that arrives with offsets into its raw form (an
    annotation file): the canonical text and the map from raw to canonical offsets."""
    check_size(raw, file, max_bytes, line=line, field=field)  # before the map is built
    positions: list[int | None] = []
    pieces: list[str] = []
    length = 0
    index = 0
    if raw.startswith("\ufeff"):
        positions.append(0)
        index = 1
    while index < len(raw):
        char = raw[index]
        if char == "\r":
            positions.append(length)
            if index + 1 < len(raw) and raw[index + 1] == "\n":
                positions.append(None)  # between CR and LF: no canonical offset
                index += 1
            pieces.append("\n")
            length += 1
            index += 1
            continue
        end = index + 1
        while end < len(raw) and raw[end] != "\r":
            end += 1
        chunk = raw[index:end]
        for run in _nfc_runs(chunk):
            normal = unicodedata.normalize("NFC", run)
            if normal == run:
                positions.extend(range(length, length + len(run)))
            else:
                positions.append(length)
                positions.extend([None] * (len(run) - 1))
            pieces.append(normal)
            length += len(normal)
        index = end
    positions.append(length)
    text = "".join(pieces)
    if text != unicodedata.normalize("NFC", text):
        raise TextError(Problem(file, _("the text needs a Unicode normalisation that moves "
                                  "characters across offsets; normalise it (NFC) first"),
                                line=line, field=field))
    canonical = canonicalize(text, file, line=line, field=field, max_bytes=max_bytes)
    if canonical != text:  # only a BOM left inside; cannot happen after the above
        raise TextError(Problem(file, _("the text could not be canonicalised"), line=line,
                                field=field))
    return text, OffsetMap(positions)


def sha256_hex(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of a canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- HTML: visible text only -------------------------------------------------------------

_HIDDEN = {"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe",
           "object", "canvas", "select", "button"}
#: Inside these, a <title> names a drawing or formula, not the page.
_FOREIGN = {"svg", "math"}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
           "blockquote", "pre", "article", "section", "header", "footer", "nav", "aside", "main",
           "table", "thead", "tbody", "tr", "figure", "figcaption", "address", "hr", "form",
           "fieldset", "details", "summary", "caption", "body", "html"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.hidden_depth = 0
        self.foreign_depth = 0
        self.pre_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.first_h1: list[str] | None = None
        self.in_h1 = False

    def _flush(self) -> None:
        raw = "".join(self.current)
        self.current = []
        if self.pre_depth:
            block = raw.strip("\n")
        else:
            lines = [re.sub(r"[ \t\f\v\u00a0]+", " ", part).strip() for part in raw.split("\n")]
            block = "\n".join(line for line in lines if line)
        if block.strip():
            self.blocks.append(block)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body":
            # </head> is optional in HTML: the head ends where the body begins.
            self.hidden_depth = 0
        if tag in _FOREIGN:
            self.foreign_depth += 1
        if tag == "title" and not self.foreign_depth:
            self.in_title = True
        if tag in _HIDDEN and tag not in _VOID:
            self.hidden_depth += 1
            return
        if self.hidden_depth:
            return
        if tag == "br":
            self.current.append("\n")
        elif tag in _BLOCKS or tag in {"td", "th"}:
            if tag in {"td", "th"}:
                self.current.append(" ")
            else:
                self._flush()
            if tag == "pre":
                self.pre_depth += 1
            if tag == "h1" and self.first_h1 is None:
                self.first_h1, self.in_h1 = [], True

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _FOREIGN:
            self.foreign_depth = max(0, self.foreign_depth - 1)
        if tag in _HIDDEN and tag not in _VOID:
            self.hidden_depth = max(0, self.hidden_depth - 1)
            return
        if self.hidden_depth:
            return
        if tag in _BLOCKS:
            self._flush()
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            if tag == "h1":
                self.in_h1 = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        if self.hidden_depth:
            return
        if not self.pre_depth:
            data = data.replace("\n", " ")
        self.current.append(data)
        if self.in_h1 and self.first_h1 is not None:
            self.first_h1.append(data)


def html_to_text(source: str) -> tuple[str, str]:
    """Return (visible text, title) of an HTML page; paragraphs become blank-line separated."""
    parser = _VisibleText()
    parser.feed(source)
    parser.close()
    parser._flush()
    title = " ".join("".join(parser.title_parts).split())
    if not title and parser.first_h1:
        title = " ".join("".join(parser.first_h1).split())
    return "\n\n".join(parser.blocks) + "\n", title


# --- Passages ------------------------------------------------------------------------------

#: Lines at most this long, of similar length, are taken as one hard-wrapped paragraph.
WRAP_WIDTH = 100


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line, without its newline."""
    start = 0
    for match in re.finditer("\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _hard_wrapped(text: str, block: list[tuple[int, int]]) -> bool:
    """True when a block's lines look like one paragraph wrapped at a fixed width.

    Three or more lines: every line but the last is at least half as long as the longest,
    which is at most WRAP_WIDTH. Two lines say less, so they also need the first to stop
    mid-sentence and the second to go on in lower case ("…the\nminister said").
    """
    lengths = [end - start for start, end in block]
    if len(lengths) < 2:
        return True
    longest = max(lengths)
    if longest > WRAP_WIDTH or any(n < longest / 2 for n in lengths[:-1]):
        return False
    if len(lengths) == 2:
        first_end = text[block[0][1] - 1]
        second_start = text[block[1][0]]
        return first_end not in ".!?:;\"\u201d)]" and (second_start.islower()
                                                        or second_start.isdigit())
    return True


def split_passages(text: str) -> list[tuple[int, int]]:
    """Split a canonical text into passages: [start, end) code-point offsets, trimmed.

    Paragraphs are runs of lines between blank lines. A paragraph whose lines look
    hard-wrapped stays whole; otherwise (a line per paragraph, as in forum threads and
    web captions) every line is a passage of its own. A line with no letter or digit
    (the lone "." between forum posts, a "* * *" rule) separates paragraphs like a blank
    line and is not part of any passage.
    """
    passages: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []

    def close() -> None:
        if not block:
            return
        passages.extend([(block[0][0], block[-1][1])] if _hard_wrapped(text, block) else block)
        block.clear()

    for start, end in _lines(text):
        start, end = _trim(text, start, end)
        # A separator carries no voice to tag.
        if not any(char.isalnum() for char in text[start:end]):
            close()
        else:
            block.append((start, end))
    close()
    return passages
