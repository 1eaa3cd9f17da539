"""A PDF's text layer, read by pdfminer.six: its layout analysis groups lines into text
boxes, which are the paragraphs a reader sees, so each box becomes a passage. A PDF with
no text layer (a scan) is refused: reading text from images is out of scope."""

from __future__ import annotations

import io
import re

from flask_babel import gettext as _
from flask_babel import ngettext
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFParser
from pdfminer.utils import decode_text

from app.services.reading import Extracted
from app.services.texts import Problem, TextError

#: Typographic ligatures (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) that PDF fonts map to one glyph; a reader searches
#: for the letters.
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
#: A box that is only a page number ("3", "- 3 -", "3 / 12") is furniture, not text.
_PAGE_NUMBER = re.compile(r"^[\s\-–—]*\d+(\s*(/|of)\s*\d+)?[\s\-–—]*$")


def _paragraph(box_text: str) -> str:
    """A text box's lines joined into one paragraph; a line that ends in a hyphen runs on
    (it may be a word's own hyphen, "out-of-", so the hyphen stays)."""
    joined = ""
    for line in box_text.translate(_LIGATURES).split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        joined += line if not joined or joined.endswith("-") else " " + line
    return joined


def _title(raw: bytes) -> str:
    try:
        info = PDFDocument(PDFParser(io.BytesIO(raw))).info
    except Exception:  # noqa: BLE001 - the title is optional; the text decides the verdict
        return ""
    for entry in info:
        value = entry.get("Title")
        if isinstance(value, bytes):
            return decode_text(value)
        if isinstance(value, str):
            return value
    return ""


def read_pdf(raw: bytes, file: str) -> Extracted:
    """The paragraphs of a PDF's text layer (blank-line separated) and its title."""
    paragraphs: list[str] = []
    pages = 0
    try:
        for page in extract_pages(io.BytesIO(raw), laparams=LAParams()):
            pages += 1
            for element in page:
                if isinstance(element, LTTextContainer):
                    text = _paragraph(element.get_text())
                    if text and not _PAGE_NUMBER.match(text):
                        paragraphs.append(text)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise TextError(Problem(file, _("this PDF is password-protected; save a copy without "
                                        "a password and try again"))) from None
    except Exception:  # noqa: BLE001 - a damaged file may break the parser anywhere
        raise TextError(Problem(file, _("not a readable PDF (the file is damaged or not a "
                                        "PDF)"))) from None
    if not paragraphs:
        raise TextError(Problem(file, _("this PDF has no text; it is probably scanned (pages "
                                        "that are images). Use a PDF with a text layer, or "
                                        "paste the text instead")))
    return Extracted(text="\n\n".join(paragraphs) + "\n", title=_title(raw),
                     how=ngettext("the text layer of %(num)d page",
                                  "the text layer of %(num)d pages", pages))
