"""Who a request is: a bearer token alone or a CSRF-checked cookie, never a mix; HSTS."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Project
from app.services import tokens


def test_a_cookie_with_a_junk_bearer_and_no_csrf_token_changes_nothing(client, make,
                                                                        login_as):
    csrf = login_as(make.user("t1", role="teacher"))
    response = client.post("/api/v1/projects", json={"title": "Forged"},
                           headers={"Authorization": "Bearer junk"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert client.post("/api/v1/projects", json={"title": "x"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    # The same cookie with its CSRF token (and no bearer) still writes.
    assert client.post("/api/v1/projects", json={"title": "x"},
                       headers={"X-CSRFToken": csrf}).status_code == 201


def test_a_bad_token_is_refused_even_with_a_good_cookie(client, make, login_as):
    login_as(make.user("t1", role="teacher"))
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer smk_nope"}
                      ).status_code == 401


def test_a_bearer_request_is_its_token_s_user_not_the_cookie_s(client, make, login_as):
    login_as(make.user("cookie-user", role="teacher"))
    other = make.user("token-user", role="teacher")
    secret = tokens.create_token(other, "script")[1]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["username"] == "token-user"
    created = client.post("/api/v1/projects", json={"title": "By token"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201


def test_hsts_is_sent_in_production_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["PRODUCTION"] = True
    for path in ("/login", "/api/v1/openapi.json", "/no-such-page"):
        hsts = client.get(path).headers.get("Strict-Transport-Security", "")
        assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000
