"""The export and import page: teachers download exports and cards, and import files."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Span
from app.services.datasets import importing
from app.services.datasets.formats import jsonl
from tests.datasets.sample import enrol, sample_records
from tests.datasets.test_who_is_who import _form


def _jsonl(records) -> bytes:
    return "".join(jsonl.dump(r) + "\n" for r in records).encode()


def _teacher_project(make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    return project, token


def test_teacher_downloads_an_export_with_filters(app, client, make, login_as):
    project, _ = _teacher_project(make, login_as)
    enrol(project)
    importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    page = client.get(f"/projects/{project.id}/data")
    assert page.status_code == 200 and b"Download the export" in page.data
    assert b"aigerim" in page.data
    response = client.get(f"/projects/{project.id}/export?format=jsonl&annotator=daniyar"
                          "&pseudonymise=1")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".jsonl" in response.headers["Content-Disposition"]
    lines = [json.loads(line) for line in response.data.decode().splitlines()]
    response.close()
    assert len(lines) == 2 and b"daniyar" not in response.data
    assert [name.startswith("annotator-") for name in lines[0]["annotators"]] == [True]


def test_teacher_downloads_the_dataset_card(app, client, make, login_as):
    project, _ = _teacher_project(make, login_as)
    importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    response = client.get(f"/projects/{project.id}/export/card?format=csv")
    assert response.status_code == 200
    card = response.data.decode()
    assert card.startswith(f"# {project.title}: dataset card")
    assert "as `csv`" in card and "| Loaded language (`loaded_language`) |" in card
    assert "## Agreement" in card


def test_an_unknown_format_or_filter_is_an_error_message(app, client, make, login_as):
    project, _ = _teacher_project(make, login_as)
    response = client.get(f"/projects/{project.id}/export?format=docx")
    assert response.status_code == 302
    page = client.get(f"/projects/{project.id}/data").get_data(as_text=True)
    assert "Unknown format" in page
    response = client.get(f"/projects/{project.id}/export?format=jsonl&annotator=nobody")
    assert response.status_code == 302
    assert "no annotator" in client.get(f"/projects/{project.id}/data").get_data(as_text=True)


def test_import_through_the_page_shows_new_accounts_once(app, client, make, login_as):
    project, token = _teacher_project(make, login_as)
    response = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "jsonl",
        "file": (io.BytesIO(_jsonl(sample_records())), "class.jsonl")},
        content_type="multipart/form-data")
    # aigerim and daniyar are not members: the teacher sees who they become first.
    assert response.status_code == 302
    url = response.headers["Location"]
    data = _form(client.get(url).get_data(as_text=True))
    response = client.post(url, data=data | {"csrf_token": token, "choice": "import"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Login slips" in page and "aigerim-" in page and "daniyar-" in page
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) > 0


def test_a_bad_import_lists_problems_and_stores_nothing(app, client, make, login_as):
    project, token = _teacher_project(make, login_as)
    records = sample_records()
    records[0]["gold"]["spans"][0]["label"] = "nonsense"
    response = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "jsonl",
        "file": (io.BytesIO(_jsonl(records)), "class.jsonl")},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "class.jsonl, line 1, field &#39;gold.spans[0].label&#39;" in page
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_a_bad_import_is_told_in_the_readers_language(app, client, make, login_as):
    project, token = _teacher_project(make, login_as)
    client.set_cookie("sourcemark_lang", "kk")
    records = sample_records()
    records[1]["title"] = 5
    page = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "jsonl",
        "file": (io.BytesIO(_jsonl(records)), "class.jsonl")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "class.jsonl, 2-жол" in page
    assert "мәтін болуы керек" in page
    assert "must be" not in page
    page = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "brat",
        "file": (io.BytesIO(b"not a zip"), "class.zip")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "class.zip: оқылатын zip мұрағаты емес" in page
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_students_cannot_export_or_import(app, client, make, login_as):
    project = make.project()
    student = make.member(project)
    login_as(student)
    assert client.get(f"/projects/{project.id}/data").status_code == 403
    assert client.get(f"/projects/{project.id}/export?format=jsonl").status_code == 403
    assert client.get(f"/projects/{project.id}/export/card").status_code == 403


def test_a_long_problem_list_stays_on_the_server_not_in_the_cookie(app, client, make,
                                                                    login_as):
    project, token = _teacher_project(make, login_as)
    lines = [json.dumps({"id": i, "text": f"Text {i}.", "label": [[0, 4, f"bogus_{i}"]]})
             for i in range(60)]
    response = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "doccano",
        "file": (io.BytesIO("\n".join(lines).encode()), "kid1.jsonl")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    cookie = response.headers.get("Set-Cookie", "")
    assert len(cookie) < 1500  # 60 problems in the cookie made it 23 KB, and it was dropped
    report_url = response.headers["Location"]
    page = client.get(report_url).get_data(as_text=True)
    assert "60 problems" in page
    assert "kid1.jsonl, line 60, field &#39;label[0]&#39;: unknown label &#39;bogus_59&#39;" in page
    # Only the teacher who tried the import sees its report.
    other = make.user("teach2", role="teacher")
    from app.services import projects
    projects.add_member(project, other, "teacher")
    db.session.commit()
    from tests.conftest import login
    second = app.test_client()
    login(second, "teach2")
    assert "bogus_59" not in second.get(report_url).get_data(as_text=True)


def test_the_card_says_what_doccano_and_the_semeval_scorer_need(app, client, make, login_as):
    project, _ = _teacher_project(make, login_as)
    doccano = client.get(f"/projects/{project.id}/export/card?format=doccano")
    assert "Allow overlapping spans" in doccano.get_data(as_text=True)
    card = client.get(f"/projects/{project.id}/export/card?format=ptc").get_data(as_text=True)
    assert "## SemEval-2020 Task 11 classes" in card
    assert "| Loaded language (`loaded_language`) | Loaded_Language | 0 |" in card
    # A PTC technique that is not among the task's 14 classes: left out.
    assert "| Obfuscation / vagueness (`obfuscation`) | none | 0 |" in card
