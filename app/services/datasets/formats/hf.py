"""A Hugging Face `datasets` folder, zipped: `data/train.jsonl` and a dataset card.

Unzipped, `datasets.load_dataset("<folder>")` reads it with the declared feature types:
the card (`README.md`) has YAML front matter with `configs` (the data file, one `train`
split) and `dataset_info.features`, which the library casts the JSON to. No Parquet, so
that exporting needs neither `datasets` nor `pyarrow`.

One row per document and annotator, and one for the gold key (annotator `gold`,
`is_gold` true) where it exists:

- the document: `document_id`, `title`, `publisher`, `author`, `published`, `url`,
  `source_name`, `language` (ISO 639-1, "" when not known), `text` (LF, NFC) and
  `text_hash`; the card's `language` lists the languages of the documents;
- `annotator`, `is_gold`, `done` (null for the gold key);
- `spans`: this annotator's spans {layer, label, start, end, text, note, attributes},
  offsets in code points (Python string indexes), half-open; `attributes` is a JSON
  object as a string, since its fields differ between layers;
- `passages`: every passage {start, end, label} with this annotator's source type for it
  as `label` (null when untagged), so passage tags are not repeated in `spans`;
- `rating` (when the codebook has a rating form): one field per form field. Scales are
  int64; a scale's special value (such as `cannot_tell`) is a boolean field
  `<field>_<value>` beside it, the scale then null. Categories and texts are strings, a
  checklist a struct of its items. A value that does not fit its field's type is left
  out (null).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from typing import Any, BinaryIO

import yaml
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.datasets.core import GOLD, ExportContext, language_list

NAME = "hf"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

DATA_FILE = "data/train.jsonl"
SPLIT = "train"

Feature = dict[str, Any]  # one entry of `dataset_info.features` in the card's YAML


def _value(name: str, dtype: str) -> Feature:
    return {"name": name, "dtype": dtype}


SPAN_FEATURES: list[Feature] = [
    _value("layer", "string"), _value("label", "string"), _value("start", "int64"),
    _value("end", "int64"), _value("text", "string"), _value("note", "string"),
    _value("attributes", "string")]
PASSAGE_FEATURES: list[Feature] = [
    _value("start", "int64"), _value("end", "int64"), _value("label", "string")]
DOCUMENT_FIELDS = ("title", "publisher", "author", "published", "url", "source_name",
                   "language")


def _special_key(field: dict[str, Any]) -> str | None:
    """The boolean column beside a scale with a special value (`slant_cannot_tell`)."""
    special = field.get("allow_value")
    if special is None:
        return None
    return f"{field['key']}_{re.sub(r'[^A-Za-z0-9_]', '_', str(special))}"


def rating_features(form: dict[str, Any]) -> list[Feature]:
    """The rating struct's fields, one per form field (two for a scale with a special
    value)."""
    out: list[Feature] = []
    for field in form.get("fields", []):
        key, kind = field["key"], field.get("type")
        if kind == "ordinal":
            out.append(_value(key, "int64"))
            special = _special_key(field)
            if special:
                out.append(_value(special, "bool"))
        elif kind == "checklist":
            items = [_value(item["key"], "string") for item in field.get("items", [])]
            out.append({"name": key, "struct": items} if items else _value(key, "string"))
        else:  # nominal, text and anything newer: a string
            out.append(_value(key, "string"))
    return out


def features(ctx: ExportContext) -> list[Feature]:
    """`dataset_info.features` as the card declares them."""
    out = [_value("document_id", "int64")]
    out += [_value(name, "string") for name in DOCUMENT_FIELDS]
    out += [_value("text", "string"), _value("text_hash", "string"),
            _value("annotator", "string"), _value("is_gold", "bool"), _value("done", "bool"),
            {"name": "spans", "list": SPAN_FEATURES},
            {"name": "passages", "list": PASSAGE_FEATURES}]
    rating = rating_features(ctx.form)
    if rating:
        out.append({"name": "rating", "struct": rating})
    return out


def clean_rating(form: dict[str, Any], rating: dict[str, Any] | None) -> dict[str, Any] | None:
    """A rating's values in the declared types; what does not fit is left out."""
    if not rating:
        return None
    out: dict[str, Any] = {}
    for field in form.get("fields", []):
        key, kind = field["key"], field.get("type")
        value = rating.get(key)
        if kind == "ordinal":
            special = _special_key(field)
            is_special = special is not None and value == field.get("allow_value")
            is_number = isinstance(value, int) and not isinstance(value, bool)
            out[key] = value if is_number else None
            if special:
                out[special] = True if is_special else (False if is_number else None)
        elif kind == "checklist":
            items = [item["key"] for item in field.get("items", [])]
            if not items:
                out[key] = json.dumps(value, ensure_ascii=False) if value else None
            elif isinstance(value, dict):
                out[key] = {item: (str(value[item]) if value.get(item) is not None else None)
                            for item in items}
            else:
                out[key] = None
        else:
            out[key] = value if isinstance(value, str) and value else (
                None if value in (None, "") else json.dumps(value, ensure_ascii=False))
    return out


