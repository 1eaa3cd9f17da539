"""Profiles and the claims board through the API and as CSV and JSONL downloads."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from app.services import annotations, tokens


@pytest.fixture
def klass(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, "The minister said bandits attacked. "
                             "Officials said 14 people were killed.\n")
    document.publisher = "The Moscow Times"
    student = make.member(project, username="s1")
    start = document.text.index("The minister said bandits attacked.")
    annotations.create_span(student, document, {
        "client_id": uuid.uuid4().hex, "layer": "source", "label": "official_statement",
        "start": start, "end": start + 35, "text": "The minister said bandits attacked.",
        "attributes": {"role": "voice", "speaker": "the minister"}})
    bandits = document.text.index("bandits")
    annotations.create_span(student, document, {
        "client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "name_calling",
        "start": bandits, "end": bandits + 7, "text": "bandits"})
    auth = {role: {"Authorization": f"Bearer {tokens.create_token(user, 'x')[1]}"}
            for role, user in (("teacher", teacher), ("student", student))}
    return project, document, auth


def test_teachers_read_profiles_students_do_not(client, klass):
    project, _, auth = klass
    base = f"/api/v1/projects/{project.id}"
    assert client.get(base + "/sources", headers=auth["student"]).status_code == 403
    listing = client.get(base + "/sources", headers=auth["teacher"]).json["sources"]
    minister = next(s for s in listing if s["ref"] == "name:the minister")
    assert minister["rhetoric"] == 1 and minister["words"] == 5
    profile = client.get(base + "/sources/profile?ref=name:the minister",
                         headers=auth["teacher"]).json
    assert profile["statements"][0]["text"] == "The minister said bandits attacked."
    assert profile["spans"][0]["text"] == "bandits"


def test_a_student_proposes_a_link_and_the_teachers_link_holds(client, klass):
    project, _, auth = klass
    base = f"/api/v1/projects/{project.id}"
    assert client.post(base + "/sources/entities", headers=auth["student"],
                       json={"name": "Kasymov"}).status_code == 403
    entity = client.post(base + "/sources/entities", headers=auth["teacher"],
                         json={"name": "Kalmukhambet Kasymov", "kind": "person"}).json
    proposed = client.post(base + "/sources/links", headers=auth["student"],
                           json={"name": "The minister", "entity_id": entity["id"]}).json
    assert proposed["status"] == "proposed"
    listing = client.get(base + "/sources", headers=auth["teacher"]).json["sources"]
    assert any(s["ref"] == "name:the minister" for s in listing)  # not linked yet
    client.post(base + "/sources/links", headers=auth["teacher"],
                json={"name": "the minister", "entity_id": entity["id"]})
    listing = client.get(base + "/sources", headers=auth["teacher"]).json["sources"]
    assert any(s["ref"] == f"entity:{entity['id']}" and s["rhetoric"] == 1 for s in listing)


def test_the_board_through_the_api(client, klass):
    project, document, auth = klass
    base = f"/api/v1/projects/{project.id}/claims"
    question = client.post(base, headers=auth["student"], json={
        "text": "How many people died?", "value_kind": "number"}).json
    start = document.text.index("14 people were killed")
    filed = client.post(f"{base}/{question['id']}/claims", headers=auth["student"], json={
        "document_id": document.id, "start": start, "end": start + 21,
        "text": "14 people were killed", "value": "14", "sourcing": "vague"})
    assert filed.status_code == 201, filed.json
    claim = filed.json
    assert claim["value"] == "14" and claim["publisher"] == "The Moscow Times"
    bad = client.post(f"{base}/{question['id']}/claims", headers=auth["student"], json={
        "document_id": document.id, "start": start, "end": start + 21,
        "text": "14 people were killed", "value": "a lot"})
    assert bad.status_code == 400 and "value" in bad.json["error"]["fields"]
    verdict = client.put(f"{base}/filed/{claim['id']}/verdict", headers=auth["student"],
                         json={"verdict": "refuted",
                               "evidence_url": "https://example.org/toll"})
    assert verdict.status_code == 200 and verdict.json["version"] == 1
    stale = client.put(f"{base}/filed/{claim['id']}/verdict", headers=auth["student"],
                       json={"verdict": "supported"})
    assert stale.status_code == 409
    board = client.get(f"{base}/{question['id']}", headers=auth["teacher"]).json
    assert board["claims"][0]["verdicts"]["refuted"] == 1
    assert board["claims"][0]["evidence"] == ["https://example.org/toll"]


def test_downloads_of_profiles_and_the_board(client, klass, login_as, make):
    project, document, auth = klass
    from app.services import claims

    teacher = project.memberships[0].user
    question = claims.create_question(project, teacher, "How many people died?")
    start = document.text.index("14 people")
    claims.file_claim(project, teacher, question.id, {
        "document_id": document.id, "start": start, "end": start + 9, "text": "14 people",
        "value": "14", "note": "=HYPERLINK(\"x\")"})
    login_as(teacher)
    lines = client.get(f"/projects/{project.id}/sources/export.jsonl").get_data(as_text=True)
    records = [json.loads(line) for line in lines.splitlines()]
    assert {r["schema"] for r in records} == {"sourcemark.source/1"}
    assert any(r["ref"] == "name:the minister" and r["rhetoric"] == 1 for r in records)
    table = client.get(f"/projects/{project.id}/claims/export.csv")
    assert table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert rows[0]["value"] == "14" and rows[0]["question"] == "How many people died?"
    assert rows[0]["note"].startswith("'=")  # formula-safe
    assert client.get(f"/projects/{project.id}/claims/export.xml").status_code == 404
