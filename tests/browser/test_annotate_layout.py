"""The annotation page on small screens: how much of a phone the toolbar covers, reflow at
320 CSS px, and pointer targets of at least 24x24 px (WCAG 2.2: 1.4.10, 2.5.8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_annotate import sign_in
from tests.browser.test_annotate_pointer import Seeded, open_page, seeded  # noqa: F401
from tests.browser.test_annotate_submit import api, span_body

pytestmark = pytest.mark.browser

# Buttons, links and inputs of the page's own tools (text links in a sentence are exempt).
TARGETS_JS = """() => [...document.querySelectorAll(
    '.annotate-toolbar button, #palette button, .tabs button, #rating-form input,'
    + ' #side-panel select, #span-form input, #span-form button')]
  .filter((el) => el.getClientRects().length)
  .map((el) => { const r = el.getBoundingClientRect();
                 const box = el.closest('label.scale-option') || el;
                 const b = box.getBoundingClientRect();
                 return [el.textContent.trim() || el.outerHTML.slice(0, 60),
                         Math.max(r.width, b.width), Math.max(r.height, b.height)]; })"""


def phone(browser: Browser, live_server: str, width: int, height: int):
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height},
                                  has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_the_toolbar_covers_at_most_15_percent_of_a_phone(browser: Browser, live_server: str,
                                                         seeded: Seeded):  # noqa: F811
    page = phone(browser, live_server, 390, 844)
    try:
        sign_in(page, seeded.username)
        open_page(page, seeded)
        page.evaluate("window.scrollTo(0, 2000)")  # the toolbar sticks to the top
        box = page.locator(".annotate-toolbar").bounding_box()
        assert box is not None and box["y"] == 0
        assert box["height"] <= 0.15 * 844, f"toolbar {box['height']:.0f} px of 844"
        palette = page.locator("#palette").bounding_box()
        assert palette is not None and palette["y"] + palette["height"] == pytest.approx(844, abs=1)
        assert palette["height"] <= 0.15 * 844, f"palette {palette['height']:.0f} px of 844"
        # A passage tapped near the bottom edge is not hidden under the palette when focused.
        page.get_by_role("radio", name="Rhetoric (persuasion techniques)").tap()
        page.keyboard.press("Alt+1")
        page.locator("#passages .passage").nth(20).focus()
        focused = page.locator("#passages .passage").nth(20).bounding_box()
        assert focused is not None and focused["y"] >= box["height"]
        assert focused["y"] < palette["y"]
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_the_page_reflows_without_horizontal_scrolling(browser: Browser, live_server: str,
                                                       seeded: Seeded, width: int):  # noqa: F811
    page = phone(browser, live_server, width, 700)
    try:
        sign_in(page, seeded.username)
        open_page(page, seeded)
        states = {"start": lambda: None,
                  "rhetoric": lambda: page.keyboard.press("Alt+2"),
                  "rating": lambda: page.get_by_role("tab", name="Rating").tap(),
                  "submit": lambda: page.get_by_role("button", name="Submit to teacher").tap()}
        for state, enter in states.items():
            enter()
            scroll = page.evaluate("[document.documentElement.scrollWidth,"
                                   " document.documentElement.clientWidth]")
            assert scroll[0] <= scroll[1], f"{state}: {scroll[0]} px wide in {scroll[1]}"
        expect(page.get_by_role("dialog")).to_be_visible()
        dialog = page.get_by_role("dialog").bounding_box()
        assert dialog is not None and dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= width
    finally:
        page.context.close()


def test_pointer_targets_are_at_least_24_px(browser: Browser, live_server: str,
                                            seeded: Seeded):  # noqa: F811
    page = phone(browser, live_server, 390, 844)
    try:
        sign_in(page, seeded.username)
        open_page(page, seeded)
        voice = span_body(seeded, "source", "testimony", "We are not looters!")
        api(page, seeded, "POST", "/spans", voice)
        open_page(page, seeded)
        small = [t for t in page.evaluate(TARGETS_JS) if t[1] < 24 or t[2] < 24]
        page.keyboard.press("Alt+1")
        page.locator(f'#passages .seg[data-s="{voice["start"]}"]').tap()  # the span editor
        expect(page.locator("#span-form")).to_be_visible()
        small += [t for t in page.evaluate(TARGETS_JS) if t[1] < 24 or t[2] < 24]
        page.get_by_role("tab", name="Rating").tap()
        small += [t for t in page.evaluate(TARGETS_JS) if t[1] < 24 or t[2] < 24]
        assert small == []
    finally:
        page.context.close()
