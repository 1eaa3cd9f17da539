"""Teacher sign-up in production: closed unless an admin opens it or hands out an invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Invitation, User, utcnow
from app.services import accounts, invitations
from tests.conftest import csrf_token


@pytest.fixture
def production(app):
    app.config["PRODUCTION"] = True
    return app


def _sign_up(client, username: str, invite: str = ""):
    token = csrf_token(client, f"/signup?invite={invite}" if invite else "/signup")
    return client.post("/signup", data={
        "username": username, "password": "long enough pw", "confirm": "long enough pw",
        "invite": invite, "csrf_token": token})


def _teachers() -> list[str]:
    return list(db.session.scalars(sa.select(User.username).where(User.role == "teacher")))


def test_production_closes_teacher_sign_up_until_an_admin_opens_it(app, client, runner):
    assert client.get("/signup").status_code == 200  # development: open
    app.config["PRODUCTION"] = True
    assert accounts.teacher_signup_open() is False
    assert client.get("/signup").status_code == 404
    assert b"Create a teacher account" not in client.get("/login").data
    token = csrf_token(client, "/login")
    response = client.post("/signup", data={
        "username": "intruder", "password": "long enough pw", "confirm": "long enough pw",
        "csrf_token": token})
    assert response.status_code == 404 and _teachers() == []
    assert runner.invoke(args=["settings", "set", "teacher_signup", "on"]).exit_code == 0
    assert _sign_up(client, "sadykova").status_code == 302


def test_an_invitation_opens_sign_up_for_one_teacher(production, app, client, runner):
    result = runner.invoke(args=["invitations", "create", "--days", "3", "--note", "Ms S",
                                 "--base-url", "https://sm.example.org/"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://sm\.example\.org/signup\?invite=(\S+)", result.output)
    assert link, result.output
    token = link.group(1)
    assert client.get(f"/signup?invite={token}").status_code == 200
    assert _sign_up(client, "sadykova", token).status_code == 302
    assert _teachers() == ["sadykova"]
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.used_by_id == db.session.scalar(
        sa.select(User.id).where(User.username == "sadykova"))
    # Used once: a second person with the same link gets nothing.
    again = app.test_client()
    assert again.get(f"/signup?invite={token}").status_code == 404
    assert _teachers() == ["sadykova"]


def test_an_expired_or_made_up_invitation_opens_nothing(production, client):
    invitation, token = invitations.create(None, days=1)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/signup?invite={token}").status_code == 404
    assert client.get("/signup?invite=made-up").status_code == 404


def test_a_refused_sign_up_keeps_the_invitation(production, client):
    _, token = invitations.create(None)
    token_page = csrf_token(client, f"/signup?invite={token}")
    response = client.post("/signup", data={
        "username": "sadykova", "password": "password1", "confirm": "password1",
        "invite": token, "csrf_token": token_page})
    assert response.status_code == 200 and b"too common" in response.data
    assert invitations.valid(token) is not None
    assert _sign_up(client, "sadykova", token).status_code == 302


def test_an_admin_makes_an_invitation_in_the_page(production, client, make, login_as):
    token = login_as(make.user("root", role="admin"))
    page = client.post("/admin/invitations", data={"days": "5", "note": "New colleague",
                                                   "csrf_token": token})
    assert page.status_code == 200
    link = re.search(r"/signup\?invite=([A-Za-z0-9_-]+)", page.get_data(as_text=True))
    assert link and invitations.valid(link.group(1)) is not None
    assert b"New colleague" in client.get("/admin").data
    refused = client.post("/admin/invitations", data={"days": "500", "csrf_token": token})
    assert refused.status_code == 400


def test_teachers_cannot_make_invitations(production, client, make, login_as):
    token = login_as(make.user("tt", role="teacher"))
    response = client.post("/admin/invitations", data={"days": "5", "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
