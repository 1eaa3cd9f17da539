"""Importing documents: service, web upload, JSON API and CLI; all of a batch or none of it."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Passage
from app.services import tokens
from app.services.documents import (
    FORMATS,
    import_files,
    read_file,
    read_files,
    read_records,
    seed_drafts,
    store_documents,
)
from app.services.errors import ImportFailed
from app.services.texts import split_passages
from tests.conftest import SEEDS, csrf_token, make_app

MB2 = 2 * 1024 * 1024
FAMILY = "\U0001F469\u200D\U0001F469\u200D\U0001F467"  # 👩‍👩‍👧
GOOD = ("good.txt", b"A good file.\n\nIt has two passages.\n")


def jsonl(*records: dict | str) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode() + b"\n"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored() -> tuple[int, int]:
    """(documents, passages) in the whole database."""
    return count(Document), count(Passage)


def refused(project, files, max_bytes: int = MB2) -> list:
    """Import a batch that must fail; check nothing was stored; return its problems."""
    before = stored()
    with pytest.raises(ImportFailed) as excinfo:
        import_files(project, files, max_bytes)
    assert stored() == before
    assert str(excinfo.value).startswith("Nothing was imported")
    return excinfo.value.problems


def flashes(page: str, category: str = "error") -> list[str]:
    return [html.unescape(m) for m in
            re.findall(rf'<li class="flash flash-{category}">(.*?)</li>', page, re.S)]


def upload(client, project_id: int, token: str, files: list[tuple[str, bytes]]):
    data = {"csrf_token": token, "files": [(io.BytesIO(raw), name) for name, raw in files]}
    return client.post(f"/projects/{project_id}/documents", data=data,
                       content_type="multipart/form-data")


def upload_page(client, project_id: int, token: str, files: list[tuple[str, bytes]]) -> str:
    """Upload, check the redirect to the project's documents, return the page it leads to."""
    response = upload(client, project_id, token, files)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/projects/{project_id}")
    page = client.get(response.location)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def bearer(user) -> dict:
    _, secret = tokens.create_token(user, "tests")
    return {"Authorization": f"Bearer {secret}"}


# --- the service: good imports -------------------------------------------------------------

def test_import_txt_stores_text_passages_and_metadata(make):
    teacher = make.user("teacher1", role="teacher")
    project = make.project(teacher)
    (doc,) = import_files(project, [("notes.txt", b"Headline here\n\nBody one.\n")], MB2,
                          teacher)
    assert doc.id is not None
    assert doc.title == "Headline here"
    assert doc.text == "Headline here\n\nBody one.\n"
    assert doc.source_name == "notes.txt"
    assert doc.char_count == len(doc.text)
    assert doc.created_by_id == teacher.id
    assert [(p.index, p.start, p.end) for p in doc.passages] == [(0, 0, 13), (1, 15, 24)]


def test_stored_sha256_is_the_sha256_of_the_utf8_text(make):
    project = make.project()
    (doc,) = import_files(project, [("u.txt", f"Zhanaozen {FAMILY} é\n".encode())], MB2)
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.text_sha256 == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def test_import_several_formats_at_once(make):
    project = make.project()
    page = (b"<html><head><title>Page title</title><script>var hidden = 1;</script></head>"
            b"<body><p>Visible &amp; decoded.</p><p>Second block.</p></body></html>")
    records = jsonl(
        {"title": "Record one", "text": "First record.", "source": "Reuters",
         "url": "https://example.org/a", "published": "2011-12-19"},
        {"text": "Second record.\n\nTwo passages.", "published": "2022-01"},
    )
    files = [("a.txt", b"Plain text.\n"), ("b.md", b"# Markdown heading\n\nBody.\n"),
             ("c.html", page), ("d.jsonl", records)]
    docs = import_files(project, files, MB2)
    assert [d.title for d in docs] == ["Plain text.", "Markdown heading", "Page title",
                                       "Record one", "Second record."]
    assert [d.source_name for d in docs] == ["a.txt", "b.md", "c.html", "d.jsonl", "d.jsonl"]
    assert docs[2].text == "Visible & decoded.\n\nSecond block.\n"
    assert "hidden" not in docs[2].text and "<" not in docs[2].text
    assert (docs[3].publisher, docs[3].url, docs[3].published) == (
        "Reuters", "https://example.org/a", "2011-12-19")
    assert docs[4].published == "2022-01"
    assert len(docs[4].passages) == 2
    assert [d.position for d in docs] == [0, 1, 2, 3, 4]
    assert count(Document) == 5


def test_positions_continue_after_existing_documents(make):
    project = make.project()
    make.document(project, "Existing.\n")
    docs = import_files(project, [("x.txt", b"New one.\n"), ("y.txt", b"New two.\n")], MB2)
    assert [d.position for d in docs] == [1, 2]


def test_markdown_and_htm_and_uppercase_extensions_are_accepted(make):
    project = make.project()
    docs = import_files(project, [("a.markdown", b"one\n"), ("b.htm", b"<p>two</p>"),
                                  ("C.TXT", b"three\n")], MB2)
    assert [d.text for d in docs] == ["one\n", "two\n", "three\n"]
    assert set(FORMATS) >= {".txt", ".md", ".html", ".jsonl"}


def test_file_name_is_reduced_to_its_base_name(make):
    project = make.project()
    (doc,) = import_files(project, [("C:\\Users\\me\\..\\notes.txt", b"x\n")], MB2)
    assert doc.source_name == "notes.txt"


