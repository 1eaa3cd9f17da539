"""Accounts belong to their class: a typed or imported name never reaches another class's
people, nor tells whether such a name exists."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DocumentProgress, Membership, Span, User
from app.services.datasets import export, importing
from app.services.errors import Invalid
from tests.datasets.sample import sample_records
from tests.datasets.test_roundtrip import _jsonl


def _other_class(make):
    """Class A: a teacher and the student 'aigerim', who has done nothing in class B."""
    teacher_a = make.user("teacher-a", role="teacher")
    class_a = make.project(teacher_a, "Class A")
    aigerim = make.member(class_a, username="aigerim")
    return teacher_a, aigerim


def test_an_import_never_attaches_work_to_another_class_s_accounts(app, make):
    teacher_a, aigerim = _other_class(make)
    class_b = make.project(title="Class B")
    own = make.member(class_b, username="daniyar")  # class B's own student: matched
    records = sample_records()
    records[0]["annotators"]["teacher-a"] = records[0]["annotators"]["daniyar"]
    summary = importing.import_file(class_b, "jsonl", "b.jsonl", _jsonl(records))
    # Neither of class A's people joined class B, nor holds any work there.
    members_b = set(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.project_id == class_b.id)))
    assert aigerim.id not in members_b and teacher_a.id not in members_b
    for model in (Span, DocumentProgress):
        assert db.session.scalar(sa.select(sa.func.count(model.id)).where(
            model.user_id.in_([aigerim.id, teacher_a.id]))) == 0
    # Their names became new students of class B, with names of their own.
    assert sorted(n.rsplit("-", 1)[0] for n in summary.annotators) == \
        ["aigerim", "daniyar", "teacher-a"]
    assert "aigerim" not in summary.annotators and "teacher-a" not in summary.annotators
    assert "daniyar" in summary.annotators
    assert db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.user_id == own.id)) > 0
    assert db.session.get(User, teacher_a.id).role == "teacher"


def _outcome(summary) -> tuple:
    """What an import tells its importer, with the random parts blanked."""
    blank = re.compile(r"-[a-z2-9]{4}$")
    return (summary.documents_added, summary.spans, summary.passage_tags, summary.ratings,
            summary.gold, sorted(blank.sub("-?", n) for n in summary.annotators),
            sorted(blank.sub("-?", n) for n, _ in summary.accounts))


def test_an_import_tells_nothing_of_which_names_exist_elsewhere(app, make):
    class_b = make.project(title="Class B")
    before = _outcome(importing.import_file(class_b, "jsonl", "b.jsonl",
                                            _jsonl(sample_records())))
    _other_class(make)  # now 'aigerim' exists in another class
    class_c = make.project(title="Class C")
    after = _outcome(importing.import_file(class_c, "jsonl", "c.jsonl",
                                           _jsonl(sample_records())))
    assert before == after


def test_one_name_in_two_cases_is_one_new_account(app, make):
    class_b = make.project(title="Class B")
    records = sample_records()
    records[1]["annotators"]["Aigerim"] = records[1]["annotators"].pop("aigerim")
    for passage in records[1]["passages"]:
        if "aigerim" in passage["source_type"]:
            passage["source_type"]["Aigerim"] = passage["source_type"].pop("aigerim")
    summary = importing.import_file(class_b, "jsonl", "b.jsonl", _jsonl(records))
    assert len([n for n in summary.annotators if n.startswith("aigerim-")]) == 1


def test_a_second_import_finds_the_account_the_first_one_made(app, make):
    class_b = make.project(title="Class B")
    first, second = sample_records()
    made = importing.import_file(class_b, "jsonl", "1.jsonl", _jsonl([first]))
    again = importing.import_file(class_b, "jsonl", "2.jsonl", _jsonl([second]))
    assert again.accounts == [] or all(not n.startswith("aigerim-") for n, _ in again.accounts)
    aigerim = next(n for n in made.annotators if n.startswith("aigerim-"))
    assert aigerim in again.annotators
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.username.startswith("aigerim"))) == 1


def test_an_export_filter_knows_only_the_project_s_annotators(app, make):
    _other_class(make)
    class_b = make.project(title="Class B")
    with pytest.raises(Invalid) as refused:
        export.check_filters(class_b, export.Filters(annotators=("aigerim",)))
    with pytest.raises(Invalid) as unknown:
        export.check_filters(class_b, export.Filters(annotators=("nobody-at-all",)))
    assert refused.value.fields == unknown.value.fields
    assert refused.value.message.replace("aigerim", "X") == \
        unknown.value.message.replace("nobody-at-all", "X")
    own = make.member(class_b, username="daniyar")
    export.check_filters(class_b, export.Filters(annotators=(own.username,)))
