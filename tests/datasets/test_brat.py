"""brat standoff export and import (pure functions, no app)."""

from __future__ import annotations

import io
import re

import pytest

from app.services.datasets.core import GOLD, FormatError, LabelMeta, all_spans
from app.services.datasets.formats import brat
from tests.datasets.sample import TEXT_A, sample_context, sample_records, unzip_text, zipped

T_LINE = re.compile(r"T(\d+)\t([A-Za-z0-9_-]+) (\d+ \d+(?:;\d+ \d+)*)\t([^\n]*)")
A_LINE = re.compile(r"A(\d+)\t([A-Za-z0-9_-]+) (T\d+)(?: ([A-Za-z0-9_-]+))?")
COMMENT_LINE = re.compile(r"#(\d+)\t(AnnotatorNotes|Sourcemark) (T\d+)\t([^\n]*)")


def export(records: list[dict], ctx=None) -> bytes:
    out = io.BytesIO()
    brat.write((record for record in records), out, ctx or sample_context())
    return out.getvalue()


files = unzip_text



def problems_of(raw: bytes, name: str = "brat.zip") -> list:
    with pytest.raises(FormatError) as caught:
        brat.read(name, raw, sample_context())
    return caught.value.problems


def test_round_trip_keeps_spans_notes_and_attributes():
    records = sample_records()
    back = brat.read("export.zip", export(records), sample_context())

    assert [r["text"] for r in back] == [r["text"] for r in records]
    for original, record in zip(records, back, strict=True):
        assert record["source_name"] == original["source_name"]
        assert list(record["annotators"]) == sorted(original["annotators"])
        for name in original["annotators"]:
            assert record["annotators"][name] == {"spans": all_spans(original, name),
                                                  "rating": None, "done": False}
        if original["gold"]:
            assert record["gold"] == {"spans": all_spans(original, None), "rating": None}
        else:
            assert "gold" not in record


def test_the_export_is_brat_standoff():
    found = files(export(sample_records()))
    assert sorted(found) == ["aigerim/a.ann", "aigerim/a.txt", "aigerim/b.ann", "aigerim/b.txt",
                             "annotation.conf", "daniyar/a.ann", "daniyar/a.txt",
                             "documents.tsv", f"{GOLD}/a.ann", f"{GOLD}/a.txt", "visual.conf"]
    assert found["aigerim/a.txt"] == TEXT_A
    conf = found["annotation.conf"]
    sections = re.findall(r"^\[(\w+)\]$", conf, re.MULTILINE)
    assert sections == ["entities", "relations", "events", "attributes"]
    declared = set(re.findall(r"^\t(\S+)$", conf, re.MULTILINE))
    assert "claim-no_source" in declared and "loaded_language" in declared
    assert "role\tArg:<ENTITY>, Value:segment|voice" in conf
    for name, content in found.items():
        if not name.endswith(".ann"):
            continue
        ids, text = set(), found[name[:-4] + ".txt"]
        for line in content.splitlines():
            if match := T_LINE.fullmatch(line):
                ids.add(f"T{match[1]}")
                assert match[2] in declared
                pieces = [tuple(map(int, p.split())) for p in match[3].split(";")]
                assert match[4] == " ".join(text[s:e] for s, e in pieces)
            elif match := A_LINE.fullmatch(line) or COMMENT_LINE.fullmatch(line):
                assert match[3] in ids
            else:
                pytest.fail(f"{name}: not a brat line: {line!r}")
    aigerim = found["aigerim/a.ann"].splitlines()
    assert "T5\tloaded_language 48 64\tshooting to kill" in aigerim
    assert '#2\tAnnotatorNotes T5\t=HYPERLINK("x")' in aigerim
    assert "A1\trole T2 voice" in aigerim
    assert '#1\tSourcemark T2\t{"speaker": "Police"}' in aigerim
    assert "claim-no_source | No source" in found["visual.conf"]


