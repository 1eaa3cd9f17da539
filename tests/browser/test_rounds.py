"""Rounds in headless Chromium: the teacher's agreement by round (figures, chart, codebook
change, its table) and a student's agreement with the key over the rounds in their feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Project
from app.services import demo
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import STUDENT, TEACHER, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_rounds(live_app: Flask, demo_project) -> None:
    """The demo's annotations in its two rounds, as `make run` loads them."""
    with live_app.app_context():
        project = db.session.get(Project, demo_project.id)
        demo.load_demo_annotations(project, Path(live_app.config["DEMO_ANNOTATIONS"]))


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_teacher_sees_agreement_by_round_with_chart_and_codebook_change(
        page: Page, demo_project, demo_rounds, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, *TEACHER)
    page.goto(f"/projects/{demo_project.id}/agreement")
    page.get_by_role("link", name="Agreement by round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement by round")
    chart = page.locator("#chart-overall svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(3)
    expect(page.get_by_role("heading", name="Round 2: after the discussion")).to_be_visible()
    expect(page.locator(".codebook-change")).to_contain_text(
        "'Loaded language' definition changed in version 2")
    # Each round's headline figures, with the reason an interval is withheld.
    first_round = page.locator("section.round").first
    expect(first_round.locator("table.figures").first.locator("tbody tr")).to_have_count(3)
    expect(first_round).to_contain_text("Source type per passage (α)")
    # The chart's table alternative opens and holds the same rounds.
    page.get_by_text("Agreement over rounds as a table").click()
    table = page.get_by_role("region", name="Agreement over rounds as a table")
    expect(table.locator("thead th")).to_contain_text(["Figure", "Round 1: calibration",
                                                       "Round 2: after the discussion"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"agreement_rounds_{width}x{height}.png"),
                    full_page=True)


def test_student_sees_their_line_over_the_rounds_in_feedback(page: Page, demo_project,
                                                             demo_rounds):
    sign_in(page, *STUDENT)
    page.goto(f"/projects/{demo_project.id}/feedback")
    section = page.locator("#rounds")
    expect(section.get_by_role("heading", level=2)).to_have_text(
        "You and the key over the rounds")
    expect(section.locator("svg polyline").first).to_be_visible()
    rows = section.get_by_role("region", name="Agreement with the key by round").locator(
        "tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Round 1: calibration")
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("3")
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / "feedback_rounds.png"))
