"""The Propaganda Techniques Corpus (PTC) layout of SemEval-2020 Task 11: plain-text
articles and tab-separated labels of propaganda techniques, rhetoric layer only.

The export is a zip with a folder per annotator (`gold/` for the gold key), in each an
`article<ID>.txt` (the document's text, `<ID>` its id) and an
`article<ID>.task-flc-tc.labels` beside it, the per-article labels file of the PTC's
technique classification task (the SemEval release names the same file
`article<ID>.task2-TC.labels`). The labels file has one span a line, four tab-separated
columns, as the PTC's README gives them:

    article id <TAB> technique <TAB> start (inclusive) <TAB> end (exclusive)
    1	Loaded_Language	48	64

Offsets are code points into the article (the task's scorers are Python and index the
article as a string). Techniques are the labels' `maps_to["ptc"]`, and only those among
the 14 classes of SemEval-2020 Task 11's technique classification (`TECHNIQUES`; the PTC
has 18 techniques, the task merged some and left out the rest, and its scorer refuses any
other name). Other layers are not exported, nor are spans of rhetoric labels without one
of the 14 classes; `README.txt` in the zip and the dataset card give the mapping and count
those left out per label. Only texts, the rhetoric spans' offsets and their labels
travel: notes, attributes, ratings and metadata do not (the article's id and file name come
back as `id` and `source_name`).

Several of our labels can share one PTC name, which is itself a merge of techniques
("Whataboutism,Straw_Men,Red_Herring"). Reading maps a PTC name to the first rhetoric label
in codebook order that has it, and where more than one does, keeps the PTC name in the
span's `import_label` attribute. Names are matched exactly, then ignoring case and with
spaces as underscores ("Loaded Language"); a name matched only loosely also keeps the
original in `import_label`.

`read` accepts this export, or the task's own layout: articles (`article<ID>.txt`) in one
folder and labels elsewhere, per article (`*.labels`, `*.labels.tsv`) or one file for all
articles (such as `train-task-flc-tc.labels`); that is one annotator, named after the zip.
Labels files in a folder with articles belong to the annotator of that folder. A labels
file of the span identification task (three columns, no technique) is a problem.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from typing import Any, BinaryIO

from flask_babel import gettext as _

from app.services.datasets.core import (
    GOLD,
    WHERE,
    ExportContext,
    FormatError,
    decode_strict,
    gather_locations,
    zip_entries,
)
from app.services.texts import Problem

NAME = "ptc"
EXTENSION = ".zip"
MEDIA_TYPE = "application/zip"

# SemEval-2020 Task 11's technique classes, as its scorer spells them.
TECHNIQUES = (
    "Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy", "Causal_Oversimplification", "Doubt",
    "Exaggeration,Minimisation", "Flag-Waving", "Loaded_Language", "Name_Calling,Labeling",
    "Repetition", "Slogans", "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)
LAYER = "rhetoric"
SCHEME = "ptc"
LABELS_SUFFIX = ".task-flc-tc.labels"
_ARTICLE = re.compile(r"article(\w+)\.txt")
_LABELS = ("labels", "labels.tsv")  # file name endings of labels files

Articles = dict[str, tuple[str, str]]  # article id -> (file, text)


# --- writing ---------------------------------------------------------------------------------

def _owners(record: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(folder, spans) for each annotator with work on a record, then the gold key.
    Passage tags are source types, so they do not matter here, but their annotators do."""
    names = set(record.get("annotators", {}))
    for passage in record.get("passages", []):
        names.update(passage.get("source_type", {}))
    owners = [(name, record.get("annotators", {}).get(name, {}).get("spans", []))
              for name in sorted(names)]
    if record.get("gold") or any(p.get("gold") for p in record.get("passages", [])):
        owners.append((GOLD, (record.get("gold") or {}).get("spans", [])))
    return owners


def technique(ctx: ExportContext, label: str) -> str | None:
    """The SemEval-2020 Task 11 class a rhetoric label is exported as, or None."""
    meta = ctx.labels.get((LAYER, label))
    name = meta.maps_to.get(SCHEME) if meta else None
    return name if name in TECHNIQUES else None


def mapping_lines(ctx: ExportContext) -> list[str]:
    """`label -> class` for every rhetoric label, for the README and the dataset card."""
    left_out = _("(left out: no SemEval-2020 class)")
    return [f"{key} -> {technique(ctx, key) or left_out}"
            for (layer, key) in ctx.labels if layer == LAYER]