def test_canonical_text_is_fixed_at_import(make):
    project = make.project()
    raw = b"\xef\xbb\xbfCafe\xcc\x81 line\r\nnext\rlast\r\n"
    (doc,) = import_files(project, [("c.txt", raw)], MB2)
    assert doc.text == "Café line\nnext\nlast\n"
    assert doc.char_count == len("Café line\nnext\nlast\n")


def test_jsonl_with_bom_crlf_and_blank_lines(make):
    project = make.project()
    raw = b"\xef\xbb\xbf" + b'{"text": "one"}\r\n\r\n{"text": "two\\r\\nlines"}\r\n'
    docs = import_files(project, [("r.jsonl", raw)], MB2)
    assert [d.text for d in docs] == ["one", "two\nlines"]


def test_jsonl_title_falls_back_to_first_line(make):
    project = make.project()
    (doc,) = import_files(project, [("r.jsonl", jsonl({"text": "\n  # Heading\nbody"}))], MB2)
    assert doc.title == "Heading"


def test_jsonl_null_optional_fields_are_allowed(make):
    project = make.project()
    (doc,) = import_files(project, [("r.jsonl", jsonl(
        {"text": "x", "title": None, "url": None, "published": None, "author": "A. Writer"}))],
        MB2)
    assert (doc.url, doc.published, doc.author) == ("", "", "A. Writer")


@pytest.mark.parametrize("published", ["2011", "2011-12", "2011-12-19", "2024-02-29", ""])
def test_jsonl_accepts_dates(make, published):
    project = make.project()
    (doc,) = import_files(project, [("r.jsonl", jsonl({"text": "x", "published": published}))],
                          MB2)
    assert doc.published == published


# --- offsets into the canonical text --------------------------------------------------------

def spans_of(doc: Document) -> list[str]:
    return [doc.text[p.start:p.end] for p in doc.passages]


def test_offsets_are_code_points_with_emoji(make):
    project = make.project()
    text = f"Family {FAMILY} at the square \U0001F600.\n\nNext \U0001F1F0\U0001F1FF flag.\n"
    (doc,) = import_files(project, [("e.txt", text.encode())], MB2)
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert spans_of(doc) == [f"Family {FAMILY} at the square \U0001F600.",
                             "Next \U0001F1F0\U0001F1FF flag."]
    assert doc.passages[1].start == text.index("Next")
    assert doc.char_count == len(text)


def test_offsets_index_the_nfc_text(make):
    project = make.project()
    raw = "Cafe\u0301 one.\n\nRe\u0301sume\u0301 two.\n".encode()
    (doc,) = import_files(project, [("n.txt", raw)], MB2)
    assert doc.text == "Café one.\n\nRésumé two.\n"
    assert [(p.start, p.end) for p in doc.passages] == [(0, 9), (11, 22)]
    assert spans_of(doc) == ["Café one.", "Résumé two."]


def test_offsets_index_the_lf_text_of_a_crlf_file(make):
    project = make.project()
    raw = b"First line.\r\n\r\nSecond\r\nwrapped.\r\n\r\nThird.\r\n"
    (doc,) = import_files(project, [("w.txt", raw)], MB2)
    assert "\r" not in doc.text
    assert [(p.start, p.end) for p in doc.passages] == [(0, 11), (13, 28), (30, 36)]
    assert spans_of(doc) == ["First line.", "Second\nwrapped.", "Third."]


def test_crlf_html_gives_the_same_text_as_lf_html(make):
    project = make.project()
    lf = b"<p>Soft\nwrapped line.</p>\n<p>Next</p>\n"
    (doc,) = import_files(project, [("lf.html", lf)], MB2)
    assert doc.text == "Soft wrapped line.\n\nNext\n"
    problems = refused(project, [("crlf.html", lf.replace(b"\n", b"\r\n"))])
    assert len(problems) == 1 and "already in this project" in problems[0].message


def test_stored_passages_match_the_split(make):
    project = make.project()
    text = "One.\n\nTwo\nwrapped.\n\n.\n\nA long forum line " + "x" * 120 + "\nreply.\n"
    (doc,) = import_files(project, [("p.txt", text.encode())], MB2)
    assert [(p.start, p.end) for p in doc.passages] == split_passages(doc.text)
    assert [p.index for p in doc.passages] == list(range(len(doc.passages)))


# --- the text never changes ----------------------------------------------------------------

def test_assigning_new_text_to_a_stored_document_raises(make):
    project = make.project()
    doc = make.document(project, "Original text.\n")
    with pytest.raises(ValueError, match="fixed at import"):
        doc.text = "Changed text.\n"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Document, doc.id).text == "Original text.\n"


def test_assigning_the_same_text_is_allowed(make):
    project = make.project()
    doc = make.document(project, "Original text.\n")
    doc.text = "Original text.\n"
    db.session.commit()
    assert doc.text == "Original text.\n"


# --- the service: bad inputs, nothing stored -----------------------------------------------

