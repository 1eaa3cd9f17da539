"""The passages of the annotation page as markup, built once per document and kept.

A long thread has hundreds of passages; writing each through the template cost about a fifth
of the page's time, for markup that is the same for every reader: the text is fixed at
import, and so are its passages. What is kept is keyed by everything the markup is made of
(the text's hash, its language and the passages' rows), so a changed language or a document
id used again can never be served stale markup, and the store is bounded in characters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from markupsafe import Markup, escape

from app.i18n.detect import direction
from app.services.projects import PassageRow

# Eight million characters at most (up to 16 MB for Cyrillic text): some eighty documents
# the size of the forum thread.
BUDGET = 8_000_000


class _Kept:
    """A least-recently-used store of markup, bounded by its total length."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.items: OrderedDict[tuple, Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Markup | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, markup: Markup) -> None:
        if len(markup) > self.budget:
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = markup
            self.size += len(markup)
            while self.size > self.budget:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)


_kept = _Kept(BUDGET)


def build(text: str, language: str, passages: list[PassageRow]) -> Markup:
    """One `<p class="passage">` per passage, the first in the tab order."""
    text_dir = direction(language)
    return Markup("\n".join(
        f'<p class="passage" tabindex="{0 if n == 0 else -1}" dir="{text_dir}" '
        f'id="p{p.index}" data-passage-id="{p.id}" data-index="{p.index}" '
        f'data-start="{p.start}" data-end="{p.end}">{escape(text[p.start:p.end])}</p>'
        for n, p in enumerate(passages)))


def passage_markup(text: str, text_sha256: str, language: str,
                   passages: list[PassageRow]) -> Markup:
    """The passages' markup, built on the first request for it and kept."""
    key = (text_sha256, language, tuple(passages))
    markup = _kept.get(key)
    if markup is None:
        markup = build(text, language, passages)
        _kept.put(key, markup)
    return markup
