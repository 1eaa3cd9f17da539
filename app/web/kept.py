"""Markup of the annotation page built once and kept: the same for every reader.

- The passages, per document: their rows, their markup and the text between them. A long
  thread has hundreds; reading their rows and writing each through the template cost about a
  quarter of the page's time, for what is fixed at import with the text (a document's text
  cannot change, and its passages are made with it). It is keyed by the document's id and
  creation time (an id used again after a deletion is another key), its text's hash and its
  language, so a changed language or another document can never be served stale markup.
- Fragments with no variable of the page (its dialogs and keyboard help, its side panel,
  its word finder and submit dialog), per language: about 150 translated messages each time
  otherwise. Not kept while templates reload (development), so an edited template shows at
  once.

The store is bounded in characters, the least recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.i18n.detect import direction
from app.models import Document
from app.services import projects
from app.services.projects import PassageRow

# Eight million characters at most per server process (up to 16 MB for Cyrillic text): some
# fifty documents the size of the forum thread, whose markup is about 140,000 characters.
BUDGET = 8_000_000


class _Kept:
    """A least-recently-used store, bounded by the total length of what it holds (the
    characters of markup, or of a document's passages: `len` of the value)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, value: Any) -> None:
        if len(value) > self.budget:
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.size += len(value)
            while self.size > self.budget:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)


@dataclass(frozen=True, slots=True)
class Passages:
    """A document's passages as the annotation page shows them."""

    rows: list[PassageRow]
    markup: Markup
    gaps: list[str]  # what lies before, between and after them (projects.passage_gaps)

    def __len__(self) -> int:  # its size in the store
        return len(self.markup) + sum(map(len, self.gaps)) + 16 * len(self.rows)


_kept = _Kept(BUDGET)


def build(text: str, language: str, passages: list[PassageRow]) -> Markup:
    """One `<p class="passage">` per passage, the first in the tab order. Safe as markup: the
    text is escaped, and the rest is numbers and a direction from a fixed set."""
    text_dir = direction(language)
    return Markup("\n".join(
        f'<p class="passage" tabindex="{0 if n == 0 else -1}" dir="{text_dir}" '
        f'id="p{p.index}" data-passage-id="{p.id}" data-index="{p.index}" '
        f'data-start="{p.start}" data-end="{p.end}">{escape(text[p.start:p.end])}</p>'
        for n, p in enumerate(passages)))


def passages_of(document: Document) -> Passages:
    """The document's passages, read and built on the first request for them and kept."""
    key = ("passages", document.id, document.created_at, document.text_sha256,
           document.language)
    found = _kept.get(key)
    if found is None:
        rows = projects.passage_rows(document.id)
        found = Passages(rows, build(document.text, document.language, rows),
                         projects.passage_gaps(document.text, rows))
        _kept.put(key, found)
    return found


def fragment(template: str, **context: bool | str | int | None) -> Markup:
    """A template with no variable of the page, rendered once per language (and per value of
    the few plain `context` values it is given) and kept. Rendered by Jinja with HTML
    escaping on, as every page is."""
    if current_app.jinja_env.auto_reload:
        return Markup(render_template(template, **context))
    key = ("fragment", template, str(get_locale()), *sorted(context.items()))
    markup = _kept.get(key)
    if markup is None:
        markup = Markup(render_template(template, **context))
        _kept.put(key, markup)
    return markup