BAD_FILES = [
    pytest.param("latin1.txt", b"ok\ncaf\xe9 au lait\n", 2, None, "not valid UTF-8",
                 id="invalid-utf8"),
    pytest.param("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, None, "binary",
                 id="binary"),
    pytest.param("bell.txt", b"first\nring \x07 ring\n", 2, None, "U+0007", id="control"),
    pytest.param("escape.md", b"\x1b[31mred\n", 1, None, "U+001B", id="control-md"),
    pytest.param("empty.txt", b"", None, None, "empty", id="empty"),
    pytest.param("blank.txt", b"  \r\n\t\n", None, None, "empty", id="whitespace-only"),
    pytest.param("empty.html", b"<html><script>x()</script></html>", None, None, "empty",
                 id="html-without-visible-text"),
    pytest.param("paper.pdf", b"%PDF-1.4\n", None, None, "not a readable PDF",
                 id="pdf-damaged"),
    pytest.param("slides.pptx", b"PK\x03\x04", None, None, "unsupported file type",
                 id="unsupported-type"),
    pytest.param("noext", b"text\n", None, None, "unsupported file type", id="no-extension"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, "{not json}"), 2, None, "not valid JSON",
                 id="jsonl-invalid-json"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, "[1, 2]"), 2, None, "JSON object",
                 id="jsonl-array"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, '"just a string"'), 2, None,
                 "JSON object", id="jsonl-string"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "colour": "red"}), 1, "colour",
                 "unknown field", id="jsonl-unknown-field"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, {"title": "no text"}), 2, "text",
                 "is required", id="jsonl-missing-text"),
    pytest.param("rows.jsonl", jsonl({"text": ""}), 1, "text", "is required",
                 id="jsonl-empty-text"),
    pytest.param("rows.jsonl", jsonl({"text": " \n "}), 1, "text", "empty",
                 id="jsonl-whitespace-text"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "title": 5}), 1, "title",
                 "must be a string", id="jsonl-non-string-title"),
    pytest.param("rows.jsonl", jsonl({"text": ["a", "b"]}), 1, "text", "must be a string",
                 id="jsonl-non-string-text"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, {"text": "x", "published": "2011-13-01"}),
                 2, "published", "not a real date", id="jsonl-month-13"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "published": "yesterday"}), 1,
                 "published", "not a date", id="jsonl-yesterday"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "published": "2023-02-29"}), 1,
                 "published", "not a real date", id="jsonl-feb-29"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "url": "javascript:alert(1)"}), 1, "url",
                 "http(s)", id="jsonl-javascript-url"),
    pytest.param("rows.jsonl", jsonl({"text": "ok", "url": "example.org/page"}), 1, "url",
                 "http(s)", id="jsonl-relative-url"),
    pytest.param("rows.jsonl", jsonl({"text": "ok"}, {"text": "bell \u0007"}), 2, "text",
                 "U+0007", id="jsonl-control"),
    pytest.param("rows.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n', 2, None,
                 "not valid UTF-8", id="jsonl-invalid-utf8"),
    pytest.param("rows.jsonl", b"\n  \n", None, None, "holds no documents", id="jsonl-empty"),
]


@pytest.mark.parametrize("name,raw,line,field,message", BAD_FILES)
def test_bad_file_in_a_batch_stores_nothing(make, name, raw, line, field, message):
    project = make.project()
    make.document(project, "Already here.\n")
    (problem,) = refused(project, [GOOD, (name, raw)])
    assert problem.file == name
    assert problem.line == line
    assert problem.field == field
    assert message in problem.message
    assert str(problem).startswith(name)
    if line is not None:
        assert f"line {line}" in str(problem)


def test_every_bad_file_of_a_batch_is_listed(make):
    project = make.project()
    problems = refused(project, [("a.pdf", b"x"), GOOD, ("b.txt", b"\xff"),
                                 ("c.jsonl", b"{}\n")])
    assert [p.file for p in problems] == ["a.pdf", "b.txt", "c.jsonl"]


def test_size_cap_refuses_a_file_over_it(make):
    project = make.project()
    (problem,) = refused(project, [GOOD, ("big.txt", b"x" * 101)], max_bytes=100)
    assert problem.file == "big.txt"
    assert "101 bytes" in problem.message and "limit of 100 bytes" in problem.message


def test_size_cap_accepts_a_file_exactly_at_it(make):
    project = make.project()
    (doc,) = import_files(project, [("edge.txt", b"x" * 100)], 100)
    assert doc.char_count == 100


def test_size_cap_counts_bytes_not_characters(make):
    project = make.project()
    (problem,) = refused(project, [("e.txt", ("é" * 60).encode())], max_bytes=100)
    assert "120 bytes" in problem.message


def test_size_cap_applies_to_each_jsonl_record(make):
    project = make.project()
    raw = jsonl({"text": "short"}, {"text": "y" * 200})
    (problem,) = refused(project, [("r.jsonl", raw)], max_bytes=100)
    assert (problem.file, problem.line, problem.field) == ("r.jsonl", 2, "text")
    assert "limit of 100 bytes" in problem.message


def test_size_cap_default_is_two_megabytes(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCEMARK_DOCUMENT_MAX_BYTES", raising=False)
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "other-instance"))
    assert make_app(tmp_path / "other").config["DOCUMENT_MAX_BYTES"] == 2 * 1024 * 1024


