"""New documents are written as rows: an import's statements do not grow with its
documents, and every row lands where it belongs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Passage
from app.services import tokens
from app.services.texts import split_passages
from tests.conftest import statements


@pytest.fixture
def teacher_project(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    _, secret = tokens.create_token(teacher, "test")
    return project.id, {"Authorization": f"Bearer {secret}"}


def records(count: int, prefix: str) -> list[dict]:
    return [{"title": f"{prefix} {n}",
             "text": f"{prefix} report {n}.\n\nA witness said {n} things.\nAnother line {n}.\n"}
            for n in range(count)]


def test_an_imports_statements_do_not_grow_with_its_documents(client, teacher_project):
    project_id, auth = teacher_project
    url = f"/api/v1/projects/{project_id}/documents"
    client.get(url, headers=auth)  # a token's first use is noted once, by its own write
    counts = []
    for count, prefix in ((3, "Small"), (40, "Large")):
        with statements() as seen:
            response = client.post(url, json={"documents": records(count, prefix)},
                                   headers=auth)
        assert response.status_code == 201, response.json
        assert len(response.json["documents"]) == count
        counts.append([s.split("(")[0].strip() for s in seen if s.lstrip()[:6].upper() != "SELECT"])
    assert counts[0] == counts[1] == ["INSERT INTO document", "INSERT INTO passage"]


def test_every_row_lands_with_its_own_text_and_passages(app, client, teacher_project):
    app.config["IMPORT_PART_DOCUMENTS"] = 7  # several parts, hidden until the last
    project_id, auth = teacher_project
    sent = records(30, "Row")
    response = client.post(f"/api/v1/projects/{project_id}/documents",
                           json={"documents": sent}, headers=auth)
    assert response.status_code == 201
    answered = response.json["documents"]
    assert [d["title"] for d in answered] == [r["title"] for r in sent]
    db.session.expunge_all()
    for record, summary in zip(sent, answered, strict=True):
        document = db.session.get(Document, summary["id"])
        assert document.text == record["text"]
        assert document.language == "en"
        bounds = [(p.start, p.end) for p in db.session.scalars(
            sa.select(Passage).where(Passage.document_id == document.id)
            .order_by(Passage.index))]
        assert bounds == split_passages(record["text"])
        assert summary["passage_count"] == len(bounds)
    positions = db.session.scalars(sa.select(Document.position).where(
        Document.project_id == project_id).order_by(Document.id)).all()
    assert positions == list(range(30))
