"""Accounts a teacher looks after, in headless Chromium: a class of 25 from a pasted
Cyrillic roster, a forgotten password reset (and changed at first sign-in), a student's
own password change; each page of it checked with axe-core."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.services import accounts
from tests.browser.conftest import page_in_almaty
from tests.browser.test_axe import VIEWPORTS, describe, run_axe

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-pw"
NEW = "quiet river lantern"
# 25 names of a class in Almaty, in Kazakh and Russian Cyrillic.
ROSTER = """Айгерим Жұмабаева
Әлия Ғабитқызы
Қуаныш Өмірұлы
Ұлан Үмітов
Іңкәр Һасенова
Дана Серікова
Ерлан Нұрланов
Мадина Қасымова
Нұржан Ахметов
Асель Бекова
Данияр Сәрсенов
Жанар Оспанова
Тимур Исаев
Аружан Мұратқызы
Бекзат Төлегенов
Камила Әбенова
Санжар Жақсылықов
Томирис Ержанова
Алихан Байжанов
Назерке Шәкенова
Ислам Дәулетов
Әсем Құрманова
Арман Ғалымов
Гүлназ Сейітова
Ильяс Орынбаев"""


@pytest.fixture
def teacher(live_app: Flask) -> str:
    with live_app.app_context():
        return accounts.create_user(f"t-{secrets.token_hex(3)}", PASSWORD, "teacher",
                                    "Roster Teacher").username


@pytest.fixture
def almaty(browser, live_server: str):
    """A page whose browser is in Almaty (Intl reports Asia/Almaty)."""
    with page_in_almaty(browser, live_server, viewport={"width": 1366, "height": 900}) as page:
        yield page


def sign_in(page: Page, username: str, password: str, lands: str = "**/projects") -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lands)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def axe(page: Page, state: str) -> list[str]:
    problems = []
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        problems += describe(f"{state} ({size})", run_axe(page))
    page.set_viewport_size({"width": 1366, "height": 900})
    return problems


def new_project_with_roster(page: Page, teacher: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The teacher makes a project and pastes the roster; returns the project's URL and the
    slips (name, username, password)."""
    sign_in(page, teacher, PASSWORD)
    page.goto("/projects/new")
    expect(page.get_by_label(re.compile("Time zone"))).to_have_value("Asia/Almaty")
    page.get_by_label("Title").fill(f"Grade 10 {secrets.token_hex(2)}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    project_url = page.url
    page.get_by_label(re.compile("One student a line")).fill(ROSTER)
    page.get_by_role("button", name="Create accounts and print login slips").click(
        timeout=60_000)  # hashes every new password first
    expect(page.get_by_role("heading", name=re.compile("Login slips"))).to_be_visible()
    slips = []
    for slip in page.locator(".slip").all():
        slips.append((slip.locator(".slip-name").inner_text(),
                      slip.locator("dd.code").nth(0).inner_text(),
                      slip.locator("dd.code").nth(1).inner_text()))
    return project_url, slips


def test_a_new_teacher_sets_up_a_class_of_25_from_a_cyrillic_roster(almaty: Page, teacher):
    page = almaty
    _, slips = new_project_with_roster(page, teacher)
    assert len(slips) == 25
    names = [name for name, _, _ in slips]
    assert names == ROSTER.splitlines()  # the real name beside the username
    usernames = [username for _, username, _ in slips]
    assert len(set(usernames)) == 25
    assert all(re.fullmatch(r"[a-z]+\.[a-z]\d*", u) for u in usernames), usernames
    assert usernames[0].startswith("aygerim.z") and usernames[1].startswith("aliya.g")
    assert usernames[2].startswith("quanysh.o") and usernames[4].startswith("ingkar.h")
    problems = axe(page, "login slips")
    assert not problems, "\n".join(problems)


def test_a_forgotten_password_is_reset_and_the_student_chooses_their_own(
        almaty: Page, teacher):
    page = almaty
    project_url, slips = new_project_with_roster(page, teacher)
    _, username, first_password = slips[5]
    page.goto(project_url)
    row = page.locator("#members tr", has_text=username)
    expect(row.get_by_label("must change it")).to_be_checked()
    row.get_by_role("button", name=f"New password for {username}").click()
    expect(page.get_by_role("heading", name=re.compile("A new login slip"))).to_be_visible()
    new_password = page.locator(".slip dd.code").nth(1).inner_text()
    assert new_password != first_password
    problems = axe(page, "a new slip")
    page.goto(project_url)
    page.locator("#members tr", has_text=username).get_by_role(
        "link", name=f"Move or remove {username}").click()
    expect(page.get_by_role("heading", name=re.compile("Move to another project"))).to_be_visible()
    problems += axe(page, "a student's page")
    page.get_by_label(re.compile("pseudonymised")).check()
    page.get_by_role("button", name="Remove from the project").click()
    expect(page.get_by_role("button", name=f"Yes, remove {username}")).to_be_visible()
    problems += axe(page, "removal confirmation")
    sign_out(page)

    sign_in(page, username, first_password, lands="**/login")  # the old one no longer works
    expect(page.locator(".flash-error")).to_contain_text("Wrong username or password")
    sign_in(page, username, new_password, lands="**/account/password")
    expect(page.get_by_text("works only once")).to_be_visible()
    problems += axe(page, "password that must be changed")
    page.goto(project_url)
    page.wait_for_url("**/account/password")  # nothing else until it is changed
    page.get_by_label(re.compile("Current password")).fill(new_password)
    page.get_by_label("New password (8 characters or more)").fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url("**/projects")
    expect(page.locator(".flash-info")).to_contain_text("Your password is changed")
    page.goto(project_url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not problems, "\n".join(problems)


def test_a_student_changes_their_own_password(almaty: Page, live_app: Flask):
    page = almaty
    with live_app.app_context():
        student = accounts.create_user(f"s-{secrets.token_hex(3)}", PASSWORD, "student").username
    sign_in(page, student, PASSWORD)
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Change your password").click()
    problems = axe(page, "change your password")
    page.get_by_label(re.compile("Current password")).fill("not my password")
    page.get_by_label("New password (8 characters or more)").fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator(".error").first).to_contain_text("wrong")
    problems += axe(page, "change your password, wrong current one")
    page.get_by_label(re.compile("Current password")).fill(PASSWORD)
    page.get_by_label("New password (8 characters or more)").fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url("**/projects")
    sign_out(page)
    sign_in(page, student, NEW)
    assert not problems, "\n".join(problems)


def test_an_admin_gives_a_teacher_a_new_password(almaty: Page, live_app: Flask, teacher):
    page = almaty
    with live_app.app_context():
        admin = accounts.create_user(f"a-{secrets.token_hex(3)}", PASSWORD, "admin").username
    sign_in(page, admin, PASSWORD)
    page.goto("/admin")
    problems = axe(page, "admin page with teachers' accounts")
    row = page.locator("#accounts tr", has_text=teacher)
    row.get_by_label("must change it").uncheck()
    row.get_by_role("button", name=f"New password for {teacher}").click()
    expect(page.get_by_role("heading", name=re.compile("A new login slip"))).to_be_visible()
    password = page.locator(".slip dd.code").nth(1).inner_text()
    problems += axe(page, "a teacher's new slip")
    sign_out(page)
    sign_in(page, teacher, password)  # straight in: this one does not expire
    assert not problems, "\n".join(problems)
