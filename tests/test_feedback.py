"""Feedback against the gold key: per document, per student, the class, the pages and the
gradebook."""

from __future__ import annotations

import csv
import io
import random
import uuid

import pytest
import sqlalchemy as sa

from app import agreement as engine
from app.extensions import db
from app.models import Document, DocumentRating, PassageTag, Project, Span, User
from app.services import feedback
from app.services.annotations import set_done
from app.services.gold import gold_user
from app.services.vocabulary import vocabulary

TEXT = ("Officials said 14 people died.\n\nA witness saw police shoot.\n\n"
        "Forum users blamed foreigners.\n\nThe paper counted 15 dead.\n")
KEY_TAGS = ["official_statement", "testimony", "forum_post", "news_report"]
STUDENT_TAGS = ["official_statement", "news_report", "forum_post", None]
KEY_RATING = {"reliability": 5, "slant": 0, "genre": "reporting", "confidence": 2}
STUDENT_RATING = {"reliability": 3, "slant": "cannot_tell", "genre": "opinion", "confidence": 3}


def _at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


# Key: loaded "blamed foreigners", name calling "Forum users", exaggeration "police shoot".
KEY_SPANS = [("rhetoric", "loaded_language", "blamed foreigners"),
             ("rhetoric", "name_calling", "Forum users"),
             ("rhetoric", "exaggeration", "police shoot")]
# Student: loaded "users blamed foreigners" (found, starts 6 earlier), loaded "Forum" (on the
# key's name calling: label differs), appeal to fear "14 people" (extra); the key's
# exaggeration is missed. Neither marks an unsupported claim.
STUDENT_SPANS = [("rhetoric", "loaded_language", "users blamed foreigners"),
                 ("rhetoric", "loaded_language", "Forum"),
                 ("rhetoric", "appeal_to_fear", "14 people")]


def annotate(document: Document, user: User, tags: list[str | None],
             spans: list[tuple[str, str, str]], rating: dict | None) -> None:
    """Store passage tags, spans (layer, label, phrase) and a rating as `user`'s work."""
    words = vocabulary(document.project_id)
    for passage, tag in zip(document.passages, tags, strict=True):
        if tag:
            db.session.add(PassageTag(
                passage_id=passage.id, document_id=document.id, user_id=user.id,
                label_id=words.labels[("source", tag)].id, codebook_version=words.version))
    for layer, label, phrase in spans:
        start, end = _at(phrase)
        db.session.add(Span(
            document_id=document.id, user_id=user.id, layer_id=words.layers[layer].id,
            label_id=words.labels[(layer, label)].id, client_id=uuid.uuid4().hex,
            start=start, end=end, note=f"note on {phrase}", codebook_version=words.version))
    if rating is not None:
        db.session.add(DocumentRating(document_id=document.id, user_id=user.id, values=rating,
                                      codebook_version=words.version))
    db.session.commit()


