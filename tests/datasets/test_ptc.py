"""Propaganda Techniques Corpus (SemEval-2020 Task 11) export and import (no app)."""

from __future__ import annotations

import io

import pytest

from app.services.datasets.core import GOLD, FormatError, LabelMeta, all_spans
from app.services.datasets.formats import ptc
from tests.datasets.sample import TEXT_A, sample_context, sample_records, unzip_text, zipped

MERGED = "Whataboutism,Straw_Men,Red_Herring"


def export(records: list[dict], ctx=None) -> bytes:
    out = io.BytesIO()
    ptc.write((record for record in records), out, ctx or sample_context())
    return out.getvalue()


files = unzip_text



def rhetoric(spans: list[dict]) -> list[dict]:
    """What PTC carries: rhetoric spans, their offsets and labels."""
    return [{**s, "note": "", "attributes": {}} for s in spans if s["layer"] == "rhetoric"]


def context_with_merged_techniques():
    ctx = sample_context()
    for key in ("whataboutism", "straw_man", "red_herring"):
        ctx.labels[("rhetoric", key)] = LabelMeta("rhetoric", key, key, maps_to={"ptc": MERGED})
    ctx.labels[("rhetoric", "doubt")] = LabelMeta("rhetoric", "doubt", "Doubt")  # no PTC name
    return ctx


def problems_of(raw: bytes, name: str = "ptc.zip") -> list:
    with pytest.raises(FormatError) as caught:
        ptc.read(name, raw, sample_context())
    return caught.value.problems


def test_round_trip_keeps_texts_and_rhetoric_spans():
    records = sample_records()
    back = ptc.read("export.zip", export(records), sample_context())

    assert [r["text"] for r in back] == [r["text"] for r in records]
    for original, record in zip(records, back, strict=True):
        assert record["id"] == original["id"]
        assert record["source_name"] == f"article{original['id']}.txt"
        assert list(record["annotators"]) == sorted(original["annotators"])
        for name in original["annotators"]:
            assert record["annotators"][name] == {
                "spans": rhetoric(all_spans(original, name)), "rating": None, "done": False}
        if original["gold"]:
            assert record["gold"] == {"spans": rhetoric(all_spans(original, None)),
                                      "rating": None}
    daniyar = back[0]["annotators"]["daniyar"]["spans"]
    assert daniyar[-1]["text"] == TEXT_A[TEXT_A.index("bandits were"):-1]


def test_the_export_is_the_ptc_layout():
    found = files(export(sample_records()))
    assert sorted(found) == [
        "README.txt", "aigerim/article1.task-flc-tc.labels", "aigerim/article1.txt",
        "aigerim/article2.task-flc-tc.labels", "aigerim/article2.txt",
        "daniyar/article1.task-flc-tc.labels", "daniyar/article1.txt",
        f"{GOLD}/article1.task-flc-tc.labels", f"{GOLD}/article1.txt"]
    assert found["aigerim/article1.txt"] == TEXT_A
    rows = [line.split("\t") for line in found["aigerim/article1.task-flc-tc.labels"].splitlines()]
    assert rows == [["1", "Loaded_Language", "48", "64"],
                    ["1", "Name_Calling,Labeling", "80", "97"],
                    ["1", "Loaded_Language", "90", "97"]]
    for article, _, start, end in rows:
        assert article == "1" and 0 <= int(start) < int(end) <= len(TEXT_A)
    assert found["aigerim/article2.task-flc-tc.labels"] == ""  # a claim only: nothing to say


def test_labels_without_a_ptc_name_are_left_out_and_counted():
    record = sample_records()[1]
    spans = record["annotators"]["aigerim"]["spans"]
    for key, needle in [("doubt", "order is restored"), ("straw_man", "the akimat says")]:
        start = record["text"].index(needle)
        spans.append({"layer": "rhetoric", "label": key, "start": start,
                      "end": start + len(needle), "text": needle, "note": "", "attributes": {}})
    raw = export([record], context_with_merged_techniques())

    found = files(raw)
    assert found["aigerim/article2.task-flc-tc.labels"] == f"2\t{MERGED}\t47\t62\n"
    assert "  doubt: 1" in found["README.txt"]
    # Back, the merged name is the first label that has it, and the PTC name is kept.
    span = ptc.read("x.zip", raw, context_with_merged_techniques())[0]["annotators"]["aigerim"]
    assert [(s["label"], s["attributes"]) for s in span["spans"]] == [
        ("whataboutism", {"import_label": MERGED})]


