"""Weak passwords are refused wherever a person chooses one; the app's own always pass."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.services import accounts, passwords
from app.services.demo import DEMO_USERS
from app.services.errors import Invalid
from tests.conftest import PASSWORD, csrf_token

WEAK = ["password", "Password1!", "qwertyuiop", "iloveyou2", "12345678", "sunshine",
        "Sourcemark", "sourcemark2024!"]


@pytest.mark.parametrize("password", WEAK)
def test_common_passwords_and_the_site_name_are_refused(password):
    with pytest.raises(Invalid) as refused:
        passwords.check_password(password, "amina")
    assert refused.value.fields == {"password": "too common"}


@pytest.mark.parametrize(("password", "username"), [
    ("amina-2024", "amina"), ("Amina2024", "amina"), ("!!amina!!", "amina"),
    ("Dana1234!", "dana1234"), ("dana1234", "dana1234")])
def test_the_username_dressed_up_is_refused(password, username):
    with pytest.raises(Invalid):
        passwords.check_password(password, username)


def test_the_list_holds_at_least_ten_thousand_common_passwords():
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    assert {"123456", "password", "qwerty", "dragon", "monkey"} <= common


@pytest.mark.parametrize("password", [PASSWORD, "long enough pw", "dana's password",
                                      *sorted({p for *_, p in DEMO_USERS})])
def test_the_project_s_own_passwords_still_pass(password):
    assert passwords.check_password(password, "amina") == password


def test_generated_slip_passwords_always_pass():
    for _ in range(2000):
        password = accounts.generate_password()
        assert passwords.check_password(password, "x") == password


def test_sign_up_refuses_a_common_password_with_a_field_error(client):
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={
        "username": "sadykova", "password": "iloveyou1", "confirm": "iloveyou1",
        "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "too common" in page and "among the first ones anybody would try" in page
    assert db.session.scalar(sa.select(User.id)) is None


def test_joining_refuses_the_username_as_password(client, make):
    project = make.project()
    token = csrf_token(client, "/join")
    response = client.post("/join", data={
        "code": project.join_code, "username": "dana1234", "password": "Dana1234!",
        "confirm": "Dana1234!", "csrf_token": token})
    assert response.status_code == 200 and b"too common" in response.data
    assert db.session.scalar(sa.select(User.id).where(User.username == "dana1234")) is None


def test_cli_refuses_weak_passwords(runner, make):
    result = runner.invoke(args=["users", "create", "t2", "--password", "password123"])
    assert result.exit_code != 0 and "among the first ones" in result.output
    make.user("amina")
    result = runner.invoke(args=["users", "set-password", "amina", "--password",
                                 "sourcemark1"])
    assert result.exit_code != 0
    user = db.session.scalar(sa.select(User).where(User.username == "amina"))
    db.session.refresh(user)
    assert user.check_password(PASSWORD)