@pytest.fixture
def case(make):
    """A teacher, two students (only `student` has work) and one document with a key."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    student = make.member(project, username="student")
    classmate = make.member(project, username="classmate")
    annotate(document, gold_user(), KEY_TAGS, KEY_SPANS, KEY_RATING)
    annotate(document, student, STUDENT_TAGS, STUDENT_SPANS, STUDENT_RATING)
    annotate(document, classmate, KEY_TAGS, KEY_SPANS, KEY_RATING)
    return project, document, teacher, student, classmate


# --- one document ----------------------------------------------------------------------------

def test_passages_against_the_key(case):
    project, document, _, student, _ = case
    view = feedback.student_feedback(project, document, student)
    passages = view["passages"]
    assert view["has_key"]
    assert passages["labels"] == ["news_report", "official_statement", "testimony", "forum_post"]
    assert passages["columns"][-1] == "untagged"
    matrix = passages["matrix"]
    assert matrix["official_statement"]["official_statement"] == 1
    assert matrix["testimony"]["news_report"] == 1
    assert matrix["forum_post"]["forum_post"] == 1
    assert matrix["news_report"]["untagged"] == 1
    assert sum(n for row in matrix.values() for n in row.values()) == 4
    assert (passages["agreed"], passages["compared"], passages["share"]) == (2, 4, 0.5)
    assert passages["left_untagged"] == 1 and passages["tagged"] == 3
    # Kappa on the 3 passages both tagged: p_o = 2/3, p_e = 2/9, so (4/9) / (7/9) = 4/7.
    assert passages["kappa"] == pytest.approx(4 / 7)
    assert passages["kappa_n"] == 3 and passages["kappa_undefined"] is None
    assert [(d["index"], d["mine"], d["key"]) for d in passages["differences"]] == [
        (1, "news_report", "testimony"), (3, None, "news_report")]
    assert passages["differences"][0]["excerpt"] == "A witness saw police shoot."
    assert passages["most_confused"]["key"] == "testimony"  # a confusion wins a tie


def test_spans_matched_label_differs_missed_extra_and_slips(case):
    project, document, _, student, _ = case
    rhetoric = feedback.student_feedback(project, document, student)["layers"]["rhetoric"]
    assert [(m["mine"]["text"], m["key"]["text"]) for m in rhetoric["matched"]] == [
        ("users blamed foreigners", "blamed foreigners")]
    assert [(d["mine"]["label"], d["key"]["label"]) for d in rhetoric["label_differs"]] == [
        ("loaded_language", "name_calling")]
    assert [s["text"] for s in rhetoric["missed"]] == ["police shoot"]
    assert rhetoric["missed"][0]["note"] == "note on police shoot"  # the key's explanation
    assert [s["label"] for s in rhetoric["extra"]] == ["appeal_to_fear"]
    assert (rhetoric["precision"], rhetoric["recall"]) == (pytest.approx(1 / 3),
                                                           pytest.approx(1 / 3))
    assert rhetoric["f1"] == pytest.approx(1 / 3)
    (slip,) = rhetoric["slips"]
    assert (slip["start_diff"], slip["end_diff"]) == (-6, 0)
    assert slip["slip"] == "starts 6 earlier, same end"
    assert rhetoric["exact"] == 0


def test_a_layer_nobody_marked_is_undefined_with_the_reason(case):
    project, document, _, student, _ = case
    claim = feedback.student_feedback(project, document, student)["layers"]["claim"]
    assert claim["f1"] is None and claim["precision"] is None
    assert "neither you nor the key" in claim["undefined"]
    assert claim["matched"] == claim["missed"] == claim["extra"] == []


def test_ratings_beside_the_key(case):
    project, document, _, student, _ = case
    ratings = feedback.student_feedback(project, document, student)["ratings"]
    rows = {r["field"]: r for r in ratings["rows"]}
    assert (rows["reliability"]["mine"], rows["reliability"]["key"]) == (3, 5)
    assert rows["reliability"]["difference"] == -2 and rows["reliability"]["scored"]
    assert rows["slant"]["difference"] is None and rows["slant"]["same"] is False
    assert rows["genre"]["same"] is False and rows["genre"]["difference"] is None
    assert rows["confidence"]["difference"] == 1 and not rows["confidence"]["scored"]
    assert ratings["mean_abs_difference"] == 2  # reliability only: the scored scale
    assert "transparency.author_named" not in rows  # neither filled it in


def test_summary_in_words(case):
    project, document, _, student, _ = case
    summary = feedback.student_feedback(project, document, student)["summary"]
    assert summary == (
        "You agreed with the key on 2 of 4 passages; most often you tagged "
        "“Interview / testimony” as “News reporting”. "
        "Rhetoric: 1 of 3 found, 1 with another label, 1 extra. "
        "Unsupported claims: neither you nor the key marked anything. "
        "Ratings: Reliability: 3 (key: 5); Slant on the story's central conflict: Cannot tell "
        "(key: 0).")


def test_kappa_undefined_when_everyone_uses_one_label(make):
    project = make.project()
    document = make.document(project, TEXT)
    student = make.member(project)
    annotate(document, gold_user(), ["news_report"] * 4, [], None)
    annotate(document, student, ["news_report"] * 4, [], None)
    view = feedback.student_feedback(project, document, student)
    passages = view["passages"]
    assert passages["share"] == 1.0 and passages["kappa"] is None
    assert "chance agreement is 1" in passages["kappa_undefined"]
    assert view["summary"].startswith("You agreed with the key on all 4 passages.")


def test_kappa_undefined_when_nothing_was_tagged(make):
    project = make.project()
    document = make.document(project, TEXT)
    student = make.member(project)
    annotate(document, gold_user(), KEY_TAGS, [], None)
    passages = feedback.student_feedback(project, document, student)["passages"]
    assert passages["kappa"] is None and "no passage has both" in passages["kappa_undefined"]
    assert passages["matrix"]["testimony"]["untagged"] == 1 and passages["agreed"] == 0
    assert feedback.student_feedback(project, document, student)["summary"].startswith(
        "You tagged none of the 4 passages the key tags.")


def test_a_document_without_a_key_says_so(make):
    project = make.project()
    document = make.document(project, TEXT)
    student = make.member(project)
    annotate(document, student, STUDENT_TAGS, STUDENT_SPANS, STUDENT_RATING)
    view = feedback.student_feedback(project, document, student)
    assert view["has_key"] is False and "passages" not in view
    assert "no gold key" in view["summary"]


def test_classify_spans_counts_what_span_f1_counts():
    rng = random.Random(7)
    for _ in range(200):
        def spans(n: int) -> list[tuple[int, int, str, str]]:
            out = []
            for _ in range(n):
                start = rng.randrange(0, 60)
                out.append((start, start + rng.randrange(1, 12), rng.choice("abc"), ""))
            return out

        mine, key = spans(rng.randrange(0, 8)), spans(rng.randrange(0, 8))
        matched, differs, missed, extra = feedback.classify_spans(mine, key)
        assert len(matched) + len(differs) + len(extra) == len(mine)
        assert len(matched) + len(differs) + len(missed) == len(key)
        if mine or key:
            scores = engine.span_f1([s[:3] for s in sorted(key)], [s[:3] for s in sorted(mine)],
                                    mode="overlap")
            assert scores.true_positives == len(matched)


# --- a student over the project, the gradebook, the class ----------------------------------

def test_report_totals_count_submitted_documents_only(case, make):
    project, document, _, student, _ = case
    second = make.document(project, TEXT.replace("15 dead", "16 dead"), name="b.txt")
    annotate(second, gold_user(), KEY_TAGS, KEY_SPANS, KEY_RATING)
    annotate(second, student, KEY_TAGS, KEY_SPANS, KEY_RATING)
    report = feedback.student_report(project, student)
    assert report["assigned"] == 2 and report["submitted"] == 0
    assert report["totals"]["documents"] == 0 and report["totals"]["share"] is None
    set_done(student, document, True)
    set_done(student, second, True)
    totals = feedback.student_report(project, student)["totals"]
    assert totals["documents"] == 2
    assert (totals["agreed"], totals["compared"]) == (6, 8)
    rhetoric = totals["layers"]["rhetoric"]
    assert (rhetoric["true_positives"], rhetoric["mine_count"], rhetoric["key_count"]) == (4, 6, 6)
    assert rhetoric["f1"] == pytest.approx(8 / 12)
    assert totals["layers"]["claim"]["f1"] is None
    # Pooled over scored values: |3-5| on the first; reliability and slant 0 off on the second.
    assert totals["mean_abs_difference"] == pytest.approx(2 / 3)


def test_report_for_a_student_withholds_unrevealed_documents(case):
    project, document, _, student, _ = case
    report = feedback.student_report(project, student, for_student=True)
    (row,) = report["rows"]
    assert row["withheld"] and "feedback" not in row and report["withheld"] == 1
    assert "feedback" in feedback.student_report(project, student)["rows"][0]


def test_class_summary_lists_confusions_and_disputed_passages(case):
    project, document, _, student, classmate = case
    set_done(student, document, True)
    set_done(classmate, document, True)
    summary = feedback.class_summary(project)
    assert summary["students"] == 2 and summary["documents_with_key"] == 1
    (source,) = summary["confusions"]["source"]
    assert (source["key"], source["mine"], source["count"], source["students"]) == (
        "testimony", "news_report", 1, 1)
    (rhetoric,) = summary["confusions"]["rhetoric"]
    assert (rhetoric["key"], rhetoric["mine"]) == ("name_calling", "loaded_language")
    (missed,) = summary["missed"]["rhetoric"]
    assert (missed["text"], missed["missed"], missed["of"]) == ("police shoot", 1, 2)
    first = summary["disputed"][0]
    assert (first["passage_index"], first["key"], first["against_key"]) == (1, "testimony", 1)
    assert {t["label"]: t["count"] for t in first["tags"]} == {"testimony": 1, "news_report": 1}
    assert "classmate" not in str(summary)  # nobody is named


# --- the pages -------------------------------------------------------------------------------

def test_reveal_rules_for_a_student(app, client, case, login_as, make):
    project, document, _, student, classmate = case
    base = f"/projects/{project.id}/feedback"
    login_as(student)
    assert client.get(base).headers["Location"].endswith(f"{base}/student")
    page = client.get(f"{base}/student").get_data(as_text=True)
    assert "Feedback after the reveal" in page and "You agreed" not in page
    detail = client.get(f"{base}/student/{document.id}").get_data(as_text=True)
    assert "Feedback after the reveal" in detail
    assert "police shoot" not in detail and "Passages tagged differently" not in detail
    # Another student's feedback does not exist for a student.
    assert client.get(f"{base}/classmate").status_code == 404
    assert client.get(f"{base}/classmate/{document.id}").status_code == 404
    assert client.get(f"{base}/gradebook.csv").status_code == 403

    project.reveal = "after_submit"
    db.session.commit()
    page = client.get(f"{base}/student").get_data(as_text=True)
    assert "Feedback after the reveal" in page  # not submitted yet
    set_done(student, document, True)
    page = client.get(f"{base}/student").get_data(as_text=True)
    assert "You agreed with the key on 2 of 4 passages" in page
    detail = client.get(f"{base}/student/{document.id}").get_data(as_text=True)
    assert "Passages tagged differently (2)" in detail and "police shoot" in detail
    assert "starts 6 earlier, same end" in detail and "undefined" in detail
    for text in (page, detail):
        assert "classmate" not in text and "/compare" not in text
    assert client.get(f"{base}/classmate/{document.id}").status_code == 404
    other = make.document(make.project(), TEXT, name="elsewhere.txt")
    assert client.get(f"{base}/student/{other.id}").status_code == 404


def test_teacher_pages(app, client, case, login_as):
    project, document, teacher, student, _ = case
    base = f"/projects/{project.id}/feedback"
    login_as(teacher)
    index = client.get(base)
    text = index.get_data(as_text=True)
    assert index.status_code == 200 and f"{base}/student" in text and f"{base}/classmate" in text
    assert "gradebook.csv" in text and "Passages most disputed" in text
    page = client.get(f"{base}/student").get_data(as_text=True)
    assert "not yet revealed to the student" in page and "You agreed" in page
    assert client.get(f"{base}/student/{document.id}").status_code == 200
    assert client.get(f"{base}/nobody").status_code == 404
    assert client.get(f"{base}/teach").status_code == 404  # not a student
    assert client.get(f"{base}/~gold").status_code == 404


def test_pages_are_for_members_only(app, client, case, login_as, make):
    project, _, _, _, _ = case
    login_as(make.user("outsider"))
    assert client.get(f"/projects/{project.id}/feedback").status_code == 404
    assert client.get(f"/projects/{project.id}/feedback/student").status_code == 404
    assert client.get(f"/projects/{project.id}/feedback/gradebook.csv").status_code == 404


def test_gradebook_csv_is_for_teachers_and_formula_safe(app, client, case, login_as):
    project, document, teacher, student, classmate = case
    student.display_name = "=HYPERLINK(\"http://x\")"
    classmate.display_name = "@SUM(1)"
    db.session.commit()
    set_done(student, document, True)
    login_as(teacher)
    response = client.get(f"/projects/{project.id}/feedback/gradebook.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["username", "display_name", "documents_assigned", "documents_submitted",
                       "documents_compared", "passage_agreement", "rhetoric_f1", "claim_f1",
                       "mean_abs_rating_difference"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["student"] == ["student", "'=HYPERLINK(\"http://x\")", "1", "1", "1", "0.5",
                                  "0.333", "", "2.0"]
    assert by_name["classmate"][1] == "'@SUM(1)"
    assert by_name["classmate"][3:] == ["0", "0", "", "", "", ""]  # nothing submitted
    assert b"\r\n" in response.data


# --- the demo --------------------------------------------------------------------------------

def test_feedback_on_the_demo(app, client, runner):
    from tests.conftest import login

    runner.invoke(args=["demo", "load"])
    project = db.session.scalar(sa.select(Project))
    names = ["aigerim", "daniyar", "madina"]
    people = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_(names)))}
    rows = {row["username"]: row for row in feedback.gradebook(project)}
    assert set(rows) == set(names)
    for name, row in rows.items():
        assert 0.8 < row["passage_agreement"] < 1.0, name
        assert 0.3 < row["rhetoric_f1"] < 1.0 and 0.3 < row["claim_f1"] < 1.0, name
        assert 0 <= row["mean_abs_rating_difference"] <= 2, name
        report = feedback.student_report(project, people[name])
        for item in report["rows"]:
            view = item["feedback"]
            assert view["has_key"]  # the demo's key covers all five documents
            passages = view["passages"]
            assert sum(map(sum, (r.values() for r in passages["matrix"].values()))) \
                == passages["compared"]
            for layer in view["layers"].values():
                assert len(layer["matched"]) + len(layer["label_differs"]) \
                    + len(layer["extra"]) == layer["mine_count"]
                assert len(layer["matched"]) + len(layer["label_differs"]) \
                    + len(layer["missed"]) == layer["key_count"]
    assert rows["madina"]["submitted"] == 4 and rows["aigerim"]["submitted"] == 5
    summary = feedback.class_summary(project)
    assert summary["documents_with_key"] == 5 and summary["confusions"]["source"]
    assert summary["disputed"] and summary["missed"]["rhetoric"]

    assert login(client, "teacher", "teacher-demo").status_code == 302
    base = f"/projects/{project.id}/feedback"
    for url in (base, f"{base}/daniyar", f"{base}/madina/{project.documents[2].id}",
                f"{base}/gradebook.csv"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"{base}/aigerim/{project.documents[0].id}").get_data(as_text=True)
    assert "You agreed with the key on 30 of 31 passages" in page


# --- a student who left a layer empty ------------------------------------------------------

def test_a_student_who_left_a_span_layer_empty_is_scored_against_the_key(case, make):
    from datetime import UTC, datetime

    from app.models import DocumentProgress

    project, document, _, _, _ = case
    quiet = make.member(project, username="quiet")
    annotate(document, quiet, KEY_TAGS, [], KEY_RATING)  # found no rhetoric at all
    db.session.add(DocumentProgress(document_id=document.id, user_id=quiet.id,
                                    done_at=datetime.now(UTC)))
    db.session.commit()
    rhetoric = feedback.student_feedback(project, document, quiet)["layers"]["rhetoric"]
    # Precision has no spans to rest on: 0 by span_f1's convention; recall and F1 are 0.
    assert (rhetoric["precision"], rhetoric["recall"], rhetoric["f1"]) == (0.0, 0.0, 0.0)
    assert len(rhetoric["missed"]) == 3 and rhetoric["undefined"] is None
    (row,) = [r for r in feedback.gradebook(project) if r["username"] == "quiet"]
    assert row["compared"] == 1 and row["rhetoric_f1"] == 0.0
    assert row["passage_agreement"] == 1.0
    summary = feedback.class_summary(project)
    missed = {(m["text"], m["of"]): m["missed"] for m in summary["missed"]["rhetoric"]}
    assert missed[("police shoot", 1)] == 1  # quiet is the one reader who submitted


def test_a_student_who_only_marked_a_document_done_worked_on_it(case, make):
    from datetime import UTC, datetime

    from app.models import DocumentProgress

    project, document, _, _, _ = case
    blank = make.member(project, username="blank")
    db.session.add(DocumentProgress(document_id=document.id, user_id=blank.id,
                                    done_at=datetime.now(UTC)))
    db.session.commit()
    result = feedback.student_feedback(project, document, blank)
    assert result["worked"] and result["submitted"]
    assert result["passages"]["tagged"] == 0 and result["passages"]["left_untagged"] == 4
    assert result["layers"]["rhetoric"]["recall"] == 0.0


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", "Вы совпали с ключом в 2 из 4 фрагментов; чаще всего вы отмечали "
           "«Interview / testimony» как «News reporting»."),
    ("kk", "4 үзіндінің 2-інде кілтпен сәйкес келдіңіз; көбіне «Interview / testimony» "
           "дегенді «News reporting» деп белгіледіңіз.")])
def test_summary_in_the_readers_language(app, case, language, expected):
    from flask_babel import force_locale

    project, document, _, student, _ = case
    with app.test_request_context(), force_locale(language):
        summary = feedback.student_feedback(project, document, student)["summary"]
    assert summary.startswith(expected)
    assert "found" not in summary and "key" not in summary
