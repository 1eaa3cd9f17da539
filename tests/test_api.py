"""The JSON API: tokens, CSRF for browser sessions, one error shape, the OpenAPI document."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.api.openapi import OPERATIONS
from app.extensions import db
from app.models import ApiToken, Project
from app.services import tokens


@pytest.fixture
def teacher_token(make):
    teacher = make.user("t1", role="teacher")
    _, secret = tokens.create_token(teacher, "script")
    return teacher, {"Authorization": f"Bearer {secret}"}


def test_token_is_stored_only_as_hash(make):
    token, secret = tokens.create_token(make.user("s1"), "export")
    assert secret.startswith("smk_") and len(secret) > 40
    assert secret not in (token.token_hash, token.prefix)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash != secret


def test_bearer_token_authenticates(client, teacher_token):
    teacher, headers = teacher_token
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json == {"id": teacher.id, "username": "t1", "display_name": "",
                             "role": "teacher"}


def test_bearer_token_writes_without_csrf(client, teacher_token):
    _, headers = teacher_token
    response = client.post("/api/v1/projects", json={"title": "API class"}, headers=headers)
    assert response.status_code == 201
    assert response.json["title"] == "API class" and response.json["join_code"]


def test_revoked_token_is_refused(client, teacher_token):
    teacher, headers = teacher_token
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_unknown_token_is_refused(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer smk_nope"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_records_last_use(client, teacher_token):
    _, headers = teacher_token
    client.get("/api/v1/me", headers=headers)
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_user_cannot_revoke_another_users_token(client, make, teacher_token):
    _, headers = teacher_token
    other, _ = tokens.create_token(make.user("s9"), "theirs")
    assert client.delete(f"/api/v1/tokens/{other.id}", headers=headers).status_code == 404
    assert db.session.get(ApiToken, other.id).revoked_at is None


def test_tokens_page_shows_secret_once_and_revokes(client, make, login_as):
    token = login_as(make.user("s1"))
    response = client.post("/account/tokens", data={"name": "notebook", "csrf_token": token})
    page = response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.prefix in page and "shown only once" in page
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "shown only once" not in again and "notebook" in again
    client.post(f"/account/tokens/{stored.id}/revoke", data={"csrf_token": token})
    db.session.refresh(stored)
    assert stored.revoked_at is not None


def test_session_writes_need_csrf_header(client, make, login_as):
    token = login_as(make.user("t1", role="teacher"))
    refused = client.post("/api/v1/projects", json={"title": "No token"})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    accepted = client.post("/api/v1/projects", json={"title": "With token"},
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 1


def test_session_reads_need_no_csrf(client, make, login_as):
    login_as(make.user("s1"))
    assert client.get("/api/v1/projects").json == {"projects": []}


def test_anonymous_api_call_gets_json_401(client):
    response = client.get("/api/v1/projects")
    assert response.status_code == 401
    assert set(response.json["error"]) >= {"code", "message", "fields"}


def test_validation_errors_name_fields(client, teacher_token):
    _, headers = teacher_token
    response = client.post("/api/v1/projects", json={"title": "", "extra": 1}, headers=headers)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"title", "extra"}


def test_non_json_body_is_refused(client, teacher_token):
    _, headers = teacher_token
    response = client.post("/api/v1/projects", data="title=x", headers=headers)
    assert response.status_code == 400
    assert "JSON" in response.json["error"]["message"]


def test_unknown_api_route_gets_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_gets_json_405(client):
    response = client.put("/api/v1/projects")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_student_cannot_create_project_via_api(client, make):
    _, secret = tokens.create_token(make.user("s1"), "x")
    response = client.post("/api/v1/projects", json={"title": "Mine"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_join_and_list_projects_via_api(client, make):
    project = make.project(title="History")
    _, secret = tokens.create_token(make.user("s1"), "x")
    headers = {"Authorization": f"Bearer {secret}"}
    joined = client.post("/api/v1/projects/join", json={"code": project.join_code},
                         headers=headers)
    assert joined.status_code == 200 and joined.json["role"] == "student"
    assert joined.json["join_code"] is None  # students don't get the code
    listed = client.get("/api/v1/projects", headers=headers).json["projects"]
    assert [p["title"] for p in listed] == ["History"]


def test_roster_via_api_returns_passwords_once(client, teacher_token, make):
    teacher, headers = teacher_token
    project = make.project(teacher)
    response = client.post(f"/api/v1/projects/{project.id}/roster",
                           json={"roster": "Aigerim Serikova"}, headers=headers)
    assert response.status_code == 201
    (slip,) = response.json["slips"]
    assert slip["username"] == "aigerim.s" and slip["password"]


def test_document_api_returns_text_and_codepoint_passages(client, teacher_token, make):
    teacher, headers = teacher_token
    project = make.project(teacher)
    doc = make.document(project, "Emoji 👩‍👩‍👧 here.\n\nCafé\n")
    body = client.get(f"/api/v1/projects/{project.id}/documents/{doc.id}", headers=headers).json
    assert body["offset_unit"] == "codepoint"
    assert [(p["start"], p["end"]) for p in body["passages"]] == [(0, 17), (19, 23)]
    assert body["text"][19:23] == "Café"


def test_codebook_api(client, teacher_token, make):
    teacher, headers = teacher_token
    project = make.project(teacher)
    body = client.get(f"/api/v1/projects/{project.id}/codebook", headers=headers).json
    assert body["version"] == 1
    assert [layer["key"] for layer in body["layers"]] == ["source", "rhetoric", "claim"]


def test_openapi_document_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<int:{arg}>", "{" + arg + "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert len(OPERATIONS) == len(documented)


def test_openapi_references_resolve(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    import json
    import re

    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs and refs <= set(schemas)


def test_teacher_replaces_join_code_and_closes_joining_via_api(client, teacher_token, make):
    teacher, headers = teacher_token
    project = make.project(teacher)
    old = project.join_code
    renewed = client.post(f"/api/v1/projects/{project.id}/join-code", headers=headers).json
    assert renewed["join_code"] != old
    closed = client.patch(f"/api/v1/projects/{project.id}", json={"join_enabled": False},
                          headers=headers).json
    assert closed["join_enabled"] is False
    _, secret = tokens.create_token(make.user("s1"), "x")
    refused = client.post("/api/v1/projects/join", json={"code": renewed["join_code"]},
                          headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 404


def test_seed_import_via_api_adds_only_missing_texts(client, teacher_token, make):
    teacher, headers = teacher_token
    project = make.project(teacher)
    first = client.post(f"/api/v1/projects/{project.id}/documents/seeds", headers=headers)
    assert first.status_code == 201 and len(first.json["documents"]) == 5
    again = client.post(f"/api/v1/projects/{project.id}/documents/seeds", headers=headers)
    assert again.json["documents"] == []


def test_a_locked_database_answers_503_with_retry_after_and_stores_nothing(app, client, make,
                                                                        monkeypatch):
    from app.models import Span
    from app.services import annotations as notes
    from app.services import tokens

    project = make.project()
    student = make.member(project)
    document = make.document(project, "A sentence to mark.\n")
    secret = tokens.create_token(student, "t")[1]

    def locked(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(notes, "create_span", locked)
    app.testing = False  # the production error path
    response = client.post(
        f"/api/v1/projects/{project.id}/documents/{document.id}/spans",
        headers={"Authorization": f"Bearer {secret}"},
        json={"client_id": "c" * 16, "layer": "rhetoric", "label": "loaded_language",
              "start": 2, "end": 10, "text": "sentence"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "busy"
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0
