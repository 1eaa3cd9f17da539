"""doccano JSONL export and import (pure functions, no app)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.services.datasets.core import GOLD, FormatError, LabelMeta, all_spans
from app.services.datasets.formats import doccano
from tests.datasets.sample import TEXT_A, sample_context, sample_records, zipped


def export(records: list[dict], ctx=None) -> bytes:
    out = io.BytesIO()
    doccano.write((record for record in records), out, ctx or sample_context())
    return out.getvalue()


def carried(spans: list[dict]) -> list[dict]:
    """What doccano carries of a span: everything but attributes."""
    return [{**span, "attributes": {}} for span in spans]


def lines(raw: bytes, name: str) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return [json.loads(line) for line in archive.read(name).decode().splitlines()]



def problems_of(name: str, raw: bytes, ctx=None) -> list:
    with pytest.raises(FormatError) as caught:
        doccano.read(name, raw, ctx or sample_context())
    return caught.value.problems


def test_round_trip_keeps_texts_metadata_spans_and_notes():
    records = sample_records()
    back = doccano.read("export.zip", export(records), sample_context())

    assert [r["text"] for r in back] == [r["text"] for r in records]
    for original, record in zip(records, back, strict=True):
        assert record["id"] == original["id"]
        assert record["title"] == original["title"]
        assert record["source_name"] == original["source_name"]
        assert list(record["annotators"]) == sorted(original["annotators"])
        for name in original["annotators"]:
            work = record["annotators"][name]
            assert work["spans"] == carried(all_spans(original, name))
            assert work["rating"] is None and work["done"] is False
        if original["gold"]:
            assert record["gold"]["spans"] == carried(all_spans(original, None))
        else:
            assert "gold" not in record
    # The emoji, the ZWJ sequence and the combining accents are counted as code points.
    daniyar = back[0]["annotators"]["daniyar"]["spans"]
    assert daniyar[-1]["text"] == TEXT_A[TEXT_A.index("bandits were"):-1]
    assert daniyar[-1]["end"] == len(TEXT_A) - 1
    note = [s for s in back[0]["annotators"]["aigerim"]["spans"] if s["note"]]
    assert [(s["label"], s["note"]) for s in note] == [("loaded_language", '=HYPERLINK("x")')]


def test_the_export_is_what_doccano_writes_for_sequence_labelling():
    raw = export(sample_records())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "aigerim.jsonl", "daniyar.jsonl",
                                              f"{GOLD}.jsonl"]
    aigerim = lines(raw, "aigerim.jsonl")
    assert [line["id"] for line in aigerim] == [1, 2]
    labels = {key for (_, key) in sample_context().labels}
    for line in aigerim:
        assert list(line)[:4] == ["id", "text", "label", "Comments"]
        for start, end, label in line["label"]:
            assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end
            assert label in labels
    first = aigerim[0]
    assert first["title"] == "Police & witnesses" and first["source_name"] == "a.txt"
    # UTF-16 code units, as doccano counts: the police officer emoji counts twice.
    assert [49, 65, "loaded_language"] in first["label"]
    assert first["Comments"] == ['[49:65 loaded_language] =HYPERLINK("x")']
    # Passage source types are whole-passage source spans.
    assert [0, 26, "news_report"] in first["label"]
    assert lines(raw, "daniyar.jsonl")[0]["Comments"] == []


def test_a_key_two_layers_share_is_written_as_layer_and_key():
    ctx = sample_context()
    ctx.labels[("claim", "slogan")] = LabelMeta("claim", "slogan", "Claimed slogan")
    record = sample_records()[1]
    record["annotators"]["aigerim"]["spans"].append(
        {"layer": "rhetoric", "label": "slogan", "start": 11, "end": 28,
         "text": "order is restored", "note": "", "attributes": {}})
    raw = export([record], ctx)

    assert [11, 28, "rhetoric:slogan"] in lines(raw, "aigerim.jsonl")[0]["label"]
    spans = doccano.read("x.zip", raw, ctx)[0]["annotators"]["aigerim"]["spans"]
    assert ("rhetoric", "slogan", 11, 28) in [(s["layer"], s["label"], s["start"], s["end"])
                                              for s in spans]


def test_a_single_jsonl_keeps_the_files_own_text_and_offsets():
    text = "Officials said:\r\nall is calm \U0001F60A.\r\nNo one was hurt."
    start = text.index("No one")
    units = start + 1  # doccano counts the emoji as two UTF-16 code units
    raw = "\n".join([
        json.dumps({"id": 7, "text": text, "user": "aigerim",
                    "entities": [{"id": 1, "label": "claim.vague_source",
                                  "start_offset": units, "end_offset": units + 15}]}),
        json.dumps({"id": 7, "text": text, "annotator": "gold",
                    "labels": [[units, units + 15, "claim.vague_source"]]}),
        json.dumps({"text": "Another.", "label": []}),
    ]).encode()
    records = doccano.read("project.jsonl", raw, sample_context())

    assert records[0]["text"] == text  # CRLF and emoji kept, offsets not shifted
    span = records[0]["annotators"]["aigerim"]["spans"][0]
    assert (span["start"], span["end"], span["text"]) == (start, start + 15, "No one was hurt")
    assert records[0]["gold"]["spans"][0]["start"] == start
    # Nobody labelled it: no annotator (and no account) for the file's name.
    assert records[1]["text"] == "Another." and records[1]["annotators"] == {}


def test_bad_lines_are_all_reported_with_file_line_and_field():
    good = {"id": 1, "text": "Police said 14 died.", "label": [[12, 19, "claim.no_source"]]}
    raw = "\n".join([
        json.dumps({**good, "label": [[0, 6, "propaganda"], [12, 99, "claim.no_source"]]}),
        "{not json",
        json.dumps({**good, "id": 3, "label": [[5, 5, "loaded_language"], ["a", 3, "slogan"]]}),
        json.dumps(["a list"]),
        json.dumps({"id": 2, "label": []}),
        json.dumps({**good, "id": 6, "Comments": ["[0:3 slogan] a note on no span"]}),
    ]).encode()
    found = {(p.file, p.line, p.field) for p in problems_of("a.jsonl", raw)}

    assert found == {("a.jsonl", 1, "label[0]"), ("a.jsonl", 1, "label[1]"),
                     ("a.jsonl", 2, None),
                     ("a.jsonl", 3, "label[0]"), ("a.jsonl", 3, "label[1]"),
                     ("a.jsonl", 4, None), ("a.jsonl", 5, "text"),
                     ("a.jsonl", 6, "Comments[0]")}
    messages = " ".join(p.message for p in problems_of("a.jsonl", raw))
    assert "unknown label 'propaganda'" in messages and "not valid JSON" in messages


def test_problems_inside_a_zip_name_the_entry():
    raw = zipped({"aigerim.jsonl": json.dumps({"id": 1, "text": "abc", "label": [[0, 9, "x"]]}),
                  "daniyar.jsonl": b"\xff\xfe bad",
                  "gold.jsonl": json.dumps({"id": 1, "text": "abd", "label": []})})
    problems = problems_of("export.zip", raw)

    assert {p.file for p in problems} == {"export.zip/aigerim.jsonl", "export.zip/daniyar.jsonl",
                                          "export.zip/gold.jsonl"}
    assert any("not valid UTF-8" in p.message for p in problems)
    assert any("different text" in p.message for p in problems)


def test_what_is_not_a_doccano_export_is_a_format_error():
    assert "not a readable zip" in problems_of("export.zip", b"PK\x03\x04 truncated")[0].message
    assert "no .jsonl" in problems_of("export.zip", zipped({"notes.txt": "hello"}))[0].message


def test_writing_reads_the_records_once():
    seen = []

    def records():
        for record in sample_records():
            seen.append(record["id"])
            yield record

    doccano.write(records(), io.BytesIO(), sample_context())
    assert seen == [1, 2]


def test_a_unicode_line_separator_does_not_split_a_jsonl_line():
    record = sample_records()[1]
    record["text"] = record["text"].replace("\n", "\u2028")
    raw = export([record])

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert len(archive.read("aigerim.jsonl").decode().splitlines()) == 1
    assert doccano.read("x.zip", raw, sample_context())[0]["text"] == record["text"]


ISSUE_TEXT = ("Police \U0001F46E\u200d\u2640\ufe0f said 14 died \U0001F62D. "
              "The so-called bandits\u2026")


def js_slice(text: str, start: int, end: int) -> str:
    """What JavaScript's `text.slice(start, end)` gives: offsets in UTF-16 code units."""
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def test_doccano_offsets_are_utf16_code_units_on_import():
    line = {"id": 1, "text": ISSUE_TEXT, "label": [[18, 25, "claim.no_source"],
                                                   [34, 51, "name_calling"]]}
    assert js_slice(ISSUE_TEXT, 18, 25) == "14 died"  # what doccano showed the annotator
    records = doccano.read("kid1.jsonl", json.dumps(line).encode(), sample_context())

    spans = records[0]["annotators"]["kid1"]["spans"]
    assert [s["text"] for s in spans] == ["14 died", "so-called bandits"]
    assert [(s["start"], s["end"]) for s in spans] == [(17, 24), (32, 49)]
    assert js_slice(ISSUE_TEXT, 34, 51) == "so-called bandits"


