"""Sign-in and sign-up limits: one student cannot lock a school (one address) out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import LoginAttempt, User, utcnow
from app.services.signin import Throttle
from tests.conftest import PASSWORD, csrf_token, login


def test_a_throttled_account_does_not_lock_out_its_classmates(client, app, make):
    make.user("amina")
    make.user("teacher", role="teacher")
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        login(client, "amina", "bad password")
    assert login(client, "amina", PASSWORD).status_code == 429
    # The same address (the school's), another account: signs in.
    other = app.test_client()
    assert login(other, "teacher", PASSWORD).status_code == 302


def test_ten_failures_from_one_address_lock_out_nobody_else(client, app, make):
    make.user("amina")
    for number in range(12):
        login(client, f"typo{number}", "bad password")
    assert login(app.test_client(), "amina", PASSWORD).status_code == 302


def test_the_first_failures_are_free_then_the_wait_doubles(client, app, make):
    app.config.update(LOGIN_FREE_FAILURES=2, LOGIN_BASE_DELAY_SECONDS=10,
                      LOGIN_MAX_DELAY_SECONDS=60)
    make.user("amina")
    assert [login(client, "amina", "bad").status_code for _ in range(2)] == [401, 401]
    throttled = login(client, "amina", "bad")
    assert throttled.status_code == 429
    assert 8 <= int(throttled.headers["Retry-After"]) <= 10
    assert b"Too many failed sign-ins" in throttled.data
    # A throttled attempt counts for nothing: it is not a failure that grows the wait.
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 2
    # Once the wait is over, the right password signs in.
    db.session.execute(sa.update(LoginAttempt).values(at=utcnow() - timedelta(seconds=11)))
    db.session.commit()
    assert login(client, "amina", PASSWORD).status_code == 302


def test_delays_double_up_to_the_cap():
    throttle = Throttle(free_failures=3, base_delay=2, max_delay=60)
    assert [throttle.delay(n) for n in range(10)] == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert throttle.delay(10_000) == 60


def test_unknown_and_known_accounts_are_throttled_alike(client, app, make):
    app.config["LOGIN_FREE_FAILURES"] = 2
    make.user("amina")
    answers = {}
    for name in ("amina", "nobody-here"):
        for _ in range(2):
            login(client, name, "bad password")
        blocked = login(client, name, "bad password")
        answers[name] = (blocked.status_code, blocked.headers.get("Retry-After"))
    assert answers["amina"] == answers["nobody-here"]
    assert answers["amina"][0] == 429


def test_an_address_is_refused_only_far_above_a_class(client, app, make):
    assert app.config["LOGIN_ADDRESS_MAX_FAILURES"] >= 200
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 4
    make.user("amina")
    for number in range(4):
        login(client, f"typo{number}", "bad password")
    refused = login(client, "amina", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def _join(client, code: str, username: str):
    token = csrf_token(client, "/join")
    return client.post("/join", data={
        "code": code, "username": username, "password": "dana's password",
        "confirm": "dana's password", "csrf_token": token})


def test_a_class_joins_from_one_address_but_a_flood_is_refused(client, app, make):
    project = make.project()
    for number in range(40):  # a whole class at the start of a lesson, default limits
        assert _join(app.test_client(), project.join_code, f"pupil{number}"
                     ).status_code == 302
    app.config["SIGNUP_MAX_PER_ADDRESS"] = 40
    refused = _join(app.test_client(), project.join_code, "bot3")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert db.session.scalar(sa.select(User.id).where(User.username == "bot3")) is None
    token = csrf_token(client, "/signup")
    teacher = client.post("/signup", data={
        "username": "sadykova", "password": "long enough pw", "confirm": "long enough pw",
        "csrf_token": token})
    assert teacher.status_code == 429
    assert db.session.scalar(sa.select(User.id).where(User.username == "sadykova")) is None
