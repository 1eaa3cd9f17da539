"""The Hugging Face writer, loaded back with the real `datasets` library (offline)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from app.services.datasets.formats import hf
from tests.datasets.sample import sample_context, sample_records


def export(records: list[dict], folder: Path) -> Path:
    out = io.BytesIO()
    hf.write(iter(records), out, sample_context())
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert sorted(archive.namelist()) == ["README.md", hf.DATA_FILE]
        archive.extractall(folder)
    return folder


@pytest.fixture
def load(tmp_path, monkeypatch):
    """`datasets.load_dataset` on a folder, offline, with caches under tmp_path."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    datasets = pytest.importorskip("datasets")

    def run(folder: Path):
        return datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "hf-cache"))

    return run


def front_matter(folder: Path) -> dict:
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_card_declares_config_and_features(tmp_path):
    folder = export(sample_records(), tmp_path / "ds")
    meta = front_matter(folder)
    assert meta["configs"] == [{"config_name": "default", "default": True, "data_files": [
        {"split": "train", "path": "data/train.jsonl"}]}]
    names = [f["name"] for f in meta["dataset_info"]["features"]]
    assert names == ["document_id", "title", "publisher", "author", "published", "url",
                     "source_name", "language", "text", "text_hash", "annotator", "is_gold", "done",
                     "spans", "passages", "rating"]
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "| rhetoric | `name_calling` | Name calling |" in card
    assert "2 documents, 4 rows (1 gold), 11 spans." in card
    lines = (folder / hf.DATA_FILE).read_text(encoding="utf-8").splitlines()
    assert [(json.loads(line)["document_id"], json.loads(line)["annotator"])
            for line in lines] == [(1, "aigerim"), (1, "daniyar"), (1, "gold"), (2, "aigerim")]


def test_load_dataset_reads_the_declared_features(tmp_path, load):
    import datasets
    from datasets import List, Value

    records = sample_records()
    records[0]["annotators"]["aigerim"]["rating"]["slant"] = "cannot_tell"
    train = load(export(records, tmp_path / "ds"))["train"]

    expected = datasets.Features({
        "document_id": Value("int64"),
        **{name: Value("string") for name in ("title", "publisher", "author", "published",
                                              "url", "source_name", "language", "text",
                                              "text_hash", "annotator")},
        "is_gold": Value("bool"), "done": Value("bool"),
        "spans": List({"layer": Value("string"), "label": Value("string"),
                       "start": Value("int64"), "end": Value("int64"),
                       "text": Value("string"), "note": Value("string"),
                       "attributes": Value("string")}),
        "passages": List({"start": Value("int64"), "end": Value("int64"),
                          "label": Value("string")}),
        "rating": {"reliability": Value("int64"), "slant": Value("int64"),
                   "slant_cannot_tell": Value("bool"), "genre": Value("string")},
    })
    assert train.features == expected
    assert train.num_rows == 4
    assert set(train["language"]) == {"en"}

    texts = {r["id"]: r["text"] for r in sample_records()}
    for row in train:
        assert row["text"] == texts[row["document_id"]]
        for span in row["spans"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]
            assert isinstance(json.loads(span["attributes"]), dict)
        for passage in row["passages"]:
            assert "\n" not in row["text"][passage["start"]:passage["end"]]

    aigerim, daniyar, gold, second = (train[i] for i in range(4))
    voice = aigerim["spans"][0]
    assert voice["text"] == "Police \U0001F46E\u200d\u2640\ufe0f said 14 died"
    assert (voice["start"], voice["end"]) == (0, 24)
    assert json.loads(voice["attributes"]) == {"role": "voice", "speaker": "Police"}
    assert aigerim["rating"] == {"reliability": 4, "slant": None, "slant_cannot_tell": True,
                                 "genre": "mixed"}
    assert [p["label"] for p in daniyar["passages"]] == [
        "official_statement", "testimony", None]
    assert daniyar["done"] is False and daniyar["rating"] is None
    assert (gold["annotator"], gold["is_gold"], gold["done"]) == ("gold", True, None)
    assert gold["rating"] == {"reliability": 4, "slant": 0, "slant_cannot_tell": False,
                              "genre": "mixed"}
    assert second["document_id"] == 2 and not second["is_gold"]


def test_declared_types_hold_where_the_json_alone_says_nothing(tmp_path, load):
    """No spans and no ratings anywhere: inference would give lists of null; the card's
    features still apply."""
    from datasets import List, Value

    records = sample_records()[1:]
    records[0]["annotators"]["aigerim"]["spans"] = []
    train = load(export(records, tmp_path / "ds"))["train"]
    assert train.features["spans"] == List({
        "layer": Value("string"), "label": Value("string"), "start": Value("int64"),
        "end": Value("int64"), "text": Value("string"), "note": Value("string"),
        "attributes": Value("string")})
    assert train.features["rating"]["slant_cannot_tell"] == Value("bool")
    assert train[0]["spans"] == [] and train[0]["rating"] is None
