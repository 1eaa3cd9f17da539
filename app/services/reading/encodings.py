"""Which encoding a text file is in: UTF-8 first, byte-order marks next, then a detector
that must be sure (a short text fits several legacy encodings equally well)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from flask_babel import gettext as _

from app.services.texts import Problem, TextError

#: The legacy encodings the detector may choose; Windows-1252 reads Latin-1 files too (it
#: differs only where Latin-1 has control characters, which a text never holds).
LEGACY = ("cp1251", "koi8_r", "cp1252")
NAMES = {
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8 (with byte-order mark)",
    "utf_16": "UTF-16 (with byte-order mark)",
    "utf_32": "UTF-32 (with byte-order mark)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "koi8_r": "KOI8-R (Cyrillic)",
    "cp1252": "Windows-1252 (Western European, Latin-1)",
}
_BOMS = ((codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),
         (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16"))
#: The detector's verdict is taken only when the text reads cleanly in it (mess ratio) and
#: its letters match a language's frequencies (coherence), and no other encoding does as
#: well: on a few words every Cyrillic code page reads "cleanly", so coherence decides.
#: <meta charset="windows-1251"> or <meta http-equiv=Content-Type content="…; charset=…">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
MAX_CHAOS = 0.05
MIN_COHERENCE = 0.2


@dataclass(frozen=True)
class Decoded:
    """A decoded text and the encoding it was read in (a name for people)."""

    text: str
    encoding: str

    @property
    def legacy(self) -> bool:
        """True when the file was not UTF-8: worth showing before it is stored."""
        return self.encoding != NAMES["utf_8"] and self.encoding != NAMES["utf_8_sig"]


def _utf8_problem(raw: bytes, file: str, exc: UnicodeDecodeError) -> TextError:
    line = raw.count(b"\n", 0, exc.start) + 1
    tried = ", ".join(NAMES[name].split(" (")[0] for name in LEGACY)
    return TextError(Problem(
        file, _("not valid UTF-8 (byte 0x%(value)s at offset %(start)s), and no other encoding "
                "(%(tried)s) fits it with confidence; save the file as UTF-8 and try again",
                value=format(raw[exc.start], '02x'), start=exc.start, tried=tried), line=line))


def _detect(raw: bytes) -> str | None:
    """The one legacy encoding the detector is sure of, or None."""
    fits = [match for match in from_bytes(raw, cp_isolation=list(LEGACY))
            if match.chaos <= MAX_CHAOS and match.coherence >= MIN_COHERENCE]
    if not fits:
        return None
    fits.sort(key=lambda match: (match.chaos, -match.coherence))
    if len(fits) > 1 and fits[1].chaos == fits[0].chaos \
            and fits[1].coherence >= fits[0].coherence - 0.05:
        return None  # two encodings read it equally well: undecidable
    return fits[0].encoding


def _declared(raw: bytes) -> str | None:
    """The encoding a web page declares in its first bytes, if Python knows it."""
    match = _META_CHARSET.search(raw[:4096])
    if match is None:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_text(raw: bytes, file: str, *, html: bool = False) -> Decoded:
    """Decode a text file: strict UTF-8, else a UTF-16/32 byte-order mark, else (a web
    page) the encoding the page declares, else a legacy encoding the detector is sure of;
    anything else is refused (TextError)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = exc
    else:
        if "\x00" in text:
            raise TextError(Problem(file, _("this is a binary file, not text (it contains NUL "
                                            "bytes)")))
        bom = text.startswith("\ufeff")
        return Decoded(text.removeprefix("\ufeff"), NAMES["utf_8_sig" if bom else "utf_8"])
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return Decoded(raw.decode(codec).removeprefix("\ufeff"), NAMES[codec])
            except UnicodeDecodeError as exc:
                raise TextError(Problem(file, _("starts with a %(value)s byte-order mark but is "
                                                "not valid %(codec)s: %(reason)s at byte %(start)s",
                                                value=NAMES[codec].split(' (')[0], codec=codec,
                                                reason=exc.reason, start=exc.start))) from None
    if b"\x00" in raw:
        raise TextError(Problem(file, _("this is a binary file, not text (it contains NUL bytes)")))
    declared = _declared(raw) if html else None
    if declared is not None:
        try:
            name = NAMES.get(declared.replace("-", "_"), declared)
            return Decoded(raw.decode(declared),
                           _("%(encoding)s, as the page declares", encoding=name))
        except UnicodeDecodeError:
            pass  # the declaration is wrong; the detector may still be sure
    codec = _detect(raw)
    if codec is None:
        raise _utf8_problem(raw, file, error)
    return Decoded(raw.decode(codec), NAMES[codec])
