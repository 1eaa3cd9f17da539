"""Accounts a teacher can look after: changing one's password, resets by a teacher or an
admin, passwords that expire at first sign-in, and usernames from names in any script."""

from __future__ import annotations

import html as htmllib
import json
import logging
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, LoginSession, User
from app.services import tokens
from app.services.people import roster, usernames
from tests.conftest import PASSWORD, csrf_token, login

NEW = "plum orchard kettle"


def slip_password(html: str) -> str:
    (password,) = re.findall(r'<dt>Password</dt><dd class="code">([^<]+)</dd>', html)
    return htmllib.unescape(password)


# --- changing one's own password ------------------------------------------------------------

def test_changing_ones_password_needs_the_current_one_and_ends_other_sessions(
        app, client, make, login_as):
    user = make.user("amina")
    other = app.test_client()
    assert login(other, "amina").status_code == 302
    token = login_as(user)
    wrong = client.post("/account/password", data={
        "current": "not it at all", "password": NEW, "confirm": NEW, "csrf_token": token})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(
        as_text=True)
    common = client.post("/account/password", data={
        "current": PASSWORD, "password": "password1", "confirm": "password1",
        "csrf_token": token})
    assert common.status_code == 400 and "among the first ones" in common.get_data(
        as_text=True)
    ok = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW, "confirm": NEW, "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/projects").status_code == 200  # this browser stays signed in
    assert other.get("/projects").status_code == 302  # the other one is signed out
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 1
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "amina", PASSWORD).status_code == 401
    assert login(client, "amina", NEW).status_code == 302


def test_the_account_page_links_to_the_password_form(client, make, login_as):
    login_as(make.user())
    assert "/account/password" in client.get("/account/tokens").get_data(as_text=True)


# --- resets by a teacher ----------------------------------------------------------------------

@pytest.fixture
def klass(make):
    teacher = make.user("teacher", role="teacher")
    project = make.project(teacher, "Class A")
    student = make.member(project, username="dana")
    colleague = make.member(project, "teacher", username="colleague")
    other_class = make.project(make.user("other", role="teacher"), "Class B")
    stranger = make.member(other_class, username="stranger")
    return teacher, project, student, colleague, stranger


def reset(client, token, project_id, user_id, expire=True):
    data = {"csrf_token": token}
    if expire:
        data["expire"] = "y"
    return client.post(f"/projects/{project_id}/members/{user_id}/password", data=data)


def test_a_teacher_resets_a_students_password_and_prints_a_slip(
        app, client, make, login_as, klass, caplog):
    teacher, project, student, _, _ = klass
    students_browser = app.test_client()
    assert login(students_browser, "dana").status_code == 302
    _, secret = tokens.create_token(student, "script")
    token = login_as(teacher)
    with caplog.at_level(logging.INFO, logger="sourcemark.security"):
        response = reset(client, token, project.id, student.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = slip_password(page)
    assert "dana" in page and "choose their own" in page
    assert students_browser.get("/projects").status_code == 302  # old sessions ended
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None  # tokens revoked
    events = [json.loads(r.message) for r in caplog.records]
    assert any(e["event"] == "password_reset" and e["outcome"] == "ok"
               and e["target"] == "dana" and e["username"] == "teacher" for e in events)
    assert login(students_browser, "dana", PASSWORD).status_code == 401
    assert login(students_browser, "dana", password).status_code == 302


@pytest.mark.parametrize("whom", ["stranger", "colleague", "teacher"])
def test_a_teacher_cannot_reset_another_class_student_a_teacher_or_themselves(
        client, login_as, klass, whom):
    teacher, project, _, colleague, stranger = klass
    target = {"stranger": stranger, "colleague": colleague, "teacher": teacher}[whom]
    token = login_as(teacher)
    before = db.session.scalar(sa.select(User.password_hash).where(User.id == target.id))
    assert reset(client, token, project.id, target.id).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.password_hash).where(User.id == target.id)) \
        == before


def test_a_student_cannot_reset_a_classmates_password(client, make, login_as, klass):
    _, project, student, _, _ = klass
    classmate = make.member(project, username="classmate")
    token = login_as(student)
    assert reset(client, token, project.id, classmate.id).status_code == 403


