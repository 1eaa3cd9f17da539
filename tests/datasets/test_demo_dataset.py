"""The demo dataset: built from its YAML sources, loaded by `flask demo load`, and
exported again byte for byte."""

from __future__ import annotations

import importlib.util
import io
import json

import sqlalchemy as sa

from app.extensions import db
from app.models import DocumentRating, PassageTag, Project, Span, User
from app.services.agreement import build_report
from app.services.datasets import export
from app.services.gold import GOLD_USERNAME
from tests.conftest import ROOT

DEMO = ROOT / "annotations" / "demo.jsonl"


def _builder():
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "annotations"
                                                  / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_demo_is_what_its_sources_build():
    builder = _builder()
    assert builder.dumps(builder.build()).encode("utf-8") == DEMO.read_bytes()


def test_demo_has_three_students_and_a_gold_key_on_every_seed():
    records = [json.loads(line) for line in DEMO.read_text("utf-8").splitlines()]
    assert len(records) == 5
    for record in records:
        assert set(record["annotators"]) == {"aigerim", "daniyar", "madina"}
        assert record["gold"] and record["gold"]["spans"]
        assert all(p["gold"] for p in record["passages"])
        for work in [*record["annotators"].values(), record["gold"]]:
            for span in work["spans"]:
                assert record["text"][span["start"]:span["end"]] == span["text"]


def test_demo_load_loads_the_annotations_once(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo annotations loaded:" in first.output
    counts = [db.session.scalar(sa.select(sa.func.count(m.id)))
              for m in (Span, PassageTag, DocumentRating)]
    assert counts[0] > 500 and counts[1] > 1900 and counts[2] >= 15
    second = runner.invoke(args=["demo", "load"])
    assert "loaded already" in second.output
    assert [db.session.scalar(sa.select(sa.func.count(m.id)))
            for m in (Span, PassageTag, DocumentRating)] == counts
    gold = db.session.scalar(sa.select(User).where(User.username == GOLD_USERNAME))
    assert gold is not None and not gold.active


def test_the_loaded_demo_exports_to_the_same_bytes(runner):
    runner.invoke(args=["demo", "load"])
    project = db.session.scalar(sa.select(Project))
    out = io.BytesIO()
    export.export(project, "jsonl", out)
    # The demo sharpens the codebook between its two rounds: the export names version 2.
    expected = DEMO.read_bytes().replace(b'"version":1}', b'"version":2}')
    assert expected != DEMO.read_bytes()
    assert out.getvalue() == expected


def test_agreement_on_the_demo_shows_real_figures(runner):
    runner.invoke(args=["demo", "load"])
    report = build_report(db.session.scalar(sa.select(Project)))
    assert report["annotators"] == ["aigerim", "daniyar", "madina"]
    passages = report["layers"]["source_passages"]["coefficients"][0]
    assert passages["name"] == "alpha_nominal" and 0.6 < passages["value"] < 0.95
    rhetoric = report["layers"]["rhetoric"]["coefficients"][0]
    assert rhetoric["value"] is not None and rhetoric["value"] < passages["value"]
