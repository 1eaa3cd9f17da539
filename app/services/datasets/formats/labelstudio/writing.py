"""Writing Label Studio tasks (see the package docstring)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from app.services.datasets.core import ExportContext, all_spans, owners
from app.services.datasets.formats.labelstudio.common import META_FIELDS, TEXT, as_rating, form_key


def _rating_results(rating: dict[str, Any] | None, ctx: ExportContext) -> list[dict[str, Any]]:
    if not rating:
        return []
    form, fields = form_key(ctx), {f["key"]: f for f in ctx.form.get("fields") or []}
    out: list[dict[str, Any]] = []

    def add(name: str, kind: str, value: dict[str, Any]) -> None:
        out.append({"id": f"f{len(out) + 1}", "from_name": f"{form}.{name}", "to_name": TEXT,
                    "type": kind, "value": value})

    for key, value in rating.items():
        field = fields.get(key, {})
        kind = field.get("type")
        if kind == "checklist" and isinstance(value, dict):
            for item, choice in value.items():
                add(f"{key}.{item}", "choices", {"choices": [str(choice)]})
        elif as_rating(field) and isinstance(value, int):
            add(key, "rating", {"rating": value})
        elif kind in ("ordinal", "nominal"):
            add(key, "choices", {"choices": [str(value)]})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            add(key, "number", {"number": value})
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            add(key, "textarea", {"text": [text]})
    return out


def _annotation(record: dict[str, Any], owner: tuple[str, str | None], ids: tuple[int, int],
                ctx: ExportContext) -> dict[str, Any]:
    """One annotator's annotation of a task (annotator None: the gold key)."""
    name, annotator = owner
    result: list[dict[str, Any]] = []
    for number, span in enumerate(all_spans(record, annotator), start=1):
        region: dict[str, Any] = {
            "id": f"r{number}", "from_name": span["layer"], "to_name": TEXT, "type": "labels",
            "value": {"start": span["start"], "end": span["end"],
                      "text": record["text"][span["start"]:span["end"]],
                      "labels": [span["label"]]}}
        meta: dict[str, Any] = {}
        if span.get("note"):
            meta["text"] = [span["note"]]
        if span.get("attributes"):
            meta["attributes"] = span["attributes"]
        if meta:
            region["meta"] = meta
        result.append(region)
    work = record.get("gold") if annotator is None else \
        record.get("annotators", {}).get(annotator)
    result += _rating_results((work or {}).get("rating"), ctx)
    user_id, annotation_id = ids
    return {"id": annotation_id,
            "completed_by": {"id": user_id, "email": "", "first_name": name, "last_name": ""},
            "was_cancelled": False, "ground_truth": annotator is None, "result": result}


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write one JSON array of tasks, a task at a time."""
    users: dict[str, int] = {}
    annotation_id = 0
    out.write(b"[")
    for index, record in enumerate(records):
        data: dict[str, Any] = {TEXT: record["text"]}
        data.update({key: record[key] for key in META_FIELDS if record.get(key)})
        if record.get("id") is not None:
            data["document_id"] = record["id"]
        annotations = []
        for owner in owners(record):
            annotation_id += 1
            user_id = users.setdefault(owner[0], len(users) + 1)
            annotations.append(_annotation(record, owner, (user_id, annotation_id), ctx))
        task = {"id": record.get("id", index + 1), "data": data, "annotations": annotations,
                "predictions": []}
        out.write(b"\n" if index == 0 else b",\n")
        out.write(json.dumps(task, ensure_ascii=False).encode("utf-8"))
    out.write(b"\n]\n")