def test_a_password_that_expires_must_be_changed_before_anything_else(
        app, client, login_as, klass):
    teacher, project, student, _, _ = klass
    password = slip_password(reset(client, login_as(teacher), project.id,
                                   student.id).get_data(as_text=True))
    fresh = app.test_client()
    assert login(fresh, "dana", password).status_code == 302
    page = fresh.get(f"/projects/{project.id}")
    assert page.status_code == 302 and page.headers["Location"].endswith("/account/password")
    api = fresh.get(f"/api/v1/projects/{project.id}")
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "password_change_required"
    token = csrf_token(fresh, "/account/password")
    assert fresh.post("/logout", data={"csrf_token": token}).status_code == 302  # may leave
    assert login(fresh, "dana", password).status_code == 302
    token = csrf_token(fresh, "/account/password")
    assert fresh.post("/account/password", data={
        "current": password, "password": NEW, "confirm": NEW,
        "csrf_token": token}).status_code == 302
    assert fresh.get(f"/projects/{project.id}").status_code == 200
    assert db.session.get(User, student.id).must_change_password is False


def test_a_reset_without_expiry_lets_the_student_straight_in(app, client, login_as, klass):
    teacher, project, student, _, _ = klass
    password = slip_password(reset(client, login_as(teacher), project.id, student.id,
                                   expire=False).get_data(as_text=True))
    fresh = app.test_client()
    assert login(fresh, "dana", password).status_code == 302
    assert fresh.get(f"/projects/{project.id}").status_code == 200


# --- resets by an admin -----------------------------------------------------------------------

def test_an_admin_resets_a_teachers_password_from_the_admin_page(
        app, client, make, login_as, klass):
    teacher = klass[0]
    admin = make.user("root", role="admin")
    token = login_as(admin)
    assert f"/admin/users/{teacher.id}/password" in client.get("/admin").get_data(as_text=True)
    response = client.post(f"/admin/users/{teacher.id}/password", data={"csrf_token": token})
    assert response.status_code == 200
    fresh = app.test_client()
    assert login(fresh, "teacher", slip_password(response.get_data(as_text=True))
                 ).status_code == 302
    other_admin = make.user("root2", role="admin")
    assert client.post(f"/admin/users/{other_admin.id}/password",
                       data={"csrf_token": token}).status_code == 403


def test_only_an_admin_resets_on_the_admin_page(client, login_as, klass):
    teacher, _, _, colleague, _ = klass
    token = login_as(teacher)
    assert client.post(f"/admin/users/{colleague.id}/password",
                       data={"csrf_token": token}).status_code == 404


# --- usernames from names in any script --------------------------------------------------------

@pytest.mark.parametrize(("name", "username"), [
    ("Айгерим Жұмабаева", "aygerim.z"),
    ("Әлия Ғабитқызы", "aliya.g"),
    ("Қуаныш Өмірұлы", "quanysh.o"),
    ("Ұлан Үмітов", "ulan.u"),
    ("Іңкәр Һасенова", "ingkar.h"),
    ("Γιώργος Παπαδόπουλος", "giorgos.p"),
    ("محمد علي", "mhmd.l"),
    ("Amina Nurlanovna", "amina.n"),
    ("🙂", "student"),
])
def test_usernames_are_transliterated_from_any_script(name, username):
    assert usernames.from_name(name) == username


def test_a_cyrillic_roster_gets_unique_transliterated_usernames_and_slips(
        client, make, login_as, klass):
    teacher, project, _, _, _ = klass
    make.user("aygerim.z")  # someone on the server already has it
    token = login_as(teacher)
    roster = "Айгерим Жұмабаева\nАйгерим Жақсыбекова\nΓιώργος Παπαδόπουλος\n"
    response = client.post(f"/projects/{project.id}/roster",
                           data={"roster": roster, "csrf_token": token})
    page = response.get_data(as_text=True)
    names = re.findall(r'<dt>Username</dt><dd class="code">([^<]+)</dd>', page)
    assert names == ["aygerim.z2", "aygerim.z3", "giorgos.p"]
    assert "Айгерим Жұмабаева" in page
    made = db.session.scalar(sa.select(User).where(User.username == "aygerim.z2"))
    assert made.display_name == "Айгерим Жұмабаева" and made.must_change_password is False


def test_a_roster_can_make_passwords_that_expire(make, klass):
    project = klass[1]
    (slip,) = roster.add_roster(project, "Дана Серікова", expire=True)
    assert db.session.scalar(sa.select(User.must_change_password).where(
        User.username == slip.username)) is True
