"""Build the demo dataset `annotations/demo.jsonl` from the YAML sources in `annotations/demo/`.

The demo is the five seed texts annotated by three students (aigerim, daniyar, madina) and
a teacher's gold key, after the default codebook (`app/codebook/default.yaml`). Each seed has
one YAML file, `annotations/demo/<seed stem>.yaml`, written to be read and reviewed by people:

    document: 000_52683757a7824f21.txt
    passages:                     # gold source type of every passage, by index ranges
      0-4: news_report
      5: testimony
    deviations:                   # students' passage tags that differ from gold (null: untagged)
      daniyar: {7-8: news_report}
    done: {madina: false}         # default true
    segments:                     # whole-passage source spans (requotes, embedded pieces)
      - {passages: 8-11, label: forum_post, attributes: {is_requote: true}, by: [gold]}
    spans:
      - layer: rhetoric
        label: name_calling
        quote: 'saying "bandits" had sparked the riots'
        passage: 27               # optional: look for the quote inside this passage only
        occurrence: 1             # optional: the n-th match (inside the passage, if given)
        note: ...
        attributes: {...}
        by: [gold, aigerim]       # or "all"
        variants:                 # per-annotator changes: another quote, label, note ...
          daniyar: {quote: bandits}
    ratings:
      gold: {reliability: 5, slant: 0, ...}

Claim evidence items are written `{doc: 1, quote: "...", passage: 9}` (a span of seed `doc`,
1-based as the record ids) or `{url: "...", title: "..."}` and become the codebook's
`{kind: span, document_id, start, end}` / `{kind: url, url}` items.

Run `.venv/bin/python annotations/build_demo.py` from the repository root (or import `build`
and `write`). Every quote, label, attribute, nesting and rating is checked; the first problem
stops the build with the document and the quote it concerns.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.i18n.detect import detect  # noqa: E402
from app.services.documents import DocumentDraft, seed_drafts  # noqa: E402
from app.services.errors import Invalid  # noqa: E402
from app.services.ratings import clean_rating, missing_required  # noqa: E402
from app.services.texts import split_passages  # noqa: E402

SCHEMA = "sourcemark.document/1"
ANNOTATORS = ("aigerim", "daniyar", "madina")
GOLD = "gold"
WHO = (GOLD, *ANNOTATORS)
LAYERS = ("source", "rhetoric", "claim")
SOURCE_DIR = ROOT / "annotations" / "demo"
OUTPUT = ROOT / "annotations" / "demo.jsonl"
CODEBOOK = ROOT / "app" / "codebook" / "default.yaml"
SEEDS = ROOT / "seeds"
MAX_BYTES = 10_000_000

SPAN_KEYS = {"layer", "label", "quote", "passage", "occurrence", "note", "attributes", "by",
             "variants"}
VARIANT_KEYS = {"layer", "label", "quote", "passage", "occurrence", "note", "attributes"}
DOC_KEYS = {"document", "passages", "deviations", "done", "segments", "spans", "ratings"}


class DemoError(ValueError):
    """A problem in the YAML sources, naming the document and the quote."""


# --- the codebook ------------------------------------------------------------------------

class Codebook:
    """Labels, attributes and the rating form of the default codebook."""

    def __init__(self, path: Path = CODEBOOK):
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)["codebook"]
        self.key = data["key"]
        self.version = data["version"]
        self.form = data["document_form"]
        self.labels: dict[str, dict[str, dict]] = {}
        self.off: dict[str, set[str]] = {}
        self.attributes: dict[str, list[dict]] = {}
        self.max_depth: dict[str, int | None] = {}
        for layer in data["layers"]:
            key = layer["key"]
            self.labels[key] = {spec["key"]: spec for spec in layer.get("labels", [])
                                if spec.get("enabled_by_default", True)}
            self.off[key] = {spec["key"] for spec in layer.get("labels", [])
                             if not spec.get("enabled_by_default", True)}
            self.off[key] |= {spec["key"] for spec in
                              layer.get("extended_labels_off_by_default", [])}
            self.attributes[key] = [a for a in layer.get("attributes", [])
                                    if a.get("type") != "derived" and a["key"] != "note"]
            self.max_depth[key] = layer.get("max_depth")

    def check_label(self, layer: str, label: str, where: str) -> None:
        if layer not in self.labels:
            raise DemoError(f"{where}: unknown layer '{layer}' (use {', '.join(LAYERS)})")
        if label in self.off[layer]:
            raise DemoError(f"{where}: the label '{label}' of layer '{layer}' is off in the "
                            "default codebook; use an active label")
        if label not in self.labels[layer]:
            raise DemoError(f"{where}: layer '{layer}' has no label '{label}' (it has "
                            f"{', '.join(self.labels[layer])})")


# --- one document ------------------------------------------------------------------------

def _indices(key: Any, count: int, where: str) -> list[int]:
    """Passage indices from a YAML key: 7, "7", "7-9" or "7, 9-11"."""
    out: list[int] = []
    for part in str(key).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise DemoError(f"{where}: '{key}' is not a passage index or range like 7-9")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 0 <= first <= last < count:
            raise DemoError(f"{where}: passages '{part}' are not inside 0..{count - 1}")
        out.extend(range(first, last + 1))
    return out


class Document:
    def __init__(self, number: int, draft: DocumentDraft, source: dict, codebook: Codebook,
                 texts: dict[int, str], passages_of: dict[int, list[tuple[int, int]]]):
        self.number = number
        self.draft = draft
        self.text = draft.text
        self.passages = split_passages(self.text)
        self.source = source
        self.codebook = codebook
        self.texts = texts              # every seed's text by record id, for evidence
        self.passages_of = passages_of
        self.name = draft.source_name

    # quotes -----------------------------------------------------------------------------

    def find(self, quote: Any, passage: Any = None, occurrence: Any = 1, *,
             doc: int | None = None, where: str = "") -> tuple[int, int]:
        """Code-point offsets of the `occurrence`-th match of `quote` (inside `passage`)."""
        doc = doc or self.number
        text = self.texts.get(doc)
        label = f"{self.name}{where}"
        if text is None:
            raise DemoError(f"{label}: there is no seed document {doc}")
        if not isinstance(quote, str) or not quote:
            raise DemoError(f"{label}: a span needs a quote")
        if quote != quote.strip():
            raise DemoError(f"{label}: the quote {quote!r} starts or ends with white space")
        if not isinstance(occurrence, int) or occurrence < 1:
            raise DemoError(f"{label}: occurrence is a whole number from 1")
        low, high = 0, len(text)
        if passage is not None:
            bounds = self.passages_of[doc]
            if not isinstance(passage, int) or not 0 <= passage < len(bounds):
                raise DemoError(f"{label}: document {doc} has no passage {passage!r}")
            low, high = bounds[passage]
        found, start = 0, low
        while True:
            index = text.find(quote, start, high)
            if index < 0:
                inside = f" in passage {passage}" if passage is not None else ""
                if found:
                    raise DemoError(f"{label}: the quote {quote!r} occurs {found} time(s)"
                                    f"{inside}, not {occurrence}")
                raise DemoError(f"{label}: the quote {quote!r} is not in document {doc}"
                                f"{inside}")
            found += 1
            if found == occurrence:
                return index, index + len(quote)
            start = index + 1

    # passages ---------------------------------------------------------------------------

    def passage_tags(self) -> tuple[list[str], dict[str, list[str | None]]]:
        count = len(self.passages)
        gold: list[str | None] = [None] * count
        for key, label in (self.source.get("passages") or {}).items():
            where = f"{self.name}, passages {key}"
            self.codebook.check_label("source", label, where)
            for index in _indices(key, count, where):
                if gold[index] is not None:
                    raise DemoError(f"{where}: passage {index} is given twice")
                gold[index] = label
        missing = [i for i, label in enumerate(gold) if label is None]
        if missing:
            raise DemoError(f"{self.name}: the gold key leaves passages untagged: {missing}")
        students: dict[str, list[str | None]] = {}
        deviations = self.source.get("deviations") or {}
        unknown = set(deviations) - set(ANNOTATORS)
        if unknown:
            raise DemoError(f"{self.name}: deviations for unknown annotators {sorted(unknown)}")
        for name in ANNOTATORS:
            tags: list[str | None] = list(gold)
            seen: set[int] = set()
            for key, label in (deviations.get(name) or {}).items():
                where = f"{self.name}, {name}'s passages {key}"
                if label is not None:
                    self.codebook.check_label("source", label, where)
                for index in _indices(key, count, where):
                    if index in seen:
                        raise DemoError(f"{where}: passage {index} is given twice")
                    seen.add(index)
                    if label == gold[index]:
                        raise DemoError(f"{where}: passage {index} is '{label}' in gold "
                                        "too; a deviation must differ")
                    tags[index] = label
            students[name] = tags
        return gold, students  # type: ignore[return-value]

    # attributes -------------------------------------------------------------------------

    def attributes(self, layer: str, label: str, given: Any, where: str) -> dict[str, Any]:
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise DemoError(f"{where}: attributes is a mapping")
        definitions = {d["key"]: d for d in self.codebook.attributes[layer]}
        unknown = sorted(set(given) - set(definitions))
        if unknown:
            raise DemoError(f"{where}: layer '{layer}' has no attribute '{unknown[0]}' "
                            f"(it has {', '.join(definitions)})")
        out: dict[str, Any] = {}
        for key, definition in definitions.items():      # the codebook's order
            if key not in given or given[key] is None or given[key] == "":
                continue
            value, kind = given[key], definition.get("type")
            if kind == "enum":
                if value not in definition.get("values", []):
                    raise DemoError(f"{where}: attribute '{key}' is one of "
                                    f"{', '.join(definition['values'])}, not {value!r}")
            elif kind == "text":
                limit = definition.get("max_length", 300)
                if not isinstance(value, str) or len(value) > limit:
                    raise DemoError(f"{where}: attribute '{key}' is text of at most {limit} "
                                    "characters")
                value = " ".join(value.split())
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise DemoError(f"{where}: attribute '{key}' is true or false")
                if not value:
                    continue
            elif kind == "list":
                if not isinstance(value, list) or not value or len(value) > 20:
                    raise DemoError(f"{where}: attribute '{key}' is a list of 1 to 20 items")
                value = [self.evidence(item, f"{where}, {key}") for item in value]
            else:
                raise DemoError(f"{where}: attribute '{key}' has a type ({kind}) the demo "
                                "builder does not know")
            out[key] = value
        requires = self.codebook.labels[layer][label].get("requires") or {}
        if len(out.get("evidence", [])) < requires.get("evidence_min", 0):
            raise DemoError(f"{where}: the label '{label}' needs at least "
                            f"{requires['evidence_min']} evidence item(s)")
        return out

    def evidence(self, item: Any, where: str) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise DemoError(f"{where}: an evidence item is a mapping")
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or len(title) > 300):
            raise DemoError(f"{where}: an evidence title is text of at most 300 characters")
        if "url" in item:
            if set(item) - {"url", "title", "accessed"}:
                raise DemoError(f"{where}: a URL item has url, title and accessed")
            url = item["url"]
            if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
                raise DemoError(f"{where}: {url!r} is not an http(s) address")
            out: dict[str, Any] = {"kind": "url", "url": url}
            if title:
                out["title"] = title
            if item.get("accessed"):
                out["accessed"] = str(item["accessed"])
            return out
        if set(item) - {"doc", "quote", "passage", "occurrence", "title"}:
            raise DemoError(f"{where}: a span item has doc, quote, passage, occurrence, title")
        doc = item.get("doc", self.number)
        start, end = self.find(item.get("quote"), item.get("passage"),
                               item.get("occurrence", 1), doc=doc,
                               where=f"{where.removeprefix(self.name)} (evidence)")
        out = {"kind": "span", "document_id": doc, "start": start, "end": end}
        if title:
            out["title"] = title
        return out

    # spans ------------------------------------------------------------------------------

    def spans(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {who: [] for who in WHO}
        for number, entry in enumerate(self.source.get("segments") or [], start=1):
            where = f"{self.name}, segment #{number}"
            if not isinstance(entry, dict) or set(entry) - {"passages", "label", "note",
                                                           "attributes", "by"}:
                raise DemoError(f"{where}: a segment has passages, label, note, attributes, by")
            label = entry.get("label")
            self.codebook.check_label("source", label, where)
            attributes = {"role": "segment", **(entry.get("attributes") or {})}
            attributes = self.attributes("source", label, attributes, where)
            for who in self._by(entry.get("by"), where):
                for index in _indices(entry.get("passages"), len(self.passages), where):
                    start, end = self.passages[index]
                    out[who].append(self._span("source", label, start, end,
                                               entry.get("note"), attributes))
        for number, entry in enumerate(self.source.get("spans") or [], start=1):
            quote = entry.get("quote") if isinstance(entry, dict) else None
            where = f"{self.name}, span #{number} ({quote!r})"
            if not isinstance(entry, dict) or set(entry) - SPAN_KEYS:
                raise DemoError(f"{where}: unknown keys {sorted(set(entry) - SPAN_KEYS)}")
            variants = entry.get("variants") or {}
            by = self._by(entry.get("by"), where)
            if set(variants) - set(by):
                raise DemoError(f"{where}: variants for annotators not in 'by': "
                                f"{sorted(set(variants) - set(by))}")
            for who in by:
                spec = {k: v for k, v in entry.items() if k in VARIANT_KEYS}
                change = variants.get(who) or {}
                if set(change) - VARIANT_KEYS:
                    raise DemoError(f"{where}: {who}'s variant has unknown keys "
                                    f"{sorted(set(change) - VARIANT_KEYS)}")
                if "quote" in change and "passage" not in change and "occurrence" not in change:
                    spec.pop("occurrence", None)
                spec.update(change)
                here = f"{where}, {who}" if change else where
                layer, label = spec.get("layer"), spec.get("label")
                self.codebook.check_label(layer, label, here)
                start, end = self.find(spec.get("quote"), spec.get("passage"),
                                       spec.get("occurrence", 1),
                                       where=here.removeprefix(self.name))
                attributes = self.attributes(layer, label, spec.get("attributes"), here)
                out[who].append(self._span(layer, label, start, end, spec.get("note"),
                                           attributes))
        for who, spans in out.items():
            self._check_spans(who, spans)
            spans.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
        return out

    def _by(self, by: Any, where: str) -> list[str]:
        if by == "all":
            return list(WHO)
        if not isinstance(by, list) or not by or any(b not in WHO for b in by) or \
                len(set(by)) != len(by):
            raise DemoError(f"{where}: 'by' is 'all' or a list of {', '.join(WHO)}")
        return by

    def _span(self, layer: str, label: str, start: int, end: int, note: Any,
              attributes: dict[str, Any]) -> dict[str, Any]:
        if note is not None and not isinstance(note, str):
            raise DemoError(f"{self.name}: a note is text ({note!r})")
        return {"layer": layer, "label": label, "start": start, "end": end,
                "text": self.text[start:end], "note": " ".join((note or "").split()),
                "attributes": attributes}

    def _check_spans(self, who: str, spans: list[dict[str, Any]]) -> None:
        seen = set()
        for span in spans:
            key = (span["layer"], span["label"], span["start"], span["end"])
            if key in seen:
                raise DemoError(f"{self.name}: {who} has the {span['layer']} span "
                                f"'{span['label']}' on {span['text']!r} twice")
            seen.add(key)
        sources = sorted(((s["start"], s["end"], s["text"]) for s in spans
                          if s["layer"] == "source"), key=lambda r: (r[0], -r[1]))
        for start, end, text in sources:
            if not any(ps <= start and end <= pe for ps, pe in self.passages):
                raise DemoError(f"{self.name}: {who}'s source span {text[:60]!r} does not "
                                "lie inside one passage")
        for i, (start, end, text) in enumerate(sources):
            for other_start, other_end, other in sources[i + 1:]:
                if other_start >= end:
                    break
                if (other_start, other_end) == (start, end):
                    raise DemoError(f"{self.name}: {who} has two source spans on {text!r}")
                if other_end > end:
                    raise DemoError(f"{self.name}: {who}'s source spans {text[:50]!r} and "
                                    f"{other[:50]!r} cross")
        limit = (self.codebook.max_depth["source"] or 3) - 1
        stack: list[int] = []
        for start, end, text in sources:
            while stack and stack[-1] <= start:
                stack.pop()
            stack.append(end)
            if len(stack) > limit:
                raise DemoError(f"{self.name}: {who}'s source span {text[:50]!r} nests deeper "
                                f"than {limit} inside its passage")

    # ratings ----------------------------------------------------------------------------

    def rating(self, who: str, done: bool) -> dict[str, Any] | None:
        values = (self.source.get("ratings") or {}).get(who)
        where = f"{self.name}, {who}'s rating"
        if values is None:
            if done:
                raise DemoError(f"{where}: a finished document needs a rating")
            return None
        try:
            cleaned = clean_rating(self.codebook.form, values)
        except Invalid as exc:
            raise DemoError(f"{where}: {exc.message}") from None
        missing = missing_required(self.codebook.form, cleaned)
        if missing and done:
            raise DemoError(f"{where}: fill in {', '.join(missing)}")
        fields = [f["key"] for f in self.codebook.form["fields"]]
        ordered = {key: cleaned[key] for key in fields if key in cleaned}
        if isinstance(ordered.get("transparency"), dict):
            items = [i["key"] for f in self.codebook.form["fields"]
                     if f["key"] == "transparency" for i in f["items"]]
            ordered["transparency"] = {k: ordered["transparency"][k] for k in items
                                       if k in ordered["transparency"]}
        return ordered

    # the record -------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        unknown = set(self.source) - DOC_KEYS
        if unknown:
            raise DemoError(f"{self.name}: unknown top-level keys {sorted(unknown)}")
        gold_tags, student_tags = self.passage_tags()
        spans = self.spans()
        done = self.source.get("done") or {}
        if set(done) - set(ANNOTATORS) or any(not isinstance(v, bool) for v in done.values()):
            raise DemoError(f"{self.name}: 'done' maps annotators to true/false")
        passages = []
        for index, (start, end) in enumerate(self.passages):
            tagged = {name: student_tags[name][index] for name in ANNOTATORS
                      if student_tags[name][index] is not None}
            passages.append({"start": start, "end": end, "source_type": tagged,
                             "gold": gold_tags[index]})
        annotators = {}
        for name in ANNOTATORS:
            finished = done.get(name, True)
            if finished and any(tag is None for tag in student_tags[name]):
                raise DemoError(f"{self.name}: {name} left passages untagged but is done")
            annotators[name] = {"done": finished, "spans": spans[name],
                                "rating": self.rating(name, finished)}
        draft = self.draft
        return {
            "schema": SCHEMA,
            "id": self.number,
            "title": draft.title,
            "publisher": draft.publisher,
            "author": draft.author,
            "published": draft.published,
            "url": draft.url,
            "source_name": draft.source_name,
            "notes": draft.notes,
            # As the importer detects it, so that the loaded demo exports the same bytes.
            "language": detect(self.text) or None,
            "text": self.text,
            "text_hash": "sha256:" + draft.sha256,
            "offset_unit": "codepoint",
            "codebook": {"key": self.codebook.key, "version": self.codebook.version},
            "passages": passages,
            "annotators": annotators,
            "gold": {"spans": spans[GOLD], "rating": self.rating(GOLD, True)},
        }


# --- the dataset -------------------------------------------------------------------------

def build(source_dir: Path = SOURCE_DIR, seeds_dir: Path = SEEDS,
          codebook_path: Path = CODEBOOK) -> list[dict[str, Any]]:
    """The demo records, one per seed in manifest order; raises DemoError on any problem."""
    codebook = Codebook(codebook_path)
    drafts = seed_drafts(seeds_dir, MAX_BYTES)
    texts = {number: d.text for number, d in enumerate(drafts, start=1)}
    passages_of = {number: split_passages(text) for number, text in texts.items()}
    stems = {Path(d.source_name).stem for d in drafts}
    extra = sorted(p.name for p in source_dir.glob("*.yaml") if p.stem not in stems)
    if extra:
        raise DemoError(f"YAML files for no seed: {', '.join(extra)}")
    records = []
    for number, draft in enumerate(drafts, start=1):
        path = source_dir / f"{Path(draft.source_name).stem}.yaml"
        if not path.exists():
            raise DemoError(f"{draft.source_name}: no annotations ({path.name} is missing)")
        try:
            with path.open(encoding="utf-8") as handle:
                source = yaml.safe_load(handle) or {}
        except yaml.YAMLError as exc:
            raise DemoError(f"{path.name}: not valid YAML ({exc})") from None
        if source.get("document") != draft.source_name:
            raise DemoError(f"{path.name}: 'document' must be {draft.source_name!r}")
        records.append(Document(number, draft, source, codebook, texts, passages_of).record())
    return records


def dumps(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
                   + "\n" for r in records)


def write(records: list[dict[str, Any]], path: Path = OUTPUT) -> None:
    path.write_text(dumps(records), encoding="utf-8")


def main() -> int:
    try:
        records = build()
    except DemoError as exc:
        print(f"build_demo: {exc}", file=sys.stderr)
        return 1
    write(records)
    spans = sum(len(w["spans"]) for r in records for w in [*r["annotators"].values(), r["gold"]])
    print(f"Wrote {OUTPUT.relative_to(ROOT)}: {len(records)} documents, "
          f"{sum(len(r['passages']) for r in records)} passages, {spans} spans.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
