"""A teacher imports a Label Studio export whose people are named by e-mail and full name:
the app shows who is who before storing anything, and the teacher corrects it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Document
from tests.browser.test_axe import describe, run_axe
from tests.browser.test_pages import PASSWORD, new_class_project, sign_in, unique

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]

TEXT = "Police said 14 died. Officials said all is calm."


def _tasks(*people: dict) -> bytes:
    return json.dumps([{"id": 1, "data": {"text": TEXT}, "annotations": [
        {"completed_by": person, "ground_truth": False, "was_cancelled": False,
         "result": [{"id": "r1", "from_name": "claim", "to_name": "text", "type": "labels",
                     "value": {"start": 12, "end": 19, "text": "14 died",
                               "labels": ["claim.no_source"]}}]}
        for person in people]}]).encode()


def test_teacher_checks_who_is_who_fixes_a_taken_name_and_imports(page: Page, live_app,
                                                                   browser_errors):
    browser_errors.allow(r"status of 400")  # the page comes back with its error, as a 400
    project = new_class_project(live_app)
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}/data")
    section = page.locator("#import")
    section.get_by_label("Format").select_option("label-studio")
    section.get_by_label("File").set_input_files({
        "name": "tasks.json", "mimeType": "application/json", "buffer": _tasks(
            {"id": 4, "email": "aigerim@school.kz", "first_name": "", "last_name": ""},
            {"id": 5, "email": "d@school.kz", "first_name": "Daniyar",
             "last_name": "Serikuly"})})
    section.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"**/projects/{project.id}/import/*")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check who is who")
    rows = page.locator("table.people-map tbody tr")
    expect(rows).to_have_count(2)
    aigerim = rows.filter(has_text="aigerim@school.kz")
    expect(aigerim.locator("td").nth(0)).to_have_text(re.compile(r"^1 span\s*0 passage tags"))
    expect(aigerim.get_by_label("What aigerim@school.kz becomes")).to_have_value("new")
    username = aigerim.get_by_label("Username of a new account")
    assert username.input_value().startswith("aigerim-")
    problems = describe("who is who", run_axe(page))

    username.fill(project.teacher)  # taken: the same page says so, nothing is stored
    page.get_by_role("button", name="Import with these names").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported")
    expect(aigerim.locator(".error")).to_contain_text(f"The username '{project.teacher}' is "
                                                      "taken")
    problems += describe("who is who, a taken username", run_axe(page))
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Document).where(
            Document.project_id == project.id)) == 0

    chosen = unique("aigerim")
    aigerim.get_by_label("Username of a new account").fill(chosen)
    page.get_by_role("button", name="Import with these names").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Login slips")
    expect(page.locator(".slips")).to_contain_text(chosen)
    expect(page.locator(".slips")).to_contain_text("daniyar.serikuly-")
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)
