"""Submitting a document: the dialog lists what is missing and asks to confirm; a student's
submitted page is read-only; the side panel never switches tab on its own."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_annotate import sign_in
from tests.browser.test_annotate_pointer import Seeded, open_page, saved, seeded, stored  # noqa: F401

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]


def api(page: Page, seeded: Seeded, method: str, path: str, body: dict) -> dict:  # noqa: F811
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.fetch(seeded.api + path, method=method, data=json.dumps(body),
                                  headers={"Content-Type": "application/json",
                                           "X-CSRFToken": token or ""})
    assert response.ok, response.text()
    return response.json()


def span_body(seeded: Seeded, layer: str, label: str, needle: str) -> dict:  # noqa: F811
    start = seeded.text.index(needle)
    return {"client_id": uuid.uuid4().hex, "layer": layer, "label": label, "start": start,
            "end": start + len(needle), "text": needle}


def test_submitting_lists_what_is_missing_then_the_page_is_read_only(
        page: Page, seeded: Seeded):  # noqa: F811
    sign_in(page, seeded.username)
    open_page(page, seeded)
    ids = page.eval_on_selector_all("#passages .passage",
                                    "els => els.map(e => +e.dataset.passageId)")
    for passage_id in ids[:2]:
        api(page, seeded, "PUT", f"/passages/{passage_id}/tag",
            {"label": "news_report", "version": None})
    claim = "Officials said 14 people were killed"
    api(page, seeded, "POST", "/spans", span_body(seeded, "claim", "claim.contradicted", claim))
    api(page, seeded, "PUT", "/rating", {"values": {"reliability": 2, "slant": 0}, "version": None})
    open_page(page, seeded)

    page.get_by_role("button", name="Submit to teacher").click()
    dialog = page.get_by_role("dialog", name="Submit to your teacher?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("29 of 31 passages have no source type")
    expect(dialog.get_by_role("button", name=re.compile(r"^Passage 3: "))).to_be_visible()
    expect(dialog).to_contain_text("and 21 more")
    # Reliability 2 asks for a justification, as the server does.
    expect(dialog).to_contain_text("The rating form needs: Justification.")
    expect(dialog).to_contain_text("1 claim needs evidence")
    expect(dialog.get_by_role("button", name=re.compile("Submit"))).to_be_disabled()
    # The dialog's links go to what is missing.
    dialog.get_by_role("button", name=re.compile("Contradicted by another source")).click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#span-quote")).to_have_text(claim)
    page.get_by_role("tab", name="Rating").click()
    page.locator('textarea[data-field="justification"]').fill("quotes without sources")
    page.get_by_role("button", name="Submit to teacher").click()
    expect(dialog).not_to_contain_text("rating form")
    dialog.get_by_role("button", name="Submit anyway").click()
    saved(page)
    assert stored(page, seeded)["done"] is True

    banner = page.locator("#locked-note")
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("read-only")
    expect(page.get_by_role("button", name="Submitted ✓")).to_be_disabled()
    for inputs in (page.locator("#rating-form input, #rating-form textarea, #rating-form select"),
                   page.locator("#span-form select, #span-form textarea, #span-form button")):
        assert inputs.count() > 0
        for index in range(inputs.count()):
            expect(inputs.nth(index)).to_be_disabled()
    expect(page.locator("#palette-target")).to_have_text("Submitted: read-only.")
    expect(page.locator("#palette-labels button").first).to_have_attribute("aria-disabled", "true")
    # Keys change nothing either: no request is even sent.
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if "/api/" in r.url else None)
    page.keyboard.press("Alt+1")
    page.locator("#passages .passage").nth(5).focus()
    page.keyboard.press("n")
    page.keyboard.press("Control+z")
    page.wait_for_timeout(300)
    assert [m for m in sent if m != "GET"] == []
    page.reload()  # and so after a reload
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(banner).to_be_visible()
    reliability = page.locator('#rating-form input[name="rating-reliability"][value="2"]')
    expect(reliability).to_be_disabled()


def test_the_side_panel_never_switches_tab_on_its_own(page: Page, seeded: Seeded,  # noqa: F811
                                                      browser_errors):
    browser_errors.allow(r"status of 400")  # the refused submission below
    sign_in(page, seeded.username)
    open_page(page, seeded)
    needle = "deadliest riots in decades"
    api(page, seeded, "POST", "/spans", span_body(seeded, "rhetoric", "exaggeration", needle))
    open_page(page, seeded)
    page.keyboard.press("Alt+2")
    start = seeded.text.index(needle)
    page.locator(f'#passages .seg[data-s="{start}"]').click()
    expect(page.locator("#span-form")).to_be_visible()
    page.get_by_role("tab", name="Rating").click()
    page.locator('label.scale-option:has(input[name="rating-reliability"][value="5"])').click()
    page.locator('label.scale-option:has(input[name="rating-slant"][value="0"])').click()
    saved(page)  # saves redraw the open span: the Rating tab stays
    rating = page.locator("#rating-panel")
    expect(rating).to_be_visible()

    # The server refuses (say the codebook changed meanwhile): the dialog says why, and the
    # panel stays where the annotator left it.
    def refuse(route):
        route.fulfill(status=400, content_type="application/json", body=json.dumps({"error": {
            "code": "invalid", "message": "Before marking the document done, fill in: Genre.",
            "fields": {"values.genre": "required"}}}))

    page.route("**/done", refuse)
    page.get_by_role("button", name="Submit to teacher").click()
    dialog = page.get_by_role("dialog", name="Submit to your teacher?")
    dialog.get_by_role("button", name="Submit anyway").click()
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog.get_by_role("alert")).to_have_text(
        "Not submitted: Before marking the document done, fill in: Genre.")
    expect(rating).to_be_visible()
    expect(page.locator("#span-panel")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Submit to teacher")).to_be_enabled()
    expect(page.locator("#locked-note")).to_be_hidden()
