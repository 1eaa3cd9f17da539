"""The annotation page's passages: markup built once per document, kept within a budget, and
never served for a text, language or passage list it was not built from."""

from __future__ import annotations

from app.services.projects import PassageRow
from app.web import passage_markup as kept

TEXT = "First <b>passage</b>.\n\nSecond & last.\n"
ROWS = [PassageRow(11, 0, 0, 21), PassageRow(12, 1, 23, 37)]


def test_the_markup_escapes_the_text_and_numbers_the_passages():
    html = str(kept.build(TEXT, "en", ROWS))
    assert html.count('class="passage"') == 2
    assert '<p class="passage" tabindex="0" dir="ltr" id="p0" data-passage-id="11" ' in html
    assert 'tabindex="-1" dir="ltr" id="p1" data-passage-id="12" data-index="1" ' in html
    assert "First &lt;b&gt;passage&lt;/b&gt;." in html and "Second &amp; last." in html
    assert 'dir="rtl"' in str(kept.build(TEXT, "ar", ROWS))
    assert 'dir="auto"' in str(kept.build(TEXT, "", ROWS))


def test_a_document_is_built_once_then_served_from_the_store(monkeypatch):
    monkeypatch.setattr(kept, "_kept", kept._Kept(10_000))
    built = []
    real = kept.build
    monkeypatch.setattr(kept, "build", lambda *a: built.append(a) or real(*a))
    first = kept.passage_markup(TEXT, "hash", "en", ROWS)
    assert kept.passage_markup(TEXT, "hash", "en", ROWS) == first and len(built) == 1
    # A new language, or passages with other ids (a document id used again), build anew.
    assert 'dir="rtl"' in kept.passage_markup(TEXT, "hash", "ar", ROWS)
    moved = [PassageRow(31, 0, 0, 21), PassageRow(32, 1, 23, 37)]
    assert 'data-passage-id="31"' in kept.passage_markup(TEXT, "hash", "en", moved)
    assert len(built) == 3


def test_the_store_keeps_within_its_budget_dropping_the_least_recently_used():
    store = kept._Kept(100)
    store.put(("a",), kept.Markup("x" * 40))
    store.put(("b",), kept.Markup("y" * 40))
    assert store.get(("a",)) is not None  # a is now the most recently used
    store.put(("c",), kept.Markup("z" * 40))
    assert store.get(("b",)) is None and store.get(("a",)) is not None
    assert store.size <= 100
    store.put(("huge",), kept.Markup("w" * 101))  # larger than the whole budget: not kept
    assert store.get(("huge",)) is None
