"""Every export read back by the ecosystem's own readers (`datasets`, seqeval) or, where a
format has none light enough to install, by a strict reader written from its spec (brat
standoff, PTC, the CoNLL-2003 loader, Label Studio's config); on a corpus of what breaks
offsets: emoji and ZWJ sequences, flags, combining accents, right-to-left text, U+2028 and
a tab inside a span. No app, no database."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from app.services.datasets.core import SCHEMA, LabelMeta, all_spans, text_hash
from app.services.datasets.formats import brat, conll, conll_space, doccano, hf, labelstudio, ptc
from tests.datasets.sample import sample_context, unzip_text

LINES = ["Police \U0001F46E\u200d\u2640\ufe0f said 14 died \U0001F62D.",
         "Flags: \U0001F1F0\U0001F1FF and \U0001F1FA\U0001F1E6 flew over the square.",
         "Caf\u00e9 q\u0323\u0307 owners were \u201cbandits\u201d, the forum said.",
         "\u05d4\u05dd \u05d0\u05de\u05e8\u05d5 \u201c\u05e9\u05e7\u05e8\u201d, "
         "\u0627\u0644\u0634\u0631\u0637\u0629 \u0642\u0627\u0644\u062a\u2028line two\t"
         "after a tab."]
TEXT = "\n".join(LINES)


def _span(layer: str, label: str, needle: str, **attributes) -> dict:
    start = TEXT.index(needle)
    return {"layer": layer, "label": label, "start": start, "end": start + len(needle),
            "text": needle, "note": "", "attributes": attributes}


def corpus() -> list[dict]:
    """One document whose spans sit on every kind of character that other tools count
    differently."""
    passages, start = [], 0
    for line in LINES:
        passages.append({"start": start, "end": start + len(line),
                         "source_type": {"aigerim": "news_report"}, "gold": "news_report"})
        start += len(line) + 1
    spans = [
        _span("source", "official_statement",
              "Police \U0001F46E\u200d\u2640\ufe0f said 14 died", role="voice"),
        _span("rhetoric", "loaded_language", "\U0001F46E\u200d\u2640\ufe0f said 14 died "
              "\U0001F62D"),
        _span("rhetoric", "name_calling", "\U0001F1F0\U0001F1FF and \U0001F1FA\U0001F1E6"),
        _span("claim", "claim.no_source", "Caf\u00e9 q\u0323\u0307 owners"),
        _span("rhetoric", "loaded_language", "\u201cbandits\u201d"),
        _span("rhetoric", "slogan", "\u201c\u05e9\u05e7\u05e8\u201d"),
        _span("claim", "claim.vague_source",
              "\u0642\u0627\u0644\u062a\u2028line two\tafter"),
    ]
    spans.sort(key=lambda s: (s["start"], -s["end"], s["layer"], s["label"]))
    gold = [dict(s) for s in spans if s["layer"] == "rhetoric"]
    return [{"schema": SCHEMA, "id": 5, "title": "Corpus", "publisher": "", "author": "",
             "published": "", "url": "", "source_name": "corpus.txt", "notes": "",
             "text": TEXT, "text_hash": text_hash(TEXT), "offset_unit": "codepoint",
             "codebook": {"key": "media-literacy-default", "version": 1},
             "passages": passages,
             "annotators": {"aigerim": {"done": True, "rating": None, "spans": spans}},
             "gold": {"rating": None, "spans": gold}}]


def written(module, ctx=None) -> bytes:
    out = io.BytesIO()
    module.write(iter(corpus()), out, ctx or sample_context())
    return out.getvalue()


def expected(annotator: str | None) -> set[tuple[str, str]]:
    """(label, text) of every span and passage tag of an annotator (None: gold)."""
    return {(s["label"], s["text"]) for s in all_spans(corpus()[0], annotator)}


# --- doccano: offsets as JavaScript (doccano's frontend) counts them -----------------------

def js_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def test_doccano_export_lands_on_the_same_text_in_utf16():
    for name, body in unzip_text(written(doccano)).items():
        if not name.endswith(".jsonl"):
            continue
        annotator = None if name == "gold.jsonl" else name[:-len(".jsonl")]
        (line,) = [json.loads(x) for x in body.splitlines()]
        got = {(label, js_slice(line["text"], start, end))
               for start, end, label in line["label"]}
        assert got == expected(annotator)


# --- Hugging Face: the real `datasets` library ---------------------------------------------

def test_hf_export_loads_with_datasets_and_offsets_are_python_indices(tmp_path, monkeypatch):
    for key, value in (("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1"),
                       ("HF_HOME", str(tmp_path / "home")),
                       ("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")):
        monkeypatch.setenv(key, value)
    datasets = pytest.importorskip("datasets")
    with zipfile.ZipFile(io.BytesIO(written(hf))) as archive:
        archive.extractall(tmp_path / "ds")
    rows = datasets.load_dataset(str(tmp_path / "ds"), cache_dir=str(tmp_path / "cache"))
    for row in rows["train"]:
        assert row["text"] == TEXT
        annotator = None if row["is_gold"] else row["annotator"]
        got = {(s["label"], row["text"][s["start"]:s["end"]]) for s in row["spans"]}
        got |= {(p["label"], row["text"][p["start"]:p["end"]]) for p in row["passages"]
                if p["label"]}
        assert got == expected(annotator)


# --- CoNLL: the CoNLL-2003 loader's reading, then seqeval ----------------------------------

def conll2003_documents(body: str, separator: str, columns: int
                        ) -> list[list[list[list[str]]]]:
    """Documents of sentences of token rows, read the way the Hugging Face `conll2003`
    script reads a file (a line split on the separator, `-DOCSTART-` starting a document,
    a blank line ending a sentence), strictly: every row must have `columns` columns."""
    documents: list[list[list[list[str]]]] = []
    sentence: list[list[str]] = []
    for line in body.split("\n"):
        if not line.strip():
            if sentence:
                documents[-1].append(sentence)
                sentence = []
            continue
        row = line.split(separator)
        assert len(row) == columns, line
        if row[0] == "-DOCSTART-":
            documents.append([])
            continue
        sentence.append(row)
    assert not sentence
    return documents


@pytest.mark.parametrize("module,separator", [(conll, "\t"), (conll_space, " ")])
def test_conll_reads_as_conll2003_and_its_tags_are_strict_iob2(module, separator):
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import IOB2, Entities

    ctx = sample_context()
    tokens = conll.tokenize(TEXT)
    files = unzip_text(written(module))
    for name, body in files.items():
        if not name.endswith(".conll"):
            continue
        (document,) = conll2003_documents(body, separator, 1 + len(ctx.layers))
        rows = [row for sentence in document for row in sentence]
        # Every visible character is in a token, each token where tokenize found it.
        assert [row[0] for row in rows] == [TEXT[s:e] for s, e in tokens]
        assert "".join(row[0] for row in rows) == re.sub(r"\s", "", TEXT)
        annotator = None if name == "gold.conll" else name[:-len(".conll")]
        wanted = expected(annotator)
        for column, layer in enumerate(ctx.layers, start=1):
            sentences = [[row[column] for row in sentence] for sentence in document]
            Entities(sentences, IOB2)  # raises on a tag that is not strict IOB2
            # One sequence, sentences apart by an "O", and each tag's token offsets.
            flat = [tag for sentence in sentences for tag in sentence + ["O"]]
            where: list[tuple[int, int] | None] = []
            for sentence in document:
                where += tokens[len([w for w in where if w]):][:len(sentence)] + [None]
            for label, first, last in get_entities(flat):
                text = TEXT[where[first][0]:where[last][1]]
                # A chunk is a whole span, or the part of a span within one passage.
                assert any(key == label and text in span_text
                           for key, span_text in wanted), (name, layer, label, text)


# --- brat: a strict standoff reader from brat's documentation ------------------------------

BRAT_T = re.compile(r"T\d+\t([A-Za-z0-9_-]+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)", re.DOTALL)


def read_standoff(txt: str, ann: str, conf: str) -> set[tuple[str, str]]:
    """(type, text) of every text-bound annotation, after checking what brat checks: the
    id, type and offsets syntax, each fragment inside one line of the text, the stored
    text equal to the fragments joined by a space, every type declared in
    annotation.conf, and attributes and notes pointing at an annotation."""
    declared = {line.strip().lstrip("!") for line in conf.split("[relations]")[0].splitlines()
                if line.strip() and not line.startswith(("#", "["))}
    found, ids = set(), set()
    for line in ann.split("\n"):
        if not line:
            continue
        if line.startswith("T"):
            match = BRAT_T.fullmatch(line)
            assert match, line
            kind, where, text = match.groups()
            pieces = [tuple(map(int, p.split())) for p in where.split(";")]
            for start, end in pieces:
                assert 0 <= start < end <= len(txt)
                assert not set(txt[start:end]) & set(brat.LINE_BREAKS), line
            assert " ".join(txt[s:e] for s, e in pieces) == text
            assert kind in declared, kind
            ids.add(line.split("\t")[0])
            found.add((brat.from_brat_name(kind), txt[pieces[0][0]:pieces[-1][1]]))
        else:
            ident, data = line.split("\t")[:2]
            assert re.fullmatch(r"[A#]\d+", ident), line
            assert data.split(" ")[1] in ids, line
    return found


def test_brat_export_passes_a_strict_standoff_reader():
    files = unzip_text(written(brat))
    conf = files["annotation.conf"]
    for name, ann in files.items():
        if not name.endswith(".ann"):
            continue
        txt = files[name[:-4] + ".txt"]
        assert txt == TEXT  # brat reads the .txt as UTF-8 and counts code points
        folder = name.split("/")[0]
        got = read_standoff(txt, ann, conf)
        assert got == expected(None if folder == "gold" else folder)


# --- PTC: the SemEval-2020 Task 11 technique-classification files --------------------------

# The task's 14 technique classes, as its scorer spells them (Da San Martino et al. 2020).
SEMEVAL_2020_TC = {
    "Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy", "Causal_Oversimplification", "Doubt",
    "Exaggeration,Minimisation", "Flag-Waving", "Loaded_Language", "Name_Calling,Labeling",
    "Repetition", "Slogans", "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring"}


def test_ptc_export_passes_a_strict_task_reader():
    ctx = sample_context()
    # A PTC technique the task merged away: its spans must not reach the scorer.
    ctx.labels[("rhetoric", "slogan")] = LabelMeta(
        "rhetoric", "slogan", "Vague", maps_to={"ptc": "Obfuscation,Intentional_Vagueness,"
                                                       "Confusion"})
    files = unzip_text(written(ptc, ctx))
    gold = {(s["label"], s["text"]) for s in corpus()[0]["gold"]["spans"]}
    for name, body in files.items():
        match = re.fullmatch(r"(\w+)/article(\d+)\.task-flc-tc\.labels", name)
        if not match:
            continue
        article = files[f"{match[1]}/article{match[2]}.txt"]
        rows = [line.split("\t") for line in body.splitlines()]
        for article_id, technique, start, end in rows:
            assert article_id == match[2] and technique in SEMEVAL_2020_TC, technique
            assert 0 <= int(start) < int(end) <= len(article)
        if match[1] == "gold":
            got = {(technique, article[int(start):int(end)]) for _, technique, start, end in rows}
            names = {"loaded_language": "Loaded_Language", "name_calling": "Name_Calling,Labeling"}
            assert got == {(names[key], text) for key, text in gold if key in names}


# --- Label Studio: tasks that match the labeling config ------------------------------------

def test_label_studio_tasks_match_the_labeling_config():
    ctx = sample_context()
    config = ET.fromstring(labelstudio.labeling_config(ctx))
    (text_tag,) = config.iter("Text")
    controls = {tag.get("name"): tag for tag in config if tag.get("toName")}
    tasks = json.loads(written(labelstudio))
    for task in tasks:
        text = task["data"][text_tag.get("value").lstrip("$")]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                control = controls[result["from_name"]]
                assert result["to_name"] == text_tag.get("name")
                assert result["type"] == control.tag.lower()
                if result["type"] == "labels":
                    values = {label.get("value") for label in control}
                    assert set(result["value"]["labels"]) <= values
                    start, end = result["value"]["start"], result["value"]["end"]
                    assert text[start:end] == result["value"]["text"]
