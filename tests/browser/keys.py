"""The key presses that mark a span with the annotation page's word caret, as a person would
press them: shared by the keyboard browser tests and benchmarks/annotate.py."""

from __future__ import annotations

import re

# The page's words (caret.js): letters and digits, joined by an apostrophe, hyphen or dot.
WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def word_starts(text: str, start: int, end: int) -> list[int]:
    return [start + m.start() for m in WORD.finditer(text[start:end])]


def words_in(text: str, start: int, end: int) -> int:
    return len(WORD.findall(text[start:end]))


def find_prefix(text: str, passages: list[tuple[int, int]], start: int, after: int = -1) -> str:
    """The fewest first letters of the words at `start` that the page's find ("/") goes to
    first, searching on from the caret's word at `after` (-1: the document's start)."""
    every = [s for p_start, p_end in passages for s in word_starts(text, p_start, p_end)]
    starts = [s for s in every if s > after] + [s for s in every if s <= after]
    for n in range(1, 40):
        query = text[start:start + n].lower()
        if query != query.strip():
            continue
        first = next(s for s in starts if text[s:s + n].lower() == query)
        if first == start:
            return text[start:start + n]
    raise ValueError("no prefix finds this place")


def keys_to_mark(text: str, passages: list[tuple[int, int]], start: int, end: int,
                 layer_key: str, label_key: str, after: int = -1) -> list[str]:
    """From focus on the document: the layer, "/" and the first letters, Enter, Shift+→ for
    each further word, the label's key."""
    words = words_in(text, start, end)
    return [layer_key, "/", *find_prefix(text, passages, start, after), "Enter",
            *["Shift+ArrowRight"] * (words - 1), label_key]
