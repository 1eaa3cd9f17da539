"""CoNLL-2003 with one space between columns, as the original CoNLL-2003 files, the Hugging
Face `conll2003` loader and its many copies read it (they split each line on one space).
Everything else is the `conll` export's (see `conll`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from app.services.datasets.core import ExportContext
from app.services.datasets.formats import conll

NAME = "conll-space"
EXTENSION = conll.EXTENSION
MEDIA_TYPE = conll.MEDIA_TYPE


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the `conll` zip with spaces between columns."""
    conll.write(records, out, ctx, separator=" ")