def test_size_cap_default_refuses_just_over_two_megabytes(make):
    project = make.project()
    line = b"word " * 19 + b"\n"  # 96 bytes
    raw = line * (MB2 // len(line)) + b"x" * (MB2 % len(line))
    assert len(raw) == MB2
    (doc,) = import_files(project, [("two-mb.txt", raw)], MB2)
    assert len(doc.text.encode()) == MB2
    (problem,) = refused(project, [("over.txt", raw + b"!")])
    assert problem.file == "over.txt" and "over the limit" in problem.message


def test_no_files_is_refused(make):
    project = make.project()
    (problem,) = refused(project, [])
    assert "no file" in problem.message


def test_duplicate_of_a_text_already_in_the_project_is_refused(make):
    project = make.project()
    make.document(project, "Same words.\n", name="first.txt")
    (problem,) = refused(project, [GOOD, ("again.txt", b"Same words.\r\n")])
    assert problem.file == "again.txt"
    assert "already in this project" in problem.message and "'Same words.'" in problem.message


def test_duplicate_after_canonicalisation_is_refused(make):
    project = make.project()
    make.document(project, "Caf\u00e9.\n")
    (problem,) = refused(project, [("decomposed.txt", "\ufeffCafe\u0301.\r\n".encode())])
    assert "already in this project" in problem.message


def test_same_text_in_another_project_is_allowed(make):
    teacher = make.user(role="teacher")
    one, two = make.project(teacher, "One"), make.project(teacher, "Two")
    make.document(one, "Shared text.\n")
    (doc,) = import_files(two, [("shared.txt", b"Shared text.\n")], MB2)
    assert doc.project_id == two.id


def test_same_text_twice_in_one_batch_is_refused(make):
    project = make.project()
    (problem,) = refused(project, [("a.txt", b"Twice.\n"), GOOD, ("b.md", b"Twice.\n")])
    assert problem.file == "b.md"
    assert "twice in this upload" in problem.message and "a.txt" in problem.message


def test_same_text_twice_in_one_jsonl_is_refused_with_line(make):
    project = make.project()
    raw = jsonl({"text": "Once."}, {"text": "Twice."}, {"text": "Twice."})
    (problem,) = refused(project, [("r.jsonl", raw)])
    assert (problem.file, problem.line) == ("r.jsonl", 3)
    assert "twice in this upload" in problem.message


def test_read_files_does_not_touch_the_database(app):
    drafts = read_files([GOOD, ("r.jsonl", jsonl({"text": "a"}, {"text": "b"}))], MB2)
    assert [d.text for d in drafts] == ["A good file.\n\nIt has two passages.\n", "a", "b"]
    assert [d.line for d in drafts] == [None, 1, 2]
    assert stored() == (0, 0)


def test_read_file_returns_drafts_with_hash():
    (draft,) = read_file("x.txt", b"abc\n", MB2)
    assert draft.sha256 == hashlib.sha256(b"abc\n").hexdigest()


def test_read_records_names_the_record_index():
    with pytest.raises(ImportFailed) as excinfo:
        read_records([{"text": "ok"}, {"text": "x", "url": "javascript:alert(1)"},
                      {"text": "y", "published": "yesterday"}], MB2)
    problems = excinfo.value.problems
    assert [(p.file, p.field) for p in problems] == [("documents[1]", "url"),
                                                     ("documents[2]", "published")]
    assert all(p.line is None for p in problems)


def test_failed_store_leaves_the_project_usable(make):
    project = make.project()
    refused(project, [GOOD, ("bad.txt", b"\x07")])
    (doc,) = import_files(project, [GOOD], MB2)
    assert doc.position == 0
    assert stored() == (1, 2)


# --- HTML import ---------------------------------------------------------------------------

def test_html_import_keeps_the_main_text_only(make):
    project = make.project()
    page = b"""<!doctype html>
<html><head><title>Mangistau &amp; Zhanaozen</title>
<style>p { color: SECRETSTYLE }</style><script>var SECRETSCRIPT = 1;</script></head>
<body>
<h1>Heading</h1>
<p>Police &amp; workers met.<br>A second line.</p>
<div>Block two</div>
<script>track("SECRETBODY")</script>
</body></html>"""
    (doc,) = import_files(project, [("page.html", page)], MB2)
    assert doc.title == "Heading"  # the extractor takes the headline over the tab's title
    for hidden in ("SECRETSTYLE", "SECRETSCRIPT", "SECRETBODY", "Mangistau", "<", ">", "&amp;"):
        assert hidden not in doc.text
    assert spans_of(doc) == ["Police & workers met.", "A second line."]


def test_html_control_character_names_the_line_of_the_file(make):
    project = make.project()
    (problem,) = refused(project, [("page.html", b"<p>one</p>\n<p>two\x07</p>\n")])
    assert (problem.file, problem.line) == ("page.html", 2)


# --- the seed corpus -----------------------------------------------------------------------

def test_seed_drafts_carry_manifest_metadata(app):
    drafts = seed_drafts(SEEDS, app.config["DOCUMENT_MAX_BYTES"])
    assert len(drafts) == 5
    by_file = {d.source_name: d for d in drafts}
    first = by_file["000_52683757a7824f21.txt"]
    assert first.title == "Hundreds Confront Kazakh Police for 3rd Day"
    assert first.publisher == "The Moscow Times"
    assert first.published == "2011-12-19"
    assert first.url.startswith("https://www.themoscowtimes.com/2011/12/19/")
    assert "Reuters, AP" in first.notes
    second = by_file["001_e2d80d9f7a307687.txt"]
    assert (second.author, second.published) == ("Farangis Najibullah", "2011-12")
    assert second.publisher == "Radio Free Europe/Radio Liberty (RFE/RL)"
    forum = by_file["002_58f5ba6ad2df0acd.txt"]
    assert (forum.title, forum.publisher, forum.published) == (
        "Kazakhstan protests (forum thread)", "Pakistan Defence forum", "2022-01")
    assert by_file["003_ae96969c7c3299f9.txt"].published == "2022-03-21"
    last = by_file["004_010822ac285143c9.txt"]
    assert (last.publisher, last.published) == ("", "2022-01-07")


def test_seeds_import_with_passages_and_hashes(make, app):
    project = make.project()
    docs = store_documents(project, seed_drafts(SEEDS, app.config["DOCUMENT_MAX_BYTES"]))
    counts = {d.source_name[:3]: len(d.passages) for d in docs}
    assert counts == {"000": 31, "001": 49, "002": 364, "003": 16, "004": 32}
    assert stored() == (5, 31 + 49 + 364 + 16 + 32)
    for doc in docs:
        raw = (SEEDS / doc.source_name).read_bytes().decode("utf-8")
        assert doc.text == raw.replace("\r\n", "\n")
        assert doc.text_sha256 == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        assert [(p.start, p.end) for p in doc.passages] == split_passages(doc.text)
    assert docs[0].title == "Hundreds Confront Kazakh Police for 3rd Day"
    assert docs[0].text[docs[0].passages[0].start:docs[0].passages[0].end] == docs[0].title


def test_reimporting_the_seeds_is_refused_as_duplicates(make, app):
    project = make.project()
    max_bytes = app.config["DOCUMENT_MAX_BYTES"]
    store_documents(project, seed_drafts(SEEDS, max_bytes))
    before = stored()
    with pytest.raises(ImportFailed) as excinfo:
        store_documents(project, seed_drafts(SEEDS, max_bytes))
    problems = excinfo.value.problems
    assert len(problems) == 5
    assert all("already in this project" in p.message for p in problems)
    assert "'Hundreds Confront Kazakh Police for 3rd Day'" in problems[0].message
    assert stored() == before


def test_reimporting_a_seed_file_as_an_upload_is_refused(make, app):
    project = make.project()
    store_documents(project, seed_drafts(SEEDS, app.config["DOCUMENT_MAX_BYTES"]))
    path = SEEDS / "003_ae96969c7c3299f9.txt"
    (problem,) = refused(project, [(path.name, path.read_bytes())])
    assert "'Mangistau Riot - December 2011'" in problem.message


# --- web upload ----------------------------------------------------------------------------

@pytest.fixture
def teacher_project(make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher, "Upload class")
    token = login_as(teacher)
    return teacher, project, token


def test_web_upload_imports_several_files(client, teacher_project):
    """Plain UTF-8 texts go in at once (a web page is shown first: test_import_preview)."""
    teacher, project, token = teacher_project
    page = upload_page(client, project.id, token, [
        ("a.txt", b"Alpha text.\n"), ("b.md", b"# Bee\n\nBee text\n"),
        ("c.jsonl", jsonl({"title": "Sea", "text": "Sea text."}, {"text": "Dee text."}))])
    assert flashes(page, "info") == ["Imported 4 documents."]
    assert flashes(page, "error") == []
    titles = db.session.scalars(sa.select(Document.title).order_by(Document.position)).all()
    assert titles == ["Alpha text.", "Bee", "Sea", "Dee text."]
    for title in titles:
        assert title in page
    assert all(doc.created_by_id == teacher.id for doc in db.session.scalars(sa.select(Document)))


def test_web_upload_single_document_message(client, teacher_project):
    _, project, token = teacher_project
    page = upload_page(client, project.id, token, [GOOD])
    assert flashes(page, "info") == ["Imported 1 document."]


@pytest.mark.parametrize("name,raw,expected", [
    ("latin1.txt", b"caf\xe9\n", "latin1.txt, line 1: not valid UTF-8"),
    ("image.txt", b"GIF89a\x00\x01", "image.txt: this is a binary file"),
    ("bell.txt", b"one\ntwo\x07\n", "bell.txt, line 2: contains the control character U+0007"),
    ("blank.md", b" \n\n", "blank.md: the text is empty"),
    ("paper.pdf", b"%PDF", "paper.pdf: not a readable PDF"),
    ("slides.pptx", b"PK", "slides.pptx: unsupported file type"),
    ("rows.jsonl", jsonl({"text": "ok"}, "{oops"), "rows.jsonl, line 2: not valid JSON"),
    ("rows.jsonl", jsonl({"text": "ok", "extra": 1}),
     "rows.jsonl, line 1, field 'extra': unknown field"),
    ("rows.jsonl", jsonl({"title": "t"}), "rows.jsonl, line 1, field 'text': is required"),
    ("rows.jsonl", jsonl({"text": "ok", "published": "2011-13-01"}),
     "rows.jsonl, line 1, field 'published': '2011-13-01' is not a real date"),
    ("rows.jsonl", jsonl({"text": "ok", "url": "javascript:alert(1)"}),
     "rows.jsonl, line 1, field 'url': 'javascript:alert(1)' is not an http(s) address"),
])
def test_web_upload_bad_file_flashes_problem_and_stores_nothing(client, teacher_project, name,
                                                                raw, expected):
    _, project, token = teacher_project
    before = stored()
    errors = flashes(upload_page(client, project.id, token, [GOOD, (name, raw)]))
    assert errors[0] == "Nothing was imported."
    assert len(errors) == 2
    assert errors[1].startswith(expected)
    assert stored() == before


def test_web_upload_over_configured_size_cap(app, client, teacher_project):
    _, project, token = teacher_project
    app.config["DOCUMENT_MAX_BYTES"] = 50
    errors = flashes(upload_page(client, project.id, token, [("small.txt", b"fits\n"),
                                                              ("big.txt", b"z" * 51)]))
    assert errors == ["Nothing was imported.",
                      "big.txt: the file is 51 bytes, over the limit of 50 bytes"]
    assert stored() == (0, 0)


def test_web_upload_duplicates_flash_and_store_nothing(client, teacher_project, make):
    _, project, token = teacher_project
    make.document(project, "Already here.\n", name="first.txt")
    before = stored()
    errors = flashes(upload_page(client, project.id, token, [
        ("again.txt", b"Already here.\n"), ("x.txt", b"Twice.\n"), ("y.txt", b"Twice.\n")]))
    assert errors[0] == "Nothing was imported."
    assert errors[1].startswith("again.txt: the same text is already in this project")
    assert errors[2].startswith("y.txt: the same text appears twice in this upload")
    assert stored() == before


def test_web_upload_without_files_stores_nothing(client, teacher_project):
    _, project, token = teacher_project
    response = client.post(f"/projects/{project.id}/documents", data={"csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    errors = flashes(client.get(response.location).get_data(as_text=True))
    assert errors[0] == "Nothing was imported."
    assert "no file was chosen" in errors[1]
    assert stored() == (0, 0)


def test_web_upload_without_csrf_token_is_refused(client, teacher_project):
    _, project, _ = teacher_project
    response = client.post(f"/projects/{project.id}/documents",
                           data={"files": [(io.BytesIO(b"x\n"), "x.txt")]},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored() == (0, 0)


def test_web_upload_by_a_student_member_is_forbidden(client, make, login_as):
    project = make.project()
    student = make.member(project, "student")
    token = login_as(student)
    response = upload(client, project.id, token, [GOOD])
    assert response.status_code == 403
    assert stored() == (0, 0)


def test_web_upload_into_another_project_is_not_found(client, make, login_as):
    project = make.project()
    outsider = make.user("outsider", role="teacher")
    make.project(outsider, "Own project")
    token = login_as(outsider)
    response = upload(client, project.id, token, [GOOD])
    assert response.status_code == 404
    assert stored() == (0, 0)


def test_web_upload_requires_login(client, make):
    project = make.project()
    token = csrf_token(client, "/login")
    response = upload(client, project.id, token, [GOOD])
    assert response.status_code == 302
    assert "/login" in response.location
    assert stored() == (0, 0)


# --- JSON API ------------------------------------------------------------------------------

def api_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/documents"


@pytest.fixture
def api_teacher(make):
    teacher = make.user("apiteacher", role="teacher")
    project = make.project(teacher, "API class")
    return project, bearer(teacher)


def test_api_json_import_returns_201_and_the_documents(client, api_teacher):
    project, headers = api_teacher
    body = {"documents": [
        {"title": "Report", "text": "Para one.\n\nPara two.", "source": "RFE/RL",
         "author": "F. N.", "url": "https://www.rferl.org/a/1.html", "published": "2011-12"},
        {"text": f"Emoji {FAMILY} text."},
    ]}
    response = client.post(api_url(project.id), json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    docs = response.get_json()["documents"]
    assert [d["title"] for d in docs] == ["Report", f"Emoji {FAMILY} text."]
    first = docs[0]
    assert (first["publisher"], first["author"], first["url"], first["published"]) == (
        "RFE/RL", "F. N.", "https://www.rferl.org/a/1.html", "2011-12")
    assert first["passage_count"] == 2
    assert first["char_count"] == len("Para one.\n\nPara two.")
    assert first["text_sha256"] == hashlib.sha256(b"Para one.\n\nPara two.").hexdigest()
    assert first["source_name"] == "documents[0]"
    assert count(Document) == 2


def test_api_document_offsets_index_the_text(client, api_teacher):
    project, headers = api_teacher
    text = f"Cafe\u0301 {FAMILY}.\n\nSecond \U0001F600 passage."
    created = client.post(api_url(project.id), json={"documents": [{"text": text}]},
                          headers=headers).get_json()["documents"][0]
    got = client.get(f"{api_url(project.id)}/{created['id']}", headers=headers).get_json()
    assert got["text"] == f"Café {FAMILY}.\n\nSecond \U0001F600 passage."
    assert [got["text"][p["start"]:p["end"]] for p in got["passages"]] == [
        f"Café {FAMILY}.", "Second \U0001F600 passage."]
    assert got["text_sha256"] == hashlib.sha256(got["text"].encode()).hexdigest()


def test_api_multipart_import_returns_201(client, api_teacher):
    project, headers = api_teacher
    data = {"files": [(io.BytesIO(b"File one.\n"), "one.txt"),
                      (io.BytesIO(jsonl({"text": "Row one."}, {"text": "Row two."})), "r.jsonl")]}
    response = client.post(api_url(project.id), data=data, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    docs = response.get_json()["documents"]
    assert [(d["title"], d["source_name"]) for d in docs] == [
        ("File one.", "one.txt"), ("Row one.", "r.jsonl"), ("Row two.", "r.jsonl")]
    listed = client.get(api_url(project.id), headers=headers).get_json()["documents"]
    assert [d["id"] for d in listed] == [d["id"] for d in docs]


def assert_import_failed(response, expected: list[dict]) -> dict:
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields", "problems"}
    assert error["code"] == "import_failed"
    assert error["message"].startswith("Nothing was imported")
    assert error["fields"] == {}
    assert len(error["problems"]) == len(expected)
    for problem, want in zip(error["problems"], expected, strict=True):
        assert set(problem) == {"file", "line", "field", "message"}
        for key, value in want.items():
            if key == "message":
                assert value in problem["message"]
            else:
                assert problem[key] == value
    return error


@pytest.mark.parametrize("record,field,message", [
    ({"text": "ok", "published": "2011-13-01"}, "published", "not a real date"),
    ({"text": "ok", "published": "yesterday"}, "published", "not a date"),
    ({"text": "ok", "url": "javascript:alert(1)"}, "url", "http(s)"),
    ({"text": "bell \u0007"}, "text", "U+0007"),
])
def test_api_json_bad_record_lists_problems_and_stores_nothing(client, api_teacher, record,
                                                               field, message):
    project, headers = api_teacher
    response = client.post(api_url(project.id), json={"documents": [{"text": "Fine."}, record]},
                           headers=headers)
    assert_import_failed(response, [{"file": "documents[1]", "field": field,
                                     "message": message}])
    assert stored() == (0, 0)


def test_api_json_text_over_the_size_cap(app, client, api_teacher):
    project, headers = api_teacher
    app.config["DOCUMENT_MAX_BYTES"] = 10
    response = client.post(api_url(project.id), json={"documents": [{"text": "x" * 11}]},
                           headers=headers)
    assert_import_failed(response, [{"file": "documents[0]", "field": "text",
                                     "message": "over the limit of 10 bytes"}])
    assert stored() == (0, 0)


def test_api_json_unknown_field_is_a_field_error(client, api_teacher):
    project, headers = api_teacher
    response = client.post(api_url(project.id),
                           json={"documents": [{"text": "ok", "colour": "red"}]},
                           headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert "documents.0.colour" in error["fields"]
    assert stored() == (0, 0)


@pytest.mark.parametrize("record,field", [
    ({"title": "no text"}, "documents.0.text"),
    ({"text": 5}, "documents.0.text"),
    ({"text": "ok", "title": ["a"]}, "documents.0.title"),
])
def test_api_json_missing_or_non_string_field_is_a_field_error(client, api_teacher, record,
                                                                field):
    project, headers = api_teacher
    response = client.post(api_url(project.id), json={"documents": [record]}, headers=headers)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert stored() == (0, 0)


def test_api_json_empty_documents_list_is_refused(client, api_teacher):
    project, headers = api_teacher
    response = client.post(api_url(project.id), json={"documents": []}, headers=headers)
    assert response.status_code == 400
    assert "documents" in response.get_json()["error"]["fields"]


def test_api_json_duplicates_are_refused(client, api_teacher, make):
    project, headers = api_teacher
    make.document(project, "Known text.", name="known.txt")
    before = stored()
    response = client.post(api_url(project.id), json={"documents": [
        {"text": "Known text."}, {"text": "Twice"}, {"text": "Twice"}]}, headers=headers)
    assert_import_failed(response, [
        {"file": "documents[0]", "message": "already in this project as 'Known text.'"},
        {"file": "documents[2]", "message": "twice in this upload (also in documents[1])"},
    ])
    assert stored() == before


def test_api_json_text_is_stored_as_sent(client, api_teacher, make):
    project, headers = api_teacher
    text = "    Indented first line.\n\nLast line.\n"
    response = client.post(api_url(project.id), json={"documents": [{"text": text}]},
                           headers=headers)
    assert response.status_code == 201
    assert response.get_json()["documents"][0]["char_count"] == len(text)
    # The same text as a file must then be a duplicate of it.
    (problem,) = refused(project, [("same.txt", text.encode())])
    assert "already in this project" in problem.message


def test_api_json_control_character_names_the_line_within_the_text(client, api_teacher):
    project, headers = api_teacher
    response = client.post(api_url(project.id),
                           json={"documents": [{"text": "one\ntwo\u0007"}]}, headers=headers)
    assert_import_failed(response, [{"file": "documents[0]", "line": 2, "field": "text",
                                     "message": "U+0007"}])


def test_api_multipart_bad_files_list_problems_and_store_nothing(client, api_teacher):
    project, headers = api_teacher
    data = {"files": [
        (io.BytesIO(b"Good.\n"), "good.txt"),
        (io.BytesIO(b"caf\xe9"), "latin1.txt"),
        (io.BytesIO(jsonl({"text": "ok"}, "not json")), "rows.jsonl"),
        (io.BytesIO(b"%PDF-1.7"), "paper.pdf"),
        (io.BytesIO(b"PK"), "slides.pptx"),
    ]}
    response = client.post(api_url(project.id), data=data, headers=headers,
                           content_type="multipart/form-data")
    assert_import_failed(response, [
        {"file": "latin1.txt", "line": 1, "field": None, "message": "not valid UTF-8"},
        {"file": "rows.jsonl", "line": 2, "field": None, "message": "not valid JSON"},
        {"file": "paper.pdf", "line": None, "field": None, "message": "not a readable PDF"},
        {"file": "slides.pptx", "line": None, "field": None, "message": "unsupported"},
    ])
    assert stored() == (0, 0)


def test_api_multipart_without_files_is_refused(client, api_teacher):
    project, headers = api_teacher
    response = client.post(api_url(project.id), data={}, headers=headers,
                           content_type="multipart/form-data")
    assert_import_failed(response, [{"message": "no file was chosen"}])


def test_api_upload_over_request_limit_is_413(app, client, api_teacher):
    project, headers = api_teacher
    app.config["MAX_CONTENT_LENGTH"] = 1000
    data = {"files": [(io.BytesIO(b"x" * 2000), "big.txt")]}
    response = client.post(api_url(project.id), data=data, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert stored() == (0, 0)


def test_api_import_by_a_student_member_is_forbidden(client, make):
    project = make.project()
    student = make.member(project, "student")
    response = client.post(api_url(project.id), json={"documents": [{"text": "x"}]},
                           headers=bearer(student))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert stored() == (0, 0)


def test_api_import_into_another_project_is_not_found(client, make):
    project = make.project()
    outsider = make.user("other-teacher", role="teacher")
    make.project(outsider, "Their own")
    response = client.post(api_url(project.id), json={"documents": [{"text": "x"}]},
                           headers=bearer(outsider))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert stored() == (0, 0)


def test_api_import_without_credentials_is_refused(client, make):
    project = make.project()
    response = client.post(api_url(project.id), json={"documents": [{"text": "x"}]})
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert stored() == (0, 0)
    bad_token = client.post(api_url(project.id), json={"documents": [{"text": "x"}]},
                            headers={"Authorization": "Bearer smk_not-a-real-token"})
    assert bad_token.status_code == 401
    assert bad_token.get_json()["error"]["code"] == "unauthorized"
    assert stored() == (0, 0)


def test_api_import_with_session_needs_csrf_header(client, make, login_as):
    teacher = make.user("sess", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    body = {"documents": [{"text": "By session."}]}
    refused_response = client.post(api_url(project.id), json=body)
    assert refused_response.status_code == 400
    assert refused_response.get_json()["error"]["code"] == "csrf_failed"
    assert stored() == (0, 0)
    response = client.post(api_url(project.id), json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert count(Document) == 1


# --- CLI -----------------------------------------------------------------------------------

def write(tmp_path: Path, name: str, raw: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    return str(path)


def test_cli_imports_files(runner, make, tmp_path):
    project = make.project(title="CLI class")
    paths = [write(tmp_path, "a.txt", b"Alpha.\n\nBeta.\n"),
             write(tmp_path, "b.jsonl", jsonl({"title": "Rec", "text": "Gamma."}))]
    result = runner.invoke(args=["documents", "import", str(project.id), *paths])
    assert result.exit_code == 0, result.output
    assert "2 passages  Alpha." in result.output
    assert "1 passage  Rec" in result.output
    assert "Imported 2 documents into 'CLI class'." in result.output
    assert stored() == (2, 3)


def test_cli_imports_by_project_title(runner, make, tmp_path):
    make.project(title="Named class")
    result = runner.invoke(args=["documents", "import", "Named class",
                                 write(tmp_path, "a.md", b"# Title\n\nBody.\n")])
    assert result.exit_code == 0, result.output
    assert count(Document) == 1


def test_cli_imports_the_seed_files(runner, make):
    project = make.project()
    paths = sorted(str(p) for p in SEEDS.glob("*.txt"))
    result = runner.invoke(args=["documents", "import", str(project.id), *paths])
    assert result.exit_code == 0, result.output
    assert "Imported 5 documents" in result.output
    assert " 364 passages" in result.output
    assert stored() == (5, 31 + 49 + 364 + 16 + 32)
    again = runner.invoke(args=["documents", "import", str(project.id), paths[0]])
    assert again.exit_code != 0
    assert "already in this project" in again.output
    assert stored() == (5, 31 + 49 + 364 + 16 + 32)


def test_cli_bad_batch_prints_every_problem_and_imports_nothing(runner, make, tmp_path):
    project = make.project()
    paths = [write(tmp_path, "good.txt", b"Good.\n"),
             write(tmp_path, "bell.txt", b"ring\x07\n"),
             write(tmp_path, "rows.jsonl", jsonl({"text": "x", "published": "yesterday"})),
             write(tmp_path, "slides.pptx", b"PK")]
    result = runner.invoke(args=["documents", "import", str(project.id), *paths])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert "error: bell.txt, line 1: contains the control character U+0007" in result.output
    assert "error: rows.jsonl, line 1, field 'published': 'yesterday'" in result.output
    assert "error: slides.pptx: unsupported file type" in result.output
    assert stored() == (0, 0)


def test_cli_unknown_project_fails(runner, make, tmp_path):
    make.project()
    result = runner.invoke(args=["documents", "import", "9999",
                                 write(tmp_path, "a.txt", b"x\n")])
    assert result.exit_code != 0
    assert "No project" in result.output
    assert stored() == (0, 0)


def test_jsonl_metadata_is_one_clean_line(app, make):
    project = make.project()
    record = {"text": "Body.", "title": "Cafe\u0301\tnews\n\u0007 today ",
              "source": "  RFE/RL\r\n", "author": "A\u00a0 B"}
    (doc,) = import_files(project, [("m.jsonl", json.dumps(record).encode())], 10_000)
    assert (doc.title, doc.publisher, doc.author) == ("Café news today", "RFE/RL", "A B")


def test_duplicates_are_found_in_any_chunk_of_the_lookup(make, monkeypatch):
    """The project's texts are looked up by the upload's hashes a few at a time: a text
    already stored is found whichever chunk its hash falls in, and only those hashes are
    asked for."""
    from app.services import documents
    from tests.conftest import statements

    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    for n in range(6):
        make.document(project, f"Stored text {n}.\n", name=f"stored{n}.txt")
    monkeypatch.setattr(documents, "HASH_CHUNK", 2)
    drafts = read_files([(f"new{n}.txt", f"New text {n}.\n".encode()) for n in range(4)]
                        + [("again.txt", b"Stored text 5.\n")], 10_000)
    with statements() as seen:
        problems = documents.duplicate_problems(project, drafts)
    assert [(p.file, "already in this project" in p.message) for p in problems] \
        == [("again.txt", True)]
    lookups = [s for s in seen if "text_sha256" in s and "IN" in s.upper()]
    assert len(lookups) == 3  # five hashes, two at a time
