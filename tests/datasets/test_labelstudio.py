"""Label Studio JSON export and import (pure functions, no app)."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from app.services.datasets.core import GOLD, FormatError, all_spans
from app.services.datasets.formats import labelstudio
from tests.datasets.sample import TEXT_A, sample_context, sample_records


def export(records: list[dict]) -> bytes:
    out = io.BytesIO()
    labelstudio.write((record for record in records), out, sample_context())
    return out.getvalue()


def task(text: str, result: list[dict], name: str = "aigerim") -> dict:
    return {"id": 5, "data": {"text": text},
            "annotations": [{"completed_by": {"id": 3, "email": "", "first_name": name,
                                              "last_name": ""}, "result": result}]}


def region(start: int, end: int, text: str | None, label: str = "loaded_language",
           from_name: str = "rhetoric", rid: str = "r1") -> dict:
    value = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": "labels",
            "value": value}


def read(tasks: list | dict) -> list[dict]:
    return labelstudio.read("export.json", json.dumps(tasks).encode(), sample_context())


def problems_of(raw: bytes) -> list:
    with pytest.raises(FormatError) as caught:
        labelstudio.read("export.json", raw, sample_context())
    return caught.value.problems


def test_round_trip_keeps_spans_notes_attributes_and_ratings():
    records = sample_records()
    back = labelstudio.read("export.json", export(records), sample_context())

    assert [r["text"] for r in back] == [r["text"] for r in records]
    for original, record in zip(records, back, strict=True):
        for key in ("id", "title", "source_name", "publisher", "author", "published", "url"):
            assert record.get(key, "") == original[key]
        assert list(record["annotators"]) == sorted(original["annotators"])
        for name, work in original["annotators"].items():
            assert record["annotators"][name] == {
                "spans": all_spans(original, name), "rating": work["rating"], "done": False}
        if original["gold"]:
            assert record["gold"] == {"spans": all_spans(original, None),
                                      "rating": original["gold"]["rating"]}
        else:
            assert "gold" not in record
    spans = back[0]["annotators"]["aigerim"]["spans"]
    assert {"role": "voice", "speaker": "Police"} in [s["attributes"] for s in spans]
    assert '=HYPERLINK("x")' in [s["note"] for s in spans]


def test_the_export_is_a_label_studio_task_list():
    tasks = json.loads(export(sample_records()))
    assert isinstance(tasks, list) and len(tasks) == 2
    first = tasks[0]
    assert set(first) == {"id", "data", "annotations", "predictions"}
    assert first["data"]["text"] == TEXT_A and first["data"]["document_id"] == 1
    names = [a["completed_by"]["first_name"] for a in first["annotations"]]
    assert names == ["aigerim", "daniyar", GOLD]
    assert [a["ground_truth"] for a in first["annotations"]] == [False, False, True]
    layers = set(sample_context().layers)
    for annotation in first["annotations"]:
        assert annotation["was_cancelled"] is False
        ids = [result["id"] for result in annotation["result"]]
        assert len(ids) == len(set(ids))
        for result in annotation["result"]:
            assert result["to_name"] == "text"
            if result["type"] == "labels":
                value = result["value"]
                assert result["from_name"] in layers
                assert value["text"] == TEXT_A[value["start"]:value["end"]]
                assert len(value["labels"]) == 1
    aigerim = first["annotations"][0]["result"]
    emoji_span = next(r for r in aigerim if r["value"].get("labels") == ["official_statement"])
    assert emoji_span["value"]["end"] == 24  # code points: the ZWJ emoji is four of them
    assert emoji_span["meta"] == {"attributes": {"role": "voice", "speaker": "Police"}}
    rating = {r["from_name"]: (r["type"], r["value"]) for r in aigerim if r["id"][0] == "f"}
    assert rating == {"doc_rating.reliability": ("rating", {"rating": 4}),
                      "doc_rating.slant": ("choices", {"choices": ["-1"]}),
                      "doc_rating.genre": ("choices", {"choices": ["mixed"]})}


def test_the_labeling_config_has_a_control_for_every_result():
    config = ET.fromstring(labelstudio.labeling_config(sample_context()))
    controls = {node.get("name"): node.tag for node in config.iter() if node.get("toName")}
    text = next(node for node in config.iter("Text"))
    assert (text.get("name"), text.get("value")) == ("text", "$text")
    for annotation in json.loads(export(sample_records()))[0]["annotations"]:
        for result in annotation["result"]:
            assert controls[result["from_name"]].lower() == result["type"]
    rhetoric = next(n for n in config.iter("Labels") if n.get("name") == "rhetoric")
    assert [n.get("value") for n in rhetoric] == ["loaded_language", "name_calling", "slogan"]
    slant = next(n for n in config.iter("Choices") if n.get("name") == "doc_rating.slant")
    assert [n.get("value") for n in slant][-2:] == ["3", "cannot_tell"]


def utf16(text: str, index: int) -> int:
    """A code point index as JavaScript counts it, in UTF-16 code units."""
    return len(text[:index].encode("utf-16-le")) // 2


def test_utf16_offsets_of_older_exports_are_converted():
    start, end = TEXT_A.index("shooting"), TEXT_A.index("!")
    assert utf16(TEXT_A, start) == start + 1  # the police officer emoji is astral
    assert utf16(TEXT_A, end) == end + 2  # and so is the crying face
    result = [region(utf16(TEXT_A, start), utf16(TEXT_A, start + 16), "shooting to kill"),
              region(utf16(TEXT_A, end), utf16(TEXT_A, end + 1), "!", rid="r2")]
    spans = read([task(TEXT_A, result)])[0]["annotators"]["aigerim"]["spans"]
    assert [(s["start"], s["end"]) for s in spans] == [(start, start + 16), (end, end + 1)]


def test_crlf_text_and_per_region_results_are_read_as_they_are():
    text = "Police said:\r\n14 died \U0001F62D\r\nin the square."
    start = text.index("14 died")
    result = [region(start, start + 7, "14 died", "claim.no_source", "claim", "abc"),
              {"id": "abc", "from_name": "note", "to_name": "text", "type": "textarea",
               "value": {"start": start, "end": start + 7, "text": ["who counted?"]}},
              {"id": "abc", "from_name": "claim.verdict", "to_name": "text", "type": "choices",
               "value": {"start": start, "end": start + 7, "choices": ["unchecked"]}},
              {"id": "x1", "from_name": "doc_rating.transparency.author_named",
               "to_name": "text", "type": "choices", "value": {"choices": ["no"]}},
              {"type": "relation", "from_id": "abc", "to_id": "abc", "direction": "right"}]
    ctx = sample_context()
    ctx.form["fields"].append({"key": "transparency", "type": "checklist",
                               "items": [{"key": "author_named"}]})
    raw = json.dumps([{"data": {"text": text}, "annotations": [
        {"completed_by": 12, "result": result},
        {"completed_by": {"id": 9, "email": "b@example.org"}, "result": [],
         "was_cancelled": False},
        {"completed_by": 13, "result": [], "was_cancelled": True}]}]).encode()
    record = labelstudio.read("export.json", raw, ctx)[0]

    assert record["text"] == text and "id" not in record
    assert list(record["annotators"]) == ["b@example.org", "user12"]
    work = record["annotators"]["user12"]
    assert work["spans"] == [{"layer": "claim", "label": "claim.no_source", "start": start,
                              "end": start + 7, "text": "14 died", "note": "who counted?",
                              "attributes": {"verdict": "unchecked"}}]
    assert work["rating"] == {"transparency": {"author_named": "no"}}


def test_bad_tasks_are_all_reported_with_their_place():
    text = "Police said 14 died."
    raw = json.dumps([
        task(text, [region(0, 6, "Police", "propaganda"),
                    region(12, 99, "14 died", rid="r2"),
                    region(12, 19, "14 dead", rid="r3"),
                    region(5, 5, None, rid="r4"),
                    {"id": "f1", "from_name": "mood", "to_name": "text", "type": "choices",
                     "value": {"choices": ["calm"]}},
                    {"id": "f2", "from_name": "doc_rating.slant", "to_name": "text",
                     "type": "choices", "value": {"choices": ["very"]}},
                    {"id": "b1", "from_name": "box", "to_name": "img",
                     "type": "rectanglelabels", "value": {}}]),
        {"data": {"html": "<p>no text</p>"}},
        "not a task",
    ], indent=1).encode()
    problems = problems_of(raw)
    # Each task's line (indented one space at the top of the array), then the field in it.
    first, second, third = [number for number, line in
                            enumerate(raw.decode().split("\n"), start=1)
                            if re.match(r' [{"]', line)]
    places = {(p.line, p.field) for p in problems}

    assert all(p.file == "export.json" for p in problems)
    assert places == {(first, "annotations[0].result[0].value.labels"),
                      (first, "annotations[0].result[1].value"),
                      (first, "annotations[0].result[2].value"),
                      (first, "annotations[0].result[3].value"),
                      (first, "annotations[0].result[4].from_name"),
                      (first, "annotations[0].result[5].from_name"),
                      (first, "annotations[0].result[6].type"),
                      (second, "data.text"), (third, None)}
    messages = " ".join(p.message for p in problems)
    assert "unknown label 'propaganda'" in messages
    assert "'14 dead' is not the text at 12-19" in messages
    assert "outside the text" in messages


def test_what_is_not_a_label_studio_export_is_a_format_error():
    broken = problems_of(b'[{"data": {"text": "a"}, ]')
    assert broken[0].line == 1 and "not valid JSON" in broken[0].message
    assert "JSON array of tasks" in problems_of(b'{"tasks": []}')[0].message
    assert "not valid UTF-8" in problems_of(b'["\xff"]')[0].message


def test_two_annotations_by_one_user_on_a_task_are_a_problem():
    text = "Police said 14 died."
    twice = task(text, [])
    twice["annotations"] *= 2
    assert "second annotation by 'aigerim'" in problems_of(json.dumps([twice]).encode())[0].message
