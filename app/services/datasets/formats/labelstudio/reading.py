"""Reading a Label Studio JSON export (see the package docstring)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _

from app import jsonsafe, limits
from app.services.datasets.core import GOLD, WHERE, ExportContext, FormatError, gather_locations
from app.services.datasets.formats.labelstudio.common import (
    META_FIELDS,
    REGION_TYPES,
    TEXT,
    form_key,
)
from app.services.datasets.utf16 import Utf16
from app.services.texts import Problem, TextError, check_size


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _user_name(annotation: dict[str, Any]) -> str:
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        full = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name"))
        if full.strip():
            return full.strip()
        if user.get("email"):
            return str(user["email"])
        user = user.get("id")
    return f"user{user}" if user is not None else "unknown"


def _span_offsets(value: dict[str, Any], text: str, utf16: Utf16, where: tuple[str, str],
                  problems: list[Problem]) -> tuple[int, int] | None:
    file, field = where
    start, end, stored = value.get("start"), value.get("end"), value.get("text")
    if not (_is_int(start) and _is_int(end)):
        problems.append(Problem(file, _("start and end must be whole numbers"), field=field))
        return None
    if 0 <= start < end <= len(text) and (stored is None or text[start:end] == stored):
        return start, end
    if isinstance(stored, str):
        cp_start, cp_end = utf16.to_codepoint(start), utf16.to_codepoint(end)
        if cp_start is not None and cp_end is not None and cp_start < cp_end \
                and text[cp_start:cp_end] == stored:
            return cp_start, cp_end  # an export from before Label Studio counted code points
    if not 0 <= start < end <= len(text):
        problems.append(Problem(file, _("offsets %(start)s-%(end)s are outside the text "
                                        "(0-%(count)s) or empty",
                                        start=start, end=end, count=len(text)), field=field))
    else:
        problems.append(Problem(file, _("the region's text %(stored)s is not the text at "
                                        "%(start)s-%(end)s (%(value)s)",
                                        stored=repr(stored), start=start, end=end,
                                        value=repr(text[start:end])), field=field))
    return None


def _label_pair(layer: str, label: Any, ctx: ExportContext) -> tuple[str, str] | None:
    if not isinstance(label, str):
        return None
    if (layer, label) in ctx.labels:
        return layer, label
    return ctx.unflat_label(label)


def _result_value(result: dict[str, Any]) -> Any:
    kind, value = result.get("type"), result.get("value")
    if not isinstance(value, dict):
        return None
    if kind == "textarea":
        text = value.get("text")
        return "\n".join(str(t) for t in text) if isinstance(text, list) else text
    if kind == "choices":
        choices = value.get("choices") or []
        return choices[0] if len(choices) == 1 else choices
    return value.get(kind)


def _form_entry(from_name: str, result: dict[str, Any], ctx: ExportContext
                ) -> tuple[str, str | None, Any] | str:
    """(field, checklist item or None, value) for a document-level result, or a message."""
    name = from_name.removeprefix(form_key(ctx) + ".")
    for field in ctx.form.get("fields") or []:
        key, kind = field["key"], field.get("type")
        if name == key:
            value = _result_value(result)
            if kind == "ordinal" and isinstance(value, str):
                if value == field.get("allow_value"):
                    return key, None, value
                try:
                    return key, None, int(value)
                except ValueError:
                    return _("'%(value)s' is not a value of the scale", value=value)
            return key, None, value
        if kind == "checklist" and name.startswith(key + "."):
            return key, name[len(key) + 1:], _result_value(result)
    return _("'%(name)s' is neither a layer nor a field of the rating form", name=from_name)


def _region_spans(result: dict[str, Any], text: str, utf16: Utf16, ctx: ExportContext,
                  where: tuple[str, str], problems: list[Problem]) -> list[dict[str, Any]]:
    """The spans of a `labels` result: one for each of its labels."""
    file, field = where
    value = result.get("value")
    labels = value.get("labels") if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(labels, list) or not labels:
        problems.append(Problem(file, _("a labels result needs value.labels"),
                                field=f"{field}.value"))
        return []
    pairs = []
    for label in labels:
        pair = _label_pair(str(result.get("from_name")), label, ctx)
        if pair is None:
            problems.append(Problem(file, _("unknown label '%(label)s' (not in this codebook)",
                                            label=label),
                                    field=f"{field}.value.labels"))
        else:
            pairs.append(pair)
    offsets = _span_offsets(value, text, utf16, (file, f"{field}.value"), problems)
    if offsets is None or len(pairs) != len(labels):
        return []
    meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
    where_in_file = (file, None, field)  # the task's line is filled in by `read`
    note = meta.get("text")
    note = "\n".join(str(t) for t in note) if isinstance(note, list) else str(note or "")
    attributes = meta.get("attributes") if isinstance(meta.get("attributes"), dict) else {}
    start, end = offsets
    return [{"layer": layer, "label": key, "start": start, "end": end,
             "text": text[start:end], "note": note, "attributes": dict(attributes),
             WHERE: where_in_file} for layer, key in pairs]


def _read_annotation(annotation: dict[str, Any], text: str, utf16: Utf16, ctx: ExportContext,
                     where: tuple[str, str], problems: list[Problem]
                     ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """(spans, rating) of one annotation: regions first, then per-region and
    document-level results."""
    file, path = where
    results = annotation.get("result")
    if not isinstance(results, list):
        problems.append(Problem(file, _("an annotation's result must be a list"),
                                field=f"{path}.result"))
        return [], None
    regions: dict[str, list[dict[str, Any]]] = {}
    others: list[tuple[str, dict[str, Any]]] = []
    for index, result in enumerate(results):
        field = f"{path}.result[{index}]"
        if not isinstance(result, dict):
            problems.append(Problem(file, _("a result must be an object"), field=field))
        elif result.get("type") == "labels":
            spans = _region_spans(result, text, utf16, ctx, (file, field), problems)
            rid = str(result["id"]) if result.get("id") is not None else f"#{index}"
            regions.setdefault(rid, []).extend(spans)
        elif result.get("type") != "relation":
            others.append((field, result))
    rating: dict[str, Any] = {}
    for field, result in others:
        kind, from_name = result.get("type"), str(result.get("from_name") or "")
        if not isinstance(kind, str) or kind not in REGION_TYPES:
            problems.append(Problem(file, _("results of type '%(kind)s' cannot be imported",
                                            kind=kind),
                                    field=f"{field}.type"))
        elif str(result.get("id")) in regions:  # a per-region note or attribute
            key = from_name.rsplit(".", 1)[-1]
            for span in regions[str(result.get("id"))]:
                if key == "note":
                    span["note"] = str(_result_value(result) or "")
                else:
                    span["attributes"][key] = _result_value(result)
        else:
            entry = _form_entry(from_name, result, ctx)
            if isinstance(entry, str):
                problems.append(Problem(file, entry, field=f"{field}.from_name"))
            elif entry[1] is None:
                rating[entry[0]] = entry[2]
            else:
                rating.setdefault(entry[0], {})[entry[1]] = entry[2]
    spans = [span for region in regions.values() for span in region]
    spans.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
    return spans, rating or None


def _read_task(task: Any, index: int, file: str, ctx: ExportContext,
               problems: list[Problem], ground_truth_gold: bool = False
               ) -> dict[str, Any] | None:
    path = f"[{index}]"
    if not isinstance(task, dict):
        problems.append(Problem(file, _("a task must be an object"), field=path))
        return None
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get(TEXT), str):
        problems.append(Problem(file, _("the task has no text"), field=f"{path}.data.{TEXT}"))
        return None
    text: str = data[TEXT]
    try:  # before the offset conversion below walks the text character by character
        check_size(text, file, limits.setting("DOCUMENT_MAX_BYTES"), field=f"{path}.data.{TEXT}")
    except TextError as error:
        problems.append(error.problem)
        return None
    record: dict[str, Any] = {"text": text}
    doc_id = data.get("document_id", task.get("id"))
    if _is_int(doc_id):
        record["id"] = doc_id
    record.update({key: data[key] for key in META_FIELDS
                   if isinstance(data.get(key), str) and data[key]})
    record["annotators"] = {}
    key = "annotations" if "annotations" in task else "completions"  # before 1.0: completions
    annotations = task.get(key) or []
    if not isinstance(annotations, list):
        problems.append(Problem(file, _("annotations must be a list"), field=f"{path}.{key}"))
        return None
    utf16 = Utf16(text)
    for number, annotation in enumerate(annotations):
        where = f"{path}.{key}[{number}]"
        if not isinstance(annotation, dict):
            problems.append(Problem(file, _("an annotation must be an object"), field=where))
            continue
        if annotation.get("was_cancelled"):
            continue  # skipped in Label Studio: no work to import
        name = GOLD if ground_truth_gold and annotation.get("ground_truth") is True \
            else _user_name(annotation)
        spans, rating = _read_annotation(annotation, text, utf16, ctx, (file, where), problems)
        if name in record["annotators"] or (name == GOLD and "gold" in record):
            problems.append(Problem(file, _("a second annotation by '%(name)s' on this task",
                                            name=name),
                                    field=f"{where}.completed_by"))
        elif name == GOLD:
            record["gold"] = {"spans": spans, "rating": rating}
        else:
            record["annotators"][name] = {"spans": spans, "rating": rating, "done": False}
    record["annotators"] = dict(sorted(record["annotators"].items()))
    return record


def read(name: str, raw: bytes, ctx: ExportContext, *, ground_truth_gold: bool = False
         ) -> list[dict[str, Any]]:
    """Records from a Label Studio JSON export (see the module docstring); with
    `ground_truth_gold`, annotations marked ground truth are the gold key's."""
    try:
        tasks = jsonsafe.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FormatError([Problem(name, _("not valid UTF-8 (byte 0x%(value)s at offset %(start)s)",
                                           value=format(raw[exc.start], '02x'), start=exc.start),
                                   line=raw.count(b"\n", 0, exc.start) + 1)]) from None
    except json.JSONDecodeError as exc:
        raise FormatError([Problem(name, _("not valid JSON (%(msg)s, column %(colno)s)",
                                           msg=exc.msg, colno=exc.colno),
                                   line=exc.lineno)]) from None
    source = raw.decode("utf-8-sig")
    single = isinstance(tasks, dict) and "data" in tasks
    if single:
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise FormatError([Problem(name, _("a Label Studio export is a JSON array of tasks"))])
    problems: list[Problem] = []
    records = [_read_task(task, index, name, ctx, problems, ground_truth_gold)
               for index, task in enumerate(tasks)]
    lines = [1] if single else _task_lines(source)
    for index, record in enumerate(records):
        if record is not None:
            record[WHERE] = (name, lines[index])
            _locate(record, lines)
    problems = [_on_its_line(problem, lines) for problem in problems]
    found = [record for record in records if record is not None]
    if problems:
        raise FormatError(problems, found)
    return found


