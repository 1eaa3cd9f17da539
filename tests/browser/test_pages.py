"""The pages in real headless Chromium, under the app's strict Content-Security-Policy.

Every test fails if the page logs a console error (CSP violations included) or throws.
"""

from __future__ import annotations

import re
import secrets
import time
import tomllib
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Document, Project
from app.services import accounts, projects
from app.services.documents import import_files
from tests.conftest import SEEDS

pytestmark = pytest.mark.browser

TEACHER = ("teacher", "teacher-demo")
STUDENT = ("aigerim", "student-demo")
PASSWORD = "browser-test-pw"
# Passages of each seed text, by the file's number.
SEED_PASSAGES = {"000": 31, "001": 49, "002": 364, "003": 16, "004": 32}


def seed_titles() -> dict[str, str]:
    """Seed file number -> title, from seeds/manifest.toml."""
    with (SEEDS / "manifest.toml").open("rb") as handle:
        manifest = tomllib.load(handle)
    return {entry["file"][:3]: entry["title"] for entry in manifest["document"]}


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")
    expect(page.get_by_role("heading", name="My projects")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    expect(page.locator(".flash-info")).to_have_text("You are signed out.")


def document_rows(page: Page) -> dict[str, int]:
    """Title -> passage count, as the project page's documents table shows them."""
    rows = {}
    for row in page.locator("#documents tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        title = row.locator("td a").first.inner_text()
        rows[title.strip()] = int(cells[3].replace(",", ""))
    return rows


@dataclass(frozen=True)
class ClassProject:
    id: int
    title: str
    teacher: str


def new_class_project(app: Flask, texts: tuple[str, ...] = ()) -> ClassProject:
    """A teacher (password PASSWORD) with a project of their own, made with the services."""
    with app.app_context():
        teacher = accounts.create_user(unique("teacher"), PASSWORD, "teacher", "Browser Teacher")
        project = projects.create_project(teacher, unique("Class project"))
        if texts:
            files = [(f"text{i}.txt", text.encode()) for i, text in enumerate(texts)]
            import_files(project, files, app.config["DOCUMENT_MAX_BYTES"], teacher)
        return ClassProject(project.id, project.title, teacher.username)


# --- 1 -------------------------------------------------------------------------------------

def test_demo_teacher_sees_demo_project_with_seed_documents_and_join_code(page, demo_project):
    sign_in(page, *TEACHER)
    card = page.locator(".project-list li", has_text=demo_project.title)
    expect(card).to_contain_text("5 documents")
    card.get_by_role("link", name=demo_project.title).click()
    page.wait_for_url(f"**/projects/{demo_project.id}")

    expect(page.get_by_role("heading", level=1)).to_have_text(demo_project.title)
    expect(page.locator("#documents h2")).to_contain_text("(5)")
    titles = seed_titles()
    assert document_rows(page) == {titles[n]: count for n, count in SEED_PASSAGES.items()}
    code = page.locator(".join-code .code")
    expect(code).to_have_text(demo_project.join_code)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code.inner_text())


# --- 2 -------------------------------------------------------------------------------------

def test_forum_thread_reading_view_matches_api_passages(page, demo_project):
    sign_in(page, *STUDENT)
    listing = page.request.get(f"/api/v1/projects/{demo_project.id}/documents")
    assert listing.ok, listing.text()
    title = seed_titles()["002"]
    (summary,) = [d for d in listing.json()["documents"] if d["title"] == title]
    api_url = f"/api/v1/projects/{demo_project.id}/documents/{summary['id']}"
    response = page.request.get(api_url)
    assert response.ok, response.text()
    api = response.json()
    text, passages = api["text"], api["passages"]
    assert len(passages) == 364
    assert len(text.encode("utf-8")) > 80_000  # the ~90 KB thread

    started = time.perf_counter()
    page.goto(f"/projects/{demo_project.id}/documents/{summary['id']}", wait_until="commit")
    page.wait_for_selector('.passage[data-index="362"]', state="attached")
    elapsed = time.perf_counter() - started
    print(f"\nforum thread: last of 364 passages attached {elapsed * 1000:.0f} ms "
          "after navigation started")
    page.wait_for_load_state("load")
    assert elapsed < 10

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".doc-head .meta")).to_contain_text("364 passages")
    dom = page.locator(".passage").evaluate_all(
        "els => els.map(e => [Number(e.dataset.index), Number(e.dataset.start),"
        " Number(e.dataset.end), e.textContent])")
    assert len(dom) == 364
    assert [d[:3] for d in dom] == [[p["index"], p["start"], p["end"]] for p in passages]
    for i in (0, 1, 100, 181, 362):
        assert dom[i][3] == text[passages[i]["start"]:passages[i]["end"]], f"passage {i}"
    mismatched = [d[0] for d in dom if d[3] != text[d[1]:d[2]]]
    assert not mismatched, f"passages whose text differs from the API's: {mismatched[:20]}"

    # Scroll to the end: off-screen passages skip layout (content-visibility), yet the last
    # one must be reachable and shown.
    last = page.locator('.passage[data-index="362"]')
    for _ in range(5):
        page.keyboard.press("End")
        page.wait_for_timeout(100)
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 10_000
    at_bottom = page.evaluate(
        "Math.ceil(window.scrollY + window.innerHeight) >= "
        "document.scrollingElement.scrollHeight - 2")
    assert at_bottom


