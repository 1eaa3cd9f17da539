"""Hardening: every state-changing route refuses a request without its CSRF token."""

from __future__ import annotations

import re

import pytest

SAFE = {"GET", "HEAD", "OPTIONS"}
# Routes that take no session (and so need no CSRF token): signing in and joining happen
# before a session exists; they still check their own form's token, tested in test_auth.
NO_SESSION = {"auth.login", "auth.signup", "auth.join", "static"}


def _fill(rule: str, ids: dict[str, int]) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule)


def test_every_state_changing_route_needs_the_csrf_token(app, client, make, login_as):
    teacher = make.user("csrfteacher", role="teacher")
    project = make.project(teacher)
    document = make.document(project, "One passage here.\n")
    login_as(teacher)
    ids = {"project_id": project.id, "document_id": document.id, "user_id": teacher.id,
           "passage_id": document.passages[0].id, "span_id": 1, "token_id": 1, "label_id": 1,
           "layer_id": 1}
    checked = []
    for rule in app.url_map.iter_rules():
        methods = set(rule.methods or ()) - SAFE
        if not methods or rule.endpoint in NO_SESSION:
            continue
        url = _fill(rule.rule, ids)
        for method in sorted(methods):
            response = client.open(url, method=method, data={"anything": "1"})
            body = response.get_data(as_text=True)
            assert response.status_code == 400, f"{method} {url}: {response.status_code}"
            assert "csrf" in body.lower() or "form expired" in body, f"{method} {url}"
            checked.append(f"{method} {rule.rule}")
    assert len(checked) > 30  # the walk really covered the app


@pytest.mark.parametrize("path", ["/login", "/projects", "/api/v1/projects"])
def test_private_and_public_pages_are_not_cached_and_not_framed(client, make, login_as, path):
    login_as(make.user("headers", role="teacher"))
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Referrer-Policy")
