"""What the brat format's reading and writing share."""

from __future__ import annotations

import re

NAME = "brat"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

NOTE_TYPE = "AnnotatorNotes"
DATA_TYPE = "Sourcemark"  # comment type holding the attributes brat cannot
# Everything Python's str.splitlines (which brat uses to read a file) counts as a line end.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")
ENUM_VALUE = re.compile(r"[a-z0-9_]+")
ESCAPE = re.compile(r"-X([0-9A-F]{1,6})-")
INDEX = "documents.tsv"  # which document each file is: titles, and ids
