"""Every format exports the demo project, and every importable one imports it back into a
new project with what the format can carry intact."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Project
from app.services.datasets import export, importing
from app.services.datasets.formats import EXPORT_FORMATS, IMPORT_FORMATS, module
from app.services.errors import ImportFailed
from tests.datasets.sample import enrol


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert "Demo annotations loaded" in result.output, result.output
    return db.session.scalar(sa.select(Project))


def _export(project, fmt, **filters) -> bytes:
    out = io.BytesIO()
    export.export(project, fmt, out, export.Filters(**filters))
    return out.getvalue()


def _records(project) -> list[dict]:
    return [json.loads(line) for line in _export(project, "jsonl").splitlines()]


def _spans(records, layers=("source", "rhetoric", "claim"), with_notes=False) -> set:
    """Every annotator's spans (and passage source types) as comparable tuples."""
    out = set()
    for record in records:
        text = record["text"]
        for name, work in [*record["annotators"].items(), ("gold", record["gold"] or {})]:
            for span in work.get("spans", []):
                if span["layer"] in layers:
                    out.add((text[:30], name, span["layer"], span["label"], span["start"],
                             span["end"]) + ((span["note"],) if with_notes else ()))
        for passage in record["passages"]:
            if "source" in layers:
                for name, label in [*passage["source_type"].items(), ("gold", passage["gold"])]:
                    if label:
                        out.add((text[:30], name, "passage", label, passage["start"],
                                 passage["end"]) + (("",) if with_notes else ()))
    return out


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_format_exports_the_demo(demo, fmt):
    data = _export(demo, fmt)
    writer = module(fmt)
    assert data
    if writer.EXTENSION == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None and len(archive.namelist()) > 1
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert {r["annotator"] for r in rows} == {"aigerim", "daniyar", "madina", "gold"}
    elif fmt == "label-studio":
        assert len(json.loads(data)) == 5


def _passage_tags_from_spans(records) -> set:
    return {t for t in _spans(records) if t[2] == "passage"}


@pytest.mark.parametrize("fmt", [f for f in IMPORT_FORMATS if f != "jsonl"])
def test_importable_formats_round_trip_through_a_new_project(demo, make, fmt):
    original = _records(demo)
    target = make.project(title=f"Imported {fmt}")
    enrol(target, "aigerim", "daniyar", "madina")
    summary = importing.import_file(target, fmt, f"demo{module(fmt).EXTENSION}",
                                    _export(demo, fmt))
    assert summary.documents_added == 5
    back = _records(target)
    assert [r["text"] for r in back] == [r["text"] for r in original]
    if fmt == "ptc":  # rhetoric only, and only labels with a PTC name
        mapped = {k for (layer, k), meta in export.context(demo).labels.items()
                  if layer == "rhetoric" and meta.maps_to.get("ptc")}
        want = {s[:2] + s[3:] for s in _spans(original, ("rhetoric",)) if s[3] in mapped}
        got = {s[:2] + s[3:] for s in _spans(back, ("rhetoric",))}
        assert len(got) == len(want)  # several labels share one PTC name: count, not keys
        return
    assert _spans(back) == _spans(original)
    assert _passage_tags_from_spans(back) == _passage_tags_from_spans(original)
    if fmt in ("label-studio", "brat", "doccano"):
        assert _spans(back, with_notes=True) == _spans(original, with_notes=True)
    if fmt == "label-studio":
        assert [{n: w["rating"] for n, w in r["annotators"].items()} for r in back] == \
            [{n: w["rating"] for n, w in r["annotators"].items()} for r in original]


CRLF_TEXT = ("Caf\u00e9 owners said:\r\n\u201cThey fired \U0001F52B at us\u201d.\r\n"
             "The akimat denies it.")


def _crlf_files(fmt: str) -> tuple[str, bytes]:
    text = CRLF_TEXT
    quote = "They fired \U0001F52B at us"
    start = text.index(quote)
    end = start + len(quote)
    denies = text.index("denies it")
    if fmt == "doccano":  # doccano counts UTF-16 code units: the pistol counts twice
        line = {"id": 1, "text": text, "label": [[start, end + 1, "loaded_language"],
                                                 [denies + 1, denies + 10, "claim.no_source"]]}
        return "aigerim.jsonl", (json.dumps(line, ensure_ascii=False) + "\n").encode()
    if fmt == "label-studio":
        task = [{"id": 1, "data": {"text": text}, "annotations": [{
            "completed_by": {"first_name": "aigerim"}, "result": [
                {"id": "r1", "from_name": "rhetoric", "to_name": "text", "type": "labels",
                 "value": {"start": start, "end": end, "text": quote,
                           "labels": ["loaded_language"]}},
                {"id": "r2", "from_name": "claim", "to_name": "text", "type": "labels",
                 "value": {"start": denies, "end": denies + 9, "text": "denies it",
                           "labels": ["claim.no_source"]}}]}]}]
        return "tasks.json", json.dumps(task, ensure_ascii=False).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if fmt == "brat":
            archive.writestr("aigerim/cafe.txt", text.encode())
            archive.writestr("aigerim/cafe.ann",
                             f"T1\tloaded_language {start} {end}\t{quote}\n"
                             f"T2\tclaim-no_source {denies} {denies + 9}\tdenies it\n")
        else:
            archive.writestr("aigerim/article1.txt", text.encode())
            archive.writestr("aigerim/article1.task-flc-tc.labels",
                             f"1\tLoaded_Language\t{start}\t{end}\n")
    return "files.zip", buffer.getvalue()


@pytest.mark.parametrize("fmt", [f for f in IMPORT_FORMATS if f != "jsonl"])
def test_a_crlf_source_with_emoji_lands_on_the_same_characters(app, make, fmt):
    project = make.project()
    enrol(project, "aigerim")
    name, data = _crlf_files(fmt)
    importing.import_file(project, fmt, name, data)
    (record,) = _records(project)
    assert record["text"] == CRLF_TEXT.replace("\r\n", "\n")
    spans = record["annotators"]["aigerim"]["spans"]
    texts = {s["text"] for s in spans}
    assert "They fired \U0001F52B at us" in texts
    if fmt != "ptc":
        assert "denies it" in texts


def test_an_offset_inside_a_crlf_pair_is_refused(app, make):
    project = make.project()
    text = "One\r\nTwo"
    line = {"text": text, "label": [[0, 4, "loaded_language"]]}  # ends between CR and LF
    with pytest.raises(ImportFailed) as failure:
        importing.import_file(project, "doccano", "aigerim.jsonl",
                              (json.dumps(line) + "\n").encode())
    assert "CR LF" in failure.value.problems[0].message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 1
