"""Each chart on its page: an SVG image named by its caption and summary, the same numbers
as a table beside it, and a sentence instead of a drawing when there is nothing to draw."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import DocumentProgress
from app.services import claims, classroom
from app.services.annotations import set_done
from app.services.gold import gold_user
from tests import test_claims, test_classroom, test_feedback
from tests.conftest import csrf_token
from tests.test_claims import TOLL, file
from tests.test_classroom import submit
from tests.test_feedback import KEY_RATING, KEY_SPANS, KEY_TAGS, TEXT, annotate

# The fixtures of the pages' own tests: a class with a gold key, a claims corpus, a class.
case, corpus, klass = test_feedback.case, test_claims.corpus, test_classroom.klass


def _section(html: str, element_id: str) -> str:
    """The element with this id, up to the end of its section or figure."""
    start = html.index(f'id="{element_id}"')
    end = min(i for i in (html.find("</section>", start), html.find("</figure>", start))
              if i != -1)
    return html[start:end]


def _drawn(fragment: str, caption_id: str) -> None:
    svg = re.search(r"<svg class=\"chart-svg\"[^>]*>", fragment).group(0)
    assert 'role="img"' in svg and caption_id in svg
    assert "<details class=\"chart-table\">" in fragment and "<table" in fragment
    assert " style=" not in fragment and "<script" not in fragment


def test_agreement_per_label_bars_then_none_without_labels(client, case, login_as, make):
    project, _, teacher, _, _ = case
    login_as(teacher)
    html = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    figure = _section(html, "chart-labels-source_passages")
    _drawn(figure, "chart-labels-source_passages-caption")
    # Each bar is named as the codebook names its label, not by its stored key.
    assert "Official / institutional statement" in figure and "Highest:" in figure
    assert "official statement" not in figure
    # Nobody marked a claim: the claim layer has no label, so a sentence, not a drawing.
    claim = _section(html, "claim")
    assert "chart-svg" not in claim and "appears here once annotators" in claim


def test_student_scores_over_time_after_submitting(client, case, login_as, make):
    project, document, teacher, student, _ = case
    classroom.set_reveal(project, "after_submit", True)
    login_as(student)
    url = f"/projects/{project.id}/feedback/student"
    before = _section(client.get(url).get_data(as_text=True), "scores-over-time")
    assert "chart-svg" not in before and "Once you submit a document" in before
    second = make.document(project, TEXT.replace("15 dead", "16 dead"), name="b.txt")
    annotate(second, gold_user(), KEY_TAGS, KEY_SPANS, KEY_RATING)
    annotate(second, student, KEY_TAGS, KEY_SPANS, KEY_RATING)
    set_done(student, document, True)
    set_done(student, second, True)
    html = client.get(url).get_data(as_text=True)
    figure = _section(html, "chart-scores")
    _drawn(figure, "chart-scores-caption")
    assert "2 submitted documents with a key" in figure
    assert figure.count("<polyline") >= 1 and "0.33" in figure and "1.00" in figure
    client.post("/logout", data={"csrf_token": csrf_token(client, url)})
    login_as(teacher)  # the teacher's view of the student draws the same chart
    assert 'id="chart-scores"' in client.get(url).get_data(as_text=True)


def test_claims_on_a_number_line_with_who_says_what(client, corpus, login_as):
    project, teacher, _, (paper, radio, essay) = corpus
    question = claims.create_question(project, teacher, TOLL, "number")
    url = f"/projects/{project.id}/claims/{question.id}"
    login_as(teacher)
    empty = _section(client.get(url).get_data(as_text=True), "claims-line")
    assert "chart-svg" not in empty and "Once claims are filed" in empty
    file(project, teacher, question, paper, "Officials said 14 people were killed", "14")
    file(project, teacher, question, radio, "at least 13 people dead", "at least 13")
    file(project, teacher, question, essay, "Up to 64 people were killed", "up to 64")
    figure = _section(client.get(url).get_data(as_text=True), "chart-claims")
    _drawn(figure, "chart-claims-caption")
    assert "The Moscow Times" in figure and "RFE/RL" in figure and "at least 13" in figure
    assert figure.count("<polygon") == 2  # "at least" and "up to" run off the axis
    day = claims.create_question(project, teacher, "When did it happen?", "date")
    file(project, teacher, day, paper, "Officials said 14 people were killed", "2011-12-16")
    file(project, teacher, day, radio, "at least 13 people dead", "2011-12")
    dates = _section(client.get(f"/projects/{project.id}/claims/{day.id}").get_data(
        as_text=True), "chart-claims")
    _drawn(dates, "chart-claims-caption")
    assert "Dec" in dates and "2011-12-16" in dates  # day-and-month ticks, values as written
    text = claims.create_question(project, teacher, "Who fired first?", "text")
    words = client.get(f"/projects/{project.id}/claims/{text.id}").get_data(as_text=True)
    assert 'id="claims-line"' not in words  # words have no order to draw


def test_class_progress_day_by_day_with_the_due_date(client, klass, login_as):
    login_as(klass.teacher)
    url = f"/projects/{klass.project.id}/progress"
    classroom.clear_assignments(klass.project)
    empty = _section(client.get(url).get_data(as_text=True), "progress-days")
    assert "chart-svg" in empty  # every student has every document when none is assigned
    due = datetime.now(UTC) + timedelta(days=3)
    classroom.assign(klass.project, "all", due_at=due)
    submit(klass.students[0], klass.documents[0])
    submit(klass.students[1], klass.documents[0])
    # One of them submitted yesterday.
    row = db.session.query(DocumentProgress).filter_by(user_id=klass.students[1].id).one()
    row.done_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    figure = _section(client.get(url).get_data(as_text=True), "chart-progress")
    _drawn(figure, "chart-progress-caption")
    assert "2 of 12 assigned documents submitted" in figure
    assert figure.count('class="chart-day"') == 2 + 1  # two days' bars and the key's
    assert 'class="chart-due"' in figure


def test_progress_without_students_says_so_in_words(client, make, login_as):
    teacher = make.user("lonely", role="teacher")
    project = make.project(teacher)
    make.document(project)
    login_as(teacher)
    html = client.get(f"/projects/{project.id}/progress").get_data(as_text=True)
    section = _section(html, "progress-days")
    assert "chart-svg" not in section and "Once documents are assigned" in section
