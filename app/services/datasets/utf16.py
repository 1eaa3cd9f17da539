"""Offsets counted in UTF-16 code units (JavaScript string indices) and code points.

A character outside the Basic Multilingual Plane (most emoji, some CJK) is one code point
but two UTF-16 code units, so every offset after one differs by one per such character.
"""

from __future__ import annotations

from bisect import bisect_left


class Utf16:
    """Converts offsets into one text between code points and UTF-16 code units."""

    def __init__(self, text: str):
        self.text = text
        # Most texts have no astral character: then both counts are the same.
        self.plain = not any(ord(char) > 0xFFFF for char in text)
        self._units: list[int] | None = None   # code point offset -> code unit offset

    def _table(self) -> list[int]:
        if self._units is None:
            units, count = [0], 0
            for char in self.text:
                count += 2 if ord(char) > 0xFFFF else 1
                units.append(count)
            self._units = units
        return self._units

    def length(self) -> int:
        """The text's length in UTF-16 code units."""
        return len(self.text) if self.plain else self._table()[-1]

    def to_units(self, offset: int) -> int:
        """The UTF-16 offset of code point offset `offset` (0..len(text))."""
        return offset if self.plain else self._table()[offset]

    def to_codepoint(self, units: int) -> int | None:
        """The code point offset of UTF-16 offset `units`; None when it is outside the
        text or falls between the two halves of a surrogate pair."""
        if not 0 <= units <= self.length():
            return None
        if self.plain:
            return units
        table = self._table()
        index = bisect_left(table, units)
        return index if index < len(table) and table[index] == units else None
