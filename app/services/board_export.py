"""Profiles and the claims board as plain records, and as CSV and our JSONL.

JSONL: one object a line, `"schema": "sourcemark.source/1"` (a publisher or speaker with
its figures) or `"sourcemark.claim/1"` (a claim of the board with its question, value,
speaker, sourcing, verdict counts and evidence). CSV: the same fields flattened, one row a
record, UTF-8 with a BOM, cells formula-safe.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from app.models import Project
from app.services import claims, sources
from app.services.datasets.formats.csv_ import safe_cell

SOURCE_SCHEMA = "sourcemark.source/1"
CLAIM_SCHEMA = "sourcemark.claim/1"


FIGURES = ("ref", "kind", "name", "documents", "published", "voices", "words", "text_words",
           "min_words", "rhetoric", "rhetoric_per_1000", "rhetoric_low", "rhetoric_high",
           "claims", "claims_per_1000", "claims_low", "claims_high")


def source_record(figures: dict[str, Any]) -> dict[str, Any]:
    """A source's figures as a record: the rating summaries with their alpha inline."""
    record = {"schema": SOURCE_SCHEMA, **{k: figures[k] for k in FIGURES}}
    for key in ("reliability", "slant"):
        summary = figures[key]
        record[key] = {name: summary[name] for name in
                       ("n", "mean", "sd", "low", "high", "min", "max")}
        record[key]["alpha"] = summary["alpha"]["value"]
        record[key]["alpha_undefined"] = summary["alpha"]["why"]
    return record


def source_records(project: Project) -> list[dict[str, Any]]:
    out = [source_record(figures) for figures in sources.comparison(project)]
    return sorted(out, key=lambda r: (r["kind"], r["name"].casefold()))


def claim_record(question: Any, row: dict[str, Any]) -> dict[str, Any]:
    link = row["link"]
    evidence = []
    for item in row["evidence"]:
        if item.get("url"):
            evidence.append(item["url"])
        else:
            evidence.append(f"{item['document'].title}: “{item['text']}”")
    return {
        "schema": CLAIM_SCHEMA, "id": link.id, "question_id": question.id,
        "question": question.text, "value_kind": question.value_kind,
        "document_id": row["document"].id, "document_title": row["document"].title,
        "start": link.start, "end": link.end, "quote": row["quote"],
        "publisher": row["publisher"], "published": row["published"],
        "speaker": row["speaker"], "value": row["value"], "stated": row["stated"],
        "value_low": link.value_low, "value_high": link.value_high,
        "value_date": link.value_date, "sourcing": row["sourcing"], "note": link.note,
        "contradicts": row["contradicts"], "verdicts": row["verdicts"], "evidence": evidence,
    }


def claim_records(project: Project) -> list[dict[str, Any]]:
    out = []
    for question, _count in claims.questions(project):
        board = claims.board(project, question)
        out.extend(claim_record(question, row) for row in board["rows"])
    return out


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}_"))
        elif isinstance(value, list):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def as_jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n"
                   for r in records).encode("utf-8")


def as_csv(records: list[dict[str, Any]]) -> bytes:
    rows = [_flat(r) for r in records]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(f"{value:.4g}")
            elif isinstance(value, str):
                cells.append(safe_cell(value))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")
