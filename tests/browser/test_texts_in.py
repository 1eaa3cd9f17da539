"""A new teacher brings texts as they find them: a saved news page, a PDF, a Windows-1251
text, and a text pasted from elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Document
from tests.browser.test_pages import PASSWORD, document_rows, new_class_project, sign_in

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]

FILES = Path(__file__).parent.parent / "files"
MIME = {".html": "text/html", ".pdf": "application/pdf", ".txt": "text/plain"}


def chosen(*names: str) -> list[dict]:
    return [{"name": n, "mimeType": MIME[Path(n).suffix], "buffer": (FILES / n).read_bytes()}
            for n in names]


def test_teacher_checks_then_imports_a_news_page_a_pdf_and_a_cp1251_text(page: Page, live_app):
    project = new_class_project(live_app)
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    page.get_by_label("Files (").set_input_files(
        chosen("saved_article.html", "article.pdf", "zhanaozen_cp1251.txt"))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"**/projects/{project.id}/documents/preview/*")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be imported")
    news, pdf, russian = (page.locator(".preview-doc").nth(i) for i in range(3))
    expect(news.get_by_role("heading", level=2)).to_have_text(
        "Kazakh Authorities Try To Extinguish Unrest In Unruly West")
    expect(news).to_contain_text("Farangis Najibullah")
    expect(news).to_contain_text("RFE/RL")
    expect(news.locator(".passage-count")).to_contain_text("31")
    expect(news.locator(".preview-passages li").first).to_contain_text("ZHANAOZEN/PRAGUE")
    expect(news).not_to_contain_text("Accessibility links")
    expect(pdf).to_contain_text("the text layer of 1 page")
    expect(russian.locator(".encoding")).to_have_text("Windows-1251 (Cyrillic)")
    expect(russian.get_by_role("heading", level=2)).to_have_text(
        "Жанаозен: что известно о событиях 16 декабря")
    with live_app.app_context():  # nothing stored before the teacher says so
        assert db.session.scalar(db.select(db.func.count()).select_from(Document).where(
            Document.project_id == project.id)) == 0

    page.get_by_role("button", name="Import 3 documents").click()
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator(".flash-info")).to_have_text("Imported 3 documents.")
    rows = [(row.locator("td a").first.inner_text(), row.locator("td").nth(3).inner_text())
            for row in page.locator("#documents tbody tr").all()]
    headline = "Kazakh Authorities Try To Extinguish Unrest In Unruly West"
    assert rows == [(headline, "31"), (headline, "10"),
                    ("Жанаозен: что известно о событиях 16 декабря", "6")]

    # Reading the Russian text shows it as it was written.
    page.get_by_role("link", name="read").nth(2).click()
    expect(page.locator("body")).to_contain_text("Мангистауской области")


def test_teacher_cancels_a_preview_and_nothing_is_stored(page: Page, live_app):
    project = new_class_project(live_app)
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    page.get_by_label("Files (").set_input_files(chosen("saved_article.html"))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/documents/preview/*")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator(".flash-info")).to_have_text("Import cancelled; nothing was stored.")
    expect(page.locator("#documents h2")).to_contain_text("(0)")


def test_teacher_pastes_a_text_and_is_told_what_to_fix(page: Page, live_app, browser_errors):
    browser_errors.allow(r"status of 400")  # the form comes back with its error, as a 400
    project = new_class_project(live_app)
    sign_in(page, project.teacher, PASSWORD)
    page.goto(f"/projects/{project.id}")
    page.get_by_role("link", name="Paste a text instead").click()
    page.get_by_label("Published").fill("last week")
    page.get_by_label("Text", exact=True).fill("A witness said the square was empty.\n\n"
                                                "Police disputed it.")
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator("#published-error")).to_contain_text("is not a date")
    page.get_by_label("Published").fill("2011-12-17")
    page.get_by_role("button", name="Add the document").click()
    page.wait_for_url(f"**/projects/{project.id}")
    assert document_rows(page) == {"A witness said the square was empty.": 2}
