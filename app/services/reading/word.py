"""A Word file (.docx), read by python-docx once the zip it is has passed the app's zip
checks (entry count, sizes, compression ratio): every paragraph, list item and table row,
in document order, becomes a paragraph of the text."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from flask_babel import gettext as _

from app.services.datasets import safezip
from app.services.errors import ImportFailed
from app.services.reading import Extracted
from app.services.texts import Problem, TextError


def _checked_package(raw: bytes, file: str) -> io.BytesIO:
    """The file's members, read within the zip limits and stored again uncompressed, so
    python-docx reads only what the checks have counted."""
    # read_members skips hidden members, and a .docx keeps its relationships in
    # "_rels/.rels": so the zip limits' Budget is used directly, over every member.
    budget = safezip.Budget(file)
    package = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as source, \
                zipfile.ZipFile(package, "w", zipfile.ZIP_STORED) as archive:
            infos = source.infolist()
            wanted = [info for info in infos if not info.is_dir()]
            budget.check_declared(infos, wanted)
            for info in wanted:
                archive.writestr(info.filename, budget.read(source, info))
    except ImportFailed as exc:
        raise TextError(exc.problems[0]) from None
    except safezip.UNREADABLE:
        raise TextError(Problem(file, _("not a readable Word file (.docx): it is not a zip "
                                        "archive"))) from None
    package.seek(0)
    return package


def _lines(block) -> list[str]:
    if isinstance(block, Table):
        # A row reads as one line, cells apart; a merged cell repeats, so it is kept once.
        rows = []
        for row in block.rows:
            cells: list[str] = []
            for cell in row.cells:
                text = " ".join(cell.text.split())
                if text and (not cells or cells[-1] != text):
                    cells.append(text)
            rows.append(" \u2014 ".join(cells))
        return rows
    return [" ".join(line.split()) for line in block.text.split("\n")]


def read_docx(raw: bytes, file: str) -> Extracted:
    """The paragraphs of a Word file (blank-line separated) and its title."""
    package = _checked_package(raw, file)
    try:
        document = docx.Document(package)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise TextError(Problem(file, _("not a readable Word file (.docx); save it again from "
                                        "Word or LibreOffice and try again"))) from None
    paragraphs = []
    for block in document.iter_inner_content():
        lines = [line for line in _lines(block) if line]
        if lines:
            paragraphs.append("\n".join(lines))
    if not paragraphs:
        raise TextError(Problem(file, _("the Word file holds no text")))
    title = " ".join((document.core_properties.title or "").split())
    return Extracted(text="\n\n".join(paragraphs) + "\n", title=title,
                     how=_("the paragraphs, lists and tables of the Word file"))
