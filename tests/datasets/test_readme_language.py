"""The explanation files inside the exports (README.txt, the Hugging Face card) speak the
exporter's language; file names, columns, tags, keys and the card's front matter do not
change with it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.services.datasets import importing
from app.services.datasets.formats import conll, doccano, hf, ptc
from tests.datasets.sample import enrol, sample_context, sample_records
from tests.datasets.test_web import _jsonl

CYRILLIC = re.compile("[\u0400-\u04ff]")

# format -> (writer, explanation file, a Kazakh phrase, its English msgid, machine tokens)
CASES = {
    "conll": (conll, "README.txt",
              "Файлдар мен қабаттар бойынша белгіленген бөліктер",
              "Spans per file and layer",
              ["-DOCSTART-", "gold.conll", "documents.tsv", "B- ", "I- ", "'layer:key'",
               ": token\tsource\trhetoric\tclaim\n",
               "  aigerim.conll: 2 ", "    rhetoric: 2 / 1 / 0 / 3\n",
               "  loaded_language\tLoaded language\n"]),
    "doccano": (doccano, "README.txt",
                "құсбелгісін қойыңыз",
                "ticked (and 'Use relation labeling' unticked)",
                ["'Sequence Labeling'", "'Allow overlapping spans'", "<annotator>.jsonl",
                 "gold.jsonl", "UTF-16", "  aigerim.jsonl: 6\n"]),
    "ptc": (ptc, "README.txt",
            "Риторикалық белгіленген бөліктердің бәрі экспортталды.",
            "No rhetoric span was left out.",
            ["<annotator>/article<ID>.txt", f"<annotator>/article<ID>{ptc.LABELS_SUFFIX}",
             "gold/", "  loaded_language -> Loaded_Language\n",
             "  name_calling -> Name_Calling,Labeling\n"]),
    "hf": (hf, "README.md",
           "Sourcemark-тан экспортталған белгілер",
           "Annotations exported from Sourcemark",
           ["## ", "`annotator` `gold`, `is_gold` true", "`text[start:end] == span.text`",
            "- Rhetoric (`rhetoric`): 7 ", "`slant_cannot_tell`", "'cannot_tell'",
            "| rhetoric | `name_calling` | Name calling |", 'load_dataset("path/to/this/folder")']),
}


def explanation(fmt: str, language: str) -> str:
    """The format's explanation file for the sample, written in `language`."""
    writer, name = CASES[fmt][:2]
    out = io.BytesIO()
    with force_locale(language):
        writer.write(iter(sample_records()), out, sample_context())
    return zipfile.ZipFile(io.BytesIO(out.getvalue())).read(name).decode("utf-8")


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_a_kazakh_export_explains_itself_in_kazakh_keeping_the_machine_tokens(app, fmt):
    phrase, english, tokens = CASES[fmt][2:]
    kazakh, in_english = explanation(fmt, "kk"), explanation(fmt, "en")
    assert phrase in kazakh and english not in kazakh
    assert english in in_english and not CYRILLIC.search(in_english)
    for token in tokens:
        assert token in kazakh and token in in_english, token


def test_the_hf_card_front_matter_stays_as_programs_read_it(app):
    kazakh, english = explanation("hf", "kk"), explanation("hf", "en")
    assert kazakh.split("\n---\n", 1)[0] == english.split("\n---\n", 1)[0]
    assert "## Жолдар" in kazakh and "## Rows" in english
    assert "- 2 құжат, 4 жол (оның ішінде жауаптар кілтінікі: 1), 11 белгіленген бөлік." \
        in kazakh


def _project_with_work(make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    enrol(project)
    importing.import_file(project, "jsonl", "s.jsonl", _jsonl(sample_records()))
    return teacher, project


def _entry(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def test_the_download_speaks_the_browsers_else_the_accounts_language(app, client, make,
                                                                      login_as):
    teacher, project = _project_with_work(make, login_as)
    login_as(teacher)
    response = client.get(f"/projects/{project.id}/export?format=hf",
                          headers={"Accept-Language": "kk"})
    assert response.status_code == 200
    card = _entry(response.data, "README.md")
    response.close()
    assert "Sourcemark-тан экспортталған белгілер" in card and "pretty_name:" in card
    # The separate dataset card is English throughout, its list of languages too.
    separate = client.get(f"/projects/{project.id}/export/card?format=hf",
                          headers={"Accept-Language": "kk"}).get_data(as_text=True)
    languages = next(line for line in separate.splitlines() if line.startswith("- Languages"))
    assert "documents)" in languages and not CYRILLIC.search(languages)
    teacher.locale = "kk"  # the account's choice wins over the browser's
    db.session.commit()
    response = client.get(f"/projects/{project.id}/export?format=conll",
                          headers={"Accept-Language": "en"})
    readme = _entry(response.data, "README.txt")
    response.close()
    assert "Файлдар мен қабаттар бойынша белгіленген бөліктер" in readme
    assert "-DOCSTART-" in readme and "aigerim.conll" in readme


def test_flask_export_writes_the_readme_in_its_lang_else_the_shells(app, runner, make,
                                                                     login_as, tmp_path,
                                                                     monkeypatch):
    _, project = _project_with_work(make, login_as)
    out = tmp_path / "ptc.zip"
    result = runner.invoke(args=["export", str(project.id), "--format", "ptc", "--out",
                                 str(out), "--lang", "kk"])
    assert result.exit_code == 0, result.output
    readme = _entry(out.read_bytes(), "README.txt")
    assert "Sourcemark-тағы «Class project» жобасынан экспортталды." in readme
    assert f"<annotator>/article<ID>{ptc.LABELS_SUFFIX}" in readme
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "kk_KZ.UTF-8")
    result = runner.invoke(args=["export", str(project.id), "--format", "doccano", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert "құсбелгісін қойыңыз" in _entry(out.read_bytes(), "README.txt")