def _readme(skipped: Counter[str], ctx: ExportContext) -> str:
    """README.txt, in the current language; paths, columns and class names as written."""
    title = (_("Propaganda Techniques Corpus (SemEval-2020 Task 11) layout, exported by "
               "Sourcemark from %(project)s.", project=ctx.project_title)
             if ctx.project_title else
             _("Propaganda Techniques Corpus (SemEval-2020 Task 11) layout, exported by "
               "Sourcemark."))
    # The paragraph keeps the line breaks of the English text: a translation sets its own.
    lines = [title,
             "",
             _("<annotator>/article<ID>.txt: the article; <annotator>/article<ID>"
               "%(suffix)s: its\nspans, tab-separated: article id, technique, start "
               "(inclusive), end (exclusive),\nin code points. gold/ holds the gold key.",
               suffix=LABELS_SUFFIX),
             ""]
    lines.append(_("Only rhetoric spans are exported, those whose label maps to one of the 14 "
                   "technique classes of SemEval-2020 Task 11:"))
    lines += [f"  {line}" for line in mapping_lines(ctx)]
    if skipped:
        lines.append(_("Rhetoric spans left out, their label having no SemEval-2020 class:"))
        lines += [f"  {label}: {count}" for label, count in sorted(skipped.items())]
    else:
        lines.append(_("No rhetoric span was left out."))
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict[str, Any]], out: BinaryIO, ctx: ExportContext) -> None:
    """Write the zip, each document's files as it comes; README.txt goes in last."""
    skipped: Counter[str] = Counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, record in enumerate(records):
            article = str(record["id"] if record.get("id") is not None else index + 1)
            text = record["text"]
            for folder, spans in _owners(record):
                rows = []
                for span in spans:
                    if span["layer"] != LAYER:
                        continue
                    name = technique(ctx, span["label"])
                    if not name:
                        skipped[span["label"]] += 1
                        continue
                    rows.append(f"{article}\t{name}\t{span['start']}\t{span['end']}\n")
                archive.writestr(f"{folder}/article{article}.txt", text.encode("utf-8"))
                archive.writestr(f"{folder}/article{article}{LABELS_SUFFIX}",
                                 "".join(rows).encode("utf-8"))
        archive.writestr("README.txt", _readme(skipped, ctx))


# --- reading ---------------------------------------------------------------------------------

def _loose(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip()).lower()


class _Techniques:
    """PTC names to rhetoric labels, first label in codebook order winning."""

    def __init__(self, ctx: ExportContext):
        self.exact: dict[str, list[str]] = {}
        for (layer, key), meta in ctx.labels.items():
            name = meta.maps_to.get(SCHEME)
            if layer == LAYER and name:
                self.exact.setdefault(name, []).append(key)
        self.loose = {_loose(name): name for name in self.exact}

    def label(self, technique: str) -> tuple[str, dict[str, Any]] | None:
        """(label key, attributes) for a PTC name, or None when no label has it."""
        name = technique if technique in self.exact else self.loose.get(_loose(technique))
        if name is None:
            return None
        keys = self.exact[name]
        keep = len(keys) > 1 or name != technique
        return keys[0], ({"import_label": technique} if keep else {})




def _entries(name: str, raw: bytes) -> dict[str, bytes]:
    return zip_entries(name, raw, lambda path, base: bool(_ARTICLE.fullmatch(base))
                       or base.lower().endswith(_LABELS))


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _rows(file: str, source: str, problems: list[Problem]
          ) -> list[tuple[int, str, str, int, int]]:
    """(line, article id, technique, start, end) of a labels file."""
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        columns = [column.strip() for column in line.split("\t")]
        if len(columns) == 3:
            problems.append(Problem(file, _("three columns: span identification labels have no "
                                            "technique; use the technique classification file"),
                                    number))
            continue
        if len(columns) != 4:
            problems.append(Problem(file, _("a line is article id, technique, start and end, "
                                            "separated by tabs (found %(count)s columns)",
                                            count=len(columns)),
                                    number))
            continue
        article, technique, start, end = columns
        if not (re.fullmatch(r"\d+", start) and re.fullmatch(r"\d+", end)):
            problems.append(Problem(file, _("start and end must be whole numbers"), number,
                                    "start" if not re.fullmatch(r"\d+", start) else "end"))
            continue
        out.append((number, article, technique, int(start), int(end)))
    return out