def test_the_tasks_own_layout_with_one_labels_file():
    text = "Title\r\n\r\nThey are traitors \U0001F621, all of them.\r\n"
    start = text.index("traitors")
    other = "Second article.\n"
    labels = (f"111\tName_Calling,Labeling\t{start}\t{start + 8}\n"
              f"111\tloaded language\t {start} \t {start + 8}\n"
              "222\tLoaded_Language\t0\t6\n")
    raw = zipped({"datasets/train-articles/article111.txt": text.encode(),
                  "datasets/train-articles/article222.txt": other,
                  "datasets/train-task-flc-tc.labels": labels,
                  "datasets/README.md": "about the corpus"})
    records = ptc.read("semeval.zip", raw, sample_context())

    assert [r["id"] for r in records] == [111, 222]
    assert records[0]["text"] == text  # CRLF and emoji kept, offsets not shifted
    spans = records[0]["annotators"]["semeval"]["spans"]
    assert [(s["label"], s["start"], s["end"], s["text"], s["attributes"]) for s in spans] == [
        ("loaded_language", start, start + 8, "traitors", {"import_label": "loaded language"}),
        ("name_calling", start, start + 8, "traitors", {})]
    assert records[1]["annotators"]["semeval"]["spans"][0]["text"] == "Second"


def test_bad_labels_are_all_reported_with_file_line_and_field():
    raw = zipped({
        "aigerim/article1.txt": "Police said 14 died.",
        "aigerim/article1.task-flc-tc.labels": "\n".join([
            "1\tPropaganda\t0\t6",
            "1\tLoaded_Language\t12\t99",
            "1\tLoaded_Language\tx\t6",
            "2\tLoaded_Language\t0\t6",
            "1\tLoaded_Language",
            "1\tLoaded_Language\t6\t6"]),
        "daniyar/article1.txt": "Police said 14 died.",
        "daniyar/article1.task-si.labels": "1\t0\t6\n",
        "gold/article1.txt": b"\xff",
        "gold/article1.task-flc-tc.labels": "",
    })
    found = {(p.file, p.line, p.field) for p in problems_of(raw)}

    labels = "ptc.zip/aigerim/article1.task-flc-tc.labels"
    assert found == {(labels, 1, "technique"), (labels, 2, "start"), (labels, 3, "start"),
                     (labels, 4, "article id"), (labels, 5, None), (labels, 6, "start"),
                     ("ptc.zip/daniyar/article1.task-si.labels", 1, None),
                     ("ptc.zip/gold/article1.txt", 1, None)}


def test_what_is_not_a_ptc_zip_is_a_format_error():
    assert "not a readable zip" in problems_of(b"plain text")[0].message
    assert "no article" in problems_of(zipped({"labels.tsv": "1\tDoubt\t0\t1\n"}))[0].message


def test_only_the_14_semeval_classes_are_written_and_the_rest_counted():
    ctx = sample_context()
    vague = "Obfuscation,Intentional_Vagueness,Confusion"  # a PTC technique, not a task class
    ctx.labels[("rhetoric", "slogan")] = LabelMeta("rhetoric", "slogan", "Vague",
                                                   maps_to={"ptc": vague})
    records = sample_records()
    text = records[1]["text"]
    records[1]["annotators"]["aigerim"]["spans"].append(
        {"layer": "rhetoric", "label": "slogan", "start": 11, "end": 28,
         "text": text[11:28], "note": "", "attributes": {}})
    written = files(export(records, ctx))

    techniques = {line.split("\t")[1] for name, body in written.items()
                  if name.endswith(ptc.LABELS_SUFFIX) for line in body.splitlines()}
    assert techniques and techniques <= set(ptc.TECHNIQUES) and len(ptc.TECHNIQUES) == 14
    assert vague not in written["aigerim/article2" + ptc.LABELS_SUFFIX]
    assert "slogan -> (left out: no SemEval-2020 class)" in written["README.txt"]
    assert "loaded_language -> Loaded_Language" in written["README.txt"]
    assert "  slogan: 1" in written["README.txt"]
