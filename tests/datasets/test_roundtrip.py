"""Export and import through the database: our JSONL round-trips byte for byte."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, DocumentProgress, PassageTag, Span, User
from app.services.datasets import export, importing
from app.services.datasets.formats import jsonl
from app.services.errors import ImportFailed
from app.services.gold import GOLD_USERNAME
from tests.datasets.sample import enrol, sample_records


def _jsonl(records) -> bytes:
    return "".join(jsonl.dump(r) + "\n" for r in records).encode()


def _export(project, fmt="jsonl", **filters) -> bytes:
    out = io.BytesIO()
    export.export(project, fmt, out, export.Filters(**filters))
    return out.getvalue()


def _without_ids(data: bytes) -> list[dict]:
    lines = [json.loads(line) for line in data.decode().splitlines()]
    for line in lines:
        line.pop("id")
        line["codebook"].pop("version")
    return lines


def test_jsonl_export_import_export_gives_identical_bytes(app, make):
    first = make.project()
    enrol(first)
    summary = importing.import_file(first, "jsonl", "sample.jsonl", _jsonl(sample_records()))
    assert summary.documents_added == 2 and summary.gold
    assert sorted(summary.annotators) == ["aigerim", "daniyar"]
    exported = _export(first)
    second = make.project()
    enrol(second)
    importing.import_file(second, "jsonl", "again.jsonl", exported)
    again = _export(second)
    # Only the document ids differ (they belong to each project): the rest is the same.
    assert exported.replace(b'"id":1,', b"").replace(b'"id":2,', b"") == \
        again.replace(b'"id":3,', b"").replace(b'"id":4,', b"")


def test_jsonl_import_stores_what_the_sample_holds(app, make):
    project = make.project()
    enrol(project)
    importing.import_file(project, "jsonl", "sample.jsonl", _jsonl(sample_records()))
    expected = sample_records()
    for record in expected:
        record.pop("id")
        record["codebook"].pop("version")
    assert _without_ids(_export(project)) == expected
    gold = db.session.scalar(sa.select(User).where(User.username == GOLD_USERNAME))
    assert db.session.scalar(sa.select(sa.func.count(PassageTag.id))
                             .where(PassageTag.user_id == gold.id)) == 3
    done = db.session.scalars(sa.select(DocumentProgress.user_id)
                              .where(DocumentProgress.done_at.is_not(None))).all()
    names = {db.session.get(User, uid).username for uid in done}
    assert names == {"aigerim"}


def test_import_creates_accounts_and_memberships(app, make):
    project = make.project()
    summary = importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    # New accounts are named after the file's names, with a random suffix of their own.
    made = {name.rsplit("-", 1)[0]: name for name, _ in summary.accounts}
    assert set(made) == {"aigerim", "daniyar"}
    assert all(re.fullmatch(r"[a-z]+-[a-z2-9]{4}", name) for name in made.values())
    user = db.session.scalar(sa.select(User).where(User.username == made["aigerim"]))
    assert user.display_name == "aigerim"
    password = dict(summary.accounts)[made["aigerim"]]
    assert user.check_password(password)
    assert user.id in {m.user_id for m in project.memberships}


def test_import_matches_the_projects_members(app, make):
    project = make.project()
    aigerim = make.member(project, username="aigerim")
    summary = importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    assert [name.rsplit("-", 1)[0] for name, _ in summary.accounts] == ["daniyar"]
    assert db.session.scalar(sa.select(sa.func.count(Span.id))
                             .where(Span.user_id == aigerim.id)) == 6


def test_a_bad_label_stores_nothing_and_names_line_and_field(app, make):
    project = make.project()
    records = sample_records()
    records[1]["annotators"]["aigerim"]["spans"][0]["label"] = "claim.invented"
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, "jsonl", "bad.jsonl", _jsonl(records))
    problem = failure.value.problems[0]
    assert (problem.file, problem.line) == ("bad.jsonl", 2)
    assert problem.field == "annotators.aigerim.spans[0].label"
    assert "claim.invented" in problem.message
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))
                             .where(User.username == "daniyar")) == 0


def test_offsets_that_do_not_match_the_text_are_errors(app, make):
    project = make.project()
    records = sample_records()
    span = records[0]["annotators"]["daniyar"]["spans"][0]
    span["start"] += 1
    span["end"] += 1
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, "jsonl", "shift.jsonl", _jsonl(records))
    assert failure.value.problems[0].field == "annotators.daniyar.spans[0].text"
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0


def test_a_changed_text_is_caught_by_its_hash(app, make):
    project = make.project()
    records = sample_records()
    records[1]["text"] = records[1]["text"].replace("Officials", "Officers")
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, "jsonl", "edit.jsonl", _jsonl(records))
    assert failure.value.problems[0].field == "text_hash"


def test_import_onto_the_same_text_adds_to_that_document(app, make):
    project = make.project()
    records = sample_records()
    only_text = [dict(r, annotators={}, gold=None,
                      passages=[dict(p, source_type={}, gold=None) for p in r["passages"]])
                 for r in records]
    importing.import_file(project, "jsonl", "texts.jsonl", _jsonl(only_text))
    summary = importing.import_file(project, "jsonl", "work.jsonl", _jsonl(sample_records()))
    assert (summary.documents_added, summary.documents_matched) == (0, 2)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 2
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, "jsonl", "work.jsonl", _jsonl(sample_records()))
    assert "already has annotations" in failure.value.problems[0].message


def test_pseudonyms_are_stable_and_hide_names(app, make):
    project = make.project()
    importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    first = _export(project, pseudonymise=True)
    assert b"aigerim" not in first and b"daniyar" not in first
    assert first == _export(project, pseudonymise=True)
    names = json.loads(first.splitlines()[0])["annotators"]
    assert all(name.startswith("annotator-") for name in names) and len(names) == 2


def test_filters_narrow_the_export(app, make):
    project = make.project()
    enrol(project)
    importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    rows = [json.loads(x) for x in _export(project, annotators=("daniyar",),
                                           layers=("rhetoric",)).splitlines()]
    assert list(rows[0]["annotators"]) == ["daniyar"]
    assert {s["layer"] for s in rows[0]["annotators"]["daniyar"]["spans"]} == {"rhetoric"}
    assert all(not p["source_type"] and p["gold"] is None for p in rows[0]["passages"])
    assert rows[1]["annotators"] == {}
    gold = [json.loads(x) for x in _export(project, gold_only=True).splitlines()]
    assert all(r["annotators"] == {} for r in gold) and gold[0]["gold"]["spans"]


def test_cli_export_then_import_into_another_project(app, make, runner, tmp_path):
    first = make.project(title="First")
    enrol(first)
    importing.import_file(first, "jsonl", "s.jsonl", _jsonl(sample_records()))
    out = tmp_path / "class.jsonl"
    result = runner.invoke(args=["export", str(first.id), "--format", "jsonl", "--out",
                                 str(out), "--card"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _export(first)
    card = (tmp_path / "class.card.md").read_text()
    assert "## Counts per label and annotator" in card and "Loaded language" in card
    second = make.project(title="Second")
    enrol(second)
    result = runner.invoke(args=["import", "Second", str(out), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "2 new document(s)" in result.output and "the gold key" in result.output
    assert _without_ids(_export(second)) == _without_ids(_export(first))


def test_cli_import_lists_every_problem_and_stores_nothing(app, make, runner, tmp_path):
    make.project(title="P")
    records = sample_records()
    records[0]["annotators"]["aigerim"]["spans"][0]["end"] = 10_000
    records[1]["passages"][0]["source_type"]["aigerim"] = "gossip"
    path = tmp_path / "bad.jsonl"
    path.write_bytes(_jsonl(records))
    result = runner.invoke(args=["import", "P", str(path), "--format", "jsonl"])
    assert result.exit_code != 0
    assert "bad.jsonl, line 1, field 'annotators.aigerim.spans[0]'" in result.output
    assert "bad.jsonl, line 2, field 'passages[0].source_type.aigerim'" in result.output
    assert "Nothing was imported" in result.output
    said = runner.invoke(args=["import", "P", str(path), "--format", "jsonl", "--lang", "ru"])
    assert "bad.jsonl, строка 1" in said.output
    assert "не диапазон внутри текста" in said.output
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_cli_export_refuses_unknown_filters_and_keeps_the_old_file(app, make, runner, tmp_path):
    project = make.project()
    out = tmp_path / "keep.jsonl"
    out.write_text("old")
    result = runner.invoke(args=["export", str(project.id), "--format", "jsonl", "--out",
                                 str(out), "--layer", "gossip"])
    assert result.exit_code != 0 and "Unknown layer 'gossip'" in result.output
    assert out.read_text() == "old"
