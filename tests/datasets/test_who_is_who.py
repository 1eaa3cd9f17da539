"""Who is who before an import stores anything: each name of a file, its work, and the
account it becomes, shown, corrected, then imported (with the app and database)."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, PendingImport, Span, User
from app.services.datasets import importing
from app.services.datasets.importing import Choice, pending
from app.services.errors import ImportFailed, Invalid, NotFound
from app.services.gold import GOLD_USERNAME
from tests.conftest import csrf_token, login

TEXT = "Police said 14 died. Officials said all is calm."


def _annotation(user: dict, *ranges: tuple[int, int], ground_truth: bool = False) -> dict:
    return {"completed_by": user, "ground_truth": ground_truth, "was_cancelled": False,
            "result": [{"id": f"r{start}", "from_name": "claim", "to_name": "text",
                        "type": "labels",
                        "value": {"start": start, "end": end, "text": TEXT[start:end],
                                  "labels": ["claim.no_source"]}} for start, end in ranges]}


EMAIL = {"id": 4, "email": "aigerim@school.kz", "first_name": "", "last_name": ""}
FULL = {"id": 5, "email": "d@school.kz", "first_name": "Daniyar", "last_name": "Serikuly"}
MEMBER = {"id": 6, "email": "amina", "first_name": "", "last_name": ""}
TEACHER = {"id": 7, "email": "t@school.kz", "first_name": "Teacher", "last_name": "One"}


def _file(*annotations) -> bytes:
    return json.dumps([{"id": 3, "data": {"text": TEXT},
                        "annotations": list(annotations)}]).encode()


def _class_file() -> bytes:
    return _file(_annotation(EMAIL, (12, 19), (21, 30)),
                 _annotation(FULL, (12, 19)), _annotation(MEMBER, (0, 6)),
                 _annotation(TEACHER, (12, 19), ground_truth=True))


def _counts():
    return (db.session.scalar(sa.select(sa.func.count(Document.id))),
            db.session.scalar(sa.select(sa.func.count(Span.id))),
            db.session.scalar(sa.select(sa.func.count(User.id))))


@pytest.fixture
def setup(app, make):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    make.member(project, username="amina")
    db.session.commit()
    return project, teacher


def test_the_plan_shows_each_name_its_work_and_what_it_becomes(setup):
    project, teacher = setup
    before = _counts()
    plan = importing.plan_file(project, "label-studio", "tasks.json", _class_file(), teacher,
                               ground_truth_gold=True)
    people = {p.name: p for p in plan.people}
    assert set(people) == {"aigerim@school.kz", "Daniyar Serikuly", "amina", "gold"}
    assert (people["aigerim@school.kz"].spans, people["aigerim@school.kz"].ratings) == (2, 0)
    assert people["aigerim@school.kz"].choice.kind == "new"
    assert people["aigerim@school.kz"].choice.username.startswith("aigerim-")
    assert people["Daniyar Serikuly"].choice.username.startswith("daniyar.serikuly-")
    assert people["amina"].choice == Choice("member", "amina") and people["amina"].as_is
    assert people["gold"].choice.kind == "gold" and people["gold"].as_is
    assert not plan.as_is and plan.has_gold
    assert _counts() == before  # nothing stored, no account made


def test_the_teachers_choices_are_what_is_imported(setup, make):
    project, teacher = setup
    make.member(project, username="daniyar")
    db.session.commit()
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", _class_file())
    assert begun.summary is None and begun.token
    assert _counts()[0] == 0
    kept = pending.load(project, teacher, begun.token)
    choices = kept.plan.choices()
    choices["aigerim@school.kz"] = Choice("new", "Aigerim.B")  # edited, normalised
    choices["Daniyar Serikuly"] = Choice("member", "daniyar")
    summary = pending.confirm(project, teacher, begun.token, choices)

    made = sorted(name for name, _ in summary.accounts)
    assert made[0] == "aigerim.b" and made[1] == choices["Teacher One"].username
    assert summary.renamed == {"aigerim@school.kz": "aigerim.b", "Daniyar Serikuly": "daniyar",
                               "Teacher One": made[1]}
    owners = sorted(db.session.scalars(sa.select(User.username).join(
        Span, Span.user_id == User.id)))
    assert owners[:4] == ["aigerim.b", "aigerim.b", "amina", "daniyar"]
    assert owners[4].startswith("teacher.one-")  # the proposal kept
    assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0
    with pytest.raises(NotFound):  # used once
        pending.load(project, teacher, begun.token)


def test_a_name_may_become_the_gold_key(setup):
    project, teacher = setup
    raw = _file(_annotation(TEACHER, (12, 19)), _annotation(MEMBER, (0, 6)))
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", raw)
    kept = pending.load(project, teacher, begun.token)
    assert not kept.plan.has_gold
    choices = kept.plan.choices() | {"Teacher One": Choice("gold")}
    summary = pending.confirm(project, teacher, begun.token, choices)
    assert summary.gold and summary.accounts == []
    owner = db.session.scalar(sa.select(User.username).join(Span, Span.user_id == User.id)
                              .where(Span.start == 12))
    assert owner == GOLD_USERNAME


def test_a_file_of_members_imports_at_once(setup):
    project, teacher = setup
    begun = pending.begin(project, teacher, "label-studio", "tasks.json",
                          _file(_annotation(MEMBER, (0, 6))))
    assert begun.token is None and begun.summary.spans == 1
    assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0


def test_a_taken_or_invalid_username_or_a_clash_is_refused_and_nothing_stored(setup, make):
    project, teacher = setup
    other = make.project(make.user("teach2", role="teacher"), title="Other class")
    make.member(other, username="aigerim")
    db.session.commit()
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", _class_file(),
                          ground_truth_gold=True)
    choices = pending.load(project, teacher, begun.token).plan.choices()
    before = _counts()
    bad = [
        ({"aigerim@school.kz": Choice("new", "aigerim")}, "is taken"),
        ({"aigerim@school.kz": Choice("new", "a b")}, "2 to 32 characters"),
        # another class's account is never a member to choose
        ({"aigerim@school.kz": Choice("member", "aigerim")}, "not a member of this project"),
        ({"aigerim@school.kz": Choice("member", "amina")}, "give each name its own account"),
        ({"Daniyar Serikuly": Choice("gold")}, "give each name its own account"),
    ]
    for change, message in bad:
        with pytest.raises(Invalid) as error:
            pending.confirm(project, teacher, begun.token, choices | change)
        assert message in " ".join(error.value.fields.values()), change
        assert _counts() == before
    # The kept upload stays for a correction.
    assert pending.confirm(project, teacher, begun.token, choices).spans == 5


def test_a_username_taken_meanwhile_is_caught_by_the_import_itself(setup, make):
    project, teacher = setup
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", _class_file())
    choices = pending.load(project, teacher, begun.token).plan.choices()
    make.user(choices["Daniyar Serikuly"].username)  # someone signs up with it meanwhile
    db.session.commit()
    before = _counts()
    with pytest.raises(Invalid) as error:
        pending.confirm(project, teacher, begun.token, choices)
    assert "is taken" in error.value.fields["Daniyar Serikuly"]
    # And the importer refuses it on its own too (the same check, inside the import).
    with pytest.raises(ImportFailed) as failed:
        importing.import_file(project, "label-studio", "tasks.json", _class_file(), teacher,
                              choices=choices)
    assert any("is taken" in p.message for p in failed.value.problems)
    assert _counts() == before


def test_another_teacher_or_class_never_sees_the_kept_upload(setup, make):
    project, teacher = setup
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", _class_file())
    colleague = make.member(project, role="teacher")
    other_teacher = make.user("teach3", role="teacher")
    other = make.project(other_teacher, title="Other class")
    db.session.commit()
    for who, where in ((colleague, project), (other_teacher, other), (teacher, other)):
        with pytest.raises(NotFound):
            pending.load(where, who, begun.token)
        with pytest.raises(NotFound):
            pending.confirm(where, who, begun.token, {})
        with pytest.raises(NotFound):
            pending.cancel(where, who, begun.token)
    pending.cancel(project, teacher, begun.token)
    with pytest.raises(NotFound):
        pending.load(project, teacher, begun.token)
    assert _counts()[0] == 0


def test_a_choice_for_a_name_not_in_the_file_is_refused(setup):
    project, teacher = setup
    with pytest.raises(ImportFailed) as error:
        importing.plan_file(project, "label-studio", "tasks.json", _class_file(), teacher,
                            choices={"Nobody": Choice("new", "nobody")})
    assert "'Nobody' is not a name in the file" in str(error.value.problems[0])


# --- the page ---------------------------------------------------------------------------

def _form(page: str) -> dict[str, str]:
    """The values the page's form would post as it stands."""
    data = dict(re.findall(r'name="(username-\d+)" [^>]*value="([^"]*)"', page))
    for name, options in re.findall(r'<select id="[^"]+" name="(who-\d+)"[^>]*>(.*?)</select>',
                                    page, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected', options).group(1)
    data.update(re.findall(r'<input type="hidden" name="(who-\d+)" value="([^"]+)"', page))
    return data


def _upload(client, project, token, raw: bytes, **extra):
    return client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "label-studio",
        "file": (io.BytesIO(raw), "tasks.json"), **extra},
        content_type="multipart/form-data")


