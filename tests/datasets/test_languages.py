"""Each document's language travels with the exports (JSONL, the Hugging Face dataset and its
card, CoNLL's and brat's documents.tsv, the dataset card) and comes back on import."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import yaml

from app.extensions import db
from app.models import PassageTag
from app.services.datasets import card, export, importing
from app.services.datasets.formats import brat
from app.services.errors import ImportFailed

TEXTS = {
    "ru": "Министр заявил, что цены вырастут в этом году.\n\nЖители не согласны.\n",
    "kk": "Министр биыл бағалар өседі деп мәлімдеді.\n\nТұрғындар келіспейді.\n",
    "ar": "قال الوزير إن الأسعار سترتفع كثيرا هذا العام.\n\nرفض السكان ذلك.\n",
    "": "14:00 — 15:30\n",  # too little text to tell
}


@pytest.fixture
def project(make):
    project = make.project()
    for code, text in TEXTS.items():
        document = make.document(project, text, name=f"{code or 'none'}.txt")
        document.language = code  # as a teacher may set it
    db.session.commit()
    return project


def exported(project, fmt: str) -> bytes:
    out = io.BytesIO()
    export.export(project, fmt, out)
    return out.getvalue()


def test_jsonl_records_carry_the_language_and_import_keeps_it(project, make):
    raw = exported(project, "jsonl")
    records = [json.loads(line) for line in raw.decode().splitlines()]
    assert [r["language"] for r in records] == ["ru", "kk", "ar", None]

    # The file's word wins over detection: a short text said to be Kazakh stays Kazakh; a
    # code that names no language is detected again (Russian here).
    records[3]["language"] = "kk"
    records[0]["language"] = "no such language"
    again = make.project()
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    importing.import_file(again, "jsonl", "langs.jsonl", body)
    assert [d.language for d in again.documents] == ["ru", "kk", "ar", "kk"]


def test_a_language_that_is_not_text_is_a_problem_on_its_line(project, make):
    record = json.loads(exported(project, "jsonl").decode().splitlines()[0])
    record["language"] = 7
    with pytest.raises(ImportFailed) as caught:
        importing.import_file(make.project(), "jsonl", "bad.jsonl",
                              (json.dumps(record) + "\n").encode())
    assert [(p.line, p.field) for p in caught.value.problems] == [(1, "language")]


def test_the_hf_dataset_has_a_language_feature_and_its_card_lists_the_languages(project):
    with zipfile.ZipFile(io.BytesIO(exported(project, "hf"))) as archive:
        readme = archive.read("README.md").decode()
        rows = [json.loads(line) for line in archive.read("data/train.jsonl").splitlines()]
    meta = yaml.safe_load(readme.split("---\n", 2)[1])
    assert meta["language"] == ["ar", "kk", "ru"]
    assert {"name": "language", "dtype": "string"} in meta["dataset_info"]["features"]
    assert ("Languages (`language`, ISO 639-1): ar (1 document), kk (1 document), "
            "ru (1 document), not known (1 document).") in readme
    assert rows == []  # nobody annotated: the features and the card say it all


def test_conll_and_brat_name_each_documents_language_beside_the_files(project, make):
    # Someone's work, so that the CoNLL files have documents in them.
    student = make.member(project)
    for document in project.documents:
        db.session.add(PassageTag(document_id=document.id, passage_id=document.passages[0].id,
                                  user_id=student.id, label_id=_label_id(project),
                                  codebook_version=project.codebook.version))
    db.session.commit()
    with zipfile.ZipFile(io.BytesIO(exported(project, "conll"))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("documents.tsv").decode()),
                                   delimiter="\t"))
    assert [row["language"] for row in rows] == ["ru", "kk", "ar", ""]

    raw = exported(project, "brat")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        index = archive.read("documents.tsv").decode().splitlines()
    assert index[0] == "stem\tdocument_id\ttitle\tlanguage"
    read = brat.read("brat.zip", raw, export.context(project))
    assert sorted(r.get("language", "") for r in read) == ["", "ar", "kk", "ru"]


def test_the_dataset_card_lists_the_languages(project):
    text = card.dataset_card(project)
    assert ("- Languages (ISO 639-1): ar (1 document), kk (1 document), ru (1 document), "
            "not known (1 document)") in text


def _label_id(project) -> int:
    layer = next(layer for layer in project.codebook.layers if layer.key == "source")
    return layer.labels[0].id
