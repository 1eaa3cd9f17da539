"""Adjudicating the gold key in real Chromium, and a student's view after the reveal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Project, User
from app.services.datasets.importing import import_file
from tests.browser.test_pages import PASSWORD, new_class_project, sign_in, unique
from tests.conftest import ROOT

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]


def _annotated_project(app: Flask):
    """A new class with the demo dataset imported: students get fresh accounts."""
    made = new_class_project(app)
    with app.app_context():
        project = db.session.get(Project, made.id)
        data = (ROOT / "annotations" / "demo.jsonl").read_text("utf-8")
        suffix = unique("x").split("-")[1]
        for name in ("aigerim", "daniyar", "madina"):  # names of their own in this class
            data = data.replace(f'"{name}"', f'"{name}{suffix}"')
        summary = import_file(project, "jsonl", "demo.jsonl", data.encode())
        students = {}
        for username, _ in summary.accounts:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            user.set_password(PASSWORD)
            # New accounts get a suffix of their own: "aigerim<suffix>-k7q2".
            students[username.rsplit("-", 1)[0][:-len(suffix)]] = username
        db.session.commit()
        documents = [d.id for d in project.documents]
    return made, documents, students


def test_teacher_accepts_answers_into_the_gold_key(page: Page, live_app):
    made, documents, _ = _annotated_project(live_app)
    sign_in(page, made.teacher, PASSWORD)
    page.goto(f"/projects/{made.id}/curate")
    page.get_by_role("link", name="Hundreds Confront Kazakh Police for 3rd Day").click()
    expect(page.get_by_role("heading", name="Source type per passage")).to_be_visible()
    accept = page.locator("#layer-rhetoric button[data-action=accept]")
    before = accept.count()
    assert before > 0
    accept.first.click()
    page.wait_for_load_state("load")
    expect(page.locator("#layer-rhetoric button[data-action=accept]")).to_have_count(before - 1)
    expect(page.locator(".muted").first).to_contain_text("gold key version 1")
    # A disputed passage: make the key say what the second-most chosen label says.
    row = page.locator("tr.curate-disputed").first
    chips = row.locator("button[data-action=tag]")
    name = chips.last.inner_text().rsplit(" × ", 1)[0]  # the label's name, then its votes
    chips.last.click()
    page.wait_for_load_state("load")
    expect(page.locator(f"#{row.get_attribute('id') or 'p0'} .badge-gold")).to_have_text(name)


def test_student_compares_with_the_key_after_the_reveal(page: Page, live_app):
    made, documents, students = _annotated_project(live_app)
    with live_app.app_context():
        project = db.session.get(Project, made.id)
        project.reveal = "after_submit"
        db.session.commit()
    sign_in(page, students["aigerim"], PASSWORD)
    page.goto(f"/projects/{made.id}/documents/{documents[0]}/annotate")
    page.get_by_role("link", name="Compare with the key").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your work beside the key")
    header = page.locator("table.compare thead").inner_text()
    assert "You" in header and "Gold key" in header and "Classmate 1" in header
    assert students["daniyar"] not in page.content()