def _assign(articles: dict[str, Articles], labels_files: list[str], zip_stem: str
            ) -> dict[str, tuple[Articles, list[str]]]:
    """Annotator -> (their articles, their labels files). A labels file beside articles is
    the annotator's of that folder; one elsewhere (the task's own layout) labels the
    articles of folders without labels of their own, for one annotator named after the
    zip."""
    own = {_folder(p) for p in labels_files if _folder(p) in articles}
    shared = [p for p in labels_files if _folder(p) not in articles]
    work: dict[str, tuple[Articles, list[str]]] = {}
    for folder in sorted(own):
        annotator = folder.rsplit("/", 1)[-1] or zip_stem
        work[annotator] = (articles[folder], [p for p in labels_files if _folder(p) == folder])
    if shared or not own:
        pool: Articles = {}
        for folder, found in articles.items():
            if folder not in own:
                pool.update(found)
        work.setdefault(zip_stem, (pool, []))[1].extend(shared)
    return work


def _spans(file: str, source: str, docs: Articles, techniques: _Techniques,
           problems: list[Problem]) -> list[tuple[str, dict[str, Any]]]:
    """(article id, span) for each line of a labels file."""
    out = []
    single = re.match(r"article(\w+)\.", file.rsplit("/", 1)[-1])
    for number, article, technique, start, end in _rows(file, source, problems):
        if single and article != single[1]:
            problems.append(Problem(file, _("article id %(article)s in the labels of article "
                                            "%(value)s",
                                            article=article,
                                            value=single[1]), number, "article id"))
            continue
        if article not in docs:
            problems.append(Problem(file, _("no article%(article)s.txt for these labels",
                                            article=article), number,
                                    "article id"))
            continue
        label = techniques.label(technique)
        if label is None:
            problems.append(Problem(file, _("unknown technique '%(technique)s' (no rhetoric label "
                                            "maps to it)",
                                            technique=technique), number, "technique"))
            continue
        text = docs[article][1]
        if not 0 <= start < end <= len(text):
            problems.append(Problem(file, _("offsets %(start)s-%(end)s are outside the article "
                                            "(0-%(count)s) or empty",
                                            start=start, end=end,
                                            count=len(text)), number, "start"))
            continue
        out.append((article, {"layer": LAYER, "label": label[0], "start": start, "end": end,
                              "text": text[start:end], "note": "", "attributes": label[1],
                              WHERE: (file, number)}))
    return out


def read(name: str, raw: bytes, ctx: ExportContext) -> list[dict[str, Any]]:
    """Records from a PTC zip (see the module docstring)."""
    entries = _entries(name, raw)
    problems: list[Problem] = []
    articles: dict[str, Articles] = {}  # folder -> its articles
    for path, data in entries.items():
        match = _ARTICLE.fullmatch(path.rsplit("/", 1)[-1])
        if match:
            text = decode_strict(data, f"{name}/{path}", problems)
            if text is not None:
                articles.setdefault(_folder(path), {})[match[1]] = (f"{name}/{path}", text)
    if not articles:
        raise FormatError(problems or [Problem(name, _("the zip holds no article<ID>.txt files"))])
    labels_files = [path for path in entries if not _ARTICLE.fullmatch(path.rsplit("/", 1)[-1])]
    zip_stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "ptc"
    techniques = _Techniques(ctx)
    records: dict[str, dict[str, Any]] = {}
    for annotator, (docs, files) in _assign(articles, labels_files, zip_stem).items():
        spans: dict[str, list[dict[str, Any]]] = {article: [] for article in docs}
        for path in files:
            source = decode_strict(entries[path], f"{name}/{path}", problems, bom=True)
            if source is not None:
                for article, span in _spans(f"{name}/{path}", source, docs, techniques,
                                            problems):
                    spans[article].append(span)
        for article, found in spans.items():
            file, text = docs[article]
            record = records.setdefault(article, {"text": text,
                                                  "source_name": f"article{article}.txt",
                                                  "annotators": {}, WHERE: (file, None)})
            if article.isdigit():
                record.setdefault("id", int(article))
            if record["text"] != text:
                problems.append(Problem(file, _("article%(article)s.txt differs from the file of "
                                                "the same name in another folder",
                                                article=article)))
                continue
            found.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
            if annotator == GOLD:
                record["gold"] = {"spans": found, "rating": None}
            else:
                record["annotators"][annotator] = {"spans": found, "rating": None,
                                                   "done": False}
    for record in records.values():
        record["annotators"] = dict(sorted(record["annotators"].items()))
        gather_locations(record)
    if problems:
        raise FormatError(problems, list(records.values()))
    return list(records.values())
