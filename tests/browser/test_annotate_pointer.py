"""The annotation page with a mouse alone and with touch alone (390x844): a whole seed is
tagged, marked, rated and submitted through the label palette and the submit dialog; the
toolbar stays small on a phone and the page reflows at 320 CSS px."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.services import accounts, projects
from app.services.documents import import_files
from tests.browser.test_annotate import PASSWORD, SELECT_JS, sign_in
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SEED = "000_52683757a7824f21.txt"  # 31 passages
PHONE = {"width": 390, "height": 844}

# The viewport rectangles of [start, end) in code points: where a mouse drag starts and ends.
RECTS_JS = """([start, end]) => {
  function locate(point) {
    for (const seg of document.querySelectorAll('#passages [data-s]')) {
      const s = +seg.dataset.s, e = +seg.dataset.e;
      if (point < s || point > e || !seg.firstChild) continue;
      const data = seg.firstChild.data;
      let units = 0;
      for (let n = 0; n < point - s; n++) {
        const c = data.charCodeAt(units);
        units += (c >= 0xd800 && c <= 0xdbff) ? 2 : 1;
      }
      return [seg.firstChild, units];
    }
    throw new Error('no segment holds ' + point);
  }
  const range = document.createRange();
  range.setStart(...locate(start)); range.setEnd(...locate(end));
  range.startContainer.parentElement.scrollIntoView({block: 'center'});
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  const first = rects[0], last = rects[rects.length - 1];
  return [first.left, first.top + first.height / 2, last.right, last.top + last.height / 2];
}"""


@dataclass(frozen=True)
class Seeded:
    project_id: int
    document_id: int
    username: str
    text: str
    passages: int

    @property
    def url(self) -> str:
        return f"/projects/{self.project_id}/documents/{self.document_id}/annotate"

    @property
    def api(self) -> str:
        return f"/api/v1/projects/{self.project_id}/documents/{self.document_id}"


@pytest.fixture
def seeded(live_app: Flask) -> Seeded:
    """A class project holding the 31-passage seed, and a student of it."""
    suffix = secrets.token_hex(3)
    with live_app.app_context():
        from app.extensions import db

        teacher = accounts.create_user(f"t-{suffix}", PASSWORD, "teacher")
        project = projects.create_project(teacher, f"Pointer {suffix}")
        raw = (ROOT / "seeds" / SEED).read_bytes()
        (document,) = import_files(project, [(SEED, raw)],
                                   live_app.config["DOCUMENT_MAX_BYTES"], teacher)
        student = accounts.create_user(f"s-{suffix}", PASSWORD, "student")
        projects.add_member(project, student, "student")
        db.session.commit()
        seeded = Seeded(project.id, document.id, student.username, document.text,
                        len(document.passages))
        db.session.remove()
        return seeded


def open_page(page: Page, seeded: Seeded) -> None:
    page.goto(seeded.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def stored(page: Page, seeded: Seeded) -> dict:
    response = page.request.get(seeded.api + "/annotations")
    assert response.ok, response.text()
    return response.json()


def saved(page: Page) -> None:
    expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=10_000)


def drag_select(page: Page, seeded: Seeded, needle: str) -> None:
    """Select `needle` with the mouse: press before its first letter, release after its last."""
    start = seeded.text.index(needle)
    x1, y1, x2, y2 = page.evaluate(RECTS_JS, [start, start + len(needle)])
    page.mouse.move(x1 + 1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=4)
    page.mouse.move(x2 - 1, y2, steps=4)
    page.mouse.up()
    assert page.evaluate("() => window.getSelection().toString()") == needle


def palette_button(page: Page, name: str):
    return page.get_by_role("toolbar", name=re.compile("^Labels")).get_by_role(
        "button", name=name)


def test_a_whole_seed_is_annotated_and_submitted_with_the_mouse_alone(page: Page,
                                                                      seeded: Seeded):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, seeded.username)
    open_page(page, seeded)
    page.get_by_role("radio", name=re.compile("Source type")).click()
    target = page.locator("#palette-target")
    expect(target).to_contain_text("Tap or click a passage")

    # Selecting a passage's text and picking a source type tags the passage (the default
    # choice, shown in the palette), and never makes a hidden span.
    drag_select(page, seeded, "Hundreds Confront Kazakh Police")
    expect(target).to_have_text("Tag passage 1 as:")
    palette_button(page, "News reporting").click()
    saved(page)
    assert stored(page, seeded)["spans"] == []

    # Click a passage, Shift+click another: the run between is tagged with one click.
    passages = page.locator("#passages .passage")
    passages.nth(1).click()
    passages.nth(6).click(modifiers=["Shift"])
    expect(target).to_have_text("Tag 6 passages as:")
    palette_button(page, "News reporting").click()
    # Then one by one: click the passage, click the label.
    for index in range(7, seeded.passages):
        passages.nth(index).click(position={"x": 30, "y": 8})
        expect(target).to_have_text(f"Tag passage {index + 1} as:")
        palette_button(page, "Official" if index % 3 == 0 else "News reporting").click()
    saved(page)
    expect(page.locator("#progress-text")).to_contain_text(
        f"{seeded.passages} of {seeded.passages} passages tagged")

    # A quoted voice is the other, explicit choice.
    page.get_by_role("button", name="Mark a quoted voice").click()
    drag_select(page, seeded, "We are not looters!")
    expect(target).to_contain_text("Mark “We are not looters!” as a quoted voice of:")
    palette_button(page, "Interview / testimony").click()

    page.get_by_role("radio", name=re.compile("Rhetoric")).click()
    drag_select(page, seeded, "deadliest riots in decades")
    palette_button(page, "Exaggeration").click()
    page.get_by_role("radio", name=re.compile("Unsupported claim")).click()
    drag_select(page, seeded, "Officials said 14 people were killed")
    palette_button(page, "Unverifiable number").click()
    saved(page)

    body = stored(page, seeded)
    assert len(body["passage_tags"]) == seeded.passages
    assert sorted((s["layer"], s["label"], s["text"]) for s in body["spans"]) == [
        ("claim", "claim.unverifiable_number", "Officials said 14 people were killed"),
        ("rhetoric", "exaggeration", "deadliest riots in decades"),
        ("source", "testimony", "We are not looters!"),
    ]

    page.get_by_role("tab", name="Rating").click()
    page.locator('label.scale-option:has(input[name="rating-reliability"][value="6"])').click()
    page.locator('label.scale-option:has(input[name="rating-slant"][value="0"])').click()
    page.get_by_role("button", name="Submit to teacher").click()  # leaving the form saves it
    dialog = page.get_by_role("dialog", name="Submit to your teacher?")
    expect(dialog).to_contain_text("Everything is done")
    dialog.get_by_role("button", name="Submit to teacher").click()
    saved(page)
    assert stored(page, seeded)["done"] is True
    expect(page.locator("#locked-note")).to_contain_text("can reopen it")
    expect(page.locator("#locked-note")).to_contain_text(seeded.username.replace("s-", "t-"))


def touch_page(browser: Browser, live_server: str) -> Page:
    context = browser.new_context(base_url=live_server, viewport=PHONE, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_a_whole_seed_is_annotated_and_submitted_by_touch_alone(browser: Browser,
                                                                live_server: str,
                                                                seeded: Seeded):
    page = touch_page(browser, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, seeded.username)
        open_page(page, seeded)
        page.get_by_role("radio", name=re.compile("Source type")).tap()
        passages = page.locator("#passages .passage")
        target = page.locator("#palette-target")
        for index in range(seeded.passages):
            passages.nth(index).tap(position={"x": 30, "y": 8})
            expect(target).to_have_text(f"Tag passage {index + 1} as:")
            palette_button(page, "Official" if index % 4 == 0 else "News reporting").tap()
        saved(page)
        assert len(stored(page, seeded)["passage_tags"]) == seeded.passages

        # A long press selects a word and its handles stretch the selection; the palette
        # offers the selection as it changes (selectionchange, not mouseup).
        page.get_by_role("radio", name=re.compile("Rhetoric")).tap()
        start = seeded.text.index("deadliest riots in decades")
        page.evaluate(SELECT_JS, [start, start + len("deadliest")])
        expect(target).to_contain_text("Mark “deadliest” as:")
        page.evaluate(SELECT_JS, [start, start + len("deadliest riots in decades")])
        expect(target).to_contain_text("Mark “deadliest riots in decades” as:")
        palette_button(page, "Exaggeration").tap()
        saved(page)
        (span,) = stored(page, seeded)["spans"]
        assert (span["label"], span["text"]) == ("exaggeration", "deadliest riots in decades")

        # Tapping the span opens it in a sheet at the bottom of the screen, in view.
        page.locator(f'#passages .seg[data-s="{start}"]').tap()
        sheet = page.locator("#side-panel")
        expect(page.locator("#span-form")).to_be_visible()
        box = sheet.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] + 1
        marked = page.locator(f'#passages .seg[data-s="{start}"]').bounding_box()
        assert marked is not None
        assert 0 <= marked["y"] and marked["y"] + marked["height"] <= box["y"]
        page.locator("#span-note").tap()
        page.keyboard.type("exaggerates the scale")  # the on-screen keyboard
        page.get_by_role("button", name="Close the span").tap()
        expect(page.locator("#span-form")).to_be_hidden()
        saved(page)
        assert stored(page, seeded)["spans"][0]["note"] == "exaggerates the scale"

        page.get_by_role("button", name="Submit to teacher").tap()
        dialog = page.get_by_role("dialog", name="Submit to your teacher?")
        expect(dialog).to_contain_text("The rating form needs: Reliability, Slant")
        dialog.get_by_role("button", name="Open the rating form").tap()
        page.locator('label.scale-option:has(input[name="rating-reliability"][value="5"])').tap()
        page.locator('label.scale-option:has(input[name="rating-slant"][value="-1"])').tap()
        page.get_by_role("button", name="Submit to teacher").tap()
        expect(dialog).to_contain_text("Everything is done")
        dialog.get_by_role("button", name="Submit to teacher").tap()
        saved(page)
        assert stored(page, seeded)["done"] is True
        expect(page.locator("#locked-note")).to_be_visible()
        assert errors == []
    finally:
        page.context.close()


def test_the_palette_is_a_toolbar_from_the_keyboard(page: Page, seeded: Seeded):
    """Alt+L moves focus into the palette, arrows move, Enter applies, Escape goes back."""
    sign_in(page, seeded.username)
    open_page(page, seeded)
    page.keyboard.press("Alt+1")
    passage = page.locator("#passages .passage").nth(3)
    passage.focus()
    expect(page.locator("#palette-target")).to_have_text("Tag passage 4 as:")
    page.keyboard.press("Alt+L")
    palette = page.get_by_role("toolbar", name="Labels: Source type")
    expect(palette.get_by_role("button", name="News reporting")).to_be_focused()
    assert palette.locator('button[tabindex="0"]').count() == 1  # one Tab stop
    page.keyboard.press("ArrowRight")
    expect(palette.get_by_role("button", name="Official")).to_be_focused()
    page.keyboard.press("Escape")
    expect(passage).to_be_focused()
    assert stored(page, seeded)["passage_tags"] == []
    page.keyboard.press("Alt+L")  # back on the label last left
    expect(palette.get_by_role("button", name="Official")).to_be_focused()
    page.keyboard.press("Enter")
    expect(passage).to_be_focused()
    expect(passage).to_have_attribute("data-tag", "official_statement")
    page.keyboard.press("Shift+F10")
    page.keyboard.press("Home")
    expect(palette.get_by_role("button", name="Tag the passage")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # "Mark a quoted voice"
    expect(palette.get_by_role("button", name="Mark a quoted voice")).to_have_attribute(
        "aria-pressed", "true")
    expect(page.locator("#palette-target")).to_contain_text("Select the quoted words")
    page.keyboard.press("Alt+2")  # another layer's labels: focus stays in the palette
    expect(page.get_by_role("toolbar", name="Labels: Rhetoric (persuasion techniques)")
           .get_by_role("button", name="Loaded language")).to_be_focused()
    saved(page)
    assert [t["label"] for t in stored(page, seeded)["passage_tags"]] == ["official_statement"]


def test_a_label_key_on_selected_text_does_what_the_palette_shows(page: Page, seeded: Seeded):
    """In the source layer a key, like a click, tags the passage unless "quoted voice" is on."""
    sign_in(page, seeded.username)
    open_page(page, seeded)
    page.keyboard.press("Alt+1")
    needle = "We are not looters!"
    start = seeded.text.index(needle)
    page.evaluate(SELECT_JS, [start, start + len(needle)])
    expect(page.locator("#palette-target")).to_have_text("Tag passage 6 as:")
    page.keyboard.press("t")
    saved(page)
    body = stored(page, seeded)
    assert (body["spans"], [t["label"] for t in body["passage_tags"]]) == ([], ["testimony"])
    page.get_by_role("button", name="Mark a quoted voice").click()
    page.evaluate(SELECT_JS, [start, start + len(needle)])
    page.keyboard.press("f")
    saved(page)
    (span,) = stored(page, seeded)["spans"]
    assert (span["layer"], span["label"], span["text"]) == ("source", "forum_post", needle)
