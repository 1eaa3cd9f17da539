"""The CoNLL writer: tokens, sentences, valid IOB2 per layer, overlap counts, the zip."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.datasets.formats import conll
from tests.datasets.sample import TEXT_A, sample_context, sample_records

LAYERS = ["source", "rhetoric", "claim"]


def export(records: list[dict]) -> zipfile.ZipFile:
    out = io.BytesIO()
    conll.write(iter(records), out, sample_context())
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def parse(content: str) -> list[list[list[list[str]]]]:
    """Documents -> sentences -> token rows ([token, tag, ...]), checking the layout."""
    documents: list[list[list[list[str]]]] = []
    sentence: list[list[str]] = []
    lines = content.split("\n")
    assert lines[-1] == ""  # ends with a newline
    for line in lines[:-1]:
        if line.startswith(conll.DOCSTART):
            assert not sentence
            assert line == "\t".join([conll.DOCSTART] + ["O"] * len(LAYERS))
            documents.append([])
        elif line == "":
            if sentence:
                documents[-1].append(sentence)
                sentence = []
        else:
            row = line.split("\t")
            assert len(row) == 1 + len(LAYERS), line
            assert row[0] and not any(c.isspace() for c in row[0])
            sentence.append(row)
    assert not sentence  # the last sentence is closed by a blank line
    return documents


def assert_iob2(documents: list[list[list[list[str]]]]) -> None:
    for document in documents:
        for sentence in document:
            for column in range(1, 1 + len(LAYERS)):
                previous = "O"
                for row in sentence:
                    tag = row[column]
                    assert tag == "O" or tag[:2] in ("B-", "I-"), tag
                    if tag.startswith("I-"):
                        assert previous != "O" and previous[2:] == tag[2:], (previous, tag)
                    previous = tag


def documents_index(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read("documents.tsv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def test_zip_layout_and_documents_index():
    archive = export(sample_records())
    assert archive.namelist() == ["README.txt", "documents.tsv", "aigerim.conll",
                                  "daniyar.conll", "gold.conll"]
    index = documents_index(archive)
    assert [(r["file"], r["position"], r["document_id"], r["done"]) for r in index] == [
        ("aigerim.conll", "1", "1", "true"), ("daniyar.conll", "1", "1", "false"),
        ("gold.conll", "1", "1", ""), ("aigerim.conll", "2", "2", "true")]
    for name in ("aigerim.conll", "daniyar.conll", "gold.conll"):
        documents = parse(archive.read(name).decode("utf-8"))
        assert len(documents) == sum(r["file"] == name for r in index)


def test_tokens_rebuild_the_text_and_tags_are_iob2():
    records = {str(r["id"]): r for r in sample_records()}
    archive = export(list(records.values()))
    index = documents_index(archive)
    for name in ("aigerim.conll", "daniyar.conll", "gold.conll"):
        documents = parse(archive.read(name).decode("utf-8"))
        assert_iob2(documents)
        rows = [r for r in index if r["file"] == name]
        for document, row in zip(documents, rows, strict=True):
            text = records[row["document_id"]]["text"]
            tokens = [t[0] for sentence in document for t in sentence]
            assert "".join(tokens) == "".join(text.split())
            # one sentence per passage (lines here)
            assert len(document) == len([line for line in text.split("\n") if line.strip()])


def test_emoji_and_combining_marks_stay_whole():
    archive = export(sample_records())
    tokens = [t[0] for d in parse(archive.read("aigerim.conll").decode("utf-8"))
              for s in d for t in s]
    assert "\U0001F46E\u200d\u2640\ufe0f" in tokens
    assert "\U0001F62D" in tokens
    assert TEXT_A[TEXT_A.index("q"):TEXT_A.index("!")] in tokens  # q + two marks
    assert not any(unicodedata.category(t[0]).startswith("M") or t[0] == "\u200d"
                   for t in tokens)


def test_innermost_source_and_overlap_counts():
    archive = export(sample_records())
    document = parse(archive.read("aigerim.conll").decode("utf-8"))[0]
    first = document[0]
    assert [(t[0], t[1], t[3]) for t in first] == [
        ("Police", "B-official_statement", "O"),
        ("\U0001F46E\u200d\u2640\ufe0f", "I-official_statement", "O"),
        ("said", "I-official_statement", "O"),
        ("14", "I-official_statement", "B-claim.no_source"),
        ("died", "I-official_statement", "I-claim.no_source"),
        (".", "B-news_report", "O"),  # the passage's source type resumes
    ]
    forum = document[2]
    rhetoric = {t[0]: t[2] for t in forum}
    # "so-called bandits" starts first and wins; "bandits" alone is dropped and counted.
    assert [rhetoric[w] for w in ("so", "-", "called", "bandits", "were")] == [
        "B-name_calling", "I-name_calling", "I-name_calling", "I-name_calling", "O"]
    readme = archive.read("README.txt").decode("utf-8")
    section = readme.split("aigerim.conll:", 1)[1]
    assert "rhetoric: 2 / 1 / 0 / 3" in section.split("daniyar.conll:")[0]
    assert "source: 6 / 0 / 0 / 6" in section
    assert "Columns: token\tsource\trhetoric\tclaim" in readme


def test_spans_on_tokens_sentences_and_spaces():
    records = sample_records()[:1]
    work = records[0]["annotators"]["daniyar"]  # has no claims of its own
    start = TEXT_A.index("died.")
    end = TEXT_A.index("witness") + len("witness")
    cut = TEXT_A.index("ooting")  # a span starting inside a token takes the whole token

    def claim(start: int, end: int) -> dict:
        return {"layer": "claim", "label": "claim.vague_source", "start": start, "end": end,
                "text": TEXT_A[start:end], "note": "", "attributes": {}}

    work["spans"] += [claim(start, end), claim(cut, cut + 3), claim(6, 7)]  # 6-7: a space
    archive = export(records)
    document = parse(archive.read("daniyar.conll").decode("utf-8"))[0]
    assert_iob2([document])
    claims = [(t[0], t[3]) for s in document for t in s]
    assert claims[4:6] == [("died", "B-claim.vague_source"), (".", "I-claim.vague_source")]
    assert claims[6:8] == [("A", "B-claim.vague_source"),  # restarts in the next sentence
                           ("witness", "I-claim.vague_source")]
    assert ("shooting", "B-claim.vague_source") in claims
    assert ("Police", "O") in claims and ("\U0001F46E\u200d\u2640\ufe0f", "O") in claims
    readme = archive.read("README.txt").decode("utf-8")
    assert "claim: 2 / 0 / 1 / 3" in readme.split("daniyar.conll:", 1)[1]


def test_no_gold_file_without_a_gold_key():
    archive = export(sample_records()[1:])
    assert archive.namelist() == ["README.txt", "documents.tsv", "aigerim.conll"]


def test_a_conll2003_style_reader_gets_every_token():
    """The loop of the usual CoNLL-2003 loaders: -DOCSTART- and blank lines end a sentence,
    other lines split on whitespace."""
    archive = export(sample_records())
    content = archive.read("gold.conll").decode("utf-8")
    sentences, tokens = [], []
    for line in content.splitlines():
        if line.startswith("-DOCSTART-") or not line.strip():
            if tokens:
                sentences.append(tokens)
                tokens = []
        else:
            parts = line.split()
            assert len(parts) == 4
            tokens.append(parts[0])
    assert not tokens
    assert "".join(t for s in sentences for t in s) == "".join(TEXT_A.split())
    assert len(sentences) == 3


def test_tokenize_examples():
    def words(text: str) -> list[str]:
        return [text[s:e] for s, e in conll.tokenize(text)]

    assert words("cafe\u0301 au-lait, 3.5%") == ["cafe\u0301", "au", "-", "lait", ",", "3",
                                                   ".", "5", "%"]
    assert words("\U0001F1F0\U0001F1FF\U0001F44D\U0001F3FD!") == [
        "\U0001F1F0\U0001F1FF", "\U0001F44D\U0001F3FD", "!"]
    assert words(" \u0301x \u200d") == ["\u0301", "x", "\u200d"]
    assert words("\u0628\u0647\u200c\u0646\u0627\u0645") == [
        "\u0628\u0647\u200c\u0646\u0627\u0645"]  # ZWNJ inside a Persian word


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    list("ab1 _-.\n\t") + ["\u0301", "\u0307", "\u200d", "\u200c", "\ufe0f", "\U0001F46E",
                            "\U0001F3FD", "\U0001F1F0", "\u2028", "\u00a0"]), max_size=40))
def test_tokens_cover_exactly_the_visible_characters(text):
    tokens = conll.tokenize(text)
    previous = 0
    for start, end in tokens:
        assert previous <= start < end
        assert not any(c.isspace() for c in text[start:end])
        previous = end
    assert "".join(text[s:e] for s, e in tokens) == "".join(text.split())
