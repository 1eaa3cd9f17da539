"""A student removed from a project (work kept or pseudonymised, after a confirmation),
moved to another of the teacher's projects; a project's codebook and settings copied."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, PassageTag, Project, Span, User
from app.services import annotations, codebooks
from app.services.agreement.people import Scope, annotators_of
from app.services.errors import ConfirmationNeeded, Invalid, NotFound
from app.services.people import members


@pytest.fixture
def klass(make):
    teacher = make.user("teacher", role="teacher")
    project = make.project(teacher, "Class A")
    document = make.document(project, "The minister blamed bandits.\n\nWitnesses did not.\n")
    student = make.member(project, username="dana")
    classmate = make.member(project, username="erlan")
    for who in (student, classmate):
        start = document.text.index("bandits")
        annotations.create_span(who, document, {
            "client_id": f"client-{who.username}", "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + 7, "text": "bandits"})
    return teacher, project, document, student, classmate


def remove(client, token, project, user, how, confirm=False):
    data = {"how": how, "csrf_token": token}
    if confirm:
        data["confirm"] = "yes"
    return client.post(f"/projects/{project.id}/members/{user.id}/remove", data=data)


def is_member(project, user) -> bool:
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.project_id == project.id, Membership.user_id == user.id)) is not None


def test_removing_asks_first_with_the_work_that_stays(client, login_as, klass):
    teacher, project, _, student, _ = klass
    token = login_as(teacher)
    page = client.get(f"/projects/{project.id}/members/{student.id}")
    assert page.status_code == 200 and "Remove from the project" in page.get_data(as_text=True)
    asked = remove(client, token, project, student, "keep")
    assert asked.status_code == 200
    assert "1 span," in asked.get_data(as_text=True) and "Yes, remove dana" in asked.get_data(
        as_text=True)
    assert is_member(project, student)  # nothing changed yet


def test_removed_and_kept_the_work_stays_under_their_name(client, login_as, klass):
    teacher, project, _, student, _ = klass
    token = login_as(teacher)
    assert remove(client, token, project, student, "keep", confirm=True).status_code == 302
    assert not is_member(project, student)
    assert "dana" in annotators_of(project, Scope()).values()
    assert db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.user_id == student.id)) == 1


def test_removed_and_pseudonymised_the_work_stands_under_a_name_that_cannot_sign_in(
        client, login_as, klass):
    teacher, project, document, student, classmate = klass
    annotations.set_passage_tag(student, document, document.passages[0].id, "news_report")
    other = members.copy_project(teacher, project, "Class B")  # work elsewhere is untouched
    token = login_as(teacher)
    assert remove(client, token, project, student, "pseudonymise",
                  confirm=True).status_code == 302
    names = set(annotators_of(project, Scope()).values())
    assert "dana" not in names and "erlan" in names
    (stand_in,) = [n for n in names if n.startswith("former-")]
    holder = db.session.scalar(sa.select(User).where(User.username == stand_in))
    assert holder.active is False and holder.display_name == "Former student"
    assert db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.user_id == holder.id)) == 1
    assert db.session.scalar(sa.select(PassageTag.user_id)) == holder.id
    assert db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.user_id == student.id)) == 0
    assert db.session.get(User, student.id) is not None  # the account itself stays
    assert other.id != project.id


def test_removal_refuses_an_unknown_choice_and_non_students(make, klass):
    teacher, project, _, student, _ = klass
    with pytest.raises(Invalid):
        members.remove_student(project, student.id, "forget", confirm=True)
    with pytest.raises(NotFound):
        members.remove_student(project, teacher.id, "keep", confirm=True)
    with pytest.raises(ConfirmationNeeded) as asked:
        members.remove_student(project, student.id, "keep", confirm=False)
    assert asked.value.counts["spans"] == 1


def test_a_student_moves_to_another_of_the_teachers_projects(client, make, login_as, klass):
    teacher, project, _, student, _ = klass
    target = make.project(teacher, "Class B")
    not_mine = make.project(make.user("other", role="teacher"), "Class C")
    token = login_as(teacher)
    refused = client.post(f"/projects/{project.id}/members/{student.id}/move",
                          data={"target": not_mine.id, "csrf_token": token})
    assert refused.status_code == 400 and is_member(project, student)
    moved = client.post(f"/projects/{project.id}/members/{student.id}/move",
                        data={"target": target.id, "csrf_token": token})
    assert moved.status_code == 302
    assert is_member(target, student) and not is_member(project, student)
    assert "dana" in annotators_of(project, Scope()).values()  # the work stays


def test_copying_a_project_carries_its_codebook_and_settings(client, login_as, klass):
    teacher, project, _, _, _ = klass
    project.reveal, project.time_zone = "after_submit", "Asia/Almaty"
    db.session.commit()
    label = project.codebook.layers[1].labels[0]
    codebooks.update_label(label, name="Loaded words")
    token = login_as(teacher)
    assert "Start another class from this one" in client.get(
        f"/projects/{project.id}/edit").get_data(as_text=True)
    response = client.post(f"/projects/{project.id}/copy",
                           data={"title": "Class A, spring", "csrf_token": token})
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Project).where(Project.title == "Class A, spring"))
    assert (copy.reveal, copy.time_zone) == ("after_submit", "Asia/Almaty")
    assert copy.codebook.layers[1].labels[0].name == "Loaded words"
    assert copy.documents == [] and [m.user_id for m in copy.memberships] == [teacher.id]
    assert client.post(f"/projects/{project.id}/copy",
                       data={"title": "", "csrf_token": token}).status_code == 400


def test_pseudonymised_work_leaves_no_name_in_the_history_or_the_frozen_rounds(
        client, login_as, klass):
    from app.models import AnnotationEvent, RoundWork
    from app.services import history, rounds

    teacher, project, document, student, _ = klass
    first = rounds.create_round(project, "Round 1", [document.id])
    rounds.start_round(first, teacher)
    second = rounds.create_round(project, "Retest", [document.id])
    rounds.start_round(second, teacher)  # freezes dana's round-1 work on the document
    assert db.session.scalar(sa.select(sa.func.count(RoundWork.id)).where(
        RoundWork.user_id == student.id)) == 1
    token = login_as(teacher)
    assert remove(client, token, project, student, "pseudonymise",
                  confirm=True).status_code == 302
    shown = history.events(document)
    assert shown and all("dana" not in (event["owner"], event["actor"]) for event in shown)
    client.get(f"/projects/{project.id}/members")  # shows the removal's message, once
    page = client.get(f"/projects/{project.id}/documents/{document.id}/history")
    assert page.status_code == 200 and "dana" not in page.get_data(as_text=True)
    assert "former-" in page.get_data(as_text=True)
    assert client.get(f"/projects/{project.id}/documents/{document.id}/history?user=dana"
                      ).get_data(as_text=True).count("former-") == 0  # not found by name
    # The log itself is append-only: it still knows whose the changes were.
    assert db.session.scalar(sa.select(sa.func.count(AnnotationEvent.id)).where(
        AnnotationEvent.owner_id == student.id)) == len(
        [event for event in shown if event["owner"].startswith("former-")])
    assert db.session.scalar(sa.select(sa.func.count(RoundWork.id)).where(
        RoundWork.user_id == student.id)) == 0


def test_an_unknown_role_is_refused_naming_the_roles_in_the_readers_language(app, klass):
    from flask_babel import force_locale

    from app.services import projects

    _, project, _, student, _ = klass
    with app.test_request_context(), force_locale("kk"):
        with pytest.raises(Invalid) as refused:
            projects.set_member_role(project, student.id, "owner")
        message = str(refused.value)
    assert "төреші" in message and "adjudicator" not in message
