"""The security log: one JSON object a line through `sourcemark.security`, one event each."""

from __future__ import annotations

import json
import logging

import pytest

from app.services import archive, invitations, projects
from tests.conftest import PASSWORD, csrf_token, login
from tests.datasets.sample import sample_records
from tests.datasets.test_roundtrip import _jsonl

FIELDS = {"event", "time", "user_id", "username", "remote_addr", "project_id", "object",
          "outcome"}


@pytest.fixture
def events(caplog):
    """The security events written so far, parsed (each record must be one JSON object)."""
    caplog.set_level(logging.INFO, logger="sourcemark.security")

    def read(name: str | None = None) -> list[dict]:
        found = []
        for record in caplog.records:
            if record.name == "sourcemark.security":
                line = record.getMessage()
                assert "\n" not in line
                event = json.loads(line)
                assert FIELDS <= set(event), event
                found.append(event)
        return [e for e in found if name is None or e["event"] == name]

    return read


def test_failed_throttled_and_good_sign_ins_are_logged(client, app, make, events):
    app.config["LOGIN_FREE_FAILURES"] = 1
    make.user("amina")
    login(client, "amina", "bad password")
    login(client, "amina", PASSWORD)
    outcomes = [(e["username"], e["outcome"]) for e in events("sign_in")]
    assert outcomes == [("amina", "failed"), ("amina", "throttled")]
    assert events("sign_in")[0]["remote_addr"] == "127.0.0.1"
    assert events("sign_in")[1]["retry_after"] >= 1


def test_sign_ups_of_teachers_and_students_are_logged(client, make, events):
    token = csrf_token(client, "/signup")
    client.post("/signup", data={"username": "sadykova", "password": "long enough pw",
                                 "confirm": "long enough pw", "csrf_token": token})
    project = make.project()
    joiner = client.application.test_client()
    token = csrf_token(joiner, "/join")
    joiner.post("/join", data={"code": project.join_code, "username": "dana",
                               "password": "dana's password", "confirm": "dana's password",
                               "csrf_token": token})
    signed_up = [(e["username"], e["role"], e["project_id"]) for e in events("sign_up")]
    assert signed_up == [("sadykova", "teacher", None), ("dana", "student", project.id)]


def test_a_look_at_another_class_is_logged_once(client, make, login_as, events):
    other = make.project(title="Class A")
    document = make.document(other)
    intruder = make.user("intruder", role="teacher")
    login_as(intruder)
    assert client.get(f"/projects/{other.id}").status_code == 404
    assert client.get(f"/api/v1/projects/{other.id}/documents/{document.id}"
                      ).status_code == 404
    refused = events("access_refused")
    assert [e["object"] for e in refused] == [f"project:{other.id}",
                                              f"document:{document.id}"]
    assert all(e["user_id"] == intruder.id and e["project_id"] == other.id
               and e["outcome"] == "refused" for e in refused)
    assert len(events("access_refused")) == 2


def test_role_and_password_changes_are_logged(runner, make, events):
    project = make.project()
    student = make.member(project, username="amina")
    projects.set_member_role(project, student.id, "adjudicator")
    result = runner.invoke(args=["users", "set-password", "amina", "--password",
                                 "a new long passphrase"])
    assert result.exit_code == 0, result.output
    (role,) = events("member_role_changed")
    assert (role["object"], role["before"], role["after"]) == \
        (f"user:{student.id}", "student", "adjudicator")
    assert events("password_changed")[0]["target"] == "amina"


def test_imports_exports_archive_and_invitations_are_logged(client, make, login_as, events):
    from app.services.datasets import importing

    teacher = make.user("tt", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    upload = client.post(f"/projects/{project.id}/import", data={
        "format": "jsonl", "csrf_token": token,
        "file": (__import__("io").BytesIO(_jsonl(sample_records())), "class.jsonl")})
    # The file names people who are not members yet: who is who first, then the import.
    assert "/import/" in upload.location
    from app.services.datasets.importing import pending

    kept = pending.load(project, teacher, upload.location.rsplit("/", 1)[1])
    shown = {"new": "new", "gold": "gold", "member": "member:"}  # as the page's select says
    proposed = {f"who-{i}": shown[person.choice.kind] + (
        person.choice.username if person.choice.kind == "member" else "")
        for i, person in enumerate(kept.plan.people)} | {
        f"username-{i}": person.choice.username for i, person in enumerate(kept.plan.people)}
    done = client.post(upload.location, data={"csrf_token": token, "choice": "import", **proposed})
    assert done.status_code == 200  # the new accounts' login slips
    client.get(f"/projects/{project.id}/export?format=jsonl").close()
    document = importing.db.session.get(importing.Document, 1)
    archive.remove_document(teacher, document, confirm=True)
    archive.restore_document(teacher, project, document.id)
    invitations.create(None)
    (imported,) = events("dataset_import")
    assert imported["file"] == "class.jsonl" and imported["accounts_created"] == 2
    assert imported["user_id"] == teacher.id and imported["project_id"] == project.id
    assert events("dataset_export")[0]["format"] == "jsonl"
    assert [e["object"] for e in events("document_archived") + events("document_restored")] \
        == [f"document:{document.id}"] * 2
    assert len(events("invitation_created")) == 1


def test_the_log_reaches_stderr_as_bare_json(app, capfd):
    from app import security_log

    security_log.event("test_event", object="x:1")
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["event"] == "test_event"