def _span(span: dict[str, Any], text: str) -> dict[str, Any]:
    return {"layer": span["layer"], "label": span["label"], "start": span["start"],
            "end": span["end"], "text": span.get("text", text[span["start"]:span["end"]]),
            "note": span.get("note", ""),
            "attributes": json.dumps(span.get("attributes") or {}, ensure_ascii=False,
                                     sort_keys=True)}


def rows(record: dict[str, Any], ctx: ExportContext) -> list[dict[str, Any]]:
    """The rows of one document: one per annotator, then the gold key's."""
    text = record.get("text", "")
    document = {"document_id": record.get("id"),
                **{name: record.get(name) or "" for name in DOCUMENT_FIELDS},
                "text": text, "text_hash": record.get("text_hash", "")}
    passages = record.get("passages", [])
    names = set(record.get("annotators", {}))
    for passage in passages:
        names.update(passage.get("source_type", {}))
    owners: list[str | None] = sorted(names)
    if record.get("gold") or any(p.get("gold") for p in passages):
        owners.append(None)
    with_rating = bool(ctx.form.get("fields"))
    out = []
    for name in owners:
        work = (record.get("gold") if name is None else
                record.get("annotators", {}).get(name)) or {}
        row = {**document, "annotator": GOLD if name is None else name,
               "is_gold": name is None,
               "done": None if name is None else bool(work.get("done", False)),
               "spans": [_span(span, text) for span in work.get("spans", [])],
               "passages": [{"start": p["start"], "end": p["end"],
                             "label": p.get("gold") if name is None else
                             p.get("source_type", {}).get(name)} for p in passages]}
        if with_rating:
            row["rating"] = clean_rating(ctx.form, work.get("rating"))
        out.append(row)
    return out


def _rating_field(field: dict[str, Any]) -> str:
    """The card's line for one rating field."""
    key, kind = field["key"], field.get("type", "text")
    said = {"key": key, "name": field.get("name", key), "type": kind}
    if kind == "ordinal":
        low, high = field.get("scale", ["", ""])
        special = _special_key(field)
        if special:
            return _("  - `%(key)s` (%(name)s, %(type)s, %(low)s to %(high)s; `%(special)s` is "
                     "true where the rater chose '%(value)s', and `%(key)s` is then null)",
                     low=low, high=high, special=special, value=field["allow_value"], **said)
        return _("  - `%(key)s` (%(name)s, %(type)s, %(low)s to %(high)s)", low=low, high=high,
                 **said)
    if field.get("values"):
        return _("  - `%(key)s` (%(name)s, %(type)s: %(values)s)",
                 values=", ".join(str(v) for v in field["values"]), **said)
    return "  - `{key}` ({name}, {type})".format(**said)


