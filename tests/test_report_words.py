"""The report pages in words: every teacher's and student's report page, on an empty project
and on the demo, shows no "undefined", "None" or "nan", and an empty project says what will
appear and when instead of showing tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.models import Project
from app.services import demo
from tests.conftest import login

BAD = re.compile(r"\b(undefined|None|nan|NaN|null)\b")
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class _Shown(HTMLParser):
    """The text a reader sees or hears: text outside scripts and styles, and the
    attributes shown on hover or read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def shown_words(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def raw_words(html: str, texts: list[str]) -> list[str]:
    """The bad words on the page, each in its context, leaving out the documents' own words
    (a text may well say "None of them")."""
    flat = [re.sub(r"\s+", " ", text) for text in texts]
    found = []
    shown = shown_words(html)
    for match in BAD.finditer(shown):
        context = shown[max(0, match.start() - 25):match.end() + 25]
        near = shown[match.start():match.end() + 15].strip()
        if not any(near in text for text in flat):
            found.append(context)
    return found


def walk(client, project: Project, student: str, teacher: bool) -> dict[str, str]:
    """Every report page of the project the signed-in user may read, by address."""
    p, first = project.id, project.documents[0].id
    urls = [f"/projects/{p}/agreement", f"/projects/{p}/agreement/rounds",
            f"/projects/{p}/feedback/{student}", f"/projects/{p}/feedback/{student}/{first}"]
    if teacher:
        urls += [f"/projects/{p}/feedback", f"/projects/{p}/agreement/confusion",
                 f"/projects/{p}/agreement/span-confusion?layer=rhetoric",
                 f"/projects/{p}/agreement/span-confusion?layer=claim",
                 f"/projects/{p}/documents/{first}/compare"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    return pages


def _check(pages: dict[str, str], texts: list[str]) -> None:
    problems = {url: raw_words(html, texts) for url, html in pages.items()}
    assert not any(problems.values()), {url: found for url, found in problems.items() if found}


def test_an_empty_projects_report_pages_say_what_will_appear(app, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    make.document(project, "Nothing has been marked here.\n\nNor here.\n")
    student = make.member(project, username="aruzhan")
    for who in (teacher, student):
        client = app.test_client()
        login(client, who.username)
        pages = walk(client, project, student.username, who is teacher)
        _check(pages, [d.text for d in project.documents])
        agreement = shown_words(pages[f"/projects/{project.id}/agreement"])
        assert "Agreement appears once two people have annotated the same document: 0 of 2" \
            in agreement
        # One sentence, no tables of figures.
        assert "<table" not in pages[f"/projects/{project.id}/agreement"]
        feedback = shown_words(pages[f"/projects/{project.id}/feedback/aruzhan"])
        assert "appears here once" in feedback and "0 of 1 document submitted" in feedback
        if who is teacher:
            index = shown_words(pages[f"/projects/{project.id}/feedback"])
            assert "Feedback appears once students have submitted a document that has a " \
                "gold key" in index


@pytest.mark.parametrize("who", ["teacher", "aigerim"])
def test_the_demos_report_pages_lead_with_words_and_show_no_raw_values(app, runner, who):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    project = demo._demo_project()
    client = app.test_client()
    login(client, who, "teacher-demo" if who == "teacher" else "student-demo")
    pages = walk(client, project, "aigerim", who == "teacher")
    _check(pages, [d.text for d in project.documents])
    agreement = shown_words(pages[f"/projects/{project.id}/agreement"])
    assert "chose the same source type" in agreement
    assert "Fleiss' κ (agreement beyond chance)" in agreement
    for raw in ("fleiss kappa", "gwet ac1", "news_report", "alpha nominal"):
        assert raw not in agreement, raw
    feedback = shown_words(pages[f"/projects/{project.id}/feedback/aigerim"])
    lead = "You and the key agreed on" if who == "aigerim" else "Aigerim S. and the key agreed on"
    assert lead in feedback and "The figures behind this" in feedback
    db.session.remove()