# --- 3 -------------------------------------------------------------------------------------

def test_new_student_joins_with_class_code_then_signs_out_and_in(page, demo_project):
    username = unique("student")
    page.goto("/join")
    page.get_by_label("Class code").fill(demo_project.join_code.lower())
    page.get_by_label("Your name (shown to your classes)").fill("New Student")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Join the class").click()

    page.wait_for_url(f"**/projects/{demo_project.id}")
    expect(page.locator(".flash-info")).to_have_text(f"Welcome to {demo_project.title}!")
    expect(page.locator(".who")).to_contain_text("New Student")
    titles = seed_titles()
    assert set(document_rows(page)) == set(titles.values())
    expect(page.locator(".join-code")).to_have_count(0)  # students don't see the code
    expect(page.locator("#members tbody")).to_contain_text(username)

    sign_out(page)
    sign_in(page, username, PASSWORD)
    expect(page.get_by_role("link", name=demo_project.title)).to_be_visible()


# --- 4 -------------------------------------------------------------------------------------

def test_upload_with_bad_file_imports_nothing_then_good_file_alone_is_added(page, live_app):
    project = new_class_project(live_app, texts=("Already here\n\nThe first text.\n",))
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    expect(page.locator("#documents h2")).to_contain_text("(1)")
    page.locator("#card-documents").get_by_role("link", name="Add documents").click()

    good_title = unique("Good upload")
    good = {"name": "good.txt", "mimeType": "text/plain",
            "buffer": f"{good_title}\n\nA second paragraph.\n".encode()}
    bad = {"name": "bad.txt", "mimeType": "text/plain", "buffer": b"Caf\xe9 \xff\xfe broken\n"}
    page.locator("#files").set_input_files([bad, good])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"**/projects/{project.id}")

    errors = page.locator(".flash-error")
    expect(errors.first).to_have_text("Nothing was imported.")
    expect(errors.filter(has_text="bad.txt")).to_have_count(1)
    expect(errors.filter(has_text="bad.txt")).to_contain_text("not valid UTF-8")
    expect(page.locator(".flash-error", has_text="good.txt")).to_have_count(0)
    expect(page.locator("#documents h2")).to_contain_text("(1)")
    assert good_title not in document_rows(page)

    page.locator("#card-documents").get_by_role("link", name="Add documents").click()
    page.locator("#files").set_input_files([good])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator(".flash-info")).to_have_text("Imported 1 document.")
    expect(page.locator(".flash-error")).to_have_count(0)
    expect(page.locator("#documents h2")).to_contain_text("(2)")
    assert document_rows(page)[good_title] == 2
    with live_app.app_context():
        stored = db.session.scalars(
            db.select(Document.title).where(Document.project_id == project.id)).all()
    assert sorted(stored) == sorted(["Already here", good_title])