def test_the_page_shows_who_is_who_and_imports_the_corrected_mapping(app, client, make,
                                                                     login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    make.member(project, username="amina")
    db.session.commit()
    token = login_as(teacher)
    response = _upload(client, project, token, _class_file(), ground_truth_gold="y")
    assert response.status_code == 302 and _counts()[0] == 0
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Check who is who" in page and "aigerim@school.kz" in page
    assert "Daniyar Serikuly" in page and "The gold key (as in the file)" in page
    data = _form(page)
    row = {v: k for k, v in data.items()}
    aigerim = next(k for k, v in data.items() if v.startswith("aigerim-")).split("-")[1]
    assert data[f"who-{aigerim}"] == "new"
    # A taken username: the same page, the row named, nothing stored.
    data[f"username-{aigerim}"] = "teach"
    response = client.post(url, data=data | {"csrf_token": token, "choice": "import"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "The username &#39;teach&#39; is taken" in page
    assert _counts()[0] == 0
    data[f"username-{aigerim}"] = "aigerim.b"
    response = client.post(url, data=data | {"csrf_token": token, "choice": "import"})
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Login slips" in page and "aigerim.b" in page
    assert _counts()[1] == 5 and "member:amina" in row
    assert client.get(url).status_code == 404  # done: gone


def test_another_teacher_gets_404_and_cancel_stores_nothing(app, client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    colleague = make.member(project, role="teacher")
    db.session.commit()
    token = login_as(teacher)
    url = _upload(client, project, token, _class_file()).headers["Location"]
    other = app.test_client()
    login(other, colleague.username)
    other_token = csrf_token(other, f"/projects/{project.id}/data")
    assert other.get(url).status_code == 404
    assert other.post(url, data={"csrf_token": other_token, "choice": "cancel"}
                      ).status_code == 404
    response = client.post(url, data={"csrf_token": token, "choice": "cancel"})
    assert response.status_code == 302 and client.get(url).status_code == 404
    assert _counts()[0] == 0


# --- flask import -----------------------------------------------------------------------

def test_cli_import_prints_who_is_who_and_asks(setup, runner, tmp_path):
    project, _ = setup
    path = tmp_path / "tasks.json"
    path.write_bytes(_class_file())
    before = _counts()
    result = runner.invoke(args=["import", str(project.id), str(path), "--format",
                                 "label-studio"], input="n\n")
    assert result.exit_code != 0 and _counts() == before
    assert "'aigerim@school.kz': 2 spans, 0 passage tags, 0 ratings -> new account " \
           "aigerim-" in result.output
    assert "'amina': 1 spans, 0 passage tags, 0 ratings -> member amina" in result.output
    assert "Import with these names?" in result.output


def test_cli_import_takes_the_mapping_from_map(setup, make, runner, tmp_path):
    project, _ = setup
    other = make.project(make.user("teach2", role="teacher"), title="Other class")
    make.member(other, username="daniyar")
    db.session.commit()
    path = tmp_path / "tasks.json"
    path.write_bytes(_class_file())
    args = ["import", str(project.id), str(path), "--format", "label-studio", "--yes",
            "--map", "aigerim@school.kz=Aigerim.B", "--map", "Teacher One=gold"]
    # Another class's account is never taken: its name is only "taken".
    result = runner.invoke(args=[*args, "--map", "Daniyar Serikuly=daniyar"])
    assert result.exit_code != 0 and "'daniyar' is taken" in result.output
    assert _counts()[0] == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "-> new account aigerim.b" in result.output
    assert "the work of 'aigerim@school.kz' went to aigerim.b" in result.output
    owners = dict(db.session.execute(sa.select(Span.start, User.username).join(
        User, Span.user_id == User.id).where(Span.start.in_([0, 21]))).all())
    assert owners == {0: "amina", 21: "aigerim.b"}
    assert db.session.scalar(sa.select(sa.func.count(Span.id)).join(
        User, Span.user_id == User.id).where(User.username == GOLD_USERNAME)) == 1


def test_a_username_taken_between_the_check_and_the_write_is_refused_cleanly(setup, make,
                                                                               monkeypatch):
    from app.services import accounts

    project, teacher = setup
    begun = pending.begin(project, teacher, "label-studio", "tasks.json", _class_file())
    choices = pending.load(project, teacher, begun.token).plan.choices()
    taken = choices["Daniyar Serikuly"].username
    make.user(taken)  # another request takes it after every check has looked
    db.session.commit()
    monkeypatch.setattr(accounts, "username_taken", lambda username: False)
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        pending.confirm(project, teacher, begun.token, choices)
    (problem,) = failed.value.problems
    assert taken in problem.message and "meanwhile" in problem.message
    assert failed.value.status == 400
    assert _counts() == before
    assert pending.load(project, teacher, begun.token)  # the upload stays, to try again