_TASK_FIELD = re.compile(r"\[(\d+)\]\.?(.*)", re.DOTALL)


def _task_lines(source: str) -> list[int]:
    """The line each task of a JSON array starts on (Label Studio writes one a line, or
    indented: either way a problem can then name its line)."""
    decoder, lines, index = json.JSONDecoder(), [], source.index("[") + 1
    while True:
        while index < len(source) and source[index] in " \t\r\n,":
            index += 1
        if index >= len(source) or source[index] == "]":
            return lines
        lines.append(source.count("\n", 0, index) + 1)
        index = decoder.raw_decode(source, index)[1]


def _split(field: str | None, lines: list[int]) -> tuple[int | None, str | None]:
    """(the task's line, the field inside the task) for a field `[3].data.text`."""
    match = _TASK_FIELD.fullmatch(field or "")
    if not match or int(match[1]) >= len(lines):
        return None, field
    return lines[int(match[1])], match[2] or None


def _on_its_line(problem: Problem, lines: list[int]) -> Problem:
    line, field = _split(problem.field, lines)
    return problem if line is None else Problem(problem.file, problem.message, line, field)


def _locate(record: dict[str, Any], lines: list[int]) -> None:
    """Put the task's line on the record and its spans (see `core.gather_locations`)."""
    for work in [*record["annotators"].values(), record.get("gold") or {"spans": []}]:
        for span in work["spans"]:
            file, _line, field = span[WHERE]
            span[WHERE] = (file, *_split(field, lines))
    gather_locations(record)
