"""The web import of files the app interprets (shown before they are stored), and pasting
a text into a form."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import models
from app.extensions import db
from app.models import Document, utcnow
from tests.conftest import login
from tests.test_documents import flashes, stored, upload

FILES = Path(__file__).parent / "files"


@pytest.fixture
def teacher_project(make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher, "Upload class")
    return teacher, project, login_as(teacher)


def previews() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(models.ImportPreview))


def to_preview(client, project_id: int, token: str, names: list[str]) -> str:
    """Upload shipped files; check it leads to a preview and stores nothing; its URL."""
    before = stored()
    response = upload(client, project_id, token, [(n, (FILES / n).read_bytes()) for n in names])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.search(rf"/projects/{project_id}/documents/preview/[\w-]{{32}}$",
                     response.location), response.location
    assert stored() == before
    return response.location


def text_of(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_saved_page_is_shown_before_it_is_stored(app, client, teacher_project):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["saved_article.html"])
    page = client.get(url)
    assert page.status_code == 200
    shown = text_of(page.get_data(as_text=True))
    for expected in ("Kazakh Authorities Try To Extinguish Unrest In Unruly West",
                     "Farangis Najibullah", "RFE/RL", "2011-12-19", "Encoding read UTF-8",
                     "Passages 31 (", "ZHANAOZEN/PRAGUE -- Authorities", "… and 28 more.",
                     "menus, banners and other page furniture left out"):
        assert expected in shown, expected
    for furniture in ("Accessibility links", "XS SM MD LG", "cookies"):
        assert furniture not in shown
    # The drafts wait on the server, not in the cookie.
    assert previews() == 1
    cookie = client.get_cookie("session")
    assert cookie is None or len(cookie.value) < 600


def test_import_stores_the_previewed_documents_once(app, client, teacher_project):
    teacher, project, token = teacher_project
    url = to_preview(client, project.id, token, ["saved_article.html", "article.pdf",
                                                 "zhanaozen_cp1251.txt"])
    page = text_of(client.get(url).get_data(as_text=True))
    assert "Encoding read Windows-1251 (Cyrillic)" in page
    assert "Text taken the text layer of 1 page" in page
    response = client.post(url, data={"csrf_token": token, "choice": "import"})
    assert response.status_code == 302 and response.location.endswith(f"/projects/{project.id}")
    assert flashes(client.get(response.location).get_data(as_text=True), "info") == [
        "Imported 3 documents."]
    docs = db.session.scalars(sa.select(Document).order_by(Document.position)).all()
    assert [d.source_name for d in docs] == ["saved_article.html", "article.pdf",
                                             "zhanaozen_cp1251.txt"]
    assert (docs[0].publisher, docs[0].author, docs[0].published) == (
        "RFE/RL", "Farangis Najibullah", "2011-12-19")
    assert len(docs[0].passages) == 31 and docs[0].created_by_id == teacher.id
    assert docs[2].text.startswith("Жанаозен: что известно")
    assert previews() == 0
    assert client.post(url, data={"csrf_token": token, "choice": "import"}).status_code == 404
    assert stored()[0] == 3


def test_cancel_stores_nothing_and_forgets_the_preview(app, client, teacher_project):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    response = client.post(url, data={"csrf_token": token, "choice": "cancel"})
    assert response.status_code == 302
    assert flashes(client.get(response.location).get_data(as_text=True), "info") == [
        "Import cancelled; nothing was stored."]
    assert stored() == (0, 0)
    assert previews() == 0
    assert client.get(url).status_code == 404


def test_a_post_without_a_choice_is_a_400_and_stores_nothing(client, teacher_project):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    assert client.post(url, data={"csrf_token": token, "choice": "maybe"}).status_code == 400
    assert stored() == (0, 0)


def test_a_post_without_csrf_token_stores_nothing(client, teacher_project):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    assert client.post(url, data={"choice": "import"}).status_code == 400
    assert stored() == (0, 0)


def test_an_expired_preview_is_gone(app, client, teacher_project, monkeypatch):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    from app.services.reading import previews

    monkeypatch.setattr(previews, "PREVIEW_SECONDS", -1)
    assert client.post(url, data={"csrf_token": token, "choice": "import"}).status_code == 404
    assert stored() == (0, 0)


def test_a_new_preview_sweeps_old_ones(app, client, teacher_project):
    _, project, token = teacher_project
    to_preview(client, project.id, token, ["lesson.docx"])
    old = db.session.scalar(sa.select(models.ImportPreview))
    old.created_at, old_token = utcnow() - timedelta(hours=2), old.token
    db.session.commit()
    to_preview(client, project.id, token, ["article.pdf"])
    db.session.expire_all()
    tokens = db.session.scalars(sa.select(models.ImportPreview.token)).all()
    assert len(tokens) == 1 and tokens != [old_token]


def test_a_preview_goes_with_its_project(client, teacher_project):
    _, project, token = teacher_project
    to_preview(client, project.id, token, ["lesson.docx"])
    db.session.delete(project)
    db.session.commit()
    assert previews() == 0


def test_a_preview_belongs_to_its_project(client, teacher_project, make):
    teacher, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    other = make.project(teacher, "Another class")
    assert client.get(url.replace(f"/projects/{project.id}/",
                                  f"/projects/{other.id}/")).status_code == 404
    for bad in ("../../../etc/passwd", "x" * 32 + ".json", "short"):
        assert client.get(f"/projects/{project.id}/documents/preview/{bad}").status_code == 404


def test_a_duplicate_is_refused_before_the_preview(client, teacher_project, make):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["article.pdf"])
    client.post(url, data={"csrf_token": token, "choice": "import"})
    response = upload(client, project.id, token, [("again.pdf",
                                                   (FILES / "article.pdf").read_bytes())])
    assert response.status_code == 302 and response.location.endswith(f"/projects/{project.id}")
    errors = flashes(client.get(response.location).get_data(as_text=True))
    assert errors[0] == "Nothing was imported."
    assert errors[1].startswith("again.pdf: the same text is already in this project")


def test_scanned_pdf_is_refused_with_the_reason(client, teacher_project):
    _, project, token = teacher_project
    response = upload(client, project.id, token, [("scan.pdf",
                                                   (FILES / "scanned.pdf").read_bytes())])
    errors = flashes(client.get(response.location).get_data(as_text=True))
    assert errors[1].startswith("scan.pdf: this PDF has no text; it is probably scanned")
    assert stored() == (0, 0)


def test_a_student_cannot_see_a_preview(app, client, teacher_project, make):
    _, project, token = teacher_project
    url = to_preview(client, project.id, token, ["lesson.docx"])
    student = make.member(project, "student")
    other = app.test_client()
    assert login(other, student.username).status_code == 302
    assert other.get(url).status_code == 403


# --- pasting -------------------------------------------------------------------------------

def paste(client, project_id: int, token: str, **values):
    return client.post(f"/projects/{project_id}/documents/paste",
                       data={"csrf_token": token, **values})


def test_pasted_text_becomes_a_document(client, teacher_project):
    teacher, project, token = teacher_project
    assert client.get(f"/projects/{project.id}/documents/paste").status_code == 200
    response = paste(client, project.id, token, title="Witness account", publisher="Forum",
                     author="A. B.", published="2011-12", url="https://example.org/t/1",
                     text="First paragraph.\r\n\r\nSecond paragraph.\r\n")
    assert response.status_code == 302, response.get_data(as_text=True)
    (doc,) = db.session.scalars(sa.select(Document)).all()
    assert (doc.title, doc.publisher, doc.author, doc.published, doc.url, doc.source_name) == (
        "Witness account", "Forum", "A. B.", "2011-12", "https://example.org/t/1",
        "pasted text")
    assert doc.text == "First paragraph.\n\nSecond paragraph.\n"
    assert len(doc.passages) == 2 and doc.created_by_id == teacher.id
    assert flashes(client.get(response.location).get_data(as_text=True), "info") == [
        "Added \u201cWitness account\u201d."]


def test_pasted_text_without_a_title_takes_its_first_line(client, teacher_project):
    _, project, token = teacher_project
    assert paste(client, project.id, token, text="Headline here\n\nBody.").status_code == 302
    assert db.session.scalar(sa.select(Document.title)) == "Headline here"


@pytest.mark.parametrize("values,field,message", [
    ({"text": "  \n "}, "text", "empty"),
    ({"title": "No text"}, "text", "is required"),
    ({"text": "ok", "published": "yesterday"}, "published", "is not a date"),
    ({"text": "ok", "url": "javascript:alert(1)"}, "url", "not an http(s) address"),
    ({"text": "bell \x07"}, "text", "U+0007"),
    ({"text": "ok", "title": "t" * 301}, "title", "300"),
    ({"text": "z" * 60}, "text", "over the limit of 50 bytes"),
])
def test_bad_paste_is_a_400_naming_the_field_and_stores_nothing(app, client, teacher_project,
                                                                 values, field, message):
    _, project, token = teacher_project
    app.config["DOCUMENT_MAX_BYTES"] = 50
    response = paste(client, project.id, token, **values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1), page
    assert stored() == (0, 0)


def test_pasting_a_text_the_project_holds_is_refused(client, teacher_project, make):
    _, project, token = teacher_project
    make.document(project, "Already here.\n", name="first.txt")
    response = paste(client, project.id, token, text="Already here.\n")
    assert response.status_code == 400
    assert "already in this project" in response.get_data(as_text=True)
    assert stored()[0] == 1


def test_a_student_cannot_paste(client, make, login_as):
    project = make.project()
    token = login_as(make.member(project, "student"))
    assert paste(client, project.id, token, text="x").status_code == 403
    assert stored() == (0, 0)


def test_upload_form_accepts_the_new_types(client, teacher_project):
    _, project, _ = teacher_project
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'accept=".txt,.md,.markdown,.html,.htm,.pdf,.docx,.jsonl"' in page
    assert f'href="/projects/{project.id}/documents/paste"' in page


