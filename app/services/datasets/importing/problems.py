"""Where an import's problems are: the file and line a reader found a record or span in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.services.datasets.core import WHERE
from app.services.errors import ImportFailed
from app.services.texts import Problem

MAX_PROBLEMS = 200


@dataclass
class Where:
    """Where a record came from: its file and line (JSONL), else its index in the file
    (`prefix` "record[3]."), and the map a reader made from the record's field paths to
    (file, line) (see `core.gather_locations`)."""

    file: str
    line: int | None
    prefix: str = ""
    # Values are (file, line) or (file, line, the field's name in that file).
    located: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        """Where the record is, as a reader would say it: `line 4`, `a.zip/kid1/a.ann,
        line 2`, or `record[3]`."""
        file, line, name = self.at("")
        place = file if file != self.file else ""
        if line is not None:
            said = _("line %(number)s", number=line)
            place = f"{place}, {said}" if place else said
        return place or name or file

    def at(self, path: str) -> tuple[str, int | None, str | None]:
        """(file, line, field) for a problem with the record's field `path`: the file and
        line of the innermost part a reader located, and the field inside that part."""
        best = None
        for key in self.located:
            if (not key or path == key or path.startswith(key + ".")) \
                    and (best is None or len(key) > len(best)):
                best = key
        if best is None:
            return self.file, self.line, (f"{self.prefix}{path}" if path
                                          else self.prefix.rstrip(".") or None)
        file, line, *inside = self.located[best]
        rest = path[len(best):].lstrip(".")
        return file, line, ".".join(part for part in [*inside, rest] if part) or None


def where_of(record: dict[str, Any], index: int, file: str) -> Where:
    """Where a record came from, taking what the reader noted off the record."""
    line = record.pop("_line", None)
    located = record.pop(WHERE, None) or {}
    if line is not None:
        return Where(file, line, "", located)
    return Where(file, None, "" if located else f"record[{index}].", located)


class Problems:
    """Everything wrong with an import, each problem where it is; ImportFailed once there
    are MAX_PROBLEMS (what follows would bury what matters)."""

    def __init__(self, file: str, found: list[Problem] | None = None):
        self.file = file
        self.items: list[Problem] = list(found or [])

    def add(self, where: Where, field: str, message: str) -> None:
        file, line, name = where.at(field)
        self.items.append(Problem(file, message, line=line, field=name))
        if len(self.items) >= MAX_PROBLEMS:
            raise ImportFailed(self.items)
