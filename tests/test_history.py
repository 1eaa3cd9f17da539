"""The append-only annotation log: every change is recorded with who, when, before and
after; it cannot be altered; a deleted span can be brought back from it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AnnotationEvent, Span
from app.services import tokens

TEXT = "The minister blamed bandits.\n\nA witness said the police were shooting to kill.\n"


@pytest.fixture
def setting(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    student = make.member(project, username="s1")
    _, secret = tokens.create_token(student, "test")
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    return project, document, teacher, student, {"Authorization": f"Bearer {secret}"}, base


def span_body(document, needle, label="loaded_language"):
    start = document.text.index(needle)
    return {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": label,
            "start": start, "end": start + len(needle), "text": needle}


def events(**where):
    query = sa.select(AnnotationEvent).order_by(AnnotationEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AnnotationEvent, key) == value)
    return db.session.scalars(query).all()


def test_create_update_delete_of_a_span_are_logged_with_before_and_after(client, setting):
    _, document, _, student, headers, base = setting
    span = client.post(base + "/spans", json=span_body(document, "bandits"),
                       headers=headers).json
    client.patch(base + f"/spans/{span['id']}", headers=headers,
                 json={"version": 1, "label": "name_calling", "note": "a label for people"})
    client.delete(base + f"/spans/{span['id']}?version=2", headers=headers)
    logged = events(kind="span")
    assert [e.action for e in logged] == ["create", "update", "delete"]
    assert all(e.owner_id == student.id and e.actor_name == "s1" for e in logged)
    assert all(e.object_id == span["id"] and e.document_id == document.id for e in logged)
    create, update, delete = logged
    assert create.before is None and create.after["start"] == span["start"]
    assert update.before["note"] == "" and update.after["note"] == "a label for people"
    assert update.before["label_id"] != update.after["label_id"]
    assert delete.after is None and delete.before["version"] == 2


def test_passage_tags_ratings_and_done_are_logged(client, setting):
    _, document, *_, headers, base = setting
    passage = document.passages[0].id
    assert client.put(base + f"/passages/{passage}/tag", json={"label": "official_statement"},
                      headers=headers).status_code == 200
    assert client.put(base + f"/passages/{passage}/tag", headers=headers,
                      json={"label": "news_report", "version": 1}).status_code == 200
    assert client.delete(base + f"/passages/{passage}/tag?version=2",
                         headers=headers).status_code == 204
    response = client.put(base + "/rating", json={"values": {"reliability": 5, "slant": 0,
                                                             "genre": "reporting"}},
                          headers=headers)
    assert response.status_code == 200, response.json
    assert client.put(base + "/done", json={"done": True}, headers=headers).status_code == 200
    kinds = [(e.kind, e.action) for e in events()]
    assert kinds == [("passage_tag", "create"), ("passage_tag", "update"),
                     ("passage_tag", "delete"), ("rating", "create"), ("progress", "done")]


def test_a_refused_write_logs_nothing(client, setting):
    _, document, *_, headers, base = setting
    body = span_body(document, "bandits")
    body["text"] = "not the text"
    assert client.post(base + "/spans", json=body, headers=headers).status_code == 400
    assert events() == []


def test_the_log_cannot_be_changed_or_deleted(client, setting):
    _, document, *_, headers, base = setting
    client.post(base + "/spans", json=span_body(document, "bandits"), headers=headers)
    (event,) = events()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.update(AnnotationEvent).values(action="forged"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.delete(AnnotationEvent))
    db.session.rollback()
    assert [e.action for e in events()] == ["create"]


def test_a_student_restores_a_deleted_span_from_the_history(client, setting):
    _, document, _, student, headers, base = setting
    body = span_body(document, "shooting to kill")
    body["note"] = "the witness's words"
    span = client.post(base + "/spans", json=body, headers=headers).json
    client.delete(base + f"/spans/{span['id']}?version=1", headers=headers)
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0
    listing = client.get(base + "/history", headers=headers).json["events"]
    deleted = listing[0]
    assert deleted["action"] == "delete" and deleted["restorable"]
    assert "shooting to kill" in deleted["summary"]
    first = client.post(base + f"/history/{deleted['id']}/restore", headers=headers)
    assert first.status_code == 201, first.json
    again = client.post(base + f"/history/{deleted['id']}/restore", headers=headers)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    restored = db.session.get(Span, first.json["id"])
    assert (restored.start, restored.end, restored.note) == (span["start"], span["end"],
                                                            "the witness's words")
    assert restored.user_id == student.id


def test_students_read_their_own_history_and_teachers_everyones(client, make, setting,
                                                                 login_as):
    project, document, teacher, student, headers, base = setting
    other = make.member(project, username="s2")
    _, secret = tokens.create_token(other, "test")
    client.post(base + "/spans", json=span_body(document, "bandits"), headers=headers)
    client.post(base + "/spans", json=span_body(document, "minister"),
                headers={"Authorization": f"Bearer {secret}"})
    mine = client.get(base + "/history", headers=headers).json["events"]
    assert {e["owner"] for e in mine} == {"s1"}
    asked = client.get(base + "/history?user=s2", headers=headers).json["events"]
    assert asked == []
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/documents/{document.id}/history")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "s1" in html and "s2" in html and "bandits" in html and "minister" in html


def test_another_students_deleted_span_cannot_be_restored_by_someone_else(client, make,
                                                                          setting):
    project, document, _, student, headers, base = setting
    span = client.post(base + "/spans", json=span_body(document, "bandits"),
                       headers=headers).json
    client.delete(base + f"/spans/{span['id']}?version=1", headers=headers)
    (deleted,) = events(action="delete")
    other = make.member(project, username="s2")
    _, secret = tokens.create_token(other, "test")
    response = client.post(base + f"/history/{deleted.id}/restore",
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0


def test_an_import_records_what_came_in(make, tmp_path):
    from app.services.datasets.export import Filters, records
    from app.services.datasets.importing import import_records

    teacher = make.user("t1", role="teacher")
    source = make.project(teacher)
    document = make.document(source, TEXT)
    student = make.member(source, username="s1")
    from app.services import annotations

    start = document.text.index("bandits")
    annotations.create_span(student, document, {
        "client_id": "c" * 10, "layer": "rhetoric", "label": "loaded_language",
        "start": start, "end": start + 7, "text": "bandits"})
    exported = list(records(source, Filters()))
    target = make.project(teacher, "Copy")
    import_records(target, exported, "copy.jsonl", teacher)
    (event,) = events(kind="import")
    assert event.after == {"spans": 1, "passage_tags": 0, "ratings": 0,
                           "source": "copy.jsonl"}
    assert event.project_id == target.id and event.actor_name == "system"


def test_restoring_from_an_older_delete_never_makes_a_second_copy(client, setting):
    _, document, *_, headers, base = setting
    span = client.post(base + "/spans", json=span_body(document, "bandits"),
                       headers=headers).json
    client.delete(base + f"/spans/{span['id']}?version=1", headers=headers)
    first_delete = events(action="delete")[0].id
    back = client.post(base + f"/history/{first_delete}/restore", headers=headers).json
    client.delete(base + f"/spans/{back['id']}?version=1", headers=headers)
    second_delete = events(action="delete")[-1].id
    client.post(base + f"/history/{second_delete}/restore", headers=headers)
    again = client.post(base + f"/history/{first_delete}/restore", headers=headers)
    assert again.status_code == 200  # it is there already
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 1


def test_the_history_reads_in_kazakh_with_the_codebooks_names_for_rating_fields(
        app, client, make, login_as):
    from flask_babel import force_locale

    from app.services import history, projects

    teacher = make.user("t1", role="teacher")
    project = projects.create_project(teacher, "Сынып", language="kk")
    document = make.document(project, TEXT)
    student = make.member(project, username="s1")
    _, secret = tokens.create_token(student, "test")
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    span = client.post(base + "/spans", json=span_body(document, "bandits"),
                       headers=headers).json
    client.patch(base + f"/spans/{span['id']}", headers=headers,
                 json={"version": 1, "label": "name_calling", "note": "адамдарға ат қою"})
    client.delete(base + f"/spans/{span['id']}?version=2", headers=headers)
    passage = document.passages[0].id
    client.put(base + f"/passages/{passage}/tag", json={"label": "official_statement"},
               headers=headers)
    client.put(base + f"/passages/{passage}/tag", json={"label": "news_report", "version": 1},
               headers=headers)
    client.delete(base + f"/passages/{passage}/tag?version=2", headers=headers)
    response = client.put(base + "/rating", headers=headers,
                          json={"values": {"reliability": 5, "slant": 0, "genre": "reporting"}})
    assert response.status_code == 200, response.json
    response = client.put(base + "/done", json={"done": True}, headers=headers)
    assert response.status_code == 200, response.json
    assert len(events()) == 8

    english = ("Marked", "Deleted", "Changed", "span", "label", "note", "Tagged", "passage",
               "Removed", "source type", "Rated", "rating", "reliability", "genre",
               "document", "Reopened")
    with app.test_request_context(), force_locale("kk"):
        lines = [e["summary"] for e in history.events(document)][::-1]
    assert lines[0].endswith("белгіленді") and "«bandits»" in lines[0]
    assert "белгі" in lines[1] and "ескертпе" in lines[1]
    assert "жойылды" in lines[2]
    assert lines[3].startswith("1-үзінді")
    assert "Сенімділік" in lines[6] and "Жанр" in lines[6]
    assert not [(line, word) for line in lines for word in english if word in line]

    login_as(teacher)
    client.set_cookie("sourcemark_lang", "kk")
    html = client.get(f"/projects/{project.id}/documents/{document.id}/history"
                      ).get_data(as_text=True)
    assert lines[1] in html.replace("&#34;", '"').replace("&#39;", "'")
    assert "Marked “" not in html and "Tagged passage" not in html