def test_upload_error_is_in_view_after_the_redirect(page, live_app):
    project = new_class_project(live_app, texts=("Already here\n\nThe first text.\n",))
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    page.locator("#card-documents").get_by_role("link", name="Add documents").click()
    bad = {"name": "bad.txt", "mimeType": "text/plain", "buffer": b"Caf\xe9 \xff\xfe broken\n"}
    page.locator("#files").set_input_files([bad])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator(".flash-error").first).to_have_text("Nothing was imported.")
    expect(page.locator(".flash-error").first).to_be_in_viewport(timeout=2_000)

# --- 5 -------------------------------------------------------------------------------------

def test_roster_gives_printable_login_slips_that_work(page, live_app):
    project = new_class_project(live_app)
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    names = ["Ainur Bekova", "Timur Ospanov", "Zarina Alieva"]
    page.get_by_label("One student a line").fill("\n".join(names))
    # The slips' passwords work as they are (choosing one's own at first sign-in has its
    # own test in test_accounts.py).
    page.get_by_label("Students choose their own password the first time they sign in").uncheck()
    page.get_by_role("button", name="Create accounts and print login slips").click(
        timeout=60_000)  # hashes every new password first

    page.wait_for_url(f"**/projects/{project.id}/roster")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Login slips for {project.title}")
    slips = page.locator(".slip")
    expect(slips).to_have_count(3)
    logins = []
    for slip in slips.all():
        name = slip.locator(".slip-name").inner_text()
        username, password = slip.locator("dd.code").all_inner_texts()
        logins.append((name, username.strip(), password.strip()))
    assert [name for name, _, _ in logins] == names
    for _, username, password in logins:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,31}", username), username
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password), password
    assert len({u for _, u, _ in logins}) == 3

    sign_out(page)
    name, username, password = logins[1]
    sign_in(page, username, password)
    expect(page.locator(".who")).to_contain_text(name)
    page.get_by_role("link", name=project.title).click()
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator("#members tbody")).to_contain_text(username)


# --- 6 -------------------------------------------------------------------------------------

def test_student_gets_404_for_a_project_they_do_not_belong_to(page, live_app, browser_errors):
    other = new_class_project(live_app, texts=("Private text\n\nOnly for the other class.\n",))
    with live_app.app_context():
        doc_id = db.session.get(Project, other.id).documents[0].id
    browser_errors.allow(r"status of 404")  # Chromium logs the 404 responses below

    sign_in(page, *STUDENT)
    expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    for url in (f"/projects/{other.id}", f"/projects/{other.id}/documents/{doc_id}"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.get_by_role("heading", level=1)).to_have_text("404")
        expect(page.locator("main")).not_to_contain_text(other.title)
        expect(page.locator("main")).not_to_contain_text("Private text")
    api = page.request.get(f"/api/v1/projects/{other.id}")
    assert api.status == 404
    assert api.json()["error"]["code"] == "not_found"


# --- 7 -------------------------------------------------------------------------------------

def test_label_swatches_get_their_colour_from_app_js_under_the_csp(page, demo_project):
    sign_in(page, *STUDENT)
    page.goto(f"/projects/{demo_project.id}")
    swatches = page.locator(".swatch")
    expect(swatches.first).to_be_visible()
    found = swatches.evaluate_all(
        "els => els.map(e => [e.dataset.color, getComputedStyle(e).borderLeftColor])")
    assert len(found) >= 5
    grey = "rgb(153, 153, 153)"  # the stylesheet's default for .swatch
    for color, computed in found:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", color), color
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
        assert computed == f"rgb({r}, {g}, {b})", (color, computed)
    assert any(computed != grey for _, computed in found)
