"""A page whose CSRF token went stale (signed out and in again elsewhere) gets the new
session's token from the API, and writes with it."""

from __future__ import annotations

import uuid

from tests.conftest import login


def test_a_signed_in_session_gets_a_token_that_its_writes_pass_with(client, make):
    project = make.project()
    document = make.document(project, "The mayor blamed bandits.\n")
    student = make.member(project, username="s1")
    login(client, "s1")
    response = client.get("/api/v1/csrf-token")
    assert response.status_code == 200 and response.json["username"] == "s1"
    start = document.text.index("bandits")
    url = f"/api/v1/projects/{project.id}/documents/{document.id}/spans"
    body = {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + 7, "text": "bandits"}
    refused = client.post(url, json=body, headers={"X-CSRFToken": "a stale token"})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    saved = client.post(url, json=body, headers={"X-CSRFToken": response.json["csrf_token"]})
    assert saved.status_code == 201, saved.json
    assert saved.json["author"] == student.username


def test_without_a_session_there_is_no_token(client):
    response = client.get("/api/v1/csrf-token")
    assert response.status_code == 401
