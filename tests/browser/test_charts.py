"""The charts in a browser, at a laptop's and a phone's width: axe-core finds nothing, each
chart is an image with its table alternative, its text stays readable and it stays inside
its card (the page never scrolls sideways)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page

from app.extensions import db
from app.models import ClaimQuestion
from tests.browser.test_axe import VIEWPORTS, demo_work, describe, run_axe  # noqa: F401
from tests.browser.test_pages import TEACHER, sign_in

pytestmark = pytest.mark.browser

# Each chart's figure, and how many its page has at least.
CHARTS = """Array.from(document.querySelectorAll('figure.chart-figure')).map(f => {
  const svg = f.querySelector('svg.chart-svg'), box = svg.getBoundingClientRect();
  const card = f.closest('.card').getBoundingClientRect();
  return {id: f.id, role: svg.getAttribute('role'), named: svg.getAttribute('aria-labelledby'),
          table: f.querySelectorAll('details.chart-table table tbody tr').length,
          font: box.width / svg.viewBox.baseVal.width * 13,
          inside: box.left >= card.left - 1 && box.right <= card.right + 1};
})"""


def test_charts_are_accessible_and_readable_on_a_laptop_and_a_phone(
        page: Page, live_app: Flask, demo_project, demo_work):  # noqa: F811
    with live_app.app_context():
        question = db.session.scalar(sa.select(ClaimQuestion.id).where(
            ClaimQuestion.project_id == demo_project.id,
            ClaimQuestion.value_kind == "number").limit(1))
    base = f"/projects/{demo_project.id}"
    pages = {f"{base}/agreement": 3, f"{base}/feedback/aigerim": 1,
             f"{base}/claims/{question}": 1, f"{base}/progress": 1}
    sign_in(page, *TEACHER)
    problems = []
    for url, expected in pages.items():
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS["laptop"],
                                        strict=True)))
        page.goto(url)
        for name, size in VIEWPORTS.items():
            page.set_viewport_size({"width": size[0], "height": size[1]})
            charts = page.evaluate(CHARTS)
            if len(charts) < expected:
                problems.append(f"{url}: {len(charts)} charts, {expected} expected")
            for chart in charts:
                where = f"{url} {name} #{chart['id']}"
                if chart["role"] != "img" or not chart["named"]:
                    problems.append(f"{where}: not an image with a name")
                if chart["table"] < 1:
                    problems.append(f"{where}: no table alternative")
                if chart["font"] < 10:
                    problems.append(f"{where}: text {chart['font']:.1f} px")
                if name == "laptop" and chart["font"] > 18:
                    problems.append(f"{where}: text blown up to {chart['font']:.1f} px")
                if not chart["inside"]:
                    problems.append(f"{where}: the chart leaves its card")
            problems += describe(f"{url} ({name})", run_axe(page))
            sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if sideways > 1:
                problems.append(f"{url} ({name}): the page scrolls sideways by {sideways} px")
    assert not problems, "\n".join(problems)
