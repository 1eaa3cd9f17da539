"""Rounds: named sets of documents with dates, the test–retest freeze, the report by round
with its codebook changes, and each student's agreement with the gold key over rounds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AnnotationEvent, PassageTag, RoundWork, Span
from app.services import codebooks, rounds
from app.services.errors import Conflict, Invalid
from app.services.rounds.report import by_round
from app.services.vocabulary import vocabulary

TEXT = ("Officials said 14 people died.\n\nA witness saw police shoot.\n\n"
        "Forum users blamed foreigners.\n\nThe paper counted 15 dead.\n")
OTHER = ("The ministry said all was calm.\n\nA resident heard shots.\n\n"
         "Bloggers blamed provocateurs.\n\nThe agency counted 16 dead.\n")
FIRST = {"ana": ["official_statement", "testimony", "forum_post", "news_report"],
         "ben": ["official_statement", "testimony", "news_report", "news_report"]}


def tag(project, document, user, labels):
    """Give each passage of the document the user's source type (None skips one)."""
    words = vocabulary(project.id)
    for passage, label in zip(document.passages, labels, strict=True):
        if label:
            db.session.add(PassageTag(passage_id=passage.id, document_id=document.id,
                                      user_id=user.id, codebook_version=words.version,
                                      label_id=words.labels[("source", label)].id))
    db.session.commit()


def span(project, document, user, start, end, label="loaded_language"):
    words = vocabulary(project.id)
    db.session.add(Span(document_id=document.id, user_id=user.id,
                        layer_id=words.layers["rhetoric"].id,
                        label_id=words.labels[("rhetoric", label)].id,
                        client_id=uuid.uuid4().hex, start=start, end=end,
                        codebook_version=words.version))
    db.session.commit()


