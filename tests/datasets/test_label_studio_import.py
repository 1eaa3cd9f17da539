"""Label Studio files as Label Studio writes them: annotators by e-mail or full name, ground
truth, and the labeling config offered beside the export (with the app and database)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.extensions import db
from app.models import Span, User
from app.services.datasets import importing
from app.services.gold import GOLD_USERNAME


def _task(*annotations) -> bytes:
    return json.dumps([{"id": 3, "data": {"text": "Police said 14 died."},
                        "annotations": list(annotations)}]).encode()


def _annotation(user: dict, ground_truth: bool = False) -> dict:
    return {"completed_by": user, "ground_truth": ground_truth, "was_cancelled": False,
            "result": [{"id": "a1", "from_name": "claim", "to_name": "text", "type": "labels",
                        "value": {"start": 12, "end": 19, "text": "14 died",
                                  "labels": ["claim.no_source"]}}]}


def test_annotators_named_by_email_or_full_name_get_valid_usernames(app, make):
    project = make.project()
    raw = _task(_annotation({"id": 4, "email": "aigerim.b@school.kz", "first_name": "",
                             "last_name": ""}),
                _annotation({"id": 5, "email": "d@school.kz", "first_name": "Daniyar",
                             "last_name": "Serikuly"}))
    summary = importing.import_file(project, "label-studio", "tasks.json", raw)

    assert set(summary.renamed) == {"aigerim.b@school.kz", "Daniyar Serikuly"}
    assert summary.renamed["aigerim.b@school.kz"].startswith("aigerim.b-")
    assert summary.renamed["Daniyar Serikuly"].startswith("daniyar.serikuly-")
    people = {u.username: u.display_name for u in db.session.scalars(
        sa.select(User).where(User.role == "student"))}
    assert people == {summary.renamed["aigerim.b@school.kz"]: "aigerim.b@school.kz",
                      summary.renamed["Daniyar Serikuly"]: "Daniyar Serikuly"}
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 2


def test_ground_truth_annotations_may_be_the_gold_key(app, make):
    project = make.project()
    raw = _task(_annotation({"id": 1, "email": "t@school.kz", "first_name": "Teacher",
                             "last_name": "One"}, ground_truth=True))
    summary = importing.import_file(project, "label-studio", "tasks.json", raw,
                                    ground_truth_gold=True)

    assert summary.gold and summary.annotators == [] and summary.renamed == {}
    owner = db.session.scalar(sa.select(User.username).join(Span, Span.user_id == User.id))
    assert owner == GOLD_USERNAME


def test_the_labeling_config_is_offered_beside_the_export(app, client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/data").get_data(as_text=True)
    url = f"/projects/{project.id}/export/label-studio-config"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    config = response.get_data(as_text=True)
    assert config.startswith("<View>") and '<Labels name="rhetoric" toName="text">' in config


def test_cli_export_into_a_missing_folder_is_a_clear_error(app, make, runner, tmp_path):
    project = make.project()
    out = tmp_path / "no-such-folder" / "class.json"
    result = runner.invoke(args=["export", str(project.id), "--format", "label-studio",
                                 "--out", str(out)])
    assert result.exit_code != 0
    assert not isinstance(result.exception, FileNotFoundError)  # a message, no traceback
    assert "does not exist" in result.output and "Traceback" not in result.output
    result = runner.invoke(args=["export", str(project.id), "--format", "label-studio",
                                 "--out", str(tmp_path / "class.json")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "class.label-config.xml").read_text().startswith("<View>")
