"""Accounts: sign-in, rate limit, sessions, teacher sign-up and students joining."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, User
from app.services import accounts
from tests.conftest import PASSWORD, csrf_token, login


def test_password_is_stored_as_scrypt_hash(make):
    user = make.user("hashme")
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD) and not user.check_password("wrong password")


def test_login_with_good_credentials_redirects_to_projects(client, make):
    make.user("amina")
    response = login(client, "amina")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/projects")


def test_login_is_case_insensitive_on_username(client, make):
    make.user("amina")
    assert login(client, "  Amina ").status_code == 302


def test_unknown_user_and_wrong_password_get_identical_answers(client, make):
    make.user("amina")
    wrong = login(client, "amina", "not the password")
    unknown = login(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong username or password." in wrong.data
    strip = lambda r: r.get_data(as_text=True).replace("amina", "").replace("nobody-here", "")  # noqa: E731
    import re

    # CSRF tokens carry a timestamp: blank them (meta tag and hidden input alike).
    token = re.compile(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]+"')
    assert token.sub(r"\1", strip(wrong)) == token.sub(r"\1", strip(unknown))


def test_login_is_rate_limited_per_username(client, app, make):
    app.config["LOGIN_FREE_FAILURES"] = 3
    make.user("amina")
    for _ in range(3):
        assert login(client, "amina", "bad password").status_code == 401
    blocked = login(client, "amina", PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in blocked.data


def test_login_rate_limit_counts_per_client_address(client, app, make):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    make.user("amina")
    for name in ("x1", "x2", "x3"):
        login(client, name, "bad password")
    assert login(client, "amina", PASSWORD).status_code == 429


def test_successful_login_clears_failures(client, app, make):
    app.config["LOGIN_FREE_FAILURES"] = 3
    make.user("amina")
    login(client, "amina", "bad password")
    login(client, "amina", "bad password")
    assert login(client, "amina").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/projects")})
    login(client, "amina", "bad password")
    assert login(client, "amina").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make):
    make.user("amina")
    response = login(client, "amina")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_starts_a_new_session(client, make):
    make.user("amina")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "amina")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_logout_ends_the_session(client, make, login_as):
    user = make.user("amina")
    token = login_as(user)
    assert client.get("/projects").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    response = client.get("/projects")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_requires_post_with_csrf(client, make, login_as):
    login_as(make.user("amina"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/projects").status_code == 200


def test_rotating_session_token_signs_out_everywhere(client, make, login_as):
    user = make.user("amina")
    login_as(user)
    accounts.sign_out_everywhere(user)
    assert client.get("/projects").status_code == 302


def test_pages_need_sign_in(client):
    response = client.get("/projects")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_login_follows_only_local_next(client, make):
    make.user("amina")
    token = csrf_token(client)
    evil = client.post("/login?next=https://evil.example/x",
                       data={"username": "amina", "password": PASSWORD, "csrf_token": token})
    assert evil.headers["Location"].endswith("/projects")


def test_teacher_signup_creates_teacher_and_signs_in(client):
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={
        "display_name": "Ms Sadykova", "username": "sadykova", "password": "long enough pw",
        "confirm": "long enough pw", "csrf_token": token})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "sadykova"))
    assert user.role == "teacher" and user.display_name == "Ms Sadykova"
    assert client.get("/projects/new").status_code == 200


def test_teacher_signup_can_be_switched_off(client, runner):
    result = runner.invoke(args=["settings", "set", "teacher_signup", "off"])
    assert result.exit_code == 0, result.output
    assert client.get("/signup").status_code == 404
    assert b"Create a teacher account" not in client.get("/login").data


def test_admin_switches_signup_off_in_the_page(client, make, login_as):
    admin = make.user("root", role="admin")
    token = login_as(admin)
    response = client.post("/admin", data={"csrf_token": token})  # checkbox left unticked
    assert response.status_code == 302
    assert accounts.teacher_signup_open() is False


def test_admin_page_hidden_from_teachers(client, make, login_as):
    login_as(make.user("tt", role="teacher"))
    assert client.get("/admin").status_code == 404


def test_signup_rejects_taken_username_and_stores_nothing(client, make):
    make.user("sadykova")
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={
        "username": "Sadykova", "password": "long enough pw", "confirm": "long enough pw",
        "csrf_token": token})
    assert response.status_code == 200
    assert b"is taken" in response.data
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_signup_rejects_bad_username(client):
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={
        "username": "no spaces!", "password": "long enough pw", "confirm": "long enough pw",
        "csrf_token": token})
    assert b"letters, digits" in response.data
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_student_joins_with_code_and_lands_in_project(client, make):
    project = make.project(title="History 10A")
    token = csrf_token(client, "/join")
    response = client.post("/join", data={
        "code": project.join_code.lower().replace("-", " "), "display_name": "Dana",
        "username": "dana", "password": "dana's password", "confirm": "dana's password",
        "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    user = db.session.scalar(sa.select(User).where(User.username == "dana"))
    assert user.role == "student"
    member = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert member.project_id == project.id and member.role == "student"


def test_join_with_unknown_code_creates_no_account(client):
    token = csrf_token(client, "/join")
    response = client.post("/join", data={
        "code": "ZZZZ-9999", "username": "dana", "password": "dana's password",
        "confirm": "dana's password", "csrf_token": token})
    assert response.status_code == 200
    assert b"No class project has this join code" in response.data
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_join_closed_project_is_refused(client, make):
    from app.services import projects

    project = make.project()
    projects.set_joining(project, False)
    token = csrf_token(client, "/join")
    response = client.post("/join", data={
        "code": project.join_code, "username": "dana", "password": "dana's password",
        "confirm": "dana's password", "csrf_token": token})
    assert b"No class project has this join code" in response.data


def test_forms_refuse_posts_without_csrf_token(client, make):
    make.user("amina")
    response = client.post("/login", data={"username": "amina", "password": PASSWORD})
    assert response.status_code == 400
    assert b"form expired" in response.data


def test_failures_older_than_the_window_are_forgotten(client, app, make):
    from datetime import timedelta

    from app.models import LoginAttempt, utcnow

    app.config["LOGIN_FREE_FAILURES"] = 2
    make.user("amina")
    old = utcnow() - timedelta(seconds=app.config["LOGIN_FORGET_SECONDS"] + 5)
    db.session.add_all([LoginAttempt(username="amina", remote_addr="127.0.0.1", at=old)
                        for _ in range(5)])
    db.session.commit()
    assert login(client, "amina", "bad password").status_code == 401
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 1
    assert login(client, "amina").status_code == 302


def test_each_sign_in_opens_its_own_login_session(client, app, make):
    from app.models import LoginSession

    user = make.user("amina")
    login(client, "amina")
    with client.session_transaction() as session:
        first = session["_user_id"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/projects")})
    login(client, "amina")
    with client.session_transaction() as session:
        second = session["_user_id"]
    assert first != second and first.startswith(f"{user.id}:")
    # Only a hash of the token is stored; the signed-out session is gone.
    rows = db.session.scalars(sa.select(LoginSession)).all()
    assert len(rows) == 1 and second.split(":")[1] not in rows[0].token_hash


def test_a_copied_cookie_stops_working_after_logout(app, make):
    make.user("amina")
    browser, thief = app.test_client(), app.test_client()
    login(browser, "amina")
    cookie = browser.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert thief.get("/projects").status_code == 200
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/projects")})
    assert thief.get("/projects").status_code == 302


def test_sign_out_everywhere_else_keeps_this_browser(app, make):
    make.user("amina")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "amina")
    login(phone, "amina")
    page = laptop.get("/account/tokens").get_data(as_text=True)
    assert "this browser" in page and "Signed-in browsers" in page
    response = laptop.post("/account/sessions/end-others",
                           data={"csrf_token": csrf_token(laptop, "/account/tokens")})
    assert response.status_code == 302
    assert laptop.get("/projects").status_code == 200
    assert phone.get("/projects").status_code == 302


def test_an_idle_session_expires(client, app, make):
    from datetime import timedelta

    from app.models import LoginSession, utcnow
    from app.services.accounts import SESSION_IDLE

    make.user("amina")
    login(client, "amina")
    assert client.get("/projects").status_code == 200
    db.session.execute(sa.update(LoginSession).values(
        last_seen_at=utcnow() - SESSION_IDLE - timedelta(minutes=1)))
    db.session.commit()
    assert client.get("/projects").status_code == 302
