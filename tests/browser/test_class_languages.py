"""A Kazakh-speaking class and a Russian-speaking one do the whole workflow in their language,
as new users would: the teacher signs up, makes a project (the language's codebook), pastes a
class list of three and a text, assigns it; a student signs in, tags a passage, marks a span
with a note and submits; the teacher reads progress, agreement, the student's feedback, the
gold key and the export page. No page shows a sentence of the English interface, and axe-core
finds nothing on any of them."""

from __future__ import annotations

import json
import re
import secrets
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.i18n import catalogues
from app.models import Document, Project, Span
from app.services import invitations
from tests.browser.test_axe import describe, run_axe

# Reads and writes through the server once per language: the SQLite browser pass is enough.
pytestmark = pytest.mark.browser

PASSWORD = "steppe-eagle-river"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# English the catalogue does not hold: the class's own words are all Cyrillic, so two Latin
# words in a row are the interface's, but for names that stay as they are in any language.
LATIN_WORDS = re.compile(r"\b[A-Za-z]{2,}(?:,? [A-Za-z]{2,})+\b")
NAMES = re.compile(r"Sourcemark|Label Studio|Hugging Face|doccano|brat|CoNLL|JSONL|CSV|JSON|"
                   r"SemEval|PTC|BIO|PDF|Word|tu quoque|ground truth|Krippendorff|Cohen|"
                   r"Fleiss|Gwet|AC1|LMS|LTI|"
                   r"Cmd|Ctrl|Alt|Shift|Enter|Esc|Tab|zip|txt|ann|id|url|URL")
CLASS = {
    "kk": ("Айгерим Жұмабаева\nДәулет Серікұлы\nҚаныш Оспанов",
           "Жаңаөзендегі ереуіл 2011 жылдың көктемінде басталды. Мұнайшылар жалақыны көтеруді "
           "талап етті.\n\nЖелтоқсанда алаңда оқ атылды, деп хабарлады билік.\n",
           "Дереккөз көрсетілмеген"),
    "ru": ("Айгерим Жумабаева\nДаулет Серикулы\nКаныш Оспанов",
           "Забастовка в Жанаозене началась весной 2011 года. Нефтяники требовали повысить "
           "зарплату.\n\nВ декабре на площади стреляли, сообщили власти.\n",
           "Источник не назван"),
}


@pytest.fixture(scope="module")
def english():
    """Each sentence-like piece (two words or more) of the English interface, per language:
    the pieces between placeholders, less those the language's catalogue uses as they are."""
    pieces = set()
    for message in catalogues.extract():
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            for piece in PLACEHOLDER.split(text):
                piece = piece.strip(" .,:;!?…()“”'\"«»—-")
                if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                    pieces.add(piece)
    kept = {}
    for code in CLASS:
        translated = " ".join(s if isinstance(s, str) else " ".join(s)
                              for m in catalogues.read(code) if m.id for s in [m.string])
        kept[code] = sorted(p for p in pieces if p not in translated)
    return kept


