"""Import problems: each names the file and line it is in, and all come in one round."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Span, User
from app.services.datasets import importing
from app.services.errors import ImportFailed
from tests.datasets.sample import enrol, zipped


def _refused(project, fmt: str, name: str, raw: bytes) -> list:
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, fmt, name, raw)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0
    return failure.value.problems


def test_brat_problems_name_the_ann_file_and_line_all_in_one_round(app, make):
    project = make.project()
    enrol(project, "kid1", "kid2")
    raw = zipped({
        # Read by the brat reader: an unknown type (its problem, line 1).
        "kid1/a.txt": "Police said 14 died.",
        "kid1/a.ann": "T1\tpropaganda 0 6\tPolice\n",
        # Read fine, refused by the project's rules: two crossing voices (line 2).
        "kid2/b.txt": "He said she said it.",
        "kid2/b.ann": "T1\tofficial_statement 0 11\tHe said she\n"
                      "T2\tofficial_statement 3 14\tsaid she sa\n"
                      "A1\trole T1 voice\nA2\trole T2 voice\n",
    })
    problems = _refused(project, "brat", "class.zip", raw)

    places = {(p.file, p.line) for p in problems}
    assert ("class.zip/kid1/a.ann", 1) in places
    assert ("class.zip/kid2/b.ann", 2) in places
    assert not any("record[" in (p.field or "") or "annotators." in (p.field or "")
                   for p in problems)


def test_doccano_problems_of_the_importer_name_the_jsonl_line(app, make):
    project = make.project()
    lines = [{"id": 1, "text": "Police said 14 died.", "label": [[12, 19, "no_source"]]},
             {"id": 2, "text": "They said so.", "label": [[0, 4, "official_statement"],
                                                           [2, 9, "official_statement"]]}]
    raw = "\n".join(json.dumps(line) for line in lines).encode()
    problems = _refused(project, "doccano", "kid1.jsonl", raw)

    assert [(p.file, p.line) for p in problems] == [("kid1.jsonl", 1), ("kid1.jsonl", 2)]


def test_an_empty_file_is_refused(app, make):
    project = make.project()
    for fmt, name in (("jsonl", "a.jsonl"), ("doccano", "a.jsonl"),
                      ("label-studio", "a.json"), ("brat", "a.zip")):
        (problem,) = _refused(project, fmt, name, b"  \n")
        assert problem.message == "the file is empty"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1  # the teacher only


def test_two_texts_with_one_document_id_are_refused(app, make):
    project = make.project()
    raw = "\n".join(json.dumps({"id": 7, "text": text, "label": [[0, 6, "loaded_language"]]})
                    for text in ("Police said so.", "Police denied it.")).encode()
    problems = _refused(project, "label-studio", "tasks.json", json.dumps([
        {"id": 7, "data": {"text": "Police said so."}, "annotations": []},
        {"id": 7, "data": {"text": "Police denied it."}, "annotations": []}]).encode())
    assert "document id 7 is already used" in problems[0].message
    problems = _refused(project, "doccano", "kid1.jsonl", raw)
    assert "document id 7" in problems[0].message and problems[0].line == 2


def test_label_studio_problems_name_the_tasks_line_and_result(app, make):
    project = make.project()
    enrol(project, "kid1")

    def voice(rid: str, start: int, end: int, text: str) -> dict:
        return {"id": rid, "from_name": "source", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": text,
                          "labels": ["official_statement"]},
                "meta": {"attributes": {"role": "voice"}}}

    text = "He said she said it."
    tasks = [{"id": 1, "data": {"text": "Fine."}, "annotations": []},
             {"id": 2, "data": {"text": text}, "annotations": [{
                 "completed_by": {"first_name": "kid1"}, "result": [
                     voice("a", 0, 11, text[0:11]), voice("b", 3, 14, text[3:14])]}]}]
    raw = json.dumps(tasks, indent=2).encode()
    (problem,) = _refused(project, "label-studio", "tasks.json", raw)

    # The second task's opening brace (the first task's is on line 2).
    line = [number for number, row in enumerate(raw.decode().split("\n"), start=1)
            if row == "  {"][1]
    assert (problem.file, problem.line) == ("tasks.json", line)
    assert problem.field == "annotations[0].result[1]" and "crosses the voice" in \
        problem.message
