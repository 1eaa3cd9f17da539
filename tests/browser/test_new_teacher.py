"""The new teacher's path, in headless Chromium: signing up with an invitation, a project,
a class of 25 from a pasted Cyrillic roster with its login slips, a forgotten password,
assignments; then, on a phone, the class's work read on the dashboard, the agreement and the
feedback pages in plain words. axe-core checks every page met."""

from __future__ import annotations

import re
import secrets
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Project, User
from app.services import accounts, annotations, classroom, invitations, projects
from app.services.documents import import_seeds
from app.services.people import roster
from tests.browser.conftest import page_in_almaty
from tests.browser.test_accounts import PASSWORD, ROSTER, sign_in
from tests.browser.test_axe import describe, run_axe

pytestmark = pytest.mark.browser

# What a teacher must not meet on the pages they read: the database's numbers ...
RAW_NUMBERS = {
    "an offset": re.compile(r"\[\d+,\s*\d+\)"),
    "a raw id": re.compile(r"\((?:document|span|passage) \d+\)|\bids?\b|#\d+", re.IGNORECASE),
}
# ... and words: keys, and coefficients named without a word on what they mean: a name alone
# on its line or cell, or "κ = 0.81". A name with its explanation ("Fleiss' κ (agreement
# beyond chance)", a legend "κ: Cohen's kappa with the key …") is what a teacher should read.
COEFFICIENT = r"(?:(?:fleiss|gwet|cohen|krippendorff)(?:'s?)?\s+)?(?:kappa|κ|ac1|u_?alpha|α)"
RAW_WORDS = {
    "a key": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "a coefficient's bare name": re.compile(
        rf"^[ \t]*{COEFFICIENT}[ \t]*$|{COEFFICIENT}\s*=\s*-?\d", re.IGNORECASE | re.MULTILINE),
}
RAW = RAW_NUMBERS | RAW_WORDS


def raw_visible(page: Page, state: str, patterns: dict[str, re.Pattern]) -> list[str]:
    """What the patterns find in the visible text of `main` (folded details are not)."""
    text = page.locator("main").inner_text()
    problems = []
    for what, pattern in patterns.items():
        found = sorted({m.group(0) for m in pattern.finditer(text)})
        if found:
            problems.append(f"{state}: {what} is visible: {found[:5]}")
    return problems


def page_problems(page: Page, state: str, patterns: dict[str, re.Pattern] = RAW
                  ) -> list[str]:
    """axe's violations, sideways scrolling, and raw words in the visible text of `main`."""
    problems = describe(state, run_axe(page))
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if sideways > 1:
        problems.append(f"{state}: the page scrolls sideways by {sideways} px")
    return problems + raw_visible(page, state, patterns)


@pytest.fixture
def almaty(browser, live_server: str):
    """A laptop browser in Almaty."""
    with page_in_almaty(browser, live_server, viewport={"width": 1366, "height": 900}) as page:
        yield page


@pytest.fixture
def phone(browser, live_server: str):
    """A phone-sized touch browser in Almaty."""
    with page_in_almaty(browser, live_server, viewport={"width": 390, "height": 844},
                        has_touch=True, is_mobile=True) as page:
        yield page