def card(ctx: ExportContext, counts: Counter[str], layer_counts: Counter[str],
         languages: Counter[str] | None = None) -> str:
    """README.md: YAML front matter for the `datasets` library, then a description.

    `languages`: documents per language code ("" for those whose language is not known).
    """
    languages = languages or Counter()
    meta: dict[str, Any] = {
        "pretty_name": ctx.project_title or "Sourcemark annotations",
        # The Hub's card metadata: the languages of the texts (ISO 639-1).
        "language": sorted(code for code in languages if code),
        "task_categories": ["token-classification"],
        "tags": ["sourcemark", "span-annotation"],
        "configs": [{"config_name": "default", "default": True,
                     "data_files": [{"split": SPLIT, "path": DATA_FILE}]}],
        "dataset_info": {"config_name": "default", "features": features(ctx)},
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    # The front matter above is for programs and stays as it is; the prose below is in the
    # current language, with field names, values and code as written.
    title = ctx.project_title or _("Sourcemark annotations")
    lines = [
        "---", front.rstrip("\n"), "---", "",
        f"# {title}", "",
        _("Annotations exported from Sourcemark: texts annotated by source type, rhetoric and "
          "unsupported claims."), "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("path/to/this/folder")["train"]',
        "```", "",
        _("## Rows"), "",
        _("One row per document and annotator, and one per document for the gold key "
          "(`annotator` `%(gold)s`, `is_gold` true). `done` says whether the annotator marked "
          "the document finished (null for the gold key).", gold=GOLD), "",
        _("- %(documents)s, %(rows)s (%(gold)s gold), %(spans)s.",
          documents=ngettext("%(num)d document", "%(num)d documents", counts["documents"]),
          rows=ngettext("%(num)d row", "%(num)d rows", counts["rows"]),
          gold=counts["gold_rows"],
          spans=ngettext("%(num)d span", "%(num)d spans", counts["spans"])),
        _("- Languages (`language`, ISO 639-1): %(languages)s.",
          languages=language_list(languages)) if languages else
        _("- Languages (`language`, ISO 639-1): none."),
    ]
    layers = [k for k in ctx.layers if k in layer_counts]
    for layer in layers + sorted(k for k in layer_counts if k not in ctx.layers):
        lines.append(ngettext("- %(name)s (`%(layer)s`): %(num)d span.",
                              "- %(name)s (`%(layer)s`): %(num)d spans.", layer_counts[layer],
                              name=ctx.layer_names.get(layer, layer), layer=layer))
    lines += [
        "", _("## Fields"), "",
        _("- `spans`: the annotator's spans. `start` and `end` are code point offsets into "
          "`text` (Python string indexes, half-open: `text[start:end] == span.text`). "
          "`attributes` is a JSON object as a string."),
        _("- `passages`: every passage of the document (`start`, `end`) with this annotator's "
          "source type for it in `label` (null when not tagged)."),
    ]
    if ctx.form.get("fields"):
        lines.append(_("- `rating`: the document rating (null when not rated):"))
        lines += [_rating_field(field) for field in ctx.form["fields"]]
    lines += ["", _("## Labels"), "", _("| layer | label | name | definition | maps to |"),
              "|---|---|---|---|---|"]

    def cell(value: str) -> str:
        return " ".join(value.replace("|", "\\|").split())

    for (layer, key), meta_label in ctx.labels.items():
        maps = ", ".join(f"{k}: {v}" for k, v in sorted(meta_label.maps_to.items()))
        lines.append(f"| {cell(layer)} | `{key}` | {cell(meta_label.name)} | "
                     f"{cell(meta_label.definition)} | {cell(maps)} |")
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the zip: the data file streamed one document at a time, then the card with
    the counts."""
    counts: Counter[str] = Counter()
    layer_counts: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        # The size is unknown until the end: allow ZIP64 in case it passes 2 GiB.
        with archive.open(DATA_FILE, "w", force_zip64=True) as data:
            for record in records:
                counts["documents"] += 1
                languages[record.get("language") or ""] += 1
                for row in rows(record, ctx):
                    counts["rows"] += 1
                    counts["gold_rows"] += row["is_gold"]
                    counts["spans"] += len(row["spans"])
                    layer_counts.update(span["layer"] for span in row["spans"])
                    data.write(json.dumps(row, ensure_ascii=False,
                                          separators=(",", ":")).encode("utf-8"))
                    data.write(b"\n")
        archive.writestr("README.md", card(ctx, counts, layer_counts, languages))
