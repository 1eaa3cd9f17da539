"""The teacher's pages in Kazakh pass axe-core, the language checks included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_axe import demo_work, describe, run_axe  # noqa: F401
from tests.browser.test_pages import TEACHER, sign_in

pytestmark = pytest.mark.browser


def test_codebook_and_project_settings_in_kazakh_have_no_wcag_violations(
        page: Page, live_server: str, demo_project, demo_work):  # noqa: F811
    sign_in(page, *TEACHER)
    page.context.add_cookies([{"name": "sourcemark_lang", "value": "kk", "url": live_server}])
    problems = []
    for url, heading in ((f"/projects/{demo_project.id}/codebook", "Кодтар кітабы"),
                         (f"/projects/{demo_project.id}/edit", None)):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        # valid-lang is among axe's WCAG AA rules: every lang attribute on the page is checked.
        problems += describe(f"{url} in Kazakh", run_axe(page))
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)
