"""Label Studio JSON export: one JSON array of tasks, each document one task with one
annotation per annotator, matching the labeling config that `labeling_config(ctx)` returns.

    {"id": 17,
     "data": {"text": "...", "title": "...", "source_name": "000_x.txt", "document_id": 17},
     "annotations": [{
        "id": 1, "completed_by": {"id": 1, "email": "", "first_name": "aigerim",
                                  "last_name": ""},
        "was_cancelled": false, "ground_truth": false,
        "result": [
          {"id": "r3", "from_name": "rhetoric", "to_name": "text", "type": "labels",
           "value": {"start": 48, "end": 64, "text": "shooting to kill",
                     "labels": ["loaded_language"]},
           "meta": {"text": ["the annotator's note"], "attributes": {"verdict": "unchecked"}}},
          {"id": "f1", "from_name": "doc_rating.reliability", "to_name": "text",
           "type": "rating", "value": {"rating": 4}}]}],
     "predictions": []}

The config has one `<Labels>` control per layer (its name is the layer key, each `<Label>`
value a label key) on one `<Text name="text" value="$text">`, and one control per field of
the rating form, named `<form key>.<field key>` (`<form key>.<field>.<item>` for each item
of a checklist): `<Rating>` for ordinal scales from 1 without a special value, `<Choices>` for
other ordinal scales (values as strings), nominal fields and checklist items, `<TextArea>` for
text. It sets `white-space: pre-wrap` on the text: without it Label Studio trims spaces in
what it shows and saves, and offsets drift.

The annotator is who Label Studio says completed the annotation: `completed_by` carries the
name as `first_name` (Label Studio's export puts the user's id, email and names there); on
reading, the name is first and last name, else the email, else `user<id>` (the importer
turns a name no username can be into a valid one, and lists the mapping). The gold key is
the annotator named `gold`, written with `ground_truth: true`; on request
(`ground_truth_gold`), every annotation marked `ground_truth` is read as the gold key's.

A span's note is the region's meta text (the "Meta" box of a region in Label Studio), its
attributes go in the region's meta as `attributes`; Label Studio keeps a region's meta as
it is (it only edits `text`). Reading also accepts notes and attributes as per-region
results (a `<TextArea perRegion="true">` or `<Choices perRegion="true">` with the region's
id): the part of `from_name` after the last dot is the attribute, `note` the note.

What survives: texts, metadata, every span with layer, label, note and attributes
(whole-passage source types come back as `source` spans), and ratings. Dropped: whether an
annotator marked the document done (Label Studio has no such state for an annotation).

Offsets. Label Studio's Text offsets are code points today. Its frontend is JavaScript,
whose string indices are UTF-16 code units, and until 2022 results after an emoji or other
character outside the Basic Multilingual Plane were off by one per such character
(HumanSignal/label-studio#1347, #1008); the fix (label-studio-frontend#308, "store code
points instead of js length") counts code points, and the current frontend builds its text
model from `[...text]`, which iterates code points (#4988, on 1.9, confirms the exported
offsets are right while the highlight is drawn wrong). So we write code points. On reading,
a region whose offsets do not give its stored `text` is tried as UTF-16 offsets, as an
older export has them, and converted when that gives the text; otherwise it is a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, BinaryIO
from xml.sax.saxutils import quoteattr

from app import jsonsafe, limits
from app.services.datasets.core import (
    GOLD,
    WHERE,
    ExportContext,
    FormatError,
    all_spans,
    gather_locations,
    owners,
)
from app.services.datasets.utf16 import Utf16
from app.services.texts import Problem, TextError, check_size

NAME = "label-studio"
EXTENSION = ".json"
MEDIA_TYPE = "application/json"

TEXT = "text"  # the Text tag's name and the task data key holding the text
META_FIELDS = ("title", "publisher", "author", "published", "url", "source_name", "notes")
_REGION_TYPES = {"textarea", "choices", "rating", "number"}


# --- the labeling config ---------------------------------------------------------------------

def _form_key(ctx: ExportContext) -> str:
    return str(ctx.form.get("key") or "rating")


def _as_rating(field: dict[str, Any]) -> bool:
    """An ordinal field Label Studio's `<Rating>` (stars 1..n) can hold."""
    scale = field.get("scale") or [1, 7]
    return field.get("type") == "ordinal" and scale[0] == 1 and not field.get("allow_value")


