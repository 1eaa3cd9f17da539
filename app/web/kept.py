"""Markup of the annotation page built once and kept: the same for every reader.

- The passages, per document. A long thread has hundreds; writing each through the template
  cost about a fifth of the page's time, for markup fixed at import with the text. It is
  keyed by everything it is made of (the text's hash, its language and the passages' rows),
  so a changed language or a document id used again can never be served stale markup.
- Fragments with no variable of the page (its dialogs and keyboard help), per language:
  about a hundred translated messages each time otherwise. Not kept while templates reload
  (development), so an edited template shows at once.

The store is bounded in characters, the least recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.i18n.detect import direction
from app.services.projects import PassageRow

# Eight million characters at most per server process (up to 16 MB for Cyrillic text): some
# fifty documents the size of the forum thread, whose markup is about 140,000 characters.
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


def fragment(template: str) -> Markup:
    """A template with no variable of the page, rendered once per language and kept."""
    if current_app.jinja_env.auto_reload:
        return Markup(render_template(template))
    key = ("fragment", template, str(get_locale()))
    markup = _kept.get(key)
    if markup is None:
        markup = Markup(render_template(template))
        _kept.put(key, markup)
    return markup