def test_spans_across_lines_become_fragments_and_every_attribute_survives():
    record = sample_records()[1]
    text = record["text"]
    note = "first line\nsecond line"
    evidence = [{"kind": "url", "url": "https://example.org/x", "title": "A report"}]
    record["annotators"]["aigerim"]["spans"] = [
        {"layer": "claim", "label": "claim.vague_source", "start": 11, "end": 45,
         "text": text[11:45], "note": note,
         "attributes": {"verdict": "not_enough_info", "evidence": evidence, "weight": 2,
                        "is_requote": True, "speaker": "The akimat"}}]
    raw = export([record])

    ann = files(raw)["aigerim/b.ann"].splitlines()
    assert ann[1:6] == [
        "T2\tclaim-vague_source 11 29;30 45\torder is restored. No one was hurt",
        "#1\tAnnotatorNotes T2\tfirst line second line",
        "A1\tis_requote T2",
        "A2\tverdict T2 not_enough_info",
        '#2\tSourcemark T2\t{"note": "first line\\nsecond line", "evidence": [{"kind": "url", '
        '"url": "https://example.org/x", "title": "A report"}], "speaker": "The akimat", '
        '"weight": 2}']
    back = brat.read("x.zip", raw, sample_context())[0]["annotators"]["aigerim"]["spans"]
    assert back == all_spans(record, "aigerim")
    assert back[1] == record["annotators"]["aigerim"]["spans"][0]


def test_type_names_are_brat_names_and_come_back():
    for label in ["claim.no_source", "rhetoric:slogan", "a.b.c", "x_y", "odd-Name é"]:
        name = brat.brat_name(label)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", name)
        assert brat.from_brat_name(name) == label
    ctx = sample_context()
    ctx.labels[("claim", "slogan")] = LabelMeta("claim", "slogan", "Claimed slogan")
    record = sample_records()[1]
    record["annotators"]["aigerim"]["spans"].append(
        {"layer": "rhetoric", "label": "slogan", "start": 11, "end": 28,
         "text": "order is restored", "note": "", "attributes": {}})
    raw = export([record], ctx)
    assert "rhetoric-X3A-slogan 11 28" in files(raw)["aigerim/b.ann"]
    spans = brat.read("x.zip", raw, ctx)[0]["annotators"]["aigerim"]["spans"]
    assert ("rhetoric", "slogan") in [(s["layer"], s["label"]) for s in spans]


def test_files_at_the_top_keep_their_own_offsets_over_crlf():
    text = "Officials said:\r\nall is calm \U0001F60A.\r\nNo one was hurt."
    start = text.index("No one")
    raw = zipped({"doc1.txt": text.encode(),
                  "doc1.ann": f"T1\tclaim-vague_source {start} {start + 15}\tNo one was hurt\n"
                              "R1\tCause Arg1:T1 Arg2:T1\n",
                  "doc2.txt": "No annotations yet.", "doc2.ann": "",
                  "README.txt": "Not a document: it has no .ann beside it.",
                  "annotation.conf": "[entities]\n"})
    records = brat.read("class-7b.zip", raw, sample_context())

    # Offsets counted with CR LF as two characters (as Python does) are mapped to LF text.
    assert records[0]["text"] == text.replace("\r\n", "\n")
    span = records[0]["annotators"]["class-7b"]["spans"][0]
    assert (span["start"], span["end"], span["text"]) == (start - 2, start + 13,
                                                          "No one was hurt")
    assert len(records) == 2
    assert {key: value for key, value in records[1].items() if key != "_where"} == {
        "text": "No annotations yet.", "source_name": "doc2.txt",
        "annotators": {"class-7b": {"spans": [], "rating": None, "done": False}}}


