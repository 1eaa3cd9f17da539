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


def _production_app(tmp_path, monkeypatch):
    """The app as `make serve` runs it: production, a real secret, not in testing mode."""
    from tests.conftest import make_app

    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SOURCEMARK_ENV", "production")
    app = make_app(tmp_path, schema=True, TESTING=False, SECRET_KEY="x" * 64)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail: /srv/app/models.py line 12")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret detail: /srv/app/models.py line 12")

    return app


def test_production_error_pages_show_no_traceback(tmp_path, monkeypatch):
    from app.extensions import db

    app = _production_app(tmp_path, monkeypatch)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        for path in ("/boom", "/api/v1/boom"):
            response = client.get(path)
            body = response.get_data(as_text=True)
            assert response.status_code == 500
            assert "Something went wrong" in body
            assert "Traceback" not in body and "secret detail" not in body
            assert "models.py" not in body
        missing = client.get("/no/such/page")
        assert missing.status_code == 404 and "Traceback" not in missing.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("bad", ["nul\x00byte", "half \udc80 pair"])
def test_unstorable_text_is_refused_with_a_clear_error(client, make, login_as, bad):
    from app.services import tokens

    teacher = make.user("nulteacher", role="teacher")
    _, secret = tokens.create_token(teacher, "t")
    headers = {"Authorization": f"Bearer {secret}"}
    import json

    body = json.dumps({"title": bad}).encode()  # json escapes both as \\u sequences
    response = client.post("/api/v1/projects", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"title": "invalid character"}
    assert client.get("/api/v1/projects", headers=headers).json["projects"] == []
    login_as(teacher)
    page = client.get("/projects?q=a%00b")
    assert page.status_code == 400 and "cannot be stored" in page.get_data(as_text=True)


def test_a_form_field_holding_nul_is_refused(client, make, login_as):
    """(A lone surrogate cannot arrive in a form: its bytes are not UTF-8 and decode as
    replacement characters.)"""
    from tests.conftest import csrf_token

    teacher = make.user("nulteacher", role="teacher")
    login_as(teacher)
    token = csrf_token(client, "/projects/new")
    page = client.post("/projects/new", data={"csrf_token": token, "title": "nul\x00byte"})
    assert page.status_code == 400 and "cannot be stored" in page.get_data(as_text=True)
    from app.extensions import db
    from app.models import Project

    assert db.session.query(Project).count() == 0
