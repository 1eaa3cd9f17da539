"""Markup of the annotation page built once and kept: the passages per document and the
dialogs per language, within a budget, never served for what they were not built from."""

from __future__ import annotations

from app.services.projects import PassageRow
from app.web import kept

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


def test_the_dialogs_are_rendered_once_per_language(app, monkeypatch):
    from flask_babel import force_locale

    monkeypatch.setattr(kept, "_kept", kept._Kept(1_000_000))
    app.jinja_env.auto_reload = False
    rendered = []
    real = kept.render_template
    monkeypatch.setattr(kept, "render_template", lambda name: rendered.append(name) or real(name))
    with app.test_request_context():
        with force_locale("kk"):
            kazakh = kept.fragment("web/_annotate_dialogs.html")
            assert kept.fragment("web/_annotate_dialogs.html") == kazakh
        with force_locale("ru"):
            russian = kept.fragment("web/_annotate_dialogs.html")
    assert len(rendered) == 2 and kazakh != russian
    assert "Пернетақта" in kazakh and "Клавиатура" in russian


def test_the_dialogs_are_not_kept_while_templates_reload(app, monkeypatch):
    monkeypatch.setattr(kept, "_kept", kept._Kept(1_000_000))
    app.jinja_env.auto_reload = True
    with app.test_request_context():
        kept.fragment("web/_annotate_dialogs.html")
    assert kept._kept.items == {}