def test_bad_annotations_are_all_reported_with_file_line_and_field():
    text = "Police said 14 died."
    ann = "\n".join([
        "T1\tpropaganda 0 6\tPolice",
        "T2\tclaim-no_source 12 99\t14 died",
        "T3\tclaim-no_source 12 19\t14 dead",
        "T4\tloaded_language 5 5\t",
        "no tab here",
        "T5\tclaim-no_source 12 19\t14 died",
        "A1\tverdict T9 unchecked",
        "#1\tSourcemark T5\t{not json",
        "X1\tsomething",
    ])
    raw = zipped({"aigerim/d.txt": text, "aigerim/d.ann": ann, "daniyar/d.txt": "Other text.",
                  "daniyar/d.ann": "", "daniyar/lost.ann": "", "gold/e.txt": b"\xff",
                  "gold/e.ann": ""})
    found = {(p.file, p.line, p.field) for p in problems_of(raw)}

    ann_file = "brat.zip/aigerim/d.ann"
    assert found == {(ann_file, 1, "type"), (ann_file, 2, "offsets"), (ann_file, 3, "text"),
                     (ann_file, 4, "offsets"), (ann_file, 5, None), (ann_file, 7, "target"),
                     (ann_file, 8, "Sourcemark"), (ann_file, 9, "id"),
                     ("brat.zip/daniyar/d.txt", None, None),
                     ("brat.zip/daniyar/lost.ann", None, None),
                     ("brat.zip/gold/e.txt", 1, None)}


def test_what_is_not_a_brat_zip_is_a_format_error():
    assert "not a readable zip" in problems_of(b"plain text")[0].message
    assert "no brat" in problems_of(zipped({"notes.txt": "hello"}))[0].message


def test_a_discontinuous_span_keeps_its_fragments_never_its_gap():
    text = "Police said the so-called bandits were armed."
    ann = ("T1\tloaded_language 0 6;16 25\tPolice so-called\n"
           "#1\tAnnotatorNotes T1\tsplit on purpose\n"
           "A1\tverdict T1 unchecked\n"
           "T2\tname_calling 16 25;26 33\tso-called bandits\n")
    raw = zipped({"kid1/a.txt": text, "kid1/a.ann": ann})
    spans = brat.read("x.zip", raw, sample_context())[0]["annotators"]["kid1"]["spans"]

    got = [(s["label"], s["text"], s["note"], s["attributes"]) for s in spans]
    assert got == [
        ("loaded_language", "Police", "[brat T1, part 1 of 2] split on purpose",
         {"verdict": "unchecked"}),
        # Fragments with only white space between them (a span across lines) are one span.
        ("name_calling", "so-called bandits", "", {}),
        ("loaded_language", "so-called", "[brat T1, part 2 of 2] split on purpose",
         {"verdict": "unchecked"})]


def test_offsets_a_brat_server_wrote_over_crlf_are_mapped():
    text = "John loves Mary.\r\nHe married her.\r\nThey fired \U0001F52B at us."
    lf = text.replace("\r\n", "\n")
    # brat counts CR LF as one character (nlplab/brat#853): offsets into the LF text.
    ann = "".join(f"T{i}\tloaded_language {lf.index(w)} {lf.index(w) + len(w)}\t{w}\n"
                  for i, w in enumerate(["Mary", "He", "her", "\U0001F52B at us"], start=1))
    raw = zipped({"kid1/a.txt": text.encode(), "kid1/a.ann": ann})
    (record,) = brat.read("x.zip", raw, sample_context())

    assert record["text"] == lf
    assert [s["text"] for s in record["annotators"]["kid1"]["spans"]] == \
        ["Mary", "He", "her", "\U0001F52B at us"]


def test_reader_notes_the_file_and_line_of_every_span():
    raw = zipped({"kid1/a.txt": "Police said 14 died.",
                  "kid1/a.ann": "T1\tclaim-no_source 12 19\t14 died\n"
                                "T2\tloaded_language 0 6\tPolice\n"})
    (record,) = brat.read("x.zip", raw, sample_context())

    assert record["_where"] == {"": ("x.zip/kid1/a.ann", None),
                                "annotators.kid1": ("x.zip/kid1/a.ann", None),
                                "annotators.kid1.spans[0]": ("x.zip/kid1/a.ann", 2),
                                "annotators.kid1.spans[1]": ("x.zip/kid1/a.ann", 1)}
