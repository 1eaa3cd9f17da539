"""The classroom in headless Chromium: a teacher assigns documents and follows the board, a
student works through the next assignment and submits it (then it is locked), the teacher
reopens it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services import accounts, projects
from app.services.documents import import_files

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]

PASSWORD = "browser-test-pw"


@dataclass(frozen=True)
class Classroom:
    project_id: int
    teacher: str
    students: tuple[str, ...]
    titles: tuple[str, ...]


@pytest.fixture
def room(live_app: Flask) -> Classroom:
    """A teacher's project with three short texts and three students (password PASSWORD)."""
    suffix = secrets.token_hex(3)
    with live_app.app_context():
        teacher = accounts.create_user(f"t-{suffix}", PASSWORD, "teacher", "Room Teacher")
        project = projects.create_project(teacher, f"Classroom {suffix}")
        files = [(f"text{i}.txt", (f"Report {i} {suffix}\n\nOfficials said {i} buses came."
                                   f"\n\nWitnesses counted {i + 2}.\n").encode())
                 for i in range(3)]
        documents = import_files(project, files, live_app.config["DOCUMENT_MAX_BYTES"],
                                 teacher)
        students = []
        for i in range(3):
            student = accounts.create_user(f"s{i}-{suffix}", PASSWORD, "student",
                                           f"Student {i}")
            projects.add_member(project, student, "student")
            students.append(student.username)
        db.session.commit()
        return Classroom(project.id, teacher.username, tuple(students),
                         tuple(d.title for d in documents))


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def saved(page: Page) -> None:
    expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=10_000)


def test_teacher_assigns_student_submits_and_is_locked_teacher_reopens(
        page: Page, room: Classroom):
    student = room.students[0]
    sign_in(page, room.teacher)
    page.goto(f"/projects/{room.project_id}")
    card = page.locator("#assignments")
    expect(card).to_contain_text("No assignments yet")
    card.get_by_label("Each document to k students").check()
    card.get_by_label("Students per document (k)").fill("2")
    card.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/projects/{room.project_id}#assignments")
    expect(page.locator(".flash-info")).to_have_text(
        "Assignments saved: 6 new, 0 kept, 0 removed. Each student has 2 documents.")
    expect(card).to_contain_text("6 assignments")

    card.get_by_role("link", name="Progress board").click()
    page.wait_for_url(f"**/projects/{room.project_id}/progress")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress")
    expect(page.locator("#class-bar")).to_have_attribute("max", "6")
    expect(page.locator("#class-bar")).to_have_attribute("value", "0")
    expect(page.locator("#count-assigned")).to_have_text("6")
    expect(page.locator("#board tbody tr")).to_have_count(3)
    for title in room.titles:
        expect(page.locator("#board thead").get_by_role("link", name=title)).to_be_visible()
    row = page.locator(f'tr[data-student="{student}"]')
    expect(row.locator('td[data-status="not started"]')).to_have_count(2)
    expect(row.locator('td[data-status="not assigned"]')).to_have_count(1)
    sign_out(page)

    # The student opens the next assignment, tags a passage by keyboard, rates, submits.
    sign_in(page, student)
    page.goto(f"/projects/{room.project_id}")
    mine = page.locator("#my-assignments")
    expect(mine.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#documents tbody tr")).to_have_count(2)
    next_link = mine.get_by_role("link", name=re.compile(r"^Open next: "))
    title = next_link.inner_text().removeprefix("Open next: ")
    next_link.click()
    page.wait_for_url("**/annotate")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".crumbs")).to_contain_text("1 of 2")
    page.keyboard.press("Alt+1")
    page.keyboard.press("j")
    page.keyboard.press("n")  # news reporting
    saved(page)
    expect(page.locator("#progress-text")).to_contain_text("1 of 3 passages tagged")
    page.get_by_role("tab", name="Rating").click()
    page.locator('input[name="rating-reliability"][value="4"]').check()
    page.locator('input[name="rating-slant"][value="cannot_tell"]').check()
    page.locator('select[data-field="genre"]').select_option("reporting")
    saved(page)
    page.get_by_role("button", name="Submit to teacher").click()
    dialog = page.get_by_role("dialog", name="Submit to your teacher?")
    expect(dialog).to_contain_text("2 of 3 passages have no source type")
    dialog.get_by_role("button", name="Submit anyway").click()
    saved(page)
    done = page.locator("#done-toggle")
    expect(done).to_have_text("Submitted ✓")
    expect(done).to_be_disabled()
    expect(page.locator("#locked-note")).to_contain_text(
        "read-only now: your teacher (Room Teacher) can reopen it")
    expect(page.locator("#locked-note")).to_be_visible()
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(done).to_have_text("Submitted ✓")
    expect(done).to_be_disabled()
    page.goto(f"/projects/{room.project_id}")
    expect(mine.locator("tr", has_text=title)).to_contain_text("submitted")
    expect(mine.get_by_role("link", name=re.compile(r"^Open next: "))).not_to_have_text(
        f"Open next: {title}")
    sign_out(page)

    # The teacher sees it on the board and reopens it.
    sign_in(page, room.teacher)
    page.goto(f"/projects/{room.project_id}/progress")
    expect(page.locator("#count-submitted")).to_have_text("1")
    expect(page.locator("#class-bar")).to_have_attribute("value", "1")
    cell = row.locator('td[data-status="submitted"]')
    expect(cell).to_have_count(1)
    expect(cell).to_contain_text("1/3 tagged · 0 spans")
    expect(cell).to_contain_text("just now")
    cell.get_by_role("button", name="Reopen").click()
    page.wait_for_url(f"**/projects/{room.project_id}/progress")
    expect(page.locator(".flash-info")).to_have_text(
        f"Reopened “{title}” for {student}: they can change it and submit it again.")
    expect(row.locator('td[data-status="submitted"]')).to_have_count(0)
    expect(row.locator('td[data-status="in progress"]')).to_have_count(1)
    expect(page.locator("#count-submitted")).to_have_text("0")
    sign_out(page)

    # The student can change it again.
    sign_in(page, student)
    page.goto(f"/projects/{room.project_id}")
    page.locator("#my-assignments").get_by_role("link", name=title, exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(done).to_have_text("Submit to teacher")
    expect(done).to_be_enabled()
    expect(page.locator("#locked-note")).to_be_hidden()
