"""brat type and attribute names for our labels and keys, and back."""

from __future__ import annotations

import re

from app.services.datasets.formats.brat.common import ESCAPE


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
    parts = ESCAPE.split(name)
    return "".join(part.replace("-", ".") if index % 2 == 0 else chr(int(part, 16))
                   for index, part in enumerate(parts))
