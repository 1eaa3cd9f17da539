"""Deleting a document never destroys annotations: with annotations on it, it is refused
until confirmed, then archived (out of every list, report and export) and restorable."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Document, Span
from app.services import tokens
from tests.conftest import csrf_token

TEXT = "The minister blamed bandits.\n\nA witness said the police were shooting to kill.\n"


@pytest.fixture
def setting(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    student = make.member(project, username="s1")
    _, student_secret = tokens.create_token(student, "test")
    _, teacher_secret = tokens.create_token(teacher, "test")
    return (project, document, teacher, {"Authorization": f"Bearer {teacher_secret}"},
            {"Authorization": f"Bearer {student_secret}"})


def annotate(client, document, headers):
    start = document.text.index("bandits")
    response = client.post(
        f"/api/v1/projects/{document.project_id}/documents/{document.id}/spans",
        headers=headers, json={"client_id": uuid.uuid4().hex, "layer": "rhetoric",
                               "label": "loaded_language", "start": start,
                               "end": start + 7, "text": "bandits"})
    assert response.status_code == 201


def all_documents():
    return db.session.scalars(sa.select(Document)
                              .execution_options(include_archived=True)).all()


def test_an_unannotated_document_is_deleted(client, setting):
    project, document, _, teacher, _ = setting
    response = client.delete(f"/api/v1/projects/{project.id}/documents/{document.id}",
                             headers=teacher)
    assert response.status_code == 204
    assert all_documents() == []


def test_deleting_an_annotated_document_needs_confirmation(client, setting):
    project, document, _, teacher, student = setting
    annotate(client, document, student)
    url = f"/api/v1/projects/{project.id}/documents/{document.id}"
    response = client.delete(url, headers=teacher)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "confirmation_needed"
    assert response.json["error"]["counts"] == {"spans": 1, "passage_tags": 0, "ratings": 0,
                                                "claims": 0, "verdicts": 0,
                                                "annotators": 1}
    assert client.get(url, headers=teacher).status_code == 200  # untouched


def test_a_confirmed_delete_archives_and_restore_brings_everything_back(client, setting):
    project, document, _, teacher, student = setting
    annotate(client, document, student)
    base = f"/api/v1/projects/{project.id}"
    assert client.delete(f"{base}/documents/{document.id}?confirm=yes",
                         headers=teacher).status_code == 204
    # Gone from lists, reads and exports; nothing destroyed.
    assert client.get(f"{base}/documents", headers=teacher).json["documents"] == []
    assert client.get(f"{base}/documents/{document.id}", headers=teacher).status_code == 404
    assert client.get(f"{base}/documents/{document.id}/annotations",
                      headers=student).status_code == 404
    (kept,) = all_documents()
    assert kept.archived_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 1
    response = client.post(f"{base}/archive/{document.id}/restore", headers=teacher)
    assert response.status_code == 200, response.json
    spans = client.get(f"{base}/documents/{document.id}/annotations", headers=student).json
    assert [s["text"] for s in spans["spans"]] == ["bandits"]


def test_students_cannot_delete_documents(client, setting):
    project, document, _, _, student = setting
    response = client.delete(f"/api/v1/projects/{project.id}/documents/{document.id}"
                             "?confirm=yes", headers=student)
    assert response.status_code == 403
    assert len(all_documents()) == 1


def test_an_archived_document_leaves_the_export_and_the_agreement(client, make, setting):
    from app.services.datasets.export import Filters, records

    project, document, _, teacher, student = setting
    other = make.document(project, "Another text.\n")
    annotate(client, document, student)
    client.delete(f"/api/v1/projects/{project.id}/documents/{document.id}?confirm=yes",
                  headers=teacher)
    assert [r["id"] for r in records(project, Filters())] == [other.id]


def test_the_text_of_an_archived_document_cannot_be_uploaded_again(client, make, setting):
    from app.services.documents import import_files
    from app.services.errors import ImportFailed

    project, document, _, teacher, student = setting
    annotate(client, document, student)
    client.delete(f"/api/v1/projects/{project.id}/documents/{document.id}?confirm=yes",
                  headers=teacher)
    with pytest.raises(ImportFailed, match="archive"):
        import_files(project, [("again.txt", TEXT.encode())], 1 << 20)


def test_the_teacher_archives_and_restores_in_the_pages(client, setting, login_as):
    project, document, teacher_user, _, student = setting
    annotate(client, document, student)
    login_as(teacher_user)
    url = f"/projects/{project.id}/documents/{document.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "1 span, 0 passage tags and 0 ratings by 1 annotator" in page
    token = csrf_token(client, url)
    # Without the confirm button's value nothing happens.
    client.post(url, data={"csrf_token": token})
    assert all_documents()[0].archived_at is None
    # The confirmation form posts exactly what the page's form holds.
    form = re.search(r'<form method="post">(.*?)</form>', page, re.S).group(1)
    fields = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    assert [value for name, value in fields if name == "confirm"] == ["yes"]
    response = client.post(url, data=MultiDict(fields))  # as a browser sends it
    assert response.status_code == 302
    assert all_documents()[0].archived_at is not None
    archive_page = client.get(f"/projects/{project.id}/archive").get_data(as_text=True)
    assert document.title in archive_page
    client.post(f"/projects/{project.id}/archive/{document.id}/restore",
                data={"csrf_token": csrf_token(client, f"/projects/{project.id}/archive")})
    assert all_documents()[0].archived_at is None


def test_claims_and_verdicts_count_as_work_a_delete_never_destroys(client, make, setting):
    """A document whose only work is on the claims board is archived, not deleted."""
    from app.models import ClaimLink, ClaimVerdict
    from app.services import claims

    project, document, teacher_user, teacher, _ = setting
    classmate = make.member(project, username="s2")
    question = claims.create_question(project, teacher_user, "Who is blamed for it?", "text")
    start = document.text.index("bandits")
    link = claims.file_claim(project, teacher_user, question.id, {
        "document_id": document.id, "start": start, "end": start + 7, "text": "bandits",
        "value": "bandits"})
    claims.set_verdict(project, classmate, link.id, {"verdict": "refuted"})
    url = f"/api/v1/projects/{project.id}/documents/{document.id}"
    response = client.delete(url, headers=teacher)
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "confirmation_needed"
    counts = response.json["error"]["counts"]
    assert (counts["claims"], counts["verdicts"], counts["annotators"]) == (1, 1, 2)
    assert client.delete(url + "?confirm=yes", headers=teacher).status_code == 204
    assert all_documents()[0].archived_at is not None
    assert db.session.scalar(sa.select(sa.func.count(ClaimVerdict.id))) == 1
    # The board leaves the archived document's claim out (and does not fail on it) …
    assert claims.board(project, question)["rows"] == []
    # … and has it back, with its verdict, once the document is restored.
    client.post(f"/api/v1/projects/{project.id}/archive/{document.id}/restore",
                headers=teacher)
    db.session.expire_all()
    (row,) = claims.board(project, question)["rows"]
    assert row["link"].id == link.id and row["verdicts"]["refuted"] == 1
    assert db.session.scalar(sa.select(sa.func.count(ClaimLink.id))) == 1
