"""Command-line tools: users, settings and the demo."""

from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import format_decimal

from app.extensions import db
from app.models import Document, Membership, Passage, Project, User
from app.services import accounts


def test_users_create_makes_a_teacher(runner):
    result = runner.invoke(args=["users", "create", "Sadykova", "--role", "teacher",
                                 "--name", "Ms Sadykova", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "sadykova"))
    assert user.role == "teacher" and user.check_password("long enough pw")


def test_users_create_admin_asks_for_password(runner):
    result = runner.invoke(args=["users", "create", "root", "--role", "admin"],
                           input="long enough pw\nlong enough pw\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.username == "root")) == "admin"


def test_users_create_refuses_short_password(runner):
    result = runner.invoke(args=["users", "create", "t2", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_users_create_refuses_taken_name(runner, make):
    make.user("t2")
    result = runner.invoke(args=["users", "create", "T2", "--password", "long enough pw"])
    assert result.exit_code != 0 and "taken" in result.output


def test_settings_set_and_show(runner):
    assert runner.invoke(args=["settings", "set", "teacher_signup", "off"]).exit_code == 0
    assert "teacher_signup = off" in runner.invoke(args=["settings", "show"]).output
    assert accounts.teacher_signup_open() is False
    bad = runner.invoke(args=["settings", "set", "teacher_signup", "maybe"])
    assert bad.exit_code != 0


def test_demo_load_creates_project_users_and_seeds(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "teacher-demo" in result.output and "student-demo" in result.output
    project = db.session.scalar(sa.select(Project))
    assert len(project.documents) == 5
    assert {d.source_name for d in project.documents} == {
        "000_52683757a7824f21.txt", "001_e2d80d9f7a307687.txt", "002_58f5ba6ad2df0acd.txt",
        "003_ae96969c7c3299f9.txt", "004_010822ac285143c9.txt"}
    query = sa.select(User.username, Membership.role).join(Membership)
    roles = dict(db.session.execute(query).all())
    assert roles == {"teacher": "teacher", "aigerim": "student", "daniyar": "student",
                     "madina": "student"}


def test_demo_load_twice_keeps_data_and_adds_nothing(runner):
    runner.invoke(args=["demo", "load"])
    counts = [db.session.scalar(sa.select(sa.func.count(m.id)))
              for m in (User, Project, Document, Passage, Membership)]
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "(0 added now)" in second.output
    assert [db.session.scalar(sa.select(sa.func.count(m.id)))
            for m in (User, Project, Document, Passage, Membership)] == counts


def test_demo_logins_work(client, runner):
    from tests.conftest import login

    runner.invoke(args=["demo", "load"])
    assert login(client, "teacher", "teacher-demo").status_code == 302
    client.get("/logout")
    assert login(client.application.test_client(), "madina", "student-demo").status_code == 302


# --- the commands' language ------------------------------------------------------------------

def test_people_commands_speak_their_lang_option_else_the_shells_language(runner, tmp_path,
                                                                         monkeypatch):
    result = runner.invoke(args=["demo", "load", "--lang", "kk"])
    assert result.exit_code == 0, result.output
    assert "Демо-жоба:" in result.output and "құпиясөз: student-demo" in result.output
    assert "Demo logins" not in result.output
    project = str(db.session.scalar(sa.select(Project.id)))
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = runner.invoke(args=["invitations", "create", "--note", "7Б"])
    assert result.exit_code == 0, result.output
    assert "Действует один раз" in result.output
    assert "до " in runner.invoke(args=["invitations", "list"]).output
    bad = runner.invoke(args=["export", project, "--format", "jsonl", "--out",
                              str(tmp_path / "nowhere" / "out.jsonl")])
    assert bad.exit_code != 0 and "Папки" in bad.output
    result = runner.invoke(args=["export", project, "--format", "jsonl", "--out",
                                 str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    # Russian groups the bytes' thousands with a no-break space, not a comma.
    size = format_decimal((tmp_path / "out.jsonl").stat().st_size, locale="ru")
    assert "\u00a0" in size and f"{size} байт, 5 документов, jsonl" in result.output
    result = runner.invoke(args=["lti", "rotate-key", "--lang", "kk"])
    assert result.exit_code == 0 and "Жаңа қолтаңба кілті" in result.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "New signing key" in runner.invoke(args=["lti", "rotate-key"]).output


def test_backup_speaks_russian_with_its_size_grouped(runner, tmp_path, monkeypatch):
    from app.services import backup

    monkeypatch.setattr(backup, "backup", lambda url, path: 1234567)
    result = runner.invoke(args=["backup", str(tmp_path / "db.bak"), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "Резервная копия базы данных сохранена" in result.output
    assert "(1\u00a0234\u00a0567 байт)" in result.output