class Reader:
    """Checks each page a class member opens: the language, no English, axe once per kind."""

    def __init__(self, code: str, english: list[str]):
        self.code, self.english, self.problems, self.seen = code, english, [], set()

    def check(self, page: Page, kind: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", self.code)
        text = page.locator("body").inner_text()
        left = [piece for piece in self.english if piece in text]
        left += [words for words in LATIN_WORDS.findall(text)
                 if len(re.findall(r"[A-Za-z]{2,}", NAMES.sub("", words))) >= 2]
        if left:
            self.problems.append(f"{kind}: English on the page: {left[:8]}")
        if kind not in self.seen:
            self.seen.add(kind)
            self.problems += describe(f"{kind} ({self.code})", run_axe(page))


def _submit(page: Page, scope: str, **fields: str) -> None:
    """Fill the fields (by id) of the form in `scope`, then send it."""
    for name, value in fields.items():
        page.locator(f"#{name}").fill(value)
    page.locator(f"{scope} [type=submit]").first.click()


def _api(page: Page, url: str, method: str, body: dict) -> dict:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.fetch(url, method=method, data=json.dumps(body), headers={
        "Content-Type": "application/json", "X-CSRFToken": token or ""})
    assert response.ok, response.text()
    return response.json()


@pytest.mark.parametrize("code", list(CLASS))
def test_a_class_works_in_its_language_from_sign_up_to_export(
        browser, live_server: str, live_app: Flask, english, code: str):
    roster, text, note = CLASS[code]
    reader = Reader(code, english[code])
    teacher_context = browser.new_context(base_url=live_server, locale=code)
    student_context = browser.new_context(base_url=live_server, locale=code)
    errors: list[str] = []
    for context in (teacher_context, student_context):
        context.set_default_timeout(15_000)
    teacher, student = teacher_context.new_page(), student_context.new_page()
    for page in (teacher, student):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        with live_app.app_context():
            _, invite = invitations.create(None)
        teacher.goto(f"/signup?invite={invite}")
        reader.check(teacher, "sign-up")
        username = f"{code}-{secrets.token_hex(3)}"
        _submit(teacher, "main form", display_name="Гүлнар Асқарова", username=username,
                password=PASSWORD, confirm=PASSWORD)
        teacher.wait_for_url("**/projects/new")
        reader.check(teacher, "new project")
        _submit(teacher, "main form", title=f"9 «Ә» {secrets.token_hex(2)}")
        teacher.wait_for_url(re.compile(r"/projects/\d+$"))
        project_url = teacher.url
        project_id = int(project_url.rsplit("/", 1)[1])
        reader.check(teacher, "project")
        with live_app.app_context():
            project = db.session.get(Project, project_id)
            assert project.language == code
            source = next(layer for layer in project.codebook.layers if layer.key == "source")
            assert all(re.search("[А-яӘәҒғҚқҢңӨөҰұҮүІі]", label.name) for label in source.labels)

        _submit(teacher, "#add-roster form", roster=roster)
        expect(teacher.locator(".slip")).to_have_count(3)
        reader.check(teacher, "login slips")
        slip = teacher.locator(".slip").first
        login, password = (s.strip() for s in slip.locator("dd.code").all_inner_texts()[:2])

        teacher.goto(f"{project_url}/documents/paste")
        reader.check(teacher, "paste a text")
        _submit(teacher, "main form", text=text)
        teacher.wait_for_url(project_url)
        reader.check(teacher, "project")
        _submit(teacher, "#assignments form")
        expect(teacher.locator(".flash-info")).to_be_visible()
        reader.check(teacher, "project")
        with live_app.app_context():
            document = db.session.scalar(sa.select(Document).where(
                Document.project_id == project_id))
            first = document.passages[0]
            tag = next(label.key for layer in project.codebook.layers
                       if layer.key == "source" for label in layer.labels)
            claim = next(label.key for layer in db.session.get(Project, project_id).codebook.layers
                         if layer.key == "claim" for label in layer.labels)
            document_id, passage_id, words = document.id, first.id, document.text[:40]

        student.goto("/login")
        reader.check(student, "sign-in")
        _submit(student, "main form", username=login, password=password)
        student.wait_for_url("**/account/password")  # the slip's password works once
        reader.check(student, "choose a password")
        _submit(student, "main form", current=password, password=PASSWORD, confirm=PASSWORD)
        student.wait_for_url("**/projects")
        reader.check(student, "student's projects")
        annotate = f"{project_url}/documents/{document_id}/annotate"
        student.goto(annotate)
        reader.check(student, "annotate")
        api = f"/api/v1/projects/{project_id}/documents/{document_id}"
        _api(student, f"{api}/passages/{passage_id}/tag", "PUT", {"label": tag, "version": None})
        _api(student, f"{api}/spans", "POST", {
            "client_id": uuid.uuid4().hex, "layer": "claim", "label": claim, "start": 0,
            "end": len(words), "text": words, "note": note})
        _api(student, f"{api}/rating", "PUT", {
            "values": {"reliability": 3, "slant": 0, "genre": "reporting"}, "version": None})
        student.reload()
        student.locator("#done-toggle").click()
        dialog = student.locator("#submit-dialog")
        expect(dialog).to_be_visible()
        reader.check(student, "submit dialog")
        dialog.locator("#submit-confirm").click()
        expect(student.locator("#locked-note")).to_be_visible()
        reader.check(student, "annotate")
        with live_app.app_context():
            span = db.session.scalar(sa.select(Span).where(Span.document_id == document_id))
            assert span.note == note

        for url, kind in ((f"{project_url}/progress", "progress"),
                          (f"{project_url}/agreement", "agreement"),
                          (f"{project_url}/feedback/{login}", "a student's feedback"),
                          (f"{project_url}/curate", "gold key"),
                          (f"{project_url}/documents/{document_id}/curate", "gold key"),
                          (f"{project_url}/data", "export")):
            response = teacher.goto(url)
            assert response is not None and response.ok, (url, response and response.status)
            reader.check(teacher, kind)
    finally:
        teacher_context.close()
        student_context.close()
    assert not errors, errors
    assert not reader.problems, "\n".join(reader.problems)