def _scale_choices(field: dict[str, Any]) -> list[str]:
    low, high = field.get("scale") or [1, 7]
    values = [str(v) for v in range(low, high + 1)]
    return values + ([str(field["allow_value"])] if field.get("allow_value") else [])


def _choices(name: str, values: list[str], indent: str = "  ") -> list[str]:
    lines = [f'{indent}<Choices name={quoteattr(name)} toName="{TEXT}" choice="single-radio" '
             'showInline="true">']
    lines += [f"{indent}  <Choice value={quoteattr(v)}/>" for v in values]
    return lines + [f"{indent}</Choices>"]


def labeling_config(ctx: ExportContext) -> str:
    """The Label Studio labeling config (XML) that `write`'s export matches."""
    lines = ["<View>", "  <Style>.htx-text { white-space: pre-wrap; }</Style>"]
    if ctx.project_title:
        lines.append(f"  <Header value={quoteattr(ctx.project_title)}/>")
    for layer in ctx.layers:
        labels = [meta for (key_layer, _), meta in ctx.labels.items() if key_layer == layer]
        if not labels:
            continue
        lines.append(f"  <Header value={quoteattr(ctx.layer_names.get(layer, layer))}/>")
        lines.append(f'  <Labels name={quoteattr(layer)} toName="{TEXT}">')
        for meta in labels:
            hint = f"{meta.name}: {meta.definition}" if meta.definition else meta.name
            lines.append(f"    <Label value={quoteattr(meta.key)} hint={quoteattr(hint)}/>")
        lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT}" value="${TEXT}"/>')
    fields = ctx.form.get("fields") or []
    if fields:
        lines.append(f"  <Header value={quoteattr(str(ctx.form.get('name') or 'Rating'))}/>")
    form = _form_key(ctx)
    for field in fields:
        name, kind = f"{form}.{field['key']}", field.get("type")
        lines.append(f"  <Header value={quoteattr(str(field.get('name') or field['key']))}/>")
        if _as_rating(field):
            lines.append(f'  <Rating name={quoteattr(name)} toName="{TEXT}" '
                         f'maxRating="{(field.get("scale") or [1, 7])[1]}"/>')
        elif kind == "ordinal":
            lines += _choices(name, _scale_choices(field))
        elif kind == "nominal":
            lines += _choices(name, [str(v) for v in field.get("values", [])])
        elif kind == "checklist":
            values = [str(v) for v in field.get("values", ["yes", "no", "na"])]
            for item in field.get("items", []):
                lines.append(f"  <Header value={quoteattr(str(item.get('text') or item['key']))}"
                             ' size="6"/>')
                lines += _choices(f"{name}.{item['key']}", values)
        else:
            lines.append(f'  <TextArea name={quoteattr(name)} toName="{TEXT}" '
                         'maxSubmissions="1" editable="true"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


# --- writing ---------------------------------------------------------------------------------



def _rating_results(rating: dict[str, Any] | None, ctx: ExportContext) -> list[dict[str, Any]]:
    if not rating:
        return []
    form, fields = _form_key(ctx), {f["key"]: f for f in ctx.form.get("fields") or []}
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
        elif _as_rating(field) and isinstance(value, int):
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


# --- reading ---------------------------------------------------------------------------------

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
        problems.append(Problem(file, "start and end must be whole numbers", field=field))
        return None
    if 0 <= start < end <= len(text) and (stored is None or text[start:end] == stored):
        return start, end
    if isinstance(stored, str):
        cp_start, cp_end = utf16.to_codepoint(start), utf16.to_codepoint(end)
        if cp_start is not None and cp_end is not None and cp_start < cp_end \
                and text[cp_start:cp_end] == stored:
            return cp_start, cp_end  # an export from before Label Studio counted code points
    if not 0 <= start < end <= len(text):
        problems.append(Problem(file, f"offsets {start}-{end} are outside the text (0-"
                                      f"{len(text)}) or empty", field=field))
    else:
        problems.append(Problem(file, f"the region's text {stored!r} is not the text at "
                                      f"{start}-{end} ({text[start:end]!r})", field=field))
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
    name = from_name.removeprefix(_form_key(ctx) + ".")
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
                    return f"'{value}' is not a value of the scale"
            return key, None, value
        if kind == "checklist" and name.startswith(key + "."):
            return key, name[len(key) + 1:], _result_value(result)
    return f"'{from_name}' is neither a layer nor a field of the rating form"


def _region_spans(result: dict[str, Any], text: str, utf16: Utf16, ctx: ExportContext,
                  where: tuple[str, str], problems: list[Problem]) -> list[dict[str, Any]]:
    """The spans of a `labels` result: one for each of its labels."""
    file, field = where
    value = result.get("value")
    labels = value.get("labels") if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(labels, list) or not labels:
        problems.append(Problem(file, "a labels result needs value.labels",
                                field=f"{field}.value"))
        return []
    pairs = []
    for label in labels:
        pair = _label_pair(str(result.get("from_name")), label, ctx)
        if pair is None:
            problems.append(Problem(file, f"unknown label '{label}' (not in this codebook)",
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
        problems.append(Problem(file, "an annotation's result must be a list",
                                field=f"{path}.result"))
        return [], None
    regions: dict[str, list[dict[str, Any]]] = {}
    others: list[tuple[str, dict[str, Any]]] = []
    for index, result in enumerate(results):
        field = f"{path}.result[{index}]"
        if not isinstance(result, dict):
            problems.append(Problem(file, "a result must be an object", field=field))
        elif result.get("type") == "labels":
            spans = _region_spans(result, text, utf16, ctx, (file, field), problems)
            rid = str(result["id"]) if result.get("id") is not None else f"#{index}"
            regions.setdefault(rid, []).extend(spans)
        elif result.get("type") != "relation":
            others.append((field, result))
    rating: dict[str, Any] = {}
    for field, result in others:
        kind, from_name = result.get("type"), str(result.get("from_name") or "")
        if not isinstance(kind, str) or kind not in _REGION_TYPES:
            problems.append(Problem(file, f"results of type '{kind}' cannot be imported",
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
        problems.append(Problem(file, "a task must be an object", field=path))
        return None
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get(TEXT), str):
        problems.append(Problem(file, "the task has no text", field=f"{path}.data.{TEXT}"))
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
        problems.append(Problem(file, "annotations must be a list", field=f"{path}.{key}"))
        return None
    utf16 = Utf16(text)
    for number, annotation in enumerate(annotations):
        where = f"{path}.{key}[{number}]"
        if not isinstance(annotation, dict):
            problems.append(Problem(file, "an annotation must be an object", field=where))
            continue
        if annotation.get("was_cancelled"):
            continue  # skipped in Label Studio: no work to import
        name = GOLD if ground_truth_gold and annotation.get("ground_truth") is True \
            else _user_name(annotation)
        spans, rating = _read_annotation(annotation, text, utf16, ctx, (file, where), problems)
        if name in record["annotators"] or (name == GOLD and "gold" in record):
            problems.append(Problem(file, f"a second annotation by '{name}' on this task",
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
        raise FormatError([Problem(name, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
                                         f"offset {exc.start})",
                                   line=raw.count(b"\n", 0, exc.start) + 1)]) from None
    except json.JSONDecodeError as exc:
        raise FormatError([Problem(name, f"not valid JSON ({exc.msg}, column {exc.colno})",
                                   line=exc.lineno)]) from None
    source = raw.decode("utf-8-sig")
    single = isinstance(tasks, dict) and "data" in tasks
    if single:
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise FormatError([Problem(name, "a Label Studio export is a JSON array of tasks")])
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
            file, _, field = span[WHERE]
            span[WHERE] = (file, *_split(field, lines))
    gather_locations(record)
