"""The CSV writer: BOM, one row per span / passage tag / rating value, formula-safe cells."""

from __future__ import annotations

import csv
import io

from app.services.datasets.formats import csv_
from tests.datasets.sample import TEXT_A, sample_context, sample_records

NUMERIC = {"document_id", "is_gold", "done", "start", "end", "passage_index"}


def export(records: list[dict]) -> bytes:
    out = io.BytesIO()
    csv_.write(iter(records), out, sample_context())
    return out.getvalue()


def read(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def unquote(cell: str) -> str:
    """What a program reading the file does: drop the quote that neutralised a formula."""
    if cell.startswith("'") and cell[1:].startswith(csv_.FORMULA_STARTS):
        return cell[1:]
    return cell


def expected_counts(records: list[dict]) -> dict[str, int]:
    counts = {"span": 0, "passage": 0, "rating": 0}
    for record in records:
        works = list(record["annotators"].values())
        if record["gold"]:
            works.append(record["gold"])
        for work in works:
            counts["span"] += len(work["spans"])
            counts["rating"] += len(work["rating"] or {})
        for passage in record["passages"]:
            counts["passage"] += len(passage["source_type"]) + bool(passage["gold"])
    return counts


def test_bom_header_and_row_counts():
    records = sample_records()
    raw = export(records)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").split("\r\n", 1)[0] == ",".join(csv_.COLUMNS)
    rows = read(raw)
    kinds = {kind: sum(row["kind"] == kind for row in rows) for kind in ("span", "passage",
                                                                          "rating")}
    assert kinds == expected_counts(records) == {"span": 11, "passage": 10, "rating": 6}
    assert len(rows) == 27
    by_owner = {}
    for row in rows:
        key = (row["document_id"], row["annotator"])
        by_owner[key] = by_owner.get(key, 0) + 1
    assert by_owner == {("1", "aigerim"): 11, ("1", "daniyar"): 4, ("1", "gold"): 9,
                        ("2", "aigerim"): 3}


def test_gold_rows_and_done():
    rows = read(export(sample_records()))
    gold = [row for row in rows if row["annotator"] == "gold"]
    assert gold and all(row["is_gold"] == "1" and row["done"] == "" for row in gold)
    people = [row for row in rows if row["annotator"] != "gold"]
    assert all(row["is_gold"] == "0" for row in people)
    assert {row["done"] for row in people if row["annotator"] == "daniyar"} == {"0"}
    passages = [row for row in gold if row["kind"] == "passage"]
    assert [(row["passage_index"], row["label"], row["label_name"]) for row in passages] == [
        ("0", "news_report", "News reporting"), ("1", "testimony", "Interview / testimony"),
        ("2", "forum_post", "Forum / social post")]


def test_offsets_index_the_text_and_attributes_are_json():
    import json

    records = sample_records()
    texts = {str(r["id"]): r["text"] for r in records}
    rows = read(export(records))
    for row in rows:
        if row["kind"] in ("span", "passage"):
            start, end = int(row["start"]), int(row["end"])
            assert texts[row["document_id"]][start:end] == unquote(row["text"])
        if row["kind"] == "span":
            assert isinstance(json.loads(row["attributes"]), dict)
    voice = next(row for row in rows if row["label"] == "official_statement"
                 and row["kind"] == "span")
    assert voice["text"] == "Police \U0001F46E\u200d\u2640\ufe0f said 14 died"
    assert json.loads(voice["attributes"]) == {"role": "voice", "speaker": "Police"}


def test_formula_cells_are_neutralised_and_numbers_stay_numbers():
    records = sample_records()
    aigerim = records[0]["annotators"]["aigerim"]
    # A span over a line break whose text starts with "-", and ratings with risky text.
    start = TEXT_A.index("died.")
    end = TEXT_A.index("witness") + len("witness")
    aigerim["spans"].append({"layer": "rhetoric", "label": "slogan", "start": start,
                             "end": end, "text": TEXT_A[start:end], "note": "+1\tcall",
                             "attributes": {}})
    aigerim["rating"]["genre"] = "@SUM(A1)"
    records[0]["title"] = "-Police & witnesses"
    rows = read(export(records))

    note = next(row["note"] for row in rows if row["note"].startswith("'="))
    assert note == "'=HYPERLINK(\"x\")"
    multiline = next(row for row in rows if row["label"] == "slogan")
    assert multiline["text"] == "died.\nA witness"
    assert multiline["note"] == "'+1\tcall"
    assert all(row["document_title"] == "'-Police & witnesses"
               for row in rows if row["document_id"] == "1")
    assert any(row["value"] == "'@SUM(A1)" for row in rows)

    for row in rows:
        for column, cell in row.items():
            if column in NUMERIC or (column == "value" and cell.lstrip("-").isdigit()):
                assert cell == "" or cell.lstrip("-").isdigit(), (column, cell)
            else:
                assert not cell.startswith(csv_.FORMULA_STARTS), (column, cell)
    slant = next(row for row in rows if row["field"] == "slant"
                 and row["annotator"] == "aigerim")
    assert slant["value"] == "-1"  # a number, not quoted


def test_checklist_values_get_a_row_per_item():
    records = sample_records()[:1]
    records[0]["annotators"]["aigerim"]["rating"]["transparency"] = {
        "author_named": "yes", "date_given": "no"}
    rows = read(export(records))
    items = {row["field"]: row["value"] for row in rows if row["field"].startswith("transp")}
    assert items == {"transparency.author_named": "yes", "transparency.date_given": "no"}


def test_no_records_gives_the_header_only():
    raw = export([])
    assert raw == b"\xef\xbb\xbf" + ",".join(csv_.COLUMNS).encode() + b"\r\n"
