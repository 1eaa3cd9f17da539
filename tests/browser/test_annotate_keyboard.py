"""The annotation page with the keyboard alone and through the accessibility tree: one Tab
stop for the text, a word caret, find, focus kept clear of the toolbar, nudges saved as one
version, spans named for screen readers, announcements and the list of spans."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.services import accounts, projects
from app.services.documents import import_files
from tests.browser.keys import keys_to_mark, word_starts
from tests.browser.test_annotate import (
    PASSWORD,
    Setting,
    annotations,
    open_document,
    saved,
    select,
    sign_in,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SEED = "000_52683757a7824f21.txt"  # a news report: 32 passages
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def seed(live_app: Flask) -> Setting:
    """A project holding a seed text, and a student of it."""
    suffix = secrets.token_hex(3)
    raw = (ROOT / "seeds" / SEED).read_bytes()
    with live_app.app_context():
        teacher = accounts.create_user(f"t-{suffix}", PASSWORD, "teacher")
        project = projects.create_project(teacher, f"Keyboard {suffix}")
        (document,) = import_files(project, [(SEED, raw)],
                                   live_app.config["DOCUMENT_MAX_BYTES"], teacher)
        student = accounts.create_user(f"s-{suffix}", PASSWORD, "student")
        projects.add_member(project, student, "student")
        from app.extensions import db

        db.session.commit()
        return Setting(project.id, document.id, student.username, document.text)


def passage_bounds(page: Page) -> list[tuple[int, int]]:
    return [tuple(p) for p in page.eval_on_selector_all(
        "#passages .passage", "els => els.map(e => [+e.dataset.start, +e.dataset.end])")]


def focus_document(page: Page) -> None:
    """Tab until the document text has the focus (its one Tab stop)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#passages')"):
            return
    raise AssertionError("Tab never reached the document text")


