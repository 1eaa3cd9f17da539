"""Class projects: creation with a codebook, join codes, rosters and who sees what."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Label, Membership, Project, User
from app.services import projects
from app.services.errors import Conflict, Forbidden, Invalid
from app.services.people import roster


def test_new_project_gets_its_own_default_codebook(make):
    project = make.project()
    codebook = project.codebook
    assert codebook.version == 1
    assert [layer.key for layer in codebook.layers] == ["source", "rhetoric", "claim"]
    source = codebook.layers[0]
    assert source.overlap == "nest_only" and source.max_depth == 3
    assert [label.key for label in source.labels if label.active] == [
        "news_report", "official_statement", "testimony", "forum_post", "opinion_analysis",
        "reference", "non_content"]
    rhetoric = codebook.layers[1]
    assert sum(label.active for label in rhetoric.labels) == 18
    assert {label.key for label in rhetoric.labels if not label.active} == {
        "appeal_to_values", "questioning_reputation", "consequential_oversimplification",
        "appeal_to_time", "obfuscation"}
    claim = codebook.layers[2]
    assert not next(lb for lb in claim.labels if lb.key == "claim.interested_source").active
    assert codebook.document_form["fields"][0]["key"] == "reliability"


def test_codebooks_are_stored_per_project(make):
    teacher = make.user("t1", role="teacher")
    first, second = make.project(teacher, "A"), make.project(teacher, "B")
    label = first.codebook.layers[0].labels[0]
    label.name = "Reporting (renamed)"
    db.session.commit()
    other = second.codebook.layers[0].labels[0]
    assert other.name == "News reporting"
    assert db.session.scalar(sa.select(sa.func.count(Label.id))) == 2 * 36


def test_shortcuts_are_unique_within_each_layer(make):
    for layer in make.project().codebook.layers:
        keys = [label.shortcut for label in layer.labels]
        assert len(keys) == len(set(keys)), layer.key


def test_project_creator_is_its_teacher_and_gets_a_join_code(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", project.join_code)
    assert projects.project_role(project, teacher) == "teacher"


def test_students_cannot_create_projects(make):
    with pytest.raises(Forbidden):
        projects.create_project(make.user("s1"), "Mine")


def test_project_needs_a_title(make):
    with pytest.raises(Invalid):
        projects.create_project(make.user("t1", role="teacher"), "   ")
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_teacher_creates_project_in_the_page(client, make, login_as):
    token = login_as(make.user("t1", role="teacher"))
    response = client.post("/projects/new", data={
        "title": "Media literacy 9B", "instructions": "Tag every passage.", "csrf_token": token})
    assert response.status_code == 302
    project = db.session.scalar(sa.select(Project))
    assert project.title == "Media literacy 9B" and project.codebook is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert project.join_code in page and "Tag every passage." in page


def test_existing_user_joins_another_project_with_code(client, make, login_as):
    student = make.user("s1")
    project = make.project()
    token = login_as(student)
    response = client.post("/projects/join", data={"code": project.join_code,
                                                   "csrf_token": token})
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    assert projects.project_role(project, student) == "student"


def test_new_join_code_retires_the_old_one(make):
    project = make.project()
    old = project.join_code
    projects.regenerate_join_code(project)
    assert project.join_code != old
    with pytest.raises(Exception, match="No class project"):
        projects.project_by_code(old)


def test_a_new_project_whose_drawn_join_code_is_taken_gets_another(make, monkeypatch):
    teacher = make.user("t1", role="teacher")
    first = make.project(teacher)
    drawn = iter([first.join_code, first.join_code, "ZZZZ-2345"])
    monkeypatch.setattr(projects, "draw_join_code", lambda: next(drawn))
    second = projects.create_project(teacher, "Second class")
    assert second.join_code == "ZZZZ-2345" and second.id != first.id
    assert projects.project_by_code("ZZZZ-2345").id == second.id
    assert projects.project_by_code(first.join_code).id == first.id
    # One project row, one membership and one codebook for the second class: the clashes
    # stored nothing.
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 2
    assert projects.project_role(second, teacher) == "teacher"
    assert second.codebook is not None and second.title == "Second class"


def test_roster_creates_accounts_with_slips(client, make, login_as):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/roster", data={
        "roster": "Aigerim Serikova\nDaniyar Kim, dkim\n\nÄlia Nurlanqyzy\n", "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    usernames = re.findall(r'<dt>Username</dt><dd class="code">([^<]+)</dd>', page)
    passwords = re.findall(r'<dt>Password</dt><dd class="code">([^<]+)</dd>', page)
    assert usernames == ["aigerim.s", "dkim", "alia.n"]
    assert len(passwords) == 3
    for username, password in zip(usernames, passwords, strict=True):
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user.check_password(password) and user.role == "student"
        assert projects.project_role(project, user) == "student"


def test_roster_picks_free_usernames(make):
    make.user("aigerim.s")
    slips = roster.add_roster(make.project(), "Aigerim Serikova\nAigerim Sultanova")
    assert [s.username for s in slips] == ["aigerim.s2", "aigerim.s3"]


def test_roster_with_a_taken_username_creates_nobody(make):
    make.user("dkim")
    project = make.project()
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(Conflict, match="Line 2"):
        roster.add_roster(project, "Aigerim Serikova\nDaniyar Kim, dkim")
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_roster_with_a_bad_username_creates_nobody(make):
    project = make.project()
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(Invalid, match="Line 1"):
        roster.add_roster(project, "Aigerim, not valid!")
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_my_projects_lists_only_my_projects(client, make, login_as):
    mine = make.project(title="Mine")
    make.project(title="Someone else's")
    student = make.member(mine, username="s1")
    login_as(student)
    page = client.get("/projects").get_data(as_text=True)
    assert "Mine" in page and "Someone else" not in page


def test_admin_sees_every_project(make):
    make.project(title="A")
    make.project(title="B")
    assert {p.title for p in projects.visible_projects(make.user("root", role="admin"))} == {
        "A", "B"}


@pytest.fixture
def two_classes(make):
    """Two projects with a document each, and a student of the first."""
    first = make.project(title="First class")
    second = make.project(title="Second class")
    doc = make.document(second)
    student = make.member(first, username="s-first")
    return first, second, doc, student


@pytest.mark.parametrize("path", [
    "/projects/{second}",
    "/projects/{second}/edit",
    "/projects/{second}/documents/{doc}",
    "/api/v1/projects/{second}",
    "/api/v1/projects/{second}/members",
    "/api/v1/projects/{second}/codebook",
    "/api/v1/projects/{second}/documents",
    "/api/v1/projects/{second}/documents/{doc}",
])
def test_student_of_one_project_gets_404_on_another(client, login_as, two_classes, path):
    first, second, doc, student = two_classes
    login_as(student)
    response = client.get(path.format(second=second.id, doc=doc.id))
    assert response.status_code == 404
    assert b"Second class" not in response.data


@pytest.mark.parametrize("path", [
    "/projects/{second}/documents", "/projects/{second}/roster", "/projects/{second}/join-code",
    "/projects/{second}/documents/seeds", "/projects/{second}/joining"])
def test_posts_to_another_project_get_404(client, login_as, two_classes, path):
    first, second, doc, student = two_classes
    token = login_as(student)
    response = client.post(path.format(second=second.id), data={"csrf_token": token,
                                                                "roster": "X Y"})
    assert response.status_code == 404


def test_document_of_another_project_under_my_project_id_is_404(client, login_as, two_classes):
    first, second, doc, student = two_classes
    login_as(student)
    assert client.get(f"/projects/{first.id}/documents/{doc.id}").status_code == 404


@pytest.mark.parametrize("path", ["/projects/{first}/edit"])
def test_students_cannot_manage_their_own_project(client, login_as, two_classes, path):
    first, second, doc, student = two_classes
    login_as(student)
    assert client.get(path.format(first=first.id)).status_code == 403


def test_students_cannot_add_a_roster(client, login_as, two_classes):
    first, second, doc, student = two_classes
    token = login_as(student)
    response = client.post(f"/projects/{first.id}/roster", data={"roster": "Eve",
                                                                 "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.project_id == first.id)) == 2


def test_student_does_not_see_the_join_code(client, login_as, two_classes):
    first, second, doc, student = two_classes
    login_as(student)
    assert first.join_code not in client.get(f"/projects/{first.id}").get_data(as_text=True)


def test_reading_view_shows_passages_with_offsets(client, make, login_as):
    project = make.project()
    doc = make.document(project, "Title line\n\nA <b>bold</b> & claim.\n")
    login_as(make.member(project, username="s1"))
    page = client.get(f"/projects/{project.id}/documents/{doc.id}").get_data(as_text=True)
    assert 'data-start="0" data-end="10"' in page
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; claim." in page


def test_teacher_adds_sample_texts_in_the_page(client, make, login_as):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/documents/seeds", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Imported 5 sample texts." in response.get_data(as_text=True)
    db.session.refresh(project)
    assert len(project.documents) == 5


def test_teacher_makes_a_student_an_adjudicator_who_may_curate(app, client, make, login_as):
    teacher = make.user("roleteacher", role="teacher")
    project = make.project(teacher)
    student = make.member(project, username="willcurate")
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/members/{student.id}/role",
                           data={"csrf_token": token, "role": "adjudicator"})
    assert response.status_code == 302
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "willcurate is now an adjudicator." in page
    from tests.conftest import login

    other = app.test_client()
    login(other, "willcurate")
    assert other.get(f"/projects/{project.id}/curate").status_code == 200
    assert other.get(f"/projects/{project.id}/progress").status_code == 403


def test_the_last_teacher_cannot_step_down(app, client, make, login_as):
    teacher = make.user("onlyteacher", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    client.post(f"/projects/{project.id}/members/{teacher.id}/role",
                data={"csrf_token": token, "role": "student"})
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "The project needs a teacher" in page
    from app.services import projects as service

    assert service.project_role(project, teacher) == "teacher"


def test_students_cannot_change_roles(app, client, make, login_as):
    project = make.project()
    student = make.member(project)
    token = login_as(student)
    response = client.post(f"/projects/{project.id}/members/{student.id}/role",
                           data={"csrf_token": token, "role": "teacher"})
    assert response.status_code == 403
