"""The claims board: values read, claims grouped under a question and lined up, the
contradictions found, verdicts given with evidence and their agreement."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app.services import annotations, claims, tokens
from app.services.claim_values import parse_number
from app.services.errors import ConfirmationNeeded, Conflict, Invalid, StaleVersion

TOLL = "How many people died in Zhanaozen on 16 December 2011?"


@pytest.mark.parametrize("written,expected", [
    ("13", (13, 13)), ("14 or 15", (14, 15)), ("14-15", (14, 15)), ("16 + 1", (17, 17)),
    ("at least 17", (17, None)), ("up to 64", (None, 64)), ("17 to 70", (17, 70)),
    ("≥ 17", (17, None)),
])
def test_numbers_and_ranges_as_people_write_them(written, expected):
    assert parse_number(written) == expected


def test_an_unreadable_value_is_refused_with_the_forms_it_takes():
    with pytest.raises(Invalid, match="at least 17"):
        parse_number("a dozen or so")


@pytest.fixture
def corpus(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    paper = make.document(project, "Officials said 14 people were killed in clashes.\n",
                          name="paper.txt")
    paper.publisher, paper.published = "The Moscow Times", "2011-12-19"
    radio = make.document(project, "Clashes left at least 13 people dead.\n", name="radio.txt")
    radio.publisher = "RFE/RL"
    essay = make.document(project, "Up to 64 people were killed, unofficially.\n",
                          name="essay.txt")
    students = [make.member(project, username=f"s{n}") for n in (1, 2)]
    return project, teacher, students, (paper, radio, essay)


def claim_span(user, document, needle, label="claim.vague_source"):
    start = document.text.index(needle)
    span, _ = annotations.create_span(user, document, {
        "client_id": uuid.uuid4().hex, "layer": "claim", "label": label, "start": start,
        "end": start + len(needle), "text": needle})
    return span


def file(project, user, question, document, needle, value, **extra):
    start = document.text.index(needle)
    data = {"document_id": document.id, "start": start, "end": start + len(needle),
            "text": needle, "value": value}
    data.update(extra)
    return claims.file_claim(project, user, question.id, data)


def test_the_board_lines_claims_up_by_value_and_flags_contradictions(corpus):
    project, teacher, (s1, _), (paper, radio, essay) = corpus
    question = claims.create_question(project, teacher, TOLL, "number")
    span = claim_span(s1, paper, "Officials said 14 people were killed")
    file(project, teacher, question, paper, "Officials said 14 people were killed", "14",
         span_id=span["id"])
    file(project, s1, question, radio, "at least 13 people dead", "at least 13")
    file(project, teacher, question, essay, "Up to 64 people were killed", "up to 64",
         sourcing="vague")
    board = claims.board(project, question)
    assert [row["value"] for row in board["rows"]] == ["up to 64", "at least 13", "14"]
    by_value = {row["value"]: row for row in board["rows"]}
    # 14 and "at least 13" can both hold; "up to 64" holds with both: nothing contradicts.
    assert board["contradictions"] == 0
    assert by_value["14"]["sourcing"] == "vague"  # taken from the span's label
    assert by_value["14"]["speaker"] == "The Moscow Times"
    assert by_value["14"]["published"] == "2011-12-19"
    file(project, teacher, question, radio, "Clashes left at least 13 people dead", "15 + 1")
    board = claims.board(project, question)
    sixteen = next(row for row in board["rows"] if row["value"] == "16")
    assert len(sixteen["contradicts"]) == 1  # 16 cannot be 14; it can be "at least 13"


def test_the_same_claim_is_filed_once_per_question(corpus):
    project, teacher, _, (paper, *_rest) = corpus
    question = claims.create_question(project, teacher, TOLL)
    file(project, teacher, question, paper, "14 people", "14")
    with pytest.raises(Conflict):
        file(project, teacher, question, paper, "14 people", "14")


def test_a_claim_must_quote_the_document_exactly(corpus):
    project, teacher, _, (paper, *_rest) = corpus
    question = claims.create_question(project, teacher, TOLL)
    with pytest.raises(Invalid):
        claims.file_claim(project, teacher, question.id, {
            "document_id": paper.id, "start": 0, "end": 9, "text": "something", "value": "1"})


def test_verdicts_with_evidence_and_their_agreement(corpus):
    project, teacher, (s1, s2), (paper, radio, essay) = corpus
    question = claims.create_question(project, teacher, TOLL)
    links = [file(project, teacher, question, paper, "14 people", "14"),
             file(project, teacher, question, radio, "at least 13 people", "at least 13"),
             file(project, teacher, question, essay, "Up to 64", "up to 64")]
    evidence = claim_span(s1, radio, "at least 13 people dead")
    for link, (first, second) in zip(links, [("refuted", "refuted"),
                                             ("supported", "supported"),
                                             ("not_enough_info", "refuted")], strict=True):
        claims.set_verdict(project, s1, link.id, {
            "verdict": first, "evidence_span_id": evidence["id"]})
        claims.set_verdict(project, s2, link.id, {
            "verdict": second, "evidence_url": "https://example.org/report"})
    agreement = claims.verdict_agreement(project, question.id)
    assert agreement["claims"] == 3 and agreement["students"] == 2
    assert agreement["agreement"] == pytest.approx(2 / 3)
    assert agreement["alpha"] is not None and agreement["alpha"] < 1
    row = next(r for r in claims.board(project, question)["rows"] if r["value"] == "14")
    assert row["verdicts"]["refuted"] == 2
    assert {e.get("url") for e in row["evidence"]} >= {"https://example.org/report"}
    assert any(e.get("text") == "at least 13 people dead" for e in row["evidence"])
    with pytest.raises(StaleVersion):
        claims.set_verdict(project, s1, links[0].id, {"verdict": "supported", "version": 7})
    with pytest.raises(Invalid):
        claims.set_verdict(project, s1, links[0].id, {"verdict": "supported", "version": 1,
                                                      "evidence_url": "javascript:alert(1)"})


def test_the_demo_ships_the_death_toll_question_filled_from_the_seeds(runner):
    from app.services import demo

    first = runner.invoke(args=["demo", "load"])
    assert "Demo claims board: 6 claims filed." in first.output, first.output
    again = runner.invoke(args=["demo", "load"])
    assert "Demo claims board: loaded already." in again.output
    project = demo._demo_project()
    ((question, count),) = claims.questions(project)
    assert question.text == TOLL and count == 6
    board = claims.board(project, question)
    values = [row["value"] for row in board["rows"]]
    assert values == ["up to 64", "at least 13", "14", "at least 15", "16", "at least 17"]
    assert board["contradictions"] >= 4  # 14 against 15+, 16 and 17+; 16 against 17+
    assert board["agreement"]["students"] == 3 and board["agreement"]["alpha"] is not None
    publishers = {row["publisher"] for row in board["rows"]}
    assert {"The Moscow Times", "GlobalSecurity.org"} <= publishers


def test_verdict_agreement_appears_in_the_agreement_report(client, corpus, login_as):
    project, teacher, (s1, s2), (paper, radio, _) = corpus
    question = claims.create_question(project, teacher, TOLL)
    for document, needle, value in ((paper, "14 people", "14"),
                                    (radio, "at least 13 people", "at least 13")):
        link = file(project, teacher, question, document, needle, value)
        claims.set_verdict(project, s1, link.id, {"verdict": "refuted"})
        claims.set_verdict(project, s2, link.id, {"verdict": "supported"})
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "Claim verdicts (claims board)" in page and TOLL in page


def test_a_student_files_their_own_claim_spans_from_the_board(client, corpus, login_as):
    from tests.conftest import csrf_token

    project, teacher, (s1, s2), (paper, radio, _) = corpus
    question = claims.create_question(project, teacher, TOLL)
    mine = claim_span(s1, paper, "Officials said 14 people were killed")
    claim_span(s2, radio, "at least 13 people dead")
    login_as(s1)
    url = f"/projects/{project.id}/claims/{question.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Officials said 14 people were killed" in page
    assert "at least 13 people dead" not in page  # a classmate's span stays hidden
    response = client.post(url + "/file", data={
        "csrf_token": csrf_token(client, url), "document_id": paper.id,
        "start": mine["start"], "end": mine["end"], "text": mine["text"],
        "span_id": mine["id"], "value": "14"})
    assert response.status_code == 302
    ((_, count),) = claims.questions(project)
    assert count == 1


def test_evidence_the_claims_annotator_attached_shows_on_the_board(corpus):
    project, teacher, (s1, _), (paper, radio, _) = corpus
    question = claims.create_question(project, teacher, TOLL)
    start = radio.text.index("at least 13 people dead")
    needle = "Officials said 14 people were killed"
    claim_start = paper.text.index(needle)
    span, _ = annotations.create_span(s1, paper, {
        "client_id": uuid.uuid4().hex, "layer": "claim", "label": "claim.contradicted",
        "start": claim_start, "end": claim_start + len(needle), "text": needle,
        "attributes": {"evidence": [
            {"kind": "span", "document_id": radio.id, "start": start, "end": start + 23},
            {"kind": "url", "url": "https://example.org/toll"}]}})
    file(project, s1, question, paper, needle, "14", span_id=span["id"])
    (row,) = claims.board(project, question)["rows"]
    assert {e.get("url") for e in row["evidence"]} >= {"https://example.org/toll"}
    assert any(e.get("text") == "at least 13 people dead" for e in row["evidence"])


@pytest.fixture
def judged(corpus):
    """A claim s1 filed, with s1's own verdict and a classmate's."""
    project, teacher, (s1, s2), (paper, _, _) = corpus
    question = claims.create_question(project, teacher, TOLL)
    link = file(project, s1, question, paper, "14 people", "14")
    claims.set_verdict(project, s1, link.id, {"verdict": "supported"})
    claims.set_verdict(project, s2, link.id, {"verdict": "refuted"})
    return project, teacher, (s1, s2), question, link


def verdict_count() -> int:
    from app.extensions import db
    from app.models import ClaimVerdict

    return db.session.scalar(sa.select(sa.func.count(ClaimVerdict.id)))


def test_a_claim_with_a_classmates_verdict_stays_when_its_filer_removes_it(judged):
    project, _, (s1, _), question, link = judged
    with pytest.raises(Conflict, match="1 verdict by 1 person"):
        claims.unfile_claim(project, s1, link.id, confirm=True)
    assert len(claims.board(project, question)["rows"]) == 1 and verdict_count() == 2


def test_the_teacher_removes_a_judged_claim_only_when_confirmed(judged):
    project, teacher, _, question, link = judged
    with pytest.raises(ConfirmationNeeded) as refused:
        claims.unfile_claim(project, teacher, link.id)
    assert refused.value.counts == {"verdicts": 2, "people": 2}
    assert verdict_count() == 2
    claims.unfile_claim(project, teacher, link.id, confirm=True)
    assert claims.board(project, question)["rows"] == [] and verdict_count() == 0


def test_a_claim_with_only_its_filers_verdict_is_removed_by_the_filer(corpus):
    project, teacher, (s1, _), (paper, _, _) = corpus
    question = claims.create_question(project, teacher, TOLL)
    link = file(project, s1, question, paper, "14 people", "14")
    claims.set_verdict(project, s1, link.id, {"verdict": "supported"})
    claims.unfile_claim(project, s1, link.id)
    assert claims.board(project, question)["rows"] == [] and verdict_count() == 0


def test_a_question_with_claims_is_removed_only_when_confirmed(judged):
    project, teacher, _, question, _ = judged
    with pytest.raises(ConfirmationNeeded) as refused:
        claims.delete_question(project, teacher, question.id)
    assert refused.value.counts == {"claims": 1, "verdicts": 2, "people": 2}
    claims.delete_question(project, teacher, question.id, confirm=True)
    assert verdict_count() == 0


def test_the_api_answers_409_with_the_counts_and_removes_when_confirmed(client, judged):
    project, teacher, (s1, _), question, link = judged
    headers = {"Authorization": f"Bearer {tokens.create_token(teacher, 'test')[1]}"}
    url = f"/api/v1/projects/{project.id}/claims/filed/{link.id}"
    response = client.delete(url, headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "confirmation_needed"
    assert response.json["error"]["counts"] == {"verdicts": 2, "people": 2}
    filer = {"Authorization": f"Bearer {tokens.create_token(s1, 'test')[1]}"}
    response = client.delete(url + "?confirm=yes", headers=filer)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert verdict_count() == 2
    assert client.delete(url + "?confirm=yes", headers=headers).status_code == 204
    assert verdict_count() == 0


def test_the_board_asks_the_teacher_before_verdicts_go(client, judged, login_as):
    project, teacher, _, question, link = judged
    token = login_as(teacher)
    url = f"/projects/{project.id}/claims/links/{link.id}/remove"
    page = client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert "2 verdicts by 2 people" in page and 'name="confirm" value="yes"' in page
    assert verdict_count() == 2
    response = client.post(url, data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302 and verdict_count() == 0


# --- evidence as words, not ids ---------------------------------------------------------------

def _board_with_claim(make):
    from app.services import claims as claim_service

    teacher = make.user("tz", role="teacher")
    project = make.project(teacher)
    first = make.document(project, "Officials said 14 people died.\n\nWitnesses counted 70.\n",
                          "a.txt")
    second = make.document(project, "A hospital listed 64 dead.\n\nThe count rose later.\n",
                           "b.txt")
    student = make.member(project, username="sz")
    question = claim_service.create_question(project, teacher, "How many died?", "number")
    link = claim_service.file_claim(project, teacher, question.id, {
        "document_id": first.id, "start": 0, "end": 29, "text": first.text[:29],
        "value": "14"})
    return project, first, second, student, question, link


def test_a_verdict_takes_a_pasted_passage_link_as_evidence(make):
    from app.services import claims as claim_service

    project, first, second, student, question, link = _board_with_claim(make)
    verdict = claim_service.set_verdict(project, student, link.id, {
        "verdict": "refuted",
        "evidence_passage": f"https://school.example/projects/{project.id}/documents/"
                            f"{second.id}#p0"})
    assert (verdict.evidence_document_id, verdict.evidence_start, verdict.evidence_end) == (
        second.id, 0, len("A hospital listed 64 dead."))
    board = claim_service.board(project, question, student)
    (row,) = board["rows"]
    assert {"text": "A hospital listed 64 dead.", "document": second, "by": "sz"} in \
        row["evidence"]


def test_a_verdict_takes_copied_words_and_refuses_words_outside_the_project(make):
    from app.services import claims as claim_service
    from app.services.errors import Invalid, NotFound

    project, first, second, student, question, link = _board_with_claim(make)
    verdict = claim_service.set_verdict(project, student, link.id, {
        "verdict": "refuted", "evidence_document_id": second.id, "evidence_start": 18,
        "evidence_end": 25})
    assert second.text[verdict.evidence_start:verdict.evidence_end] == "64 dead"
    elsewhere = make.document(make.project(), "Another class's text.\n", "x.txt")
    with pytest.raises(NotFound):
        claim_service.set_verdict(project, student, link.id, {
            "verdict": "refuted", "version": verdict.version,
            "evidence_document_id": elsewhere.id, "evidence_start": 0, "evidence_end": 5})
    with pytest.raises(Invalid):
        claim_service.set_verdict(project, student, link.id, {
            "verdict": "refuted", "version": verdict.version,
            "evidence_document_id": second.id, "evidence_start": 5, "evidence_end": 5000})
    with pytest.raises(Invalid):
        claim_service.set_verdict(project, student, link.id, {
            "verdict": "refuted", "version": verdict.version,
            "evidence_passage": "https://example.org/some/page"})
    with pytest.raises(NotFound):
        claim_service.set_verdict(project, student, link.id, {
            "verdict": "refuted", "version": verdict.version,
            "evidence_passage": f"/projects/{project.id}/documents/{second.id}#p99"})


def test_the_board_asks_for_no_span_id_and_the_reading_page_links_each_passage(
        client, make, login_as):
    project, first, second, student, question, link = _board_with_claim(make)
    login_as(student)
    html = client.get(f"/projects/{project.id}/claims/{question.id}").get_data(as_text=True)
    assert "span id" not in html.lower()
    assert 'name="evidence_passage"' in html
    page = client.get(f"/projects/{project.id}/documents/{second.id}").get_data(as_text=True)
    assert 'href="#p1"' in page
