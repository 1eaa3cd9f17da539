"""The project page's dashboard: its cards read off the project's state, the steps it
suggests next, agreement at a glance, and the reading page's Annotate button."""

from __future__ import annotations

import re

from app.services import annotations, classroom, dashboard, gold
from tests.conftest import login
from tests.test_classroom import make_class, submit


def tag_all(student, documents, label="testimony", except_first: int = 0, other="news_report"):
    """Tag every passage of the documents; the first `except_first` get `other` instead."""
    n = 0
    for document in documents:
        for passage in document.passages:
            annotations.set_passage_tag(student, document, passage.id,
                                        other if n < except_first else label)
            n += 1


def test_next_steps_follow_a_class_from_empty_to_submitted(make):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher, "Empty")
    assert dashboard.teacher_dashboard(project)["steps"] == ["documents", "codebook", "roster"]

    klass = make_class(make, documents=2, students=2, prefix="b")
    cards = dashboard.teacher_dashboard(klass.project)
    assert cards["steps"] == ["codebook", "assign"]
    assert cards["documents"]["count"] == 2 and cards["students"]["count"] == 2
    classroom.assign(klass.project, "all")
    assert dashboard.teacher_dashboard(klass.project)["steps"] == ["codebook", "wait"]
    submit(klass.students[0], klass.documents[0])
    cards = dashboard.teacher_dashboard(klass.project)
    assert cards["steps"] == ["agreement", "feedback"]
    assert (cards["progress"]["submitted"], cards["progress"]["assigned"]) == (1, 4)


def test_agreement_at_a_glance_waits_for_enough_passages_in_common(make):
    klass = make_class(make, documents=5, students=2)  # 5 documents of 2 passages each
    first, second = klass.students
    tag_all(first, klass.documents[:2])
    tag_all(second, klass.documents[:2], except_first=1)
    glance = dashboard.agreement_glance(klass.project)
    assert not glance["ready"] and glance["shared"] == 4 and glance["needed"] == 10

    tag_all(first, klass.documents[2:])
    tag_all(second, klass.documents[2:])
    glance = dashboard.agreement_glance(klass.project)
    assert glance["ready"] and (glance["agreed"], glance["shared"]) == (9, 10)
    assert glance["percent"] == 90
    # The gold key is no student: its tags change nothing here.
    tag_all(gold.gold_user(), klass.documents, label="news_report")
    assert dashboard.agreement_glance(klass.project)["agreed"] == 9


def test_teachers_page_opens_on_the_cards_and_folds_what_is_done(app, client, make,
                                                                 login_as):
    klass = make_class(make, documents=2, students=2)
    login_as(klass.teacher)
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    cards = html[html.index('class="dashboard"'):html.index('id="assignments"')]
    assert "2 documents" in cards and "2 students" in cards and "Nothing assigned" in cards
    assert "Not yet: 0 passages have been tagged by two or more students" in cards
    steps = re.findall(r'<li>\s*<a href="([^"]+)">([^<]+)</a>', cards)
    assert [text for _, text in steps] == ["Review the codebook", "Assign documents to students"]
    assert steps[1][0] == "#assignments"
    # With documents and students in, their forms fold; the assign form is open.
    assert '<details id="add-documents" class="fold">' in html
    assert '<details id="add-roster" class="fold">' in html
    assert '<details class="fold" id="assign-form" open>' in html

    other = app.test_client()
    login(other, klass.students[0].username)
    page = other.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    assert 'id="documents"' in page and 'class="dashboard"' not in page


def test_a_new_project_opens_the_forms_it_needs_first(client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher, "New")
    login_as(teacher)
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert '<details id="add-documents" class="fold" open>' in html
    assert '<details id="add-roster" class="fold" open>' in html
    assert "0 documents" in html and "0 students" in html


def test_the_reading_page_has_an_annotate_button_for_those_who_may(app, client, make,
                                                                  login_as):
    klass = make_class(make, documents=2, students=2)
    first, other = klass.documents
    read = f"/projects/{klass.project.id}/documents/{{}}"
    button = re.compile(r'<a class="button primary" href="([^"]+)">Annotate</a>')
    login_as(klass.teacher)
    assert button.search(client.get(read.format(first.id)).get_data(as_text=True)).group(1) \
        == f"/projects/{klass.project.id}/documents/{first.id}/annotate"
    student = app.test_client()
    login(student, klass.students[0].username)
    assert button.search(student.get(read.format(first.id)).get_data(as_text=True))
    classroom.assign(klass.project, "k", 1)
    mine = classroom.assigned_ids(klass.project.id, klass.students[0].id)
    for document in (first, other):
        page = student.get(read.format(document.id)).get_data(as_text=True)
        assert bool(button.search(page)) == (document.id in mine)
