"""The agreement page in headless Chromium, on a laptop and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services.datasets.importing import import_file
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import PASSWORD, new_class_project, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_agreement_page_explains_its_figures_on_laptop_and_phone(page, live_app, width, height):
    # The demo's annotations (three students and a key on the five seed texts) in a project
    # of this test's own, so the shared demo project stays as the other tests expect it.
    project = new_class_project(live_app)
    with live_app.app_context():
        from app.extensions import db
        from app.models import Project

        path = Path(live_app.config["DEMO_ANNOTATIONS"])
        import_file(db.session.get(Project, project.id), "jsonl", path.name, path.read_bytes())
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}/agreement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement")
    # Five documents: the rating scales show their alpha without an interval, and say why.
    ratings = page.locator("#ratings")
    expect(ratings.locator(".withheld").first).to_have_text("too few documents for an interval")
    # 492 passages: the passage alpha keeps its interval.
    expect(page.locator("#source_passages table.figures tbody tr").first).to_contain_text(" – ")
    expect(page.locator("#rhetoric")).to_contain_text("Coders: the 3 annotators who worked")
    # The formulas are folded, one click further; the link at the top unfolds them.
    methods = page.locator("#methods")
    expect(methods.get_by_role("heading", level=2)).to_have_text("How these are computed")
    expect(methods.locator("dt").first).to_be_hidden()
    page.get_by_role("link", name="How these are computed").click()
    expect(methods.get_by_role("heading", level=2)).to_be_in_viewport()
    expect(methods.locator("dt")).to_contain_text(["Coders", "Percent agreement",
                                                   "Fleiss' kappa", "Gwet's AC1"])
    expect(methods.locator("dt").first).to_be_visible()
    expect(methods).to_contain_text("Krippendorff, K. (1995)")
    # Wide tables scroll inside their cards; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = methods.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"agreement_{width}x{height}.png"), full_page=True)
    for part in ("ratings", "rhetoric", "methods"):
        page.locator(f"#{part}").screenshot(
            path=str(ARTIFACTS / f"agreement_{width}x{height}_{part}.png"))
