"""The annotation page and the export read rows, not ORM objects: with a class's thousands
of spans, building, tracking and collecting an object per row cost most of the request."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from app.models import Document, Label, Passage, Span
from app.services import tokens
from app.services.datasets import export
from tests.conftest import statements


@contextmanager
def loads(*models) -> Iterator[dict]:
    """Count the ORM objects of `models` loaded from the database inside the block."""
    counts = {model: 0 for model in models}
    listeners = []
    for model in models:
        def counted(target, context, model=model) -> None:
            counts[model] += 1

        sa.event.listen(model, "load", counted)
        listeners.append((model, counted))
    try:
        yield counts
    finally:
        for model, counted in listeners:
            sa.event.remove(model, "load", counted)


def _class(make, client):
    """A project of three documents; a student with three spans on the first."""
    teacher = make.user("lean_t", role="teacher")
    project = make.project(teacher)
    first = make.document(project, "Loud words here.\n\nQuiet words there.\n", name="a.txt")
    make.document(project, "Another text.\n", name="b.txt")
    make.document(project, "A third text.\n", name="c.txt")
    student = make.member(project, username="lean_s")
    _, secret = tokens.create_token(student, "test")
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/projects/{project.id}/documents/{first.id}/spans"
    for word in ("Loud", "words", "Quiet"):
        start = first.text.index(word)
        response = client.post(base, headers=headers, json={
            "client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + len(word), "text": word})
        assert response.status_code == 201, response.json
    return project, first, headers


def test_annotation_page_loads_no_span_passage_or_other_document_objects(client, make):
    project, document, headers = _class(make, client)
    url = f"/projects/{project.id}/documents/{document.id}/annotate"
    assert client.get(url, headers=headers).status_code == 200  # fills the codebook cache
    with loads(Span, Passage, Document, Label) as counts:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = json.loads(html.split('id="annotate-data">', 1)[1].split("</script>", 1)[0])
    # The spans come as columns: one list per field, span i at index i of each.
    spans = data["annotations"]["spans"]
    marked = zip(spans["start"], spans["end"], strict=True)
    assert [document.text[start:end] for start, end in marked] == ["Loud", "words", "Quiet"]
    # The page knows the text and its user: a span carries neither, nor what it never shows,
    # nor its client id (random, so as big on the wire as it is in the page): saved spans go
    # by their ids.
    assert not {"text", "author", "updated_at", "client_id"} & set(spans)
    assert "codebook_version" in spans  # its panel says which version it was marked under
    # The passages are in the markup (data-passage-id, data-start, data-end) and only there;
    # so is the text: the data holds what lies between the passages, which the page puts
    # back together with the passages' text.
    assert html.count('class="passage"') == 2 and "passages" not in data["document"]
    assert "text" not in data["document"]
    assert data["document"]["gaps"] == ["", "\n\n", "\n"]
    assert "".join(a + b for a, b in zip(data["document"]["gaps"],
                                         ["Loud words here.", "Quiet words there.", ""],
                                         strict=True)) == document.text
    # No object per span, per passage, per label or per neighbouring document.
    assert counts == {Span: 0, Passage: 0, Document: 0, Label: 0}


def test_export_loads_no_document_or_span_objects(app, client, make):
    project, document, _ = _class(make, client)
    out = io.BytesIO()
    with loads(Span, Document) as counts:
        export.export(project, "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert [r["id"] for r in records][0] == document.id and len(records) == 3
    spans = records[0]["annotators"]["lean_s"]["spans"]
    assert [s["text"] for s in spans] == ["Loud", "words", "Quiet"]
    assert counts == {Span: 0, Document: 0}


def test_export_statements_do_not_grow_with_the_documents(app, client, make):
    project, _, _ = _class(make, client)
    export.export(project, "jsonl", io.BytesIO())  # the project's row, refreshed once
    with statements() as few:
        export.export(project, "jsonl", io.BytesIO())
    for n in range(12):
        make.document(project, f"More text number {n}.\n", name=f"more{n}.txt")
    export.export(project, "jsonl", io.BytesIO())
    out = io.BytesIO()
    with statements() as many:
        export.export(project, "jsonl", out)
    assert len(out.getvalue().splitlines()) == 15
    # A chunk of documents is read in one statement per table, not six per document.
    assert len(many) == len(few) <= 20


def test_export_in_small_chunks_writes_the_same_bytes(app, client, make, monkeypatch):
    project, document, _ = _class(make, client)
    for n in range(4):
        make.document(project, f"Text {n}.\n", name=f"t{n}.txt")
    whole = io.BytesIO()
    export.export(project, "jsonl", whole)
    # One span per chunk at most: the first document (three spans) is a chunk of its own,
    # the others go two by two.
    monkeypatch.setattr(export, "CHUNK_SPANS", 1)
    monkeypatch.setattr(export, "CHUNK_DOCUMENTS", 2)
    assert [len(c) for c in export._chunks([1, 2, 3, 4, 5], {1: 3})] == [1, 2, 2]
    chunked = io.BytesIO()
    export.export(project, "jsonl", chunked)
    assert chunked.getvalue() == whole.getvalue()
    assert json.loads(chunked.getvalue().splitlines()[0])["id"] == document.id
