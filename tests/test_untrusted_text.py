"""Untrusted text never becomes markup: documents, labels, notes, names and file names that
hold HTML or script show as text on every page, and no template or script turns user data
into markup (no `|safe`, no `innerHTML`)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from app.services import annotations, codebooks, projects
from tests.conftest import csrf_token

APP = Path(__file__).resolve().parent.parent / "app"
SCRIPT = '<script>alert("sm")</script>'
IMAGE = '<img src=x onerror=alert(1)>'
# What must never reach a page unescaped (escaped, they read &lt;script&gt; …).
RAW = ("<script>alert(", "<img src=x onerror")


def test_templates_never_mark_data_safe():
    offenders = [f"{path.relative_to(APP)}:{n}" for path in APP.rglob("*.html")
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\|\s*safe\b|autoescape\s+false|Markup\(", line)]
    assert offenders == []


def test_scripts_never_write_html_strings():
    pattern = re.compile(r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write"
                         r"|createContextualFragment|DOMParser")
    offenders = [f"{path.relative_to(APP)}:{n}" for path in (APP / "static").rglob("*.js")
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


@pytest.fixture
def hostile(app, make):
    """A class where every field a person can type holds markup."""
    teacher = make.user("teacher_x", role="teacher")
    teacher.display_name = f"Ms {SCRIPT}"
    project = projects.create_project(teacher, f"Class {SCRIPT}", f"Read {IMAGE} carefully")
    text = (f"Breaking {SCRIPT} news.\n\nThe minister said {IMAGE} bandits did it.\n")
    document = make.document(project, text, name="hostile.txt")
    document.title = f"Title {IMAGE}"
    document.publisher = f"Publisher {SCRIPT}"
    document.notes = f"Notes {IMAGE}"
    student = make.member(project, username="student_x")
    student.display_name = f"Kid {IMAGE}"
    codebook = project.codebook
    label = codebooks.add_label(codebook, "rhetoric", "hostile_label", f"Label {SCRIPT}",
                                definition=f"Definition {IMAGE}", example=f"Ex {SCRIPT}")
    start = document.text.index("bandits")
    annotations.create_span(student, document, {
        "client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": label.key,
        "start": start, "end": start + 7, "text": "bandits", "note": f"Note {SCRIPT}"})
    quote = document.text.index(IMAGE)
    annotations.create_span(student, document, {
        "client_id": uuid.uuid4().hex, "layer": "source", "label": "official_statement",
        "start": quote, "end": quote + len(IMAGE), "text": IMAGE,
        "attributes": {"role": "voice", "speaker": f"Speaker {SCRIPT}"}})
    annotations.set_passage_tag(student, document, document.passages[0].id, "news_report")
    annotations.save_rating(student, document, {"reliability": 2, "slant": 0,
                                                "genre": "reporting",
                                                "justification": f"Because {SCRIPT}"})
    from app.services import claims, sources

    entity = sources.create_entity(project, teacher, f"Entity {SCRIPT}",
                                   description=f"About {IMAGE}")
    sources.link_name(project, student, f"Speaker {SCRIPT}", entity.id)
    question = claims.create_question(project, student, f"Question {SCRIPT}?", "text")
    link = claims.file_claim(project, student, question.id, {
        "document_id": document.id, "start": start, "end": start + 7, "text": "bandits",
        "value": f"Value {IMAGE}", "note": f"Why {SCRIPT}"})
    claims.set_verdict(project, student, link.id, {"verdict": "refuted",
                                                   "note": f"Verdict {IMAGE}"})
    project.question_id = question.id  # for the page walk below
    return project, document, teacher, student, label


def _pages(app, ids: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        try:
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
        except KeyError:
            continue
    return urls


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_every_page_shows_hostile_text_as_text(app, client, hostile, login_as, who):
    project, document, teacher, student, label = hostile
    login_as(teacher if who == "teacher" else student)
    ids = {"project_id": project.id, "document_id": document.id, "username": student.username,
           "label_id": label.id, "layer_key": "rhetoric", "user_id": student.id,
           "event_id": 1, "token_id": 1, "span_id": 1, "passage_id": document.passages[0].id,
           "question_id": project.question_id}
    extra = ["?layer=rhetoric&label=hostile_label", "?x=news_report&y=official_statement",
             "?layer=rhetoric&x=hostile_label&y=nothing"]
    seen = 0
    for url in _pages(app, ids):
        queries = [""] + (extra if "agreement" in url else [])
        if url.endswith("/sources/profile"):
            from urllib.parse import quote

            queries = [f"?ref={quote(ref)}" for ref in (
                f'publisher:{document.publisher.casefold()}', "entity:1",
                f'name:speaker {SCRIPT.casefold()}')]
        for query in queries:
            response = client.get(url + query)
            body = response.get_data(as_text=True)
            response.close()
            if response.mimetype != "text/html":
                continue  # JSON and downloads carry the data itself, served as data
            if response.status_code == 200:
                seen += 1
            for raw in RAW:
                assert raw not in body, f"{url + query} shows markup from user data"
    assert seen > (20 if who == "teacher" else 8)
    page = client.get(f"/projects/{project.id}/documents/{document.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # shown, as text
    board = client.get(f"/projects/{project.id}/claims/{project.question_id}")
    assert board.status_code == 200 and "Question &lt;script&gt;" in board.get_data(as_text=True)
    if who == "teacher":
        from urllib.parse import quote

        ref = quote(f"publisher:{document.publisher.casefold()}")
        profile = client.get(f"/projects/{project.id}/sources/profile?ref={ref}")
        assert profile.status_code == 200
        assert "Publisher &lt;script&gt;" in profile.get_data(as_text=True)


def test_hostile_file_names_and_bad_uploads_are_reported_as_text(client, hostile, login_as):
    project, _, teacher, _, _ = hostile
    login_as(teacher)
    token = csrf_token(client, f"/projects/{project.id}")
    response = client.post(f"/projects/{project.id}/documents", data={
        "csrf_token": token,
        "files": [(__import__("io").BytesIO(b"\xff\xfe\x00bad"), f"{SCRIPT}.txt")]},
        content_type="multipart/form-data", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Nothing was imported" in body
    assert "&lt;script&gt;" in body
    assert all(raw not in body for raw in RAW)