def test_doccano_offsets_are_utf16_code_units_on_export():
    raw = export(sample_records())
    for annotator in ("aigerim.jsonl", "daniyar.jsonl", "gold.jsonl"):
        for line in lines(raw, annotator):
            for start, end, label in line["label"]:
                span = [s for s in all_spans(next(r for r in sample_records()
                                                  if r["id"] == line["id"]),
                                             None if annotator == "gold.jsonl"
                                             else annotator[:-6])
                        if sample_context().labels.get((s["layer"], s["label"]))
                        and label.endswith(s["label"])]
                assert js_slice(line["text"], start, end) in {s["text"] for s in span}


def test_an_offset_inside_an_emoji_is_refused_with_file_and_line():
    good = {"id": 1, "text": ISSUE_TEXT, "label": [[18, 25, "claim.no_source"]]}
    bad = {"id": 2, "text": ISSUE_TEXT, "label": [[8, 25, "claim.no_source"]]}
    problems = problems_of("kid1.jsonl", "\n".join(map(json.dumps, [good, bad])).encode())

    assert [(p.file, p.line, p.field) for p in problems] == [("kid1.jsonl", 2, "label[0]")]
    assert "offset 8 falls inside a character" in problems[0].message


def test_a_file_without_labels_is_refused():
    raw = "\n".join(json.dumps({"id": i, "text": f"Text {i}."}) for i in (1, 2)).encode()
    problems = problems_of("kid1.jsonl", raw)

    assert len(problems) == 1 and "no line has a label" in problems[0].message


def test_a_document_twice_in_one_annotators_file_is_refused():
    line = {"id": 4, "text": "Police said 14 died.", "label": [[12, 19, "claim.no_source"]]}
    problems = problems_of("kid1.jsonl", "\n".join([json.dumps(line)] * 2).encode())

    assert [(p.line, p.field) for p in problems] == [(2, "id")]
    assert "document id 4 is already on line 1" in problems[0].message


def test_the_zip_says_doccano_needs_overlapping_spans_allowed():
    readme = zipfile.ZipFile(io.BytesIO(export(sample_records()))).read("README.txt").decode()

    assert "Allow overlapping spans" in readme
    # Passage tags are whole-passage spans: every span inside a tagged passage overlaps it.
    assert "aigerim.jsonl: 6" in readme and "daniyar.jsonl: 1" in readme