def test_a_new_teacher_signs_up_and_sets_up_a_class_of_25(almaty: Page, live_app: Flask):
    page = almaty
    with live_app.app_context():
        _, invite = invitations.create(None)
    username = f"new-{secrets.token_hex(3)}"
    page.goto(f"/signup?invite={invite}")
    problems = page_problems(page, "sign-up")
    page.get_by_label("Your name").fill("Гульнара Аскарова")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/projects/new")
    page.get_by_label("Title").fill(f"10 B {secrets.token_hex(2)}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    project_url = page.url

    # An empty project: the cards say what comes first, and its forms are open.
    steps = page.locator("#card-next li")
    expect(steps).to_have_text([re.compile("Add the texts"), re.compile("Review the codebook"),
                                re.compile("Add your class list")])
    problems += page_problems(page, "a new project")
    page.locator("#card-documents").get_by_role("link", name="Add documents").click()
    page.get_by_role("button", name="Add the sample texts").click()
    page.wait_for_url(project_url)
    expect(page.locator(".flash-info")).to_have_text("Imported 5 sample texts.")
    expect(page.locator("#card-documents .dash-figure")).to_have_text("5 documents")

    # The class list, pasted; the slips give each real name its transliterated username.
    page.locator("#card-students").get_by_role("link", name="Add a class list").click()
    page.get_by_label(re.compile("One student a line")).fill(ROSTER)
    page.get_by_role("button", name="Create accounts and print login slips").click()
    expect(page.get_by_role("heading", name=re.compile("Login slips"))).to_be_visible()
    slips = page.locator(".slip")
    expect(slips).to_have_count(25)
    names = slips.locator(".slip-name").all_inner_texts()
    usernames = [u.strip() for u in slips.locator("dd.code").all_inner_texts()[::2]]
    assert names == ROSTER.splitlines()
    assert usernames[0].startswith("aygerim.z") and usernames[2].startswith("quanysh.o")
    assert len(set(usernames)) == 25
    problems += page_problems(page, "login slips")

    # Dana lost her slip: a new password, on a new slip.
    page.goto(project_url)
    expect(page.locator("#card-students .dash-figure")).to_have_text("25 students")
    row = page.locator("#members tr", has_text=usernames[5])
    row.get_by_role("button", name=f"New password for {usernames[5]}").click()
    expect(page.get_by_role("heading", name=re.compile("A new login slip"))).to_be_visible()
    expect(page.locator(".slip .slip-name")).to_have_text("Дана Серікова")
    problems += page_problems(page, "a new slip")

    # Each text to ten students, due on 1 May at the end of the day in Almaty.
    page.goto(project_url)
    page.locator("#card-progress").get_by_role("link", name="Assign documents").click()
    form = page.locator("#assignments")
    form.get_by_label("Each document to k students").check()
    form.get_by_label("Students per document (k)").fill("10")
    form.get_by_label(re.compile("Due date")).fill("2031-05-01")
    form.get_by_role("button", name="Assign").click()
    # The page is at #assignments already (the card's link): wait for the answer's message.
    expect(page.locator(".flash-info")).to_contain_text("Assignments saved", timeout=15_000)
    progress = page.locator("#card-progress")
    expect(progress.locator(".dash-figure")).to_have_text("0 of 50 submitted")
    expect(progress).to_contain_text("Next due: 1 May 2031, 23:59 (Almaty)")
    expect(steps).to_have_text([re.compile("Review the codebook"),
                                re.compile("Follow the class’s progress")])
    problems += page_problems(page, "a project with assignments")
    progress.get_by_role("link", name="Progress board").click()
    expect(page.locator("#board tbody tr")).to_have_count(25)
    problems += page_problems(page, "the progress board")
    assert not problems, "\n".join(problems)


def _class_with_work(app: Flask) -> tuple[str, str, str]:
    """A project of the sample texts and four students who tagged, marked and submitted all
    of them, made through the services; returns the teacher, the project's URL and a
    student's real name."""
    with app.app_context():
        teacher = accounts.create_user(f"t-{secrets.token_hex(3)}", PASSWORD, "teacher",
                                       "Phone Teacher")
        project = projects.create_project(teacher, f"Phone class {secrets.token_hex(2)}",
                                          time_zone="Asia/Almaty")
        documents = import_seeds(project, Path(app.config["SEEDS_DIR"]),
                                 app.config["DOCUMENT_MAX_BYTES"], teacher)
        slips = roster.add_roster(project, "\n".join(ROSTER.splitlines()[:4]))
        classroom.assign(project, "all")
        project = db.session.get(Project, project.id)
        sources = [label.key for layer in project.codebook.layers if layer.key == "source"
                   for label in layer.labels if label.active]
        rhetoric = [label.key for layer in project.codebook.layers if layer.key == "rhetoric"
                    for label in layer.labels if label.active]
        for number, slip in enumerate(slips):
            student = db.session.scalar(sa.select(User).where(User.username == slip.username))
            for document in documents:
                for passage in document.passages:
                    # Most passages get the same type; every fourth differs by student.
                    label = sources[(passage.index + (number if passage.index % 4 == 0
                                                      else 0)) % len(sources)]
                    annotations.set_passage_tag(student, document, passage.id, label)
                first = document.passages[0]
                end = min(first.end, first.start + 40)
                annotations.create_span(student, document, {
                    "client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": rhetoric[0],
                    "start": first.start, "end": end,
                    "text": document.text[first.start:end]})
                annotations.save_rating(student, document,
                                        {"reliability": 3, "slant": 0, "genre": "reporting"})
                annotations.set_done(student, document, True)
        return teacher.username, f"/projects/{project.id}", slips[0].display_name


def test_the_teacher_reads_the_class_work_in_plain_words_on_a_phone(phone: Page,
                                                                    live_app: Flask):
    page = phone
    teacher, project_url, student_name = _class_with_work(live_app)
    sign_in(page, teacher, PASSWORD)
    page.goto(project_url)

    # On a phone the cards stack in one column, each under the one before.
    boxes = [page.locator(f"#card-{name}").bounding_box()
             for name in ("documents", "students", "progress", "agreement", "next")]
    assert all(box is not None for box in boxes)
    assert len({round(box["x"]) for box in boxes}) == 1, boxes
    assert all(a["y"] + a["height"] <= b["y"] for a, b in zip(boxes, boxes[1:], strict=False)
               ), boxes
    expect(page.locator("#card-progress .dash-figure")).to_have_text("20 of 20 submitted")
    agreement = page.locator("#card-agreement")
    expect(agreement.locator(".dash-figure")).to_have_text(re.compile(r"^\d+ of \d+ passages$"))
    expect(agreement).to_contain_text("chose the same source type")
    problems = page_problems(page, "the dashboard on a phone")

    for state in read_the_class(page, project_url, student_name):
        problems += page_problems(page, state, RAW_NUMBERS)
    assert not problems, "\n".join(problems)


def read_the_class(page: Page, project_url: str, student_name: str):
    """From the dashboard's next steps to the agreement page, the feedback page and one
    student's feedback; yields on each page."""
    page.goto(project_url)
    page.locator("#card-next").get_by_role(
        "link", name="Read where students agree and differ").click()
    page.wait_for_url("**/agreement")
    yield "the agreement page"
    page.goto(project_url)
    page.locator("#card-next").get_by_role("link", name="Give students their feedback").click()
    page.wait_for_url(re.compile(r"/feedback"))
    yield "the feedback page"
    page.get_by_role("link", name=re.compile(student_name)).first.click()
    page.wait_for_url(re.compile(r"/feedback/"))
    yield "a student's feedback"


def test_the_class_work_is_read_without_keys_or_bare_coefficients(phone: Page,
                                                                    live_app: Flask):
    page = phone
    teacher, project_url, student_name = _class_with_work(live_app)
    sign_in(page, teacher, PASSWORD)
    problems = []
    for state in read_the_class(page, project_url, student_name):
        problems += raw_visible(page, state, RAW_WORDS)
    assert not problems, "\n".join(problems)
