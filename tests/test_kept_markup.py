"""Markup of the annotation page built once and kept: the passages per document and the
dialogs per language, within a budget, never served for what they were not built from."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def test_a_documents_passages_are_read_and_built_once_then_served_from_the_store(
        make, monkeypatch):
    from app.extensions import db
    from app.services import projects

    monkeypatch.setattr(kept, "_kept", kept._Kept(100_000))
    built, read = [], []
    real_build, real_rows = kept.build, projects.passage_rows
    monkeypatch.setattr(kept, "build", lambda *a: built.append(a) or real_build(*a))
    monkeypatch.setattr(projects, "passage_rows", lambda i: read.append(i) or real_rows(i))
    project = make.project()
    document = make.document(project, TEXT)
    first = kept.passages_of(document)
    assert [row.index for row in first.rows] == [0, 1]
    assert first.gaps == projects.passage_gaps(TEXT, first.rows)
    assert f'data-passage-id="{first.rows[0].id}"' in first.markup
    assert kept.passages_of(document) is first and len(built) == len(read) == 1
    # Another language builds anew (right to left here) …
    document.language = "ar"
    db.session.commit()
    assert 'dir="rtl"' in kept.passages_of(document).markup and len(built) == 2
    # … and so does another document with the same text (its own passage ids) …
    second = make.document(make.project(), TEXT)
    assert kept.passages_of(second).rows[0].id != first.rows[0].id and len(built) == 3
    # … or one that took a deleted document's id: its creation time differs.
    second.created_at = second.created_at - timedelta(seconds=1)
    kept.passages_of(second)
    assert len(built) == 4


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


@pytest.fixture
def rendered(app, monkeypatch) -> list[tuple[str, dict]]:
    """A fresh store, templates not reloading (as served), and each rendering recorded."""
    monkeypatch.setattr(kept, "_kept", kept._Kept(1_000_000))
    app.jinja_env.auto_reload = False
    calls: list[tuple[str, dict]] = []
    real = kept.render_template
    monkeypatch.setattr(kept, "render_template",
                        lambda name, **context: calls.append((name, context))
                        or real(name, **context))
    return calls


def test_the_dialogs_are_rendered_once_per_language(app, rendered):
    from flask_babel import force_locale

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


def test_a_fragment_is_kept_per_value_of_its_context(app, rendered):
    with app.test_request_context():
        locks = kept.fragment("web/_annotate_end.html", submission_locks=True)
        done = kept.fragment("web/_annotate_end.html", submission_locks=False)
        assert kept.fragment("web/_annotate_end.html", submission_locks=True) == locks
    assert [context for _name, context in rendered] == [{"submission_locks": True},
                                                        {"submission_locks": False}]
    assert "Submit to your teacher?" in locks and "Mark the document done?" in done