def active(page: Page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement?.matches(s)", selector)


def press_all(page: Page, keys: list[str]) -> None:
    for key in keys:
        page.keyboard.press(key)


def test_the_document_is_one_tab_stop(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    page.keyboard.press("Alt+2")
    focus_document(page)
    assert active(page, "#p0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert active(page, "#p2")
    stops = page.eval_on_selector_all(
        "#passages [tabindex]", "els => els.filter(e => e.tabIndex >= 0).map(e => e.id)")
    assert stops == ["p2"]  # the stop moved with the focus; highlights are not stops
    page.keyboard.press("Tab")
    assert not page.evaluate("() => !!document.activeElement.closest('#passages')")
    page.keyboard.press("Shift+Tab")
    assert active(page, "#p2")  # back where the reader was


@pytest.mark.parametrize("needle", ["held a third day of protests",
                                    "some of whom were armed with"])
def test_a_mid_passage_span_takes_at_most_twelve_keys(page: Page, seed: Setting, needle: str):
    sign_in(page, seed.username)
    open_document(page, seed)
    focus_document(page)  # the starting point: the page loaded, the text focused
    start = seed.text.index(needle)
    end = start + len(needle)
    passage = next((s, e) for s, e in passage_bounds(page) if s <= start < e)
    assert passage[0] < start and end < passage[1]  # mid-passage
    keys = keys_to_mark(seed.text, passage_bounds(page), start, end, "Alt+2", "l")
    press_all(page, keys)
    saved(page)
    (span,) = annotations(page, seed)["spans"]
    assert (span["start"], span["end"], span["label"]) == (start, end, "loaded_language")
    assert len(keys) <= 12, keys
    expect(page.locator("#announcer")).to_have_text(
        f"Marked ‘{needle}’ as Loaded language")


def test_caret_moves_by_word_and_brackets_set_the_selection(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    page.keyboard.press("Alt+2")
    focus_document(page)  # the first passage: "Hundreds Confront Kazakh Police for 3rd Day"
    press_all(page, ["ArrowRight", "ArrowRight"])  # "Confront"
    assert page.evaluate("() => getSelection().toString()") == "Confront"
    press_all(page, ["[", "ArrowRight", "ArrowRight", "]"])  # to "Police"
    assert page.evaluate("() => getSelection().toString()") == "Confront Kazakh Police"
    page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate("() => getSelection().toString()") == "Confront Kazakh"
    page.keyboard.press("End")
    assert page.evaluate("() => getSelection().toString()") == "Day"
    page.keyboard.press("Shift+Home")
    assert page.evaluate("() => getSelection().toString()") == (
        "Hundreds Confront Kazakh Police for 3rd Day")
    page.keyboard.press("Escape")  # drops the selection of several words: the caret's stays
    assert page.evaluate("() => getSelection().toString()") == "Hundreds"
    page.keyboard.press("e")  # exaggeration
    saved(page)
    (span,) = annotations(page, seed)["spans"]
    assert span["text"] == "Hundreds"


@pytest.mark.parametrize("size", SIZES)
def test_the_focused_passage_is_never_under_the_toolbar(page: Page, seed: Setting, size: str):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(page, seed.username)
    open_document(page, seed)
    focus_document(page)
    count = page.locator("#passages .passage").count()
    moves = ["ArrowDown"] * (count - 1) + ["ArrowUp"] * (count - 1)
    moves = (moves * 2)[:100] + ["k"] * 10  # k moves up too
    hidden = []
    for n, key in enumerate(moves):
        page.keyboard.press(key)
        # Measured once the next frame is drawn, as the student sees it.
        box = page.evaluate("""() => new Promise(done => requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const p = document.activeElement, bar = document.querySelector('.annotate-toolbar');
            const r = p.getBoundingClientRect();
            done({id: p.id, top: r.top, bottom: r.bottom, bar: bar.getBoundingClientRect().bottom,
                  height: innerHeight});
          })))""")
        available = box["height"] - box["bar"]
        clear = box["top"] >= box["bar"] - 1 and (box["bottom"] <= box["height"] + 1
                                                 or box["bottom"] - box["top"] > available)
        if not clear:
            hidden.append((n, key, box))
    assert hidden == []


def test_nudges_in_quick_succession_are_one_saved_version(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    page.keyboard.press("Alt+2")
    start, end = select(page, seed, "oil workers")
    page.keyboard.press("l")
    saved(page)
    form = page.locator("#span-form")
    for _ in range(4):
        form.get_by_role("button", name="◂ start").click()
    for _ in range(2):
        form.get_by_role("button", name="end ▸").click()
    saved(page)
    (span,) = annotations(page, seed)["spans"]
    assert (span["start"], span["end"], span["version"]) == (start - 4, end + 2, 2)
    history = page.request.get(seed.api + "/history").json()["events"]
    assert [(e["kind"], e["action"]) for e in history] == [("span", "update"),
                                                           ("span", "create")]
    page.keyboard.press("Control+z")  # one undo takes the whole burst back
    saved(page)
    (span,) = annotations(page, seed)["spans"]
    assert (span["start"], span["end"]) == (start, end)


def test_screen_readers_hear_every_span_and_the_passage_source_type(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    page.keyboard.press("Alt+1")
    focus_document(page)
    page.keyboard.press("n")  # tag the first passage
    expect(page.locator("#announcer")).to_have_text("Tagged passage 1 as News reporting")
    page.keyboard.press("Alt+2")
    marks = [("oil workers", "l"), ("deadliest riots", "e"), ("looters", "n")]
    for needle, key in marks:
        select(page, seed, needle)
        page.keyboard.press(key)
    page.locator("#span-note").fill("a quotation on a banner")  # the last one has a note
    page.locator("#span-note").blur()
    page.keyboard.press("Alt+3")
    select(page, seed, "at least 15 people were killed")
    page.keyboard.press("u")
    saved(page)
    spans = annotations(page, seed)["spans"]
    assert len(spans) == 4

    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    names = [n.get("name", {}).get("value", "") for n in nodes if not n.get("ignored")]
    heard = " | ".join(names)
    codebook = page.evaluate(
        "() => JSON.parse(document.getElementById('annotate-data').textContent).codebook")
    layers = {layer["key"]: layer for layer in codebook["layers"]}
    for span in spans:
        layer = layers[span["layer"]]
        label = next(lb["name"] for lb in layer["labels"] if lb["key"] == span["label"])
        name = f"{label}, {layer['name']}" + (", has a note" if span["note"] else "")
        assert f"({name})" in heard, (name, heard[:3000])
    assert sum(bool(s["note"]) for s in spans) == 1
    assert "Source type: " in heard and "News reporting" in heard
    # No name is CSS-generated content: the tag is text in the passage.
    expect(page.locator("#p0 .passage-tag")).to_have_text("Source type: News reporting")


def test_span_list_lists_jumps_and_deletes(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    page.keyboard.press("Alt+2")
    for needle, key in [("deadliest riots", "e"), ("oil workers", "l")]:
        select(page, seed, needle)
        page.keyboard.press(key)
    saved(page)
    page.get_by_role("tab", name="All spans").click()
    rows = page.locator("#span-list li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("“oil workers” Loaded language")  # text order
    expect(rows.nth(1)).to_contain_text("Exaggeration")
    expect(page.locator("#span-list-summary")).to_have_text(re.compile(r"^2 spans in Rhetoric"))
    rows.nth(1).get_by_role("button", name=re.compile("deadliest riots")).first.focus()
    page.keyboard.press("Enter")  # jump to it: the span opens, the caret is on it
    expect(page.locator("#span-quote")).to_have_text("deadliest riots")
    passage = page.evaluate("() => document.activeElement.id")
    start = seed.text.index("deadliest riots")
    assert page.evaluate(f"() => +document.activeElement.dataset.start <= {start}")
    assert passage.startswith("p")
    page.keyboard.press("Enter")  # the caret is in the span: Enter opens it again
    expect(page.locator("#span-quote")).to_have_text("deadliest riots")

    page.get_by_role("tab", name="All spans").click()
    page.get_by_role("button", name="Delete “oil workers”").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#announcer")).to_have_text("Deleted Loaded language on ‘oil workers’")
    saved(page)
    assert [s["text"] for s in annotations(page, seed)["spans"]] == ["deadliest riots"]


def test_a_whole_seed_is_annotated_with_the_keyboard_alone(page: Page, seed: Setting):
    sign_in(page, seed.username)
    open_document(page, seed)
    focus_document(page)
    page.keyboard.press("Alt+1")
    count = page.locator("#passages .passage").count()
    tags = "nortfax"
    for n in range(count):  # every passage gets a source type
        page.keyboard.press(tags[n % len(tags)])
        page.keyboard.press("ArrowDown")
    expect(page.locator("#progress-text")).to_contain_text(f"{count} of {count} passages tagged")

    page.keyboard.press("Home")  # first word of the last passage
    page.keyboard.press("Alt+2")
    bounds = passage_bounds(page)
    caret = word_starts(seed.text, *bounds[-1])[0]
    for needle, layer, key in [("deadliest riots in decades", "Alt+2", "e"),
                               ("looters", "Alt+2", "n"),
                               ("at least 15 people were killed", "Alt+3", "u")]:
        start = seed.text.index(needle)
        end = start + len(needle)
        press_all(page, keys_to_mark(seed.text, bounds, start, end, layer, key, caret))
        caret = word_starts(seed.text, start, end)[-1]  # the caret stays on the last word
    saved(page)

    # The rating: Tab to the side panel's Rating tab, then through its fields.
    for _ in range(60):
        page.keyboard.press("Tab")
        if active(page, '[role="tab"][data-tab="rating"]'):
            break
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert active(page, 'input[name="rating-reliability"]')
    press_all(page, ["ArrowRight"] * 4)  # radio buttons: 1 -> 5
    page.keyboard.press("Tab")
    assert active(page, 'input[name="rating-slant"]')
    page.keyboard.press("ArrowLeft")  # from the first to the last: "can't tell"
    page.keyboard.press("Tab")  # leaving the form saves it
    saved(page)
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if active(page, "#done-toggle"):
            break
    page.keyboard.press("Enter")  # "Submit to teacher" asks to confirm, its button in focus
    assert active(page, "#submit-confirm")
    page.keyboard.press("Enter")
    saved(page)
    body = annotations(page, seed)
    assert body["done"] is True
    assert len(body["passage_tags"]) == count
    assert {(s["layer"], s["text"]) for s in body["spans"]} == {
        ("rhetoric", "deadliest riots in decades"), ("rhetoric", "looters"),
        ("claim", "at least 15 people were killed")}
    assert body["rating"]["values"] == {"reliability": 5, "slant": "cannot_tell"}