@pytest.fixture
def course(make):
    """Two students tag a document in a first round; a second round reuses it (a retest)
    and adds another."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    first = make.document(project, TEXT, "first.txt")
    second = make.document(project, OTHER, "second.txt")
    students = {name: make.member(project, username=name) for name in FIRST}
    for name, labels in FIRST.items():
        tag(project, first, students[name], labels)
    one = rounds.create_round(project, "Calibration", [first.id],
                              datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 8, tzinfo=UTC))
    two = rounds.create_round(project, "After discussion", [first.id, second.id])
    return project, teacher, first, second, students, one, two


def test_round_needs_a_name_known_documents_and_ordered_dates(course, make):
    project, _, first, _, _, _, _ = course
    elsewhere = make.document(make.project(), TEXT, "elsewhere.txt")
    with pytest.raises(Invalid) as error:
        rounds.create_round(project, " ", [elsewhere.id], datetime(2026, 9, 8, tzinfo=UTC),
                            datetime(2026, 9, 1, tzinfo=UTC))
    assert error.value.fields == {"name": "required", "documents": "unknown",
                                  "due_at": "before start"}
    with pytest.raises(Invalid) as error:
        rounds.create_round(project, "Calibration", [first.id])
    assert error.value.fields == {"name": "taken"}
    with pytest.raises(Invalid) as error:
        rounds.create_round(project, "Third", [])
    assert error.value.fields == {"documents": "required"}
    assert [r.name for r in rounds.rounds_of(project)] == ["Calibration", "After discussion"]


def test_starting_a_retest_freezes_the_earlier_work_and_clears_it(course):
    project, teacher, first, second, students, one, two = course
    before = db.session.scalar(sa.select(sa.func.count(AnnotationEvent.id)))
    result = rounds.start_round(two, teacher)
    assert result == {"documents": 1, "annotators": 2}
    frozen = db.session.scalars(sa.select(RoundWork).order_by(RoundWork.user_id)).all()
    assert [(w.round_id, w.document_id) for w in frozen] == [(one.id, first.id)] * 2
    assert len(frozen[0].work["tags"]) == 4
    # The live work is gone (and logged), so the retest starts afresh.
    assert db.session.scalar(sa.select(sa.func.count(PassageTag.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AnnotationEvent.id))) == before + 8
    assert rounds.start_round(two, teacher) == {"documents": 0, "annotators": 0}
    with pytest.raises(Conflict):
        rounds.delete_round(one)


def test_report_by_round_keeps_each_rounds_work_and_the_retest(course):
    project, teacher, first, second, students, one, two = course
    rounds.start_round(two, teacher)
    # The retest: ana tags as before, ben changes his mind on two passages.
    tag(project, first, students["ana"], FIRST["ana"])
    tag(project, first, students["ben"], ["official_statement", "news_report", "forum_post",
                                          "news_report"])
    report = by_round(project)
    calibration, after = report["rounds"]
    assert calibration["documents"] == [first.id]
    assert after["documents"] == [first.id, second.id]
    first_alpha = calibration["headline"][0]
    assert first_alpha["layer"] == "source_passages"
    assert first_alpha["n_items"] == 4 and first_alpha["n_coders"] == 2
    # Round one's figures come from its frozen work: ana and ben differ on the third
    # passage there, and on the second in the retest.
    def differing(entry):
        return [d["passage_index"] for d in entry["layers"]["source_passages"]["disagreements"]]

    assert (differing(calibration), differing(after)) == ([2], [1])
    (pair,) = report["retest"]
    assert pair["rounds"] == ["Calibration", "After discussion"]
    people = {row["annotator"]: row for row in pair["layers"]["source_passages"]["annotators"]}
    assert people["ana"]["value"] == pytest.approx(1.0)
    assert people["ben"]["value"] < 1.0
    assert report["series"]["rounds"] == ["Calibration", "After discussion"]
    overall = {line["key"]: line["values"] for line in report["series"]["overall"]}
    assert overall["source_passages"] == [first_alpha["value"], after["headline"][0]["value"]]


def test_a_codebook_change_between_rounds_is_listed_beside_the_later_round(course):
    project, teacher, first, second, students, one, two = course
    label = codebooks.get_label(project.codebook,
                                vocabulary(project.id).labels[("source", "testimony")].id)
    codebooks.update_label(label, definition="Someone who saw it says what they saw.")
    version = project.codebook.version
    tag(project, second, students["ana"], FIRST["ana"])
    tag(project, second, students["ben"], FIRST["ben"])
    calibration, after = by_round(project)["rounds"]
    assert calibration["codebook_changes"] == []
    assert [c["summary"] for c in after["codebook_changes"]] == [
        f"'Interview / testimony' definition changed in version {version}"]
    assert after["codebook_versions"] == [version]
    # Labels that moved name the change that could explain it.
    movers = after["movers"]["gained"] + after["movers"]["lost"]
    assert all("codebook_changes" in m for m in movers)


def test_a_round_under_two_codebook_versions_has_figures_for_each(course):
    project, teacher, first, second, students, one, two = course
    for name in FIRST:  # the first half before the codebook changes, the rest after
        tag(project, second, students[name], FIRST[name][:2] + [None, None])
    label = codebooks.get_label(project.codebook,
                                vocabulary(project.id).labels[("source", "testimony")].id)
    codebooks.update_label(label, definition="Someone who saw it says what they saw.")
    for name in FIRST:
        tag(project, second, students[name], [None, None] + FIRST[name][2:])
    after = by_round(project)["rounds"][1]
    assert after["codebook_versions"] == [1, 2]
    assert [(v["version"], v["headline"][0]["n_items"]) for v in after["by_version"]] == [
        (1, 2), (2, 2)]


# --- the pages -------------------------------------------------------------------------------

def test_teacher_makes_a_round_on_the_page_and_bad_input_is_a_400(course, client, login_as):
    project, teacher, first, second, students, one, two = course
    token = login_as(teacher)
    url = f"/projects/{project.id}/rounds"
    page = client.get(url).get_data(as_text=True)
    assert "Calibration" in page and "Start this round" in page
    response = client.post(url, data={"csrf_token": token, "name": "Calibration",
                                      "documents": [str(second.id)]})
    assert response.status_code == 400
    assert "already has a round named" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "name": "Third",
                                      "starts": "2026-10-09", "due": "2026-10-01",
                                      "documents": [str(second.id)]})
    assert response.status_code == 400
    assert "cannot come before its start" in response.get_data(as_text=True)
    assert len(rounds.rounds_of(project)) == 2
    response = client.post(url, data={"csrf_token": token, "name": "Third",
                                      "starts": "2026-10-01", "due": "2026-10-09",
                                      "documents": [str(second.id)]})
    assert response.status_code == 302
    third = rounds.rounds_of(project)[-1]
    assert (third.name, rounds.document_ids(third)) == ("Third", [second.id])
    assert third.due_at == datetime(2026, 10, 9, 23, 59, 59, tzinfo=UTC)


def test_assigning_a_round_gives_its_documents_its_due_date(course, client, login_as):
    from app.models import Assignment

    project, teacher, first, second, students, one, two = course
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/rounds/{one.id}/assign",
                           data={"csrf_token": token, "mode": "all"})
    assert response.status_code == 302
    rows = db.session.execute(sa.select(Assignment.document_id, Assignment.due_at,
                                        Assignment.round_id)).all()
    assert {tuple(r) for r in rows} == {(first.id, one.due_at, one.id)}
    assert len(rows) == 2


def test_students_cannot_manage_rounds(course, client, login_as):
    project, teacher, first, second, students, one, two = course
    token = login_as(students["ana"])
    assert client.get(f"/projects/{project.id}/rounds").status_code == 403
    assert client.post(f"/projects/{project.id}/rounds/{two.id}/start",
                       data={"csrf_token": token}).status_code == 403
    assert two.started_at is None


def test_agreement_by_round_page_shows_figures_chart_and_changes(course, client, login_as):
    project, teacher, first, second, students, one, two = course
    rounds.start_round(two, teacher)
    label = codebooks.get_label(project.codebook,
                                vocabulary(project.id).labels[("source", "testimony")].id)
    codebooks.update_label(label, definition="Someone who saw it says what they saw.")
    tag(project, first, students["ana"], FIRST["ana"])
    tag(project, first, students["ben"], FIRST["ana"])
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement/rounds").get_data(as_text=True)
    assert page.count("<svg") >= 2 and "<polyline" in page
    assert "Agreement over rounds as a table" in page
    assert "definition changed in version 2" in page
    assert "Test–retest" in page and ">ben<" in page
    assert "style=" not in page and "<script>" not in page
    # Every figure's table names labels as the codebook does, never by their stored keys.
    assert '<th scope="row">Interview / testimony</th>' in page
    assert '<th scope="row">testimony</th>' not in page


# --- a student's agreement with the key over rounds ------------------------------------------

def test_student_feedback_shows_agreement_with_the_key_over_rounds(course, client, login_as):
    from app.services.gold import gold_user

    project, teacher, first, second, students, one, two = course
    key = gold_user()
    tag(project, first, key, FIRST["ana"])
    tag(project, second, key, FIRST["ana"])
    project.reveal = "after_submit"
    db.session.commit()
    rounds.start_round(two, teacher)  # ben's first try (3 of 4 as the key) is kept
    tag(project, first, students["ben"], FIRST["ana"])  # the retest: all 4 as the key
    tag(project, second, students["ben"], FIRST["ben"])  # 3 of 4
    from app.services.rounds.progress import over_rounds

    figures = over_rounds(project, students["ben"])
    assert [(r["name"], r["agreed"], r["compared"]) for r in figures] == [
        ("Calibration", 3, 4), ("After discussion", 7, 8)]
    # His own page withholds what the reveal policy has not opened: nothing submitted yet.
    assert [r["compared"] for r in over_rounds(project, students["ben"], for_student=True)] \
        == [0, 0]
    login_as(students["ben"])
    page = client.get(f"/projects/{project.id}/feedback/ben").get_data(as_text=True)
    assert "You and the key over the rounds" in page and "<svg" in page
    assert "agreement with the key by round as a table" in page


# --- the command line and the API ------------------------------------------------------------

def test_cli_and_api_give_the_same_report_by_round(course, client, login_as, runner):
    import json

    project, teacher, first, second, students, one, two = course
    rounds.start_round(two, teacher)
    tag(project, first, students["ana"], FIRST["ana"])
    tag(project, first, students["ben"], FIRST["ana"])
    result = runner.invoke(args=["agreement", str(project.id), "--by", "round", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    text = runner.invoke(args=["agreement", str(project.id), "--by", "round"]).output
    assert "Calibration: 1 document, 2 annotators" in text and "Test-retest" in text
    login_as(teacher)
    response = client.get(f"/api/v1/projects/{project.id}/agreement?by=round")
    assert response.status_code == 200
    assert response.get_json() == printed
    assert [r["name"] for r in printed["rounds"]] == ["Calibration", "After discussion"]
    assert printed["retest"][0]["annotators"] == ["ana", "ben"]
    bad = client.get(f"/api/v1/projects/{project.id}/agreement?by=week")
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"by": "unknown"}


def test_api_report_by_round_is_for_teachers(course, client, login_as):
    project, teacher, first, second, students, one, two = course
    login_as(students["ana"])
    assert client.get(f"/api/v1/projects/{project.id}/agreement").status_code == 403


# --- the demo --------------------------------------------------------------------------------

def test_demo_has_two_rounds_with_a_codebook_change_between_them(runner):
    from app.models import Project, Setting
    from app.services.rounds.progress import over_rounds

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "in two rounds with a codebook change between them" in result.output
    project_id = db.session.scalar(sa.select(Setting.value).where(
        Setting.key == "demo_project_id"))
    project = db.session.get(Project, int(project_id))
    report = by_round(project)
    first, second = report["rounds"]
    assert len(first["documents"]) == 2 and len(second["documents"]) == 3
    assert [c["summary"] for c in second["codebook_changes"]] == [
        "'Loaded language' definition changed in version 2"]
    values = [[h["value"] for h in r["headline"]] for r in report["rounds"]]
    assert all(v is not None for row in values for v in row) and values[0] != values[1]
    from app.models import User

    aigerim = db.session.scalar(sa.select(User).where(User.username == "aigerim"))
    line = over_rounds(project, aigerim)
    assert [r["compared_documents"] for r in line] == [2, 3]
    assert line[0]["share"] != line[1]["share"]
    again = runner.invoke(args=["demo", "load"])
    assert "loaded already" in again.output
    assert len(rounds.rounds_of(project)) == 2


# --- the codebook's history ------------------------------------------------------------------

def test_each_codebook_version_records_what_it_changed(make):
    from app.services.codebooks.changes import between

    project = make.project()
    codebook = project.codebook
    label = codebooks.add_label(codebook, "rhetoric", "scare_quotes", "Scare quotes")
    codebooks.update_label(label, name="Scare quotes (irony)", example="the “experts”")
    codebooks.set_label_active(label, False)
    codebooks.delete_label(label)
    codebooks.update_label(codebooks.get_label(codebook, vocabulary(project.id).labels[
        ("rhetoric", "loaded_language")].id), color="#123456")  # not a change of meaning
    assert [(c["version"], c["label"], c["summary"]) for c in between(codebook.id, 0, 99)] == [
        (2, "scare_quotes", "'Scare quotes' added in version 2"),
        (3, "scare_quotes", "'Scare quotes (irony)' name and example changed in version 3"),
        (4, "scare_quotes", "'Scare quotes (irony)' retired in version 4"),
        (5, "scare_quotes", "'Scare quotes (irony)' deleted in version 5"),
    ]  # the colour of version 6 changes no meaning
    assert [c["version"] for c in between(codebook.id, 3, 4)] == [4]


def test_assigning_a_round_without_students_says_why(make, client, login_as):
    teacher = make.user("lonely", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    round_ = rounds.create_round(project, "One", [document.id])
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/rounds/{round_.id}/assign",
                           data={"csrf_token": token, "mode": "all"}, follow_redirects=True)
    assert "The project has no students yet" in response.get_data(as_text=True)


def test_a_kappa_the_data_cannot_define_says_why_on_the_round_line(course, client, login_as):
    """Student and key gave every passage one and the same source type: the passages were both
    tagged, but kappa is undefined (chance agreement is total), and the line says so rather
    than "no passage both tagged"."""
    from app.services.gold import gold_user
    from app.services.rounds.progress import over_rounds

    project, teacher, first, second, students, one, two = course
    same = ["testimony"] * 4
    db.session.execute(sa.delete(PassageTag).where(PassageTag.user_id == students["ben"].id))
    tag(project, first, students["ben"], same)
    tag(project, first, gold_user(), same)
    line = over_rounds(project, students["ben"])[0]
    assert line["compared"] == 4 and line["kappa"] is None
    assert line["kappa_reason"] and "both tagged" not in line["kappa_reason"]
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/feedback/ben").get_data(as_text=True)
    said = page.replace("&#39;", "'").replace("&#34;", '"')
    # Said where a screen reader reads the dash, not only in a tooltip.
    assert f'<span class="visually-hidden">Cannot be computed: {line["kappa_reason"]}</span>' \
        in said


def test_the_headline_figures_are_named_in_the_readers_language(app, course):
    from flask_babel import force_locale

    project = course[0]
    with app.test_request_context(), force_locale("kk"):
        report = by_round(project)
    names = [line["name"] for line in report["series"]["overall"]]
    titles = [h["title"] for r in report["rounds"] for h in r["headline"]]
    assert "Үзінділер бойынша дереккөз түрі (α)" in names
    assert not any("Source type" in n or "Rhetoric" in n for n in names + titles)


def test_a_refused_round_says_why_in_the_readers_language(app, course):
    from flask_babel import force_locale

    project = course[0]
    with app.test_request_context(), force_locale("kk"):
        with pytest.raises(Invalid) as refused:
            rounds.create_round(project, "", [], datetime(2026, 9, 8, tzinfo=UTC),
                                datetime(2026, 9, 1, tzinfo=UTC))
    said = str(refused.value)
    assert "Кезеңнің атауы болуы керек." in said and "мерзімі" in said
    assert not any(word in said for word in ("round", "document", "due"))


def test_a_codebook_change_is_read_in_the_language_of_its_reader(make):
    """The change is kept as data: an English teacher's edit reads in Kazakh on a Kazakh page."""
    from flask_babel import force_locale

    from app.services.codebooks.changes import between

    project = make.project()
    codebook = project.codebook
    label = codebooks.get_label(codebook, vocabulary(project.id).labels[
        ("rhetoric", "loaded_language")].id)
    codebooks.update_label(label, definition="Words chosen to stir feeling.",
                           example="the “so-called” experts")
    codebooks.set_label_active(label, False)
    with force_locale("en"):
        english = [c["summary"] for c in between(codebook.id, 0, 99)]
    with force_locale("kk"):
        kazakh = [c["summary"] for c in between(codebook.id, 0, 99)]
    assert english == ["'Loaded language' definition and example changed in version 2",
                       "'Loaded language' retired in version 3"]
    assert all("changed" not in line and "retired" not in line for line in kazakh)
    assert all("«Loaded language»" in line for line in kazakh)
    assert "анықтама" in kazakh[0]
