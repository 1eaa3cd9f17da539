"""Reading the files teachers have: saved web pages, PDFs, Word files and legacy encodings."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.services.documents import import_files, read_file
from app.services.texts import TextError, split_passages

FILES = Path(__file__).parent / "files"
MB2 = 2 * 1024 * 1024
RUSSIAN = (FILES / "zhanaozen_cp1251.txt").read_bytes().decode("cp1251")


def read(name: str, raw: bytes | None = None):
    (draft,) = read_file(name, (FILES / name).read_bytes() if raw is None else raw, MB2)
    return draft


def passages(draft) -> list[str]:
    return [draft.text[s:e] for s, e in split_passages(draft.text)]


def refusal(name: str, raw: bytes) -> str:
    with pytest.raises(TextError) as excinfo:
        read_file(name, raw, MB2)
    return str(excinfo.value)


# --- saved web pages -----------------------------------------------------------------------

def test_saved_page_keeps_the_article_and_drops_the_page_furniture():
    draft = read("saved_article.html")
    seed = (Path(__file__).parent.parent / "seeds" / "001_e2d80d9f7a307687.txt").read_text()
    assert "XS\nSM\nMD\nLG" in seed and seed.startswith("Accessibility links")  # the furniture
    for furniture in ("Accessibility links", "Breaking News", "skip to main content", "XS",
                      "LG", "16x9 Image", "Most Popular", "cookies", "Accept", "Copyright",
                      "About Us", "Multimedia", "Podcasts", "Police had cordoned off"):
        assert furniture not in draft.text, furniture
    kept = passages(draft)
    assert kept[0].startswith("ZHANAOZEN/PRAGUE -- Authorities in western Kazakhstan")
    assert "Heavy Police Presence" in kept  # a subheading is a passage of its own
    assert kept[-1] == ("Written by Farangis Najibullah, based on RFE/RL Kazakh Service and "
                        "other RFE/RL reporting")
    assert len(kept) == 31
    # Every paragraph of the article is there, word for word.
    words = " ".join(seed.split())
    for paragraph in kept[1:-1]:
        assert paragraph in words


def test_saved_page_gives_its_metadata():
    draft = read("saved_article.html")
    assert draft.title == "Kazakh Authorities Try To Extinguish Unrest In Unruly West"
    assert (draft.author, draft.publisher, draft.published) == (
        "Farangis Najibullah", "RFE/RL", "2011-12-19")
    assert draft.url == ("https://www.example.org/a/"
                         "kazakh-authorities-try-to-extinguish-unrest-in-unruly-west.html")
    assert draft.encoding == "UTF-8" and "furniture left out" in draft.how
    assert draft.interpreted


def test_saved_page_address_comes_from_the_saved_from_note_when_the_page_names_none():
    page = (FILES / "saved_article.html").read_text()
    page = "\n".join(line for line in page.split("\n")
                     if "og:url" not in line and "canonical" not in line)
    assert read("page.html", page.encode()).url.startswith("https://www.example.org/a/kazakh")


def test_saved_page_in_a_declared_legacy_encoding_is_read_in_it():
    page = ("<html><head><meta charset=\"windows-1251\"><title>Жанаозен</title></head><body>"
            + "".join(f"<p>{p}</p>" for p in RUSSIAN.split("\r\n\r\n")) + "</body></html>")
    draft = read("ru.html", page.encode("cp1251"))
    assert draft.encoding == "Windows-1251 (Cyrillic), as the page declares"
    assert "Мангистауской области" in draft.text


# --- PDF -----------------------------------------------------------------------------------

def test_pdf_paragraphs_become_passages():
    draft = read("article.pdf")
    kept = passages(draft)
    assert kept[:3] == ["Kazakh Authorities Try To Extinguish Unrest In Unruly West",
                        "By Farangis Najibullah",
                        "ZHANAOZEN/PRAGUE -- Authorities in western Kazakhstan insist they "
                        "have restored order following deadly clashes between police and "
                        "out-of-work laborers that left at least 13 people dead and more than "
                        "85 wounded."]
    assert len(kept) == 10
    assert "effect" in kept[3] and "\ufb00" not in draft.text  # the ligature is letters again
    assert draft.title == "Kazakh Authorities Try To Extinguish Unrest In Unruly West"
    assert draft.how == "the text layer of 1 page" and draft.interpreted


def test_pdf_without_a_text_layer_is_refused_as_scanned():
    message = refusal("scan.pdf", (FILES / "scanned.pdf").read_bytes())
    assert message.startswith("scan.pdf: this PDF has no text; it is probably scanned")


@pytest.mark.parametrize("raw", [b"%PDF-1.7\n", b"not a pdf at all",
                                 (FILES / "article.pdf").read_bytes()[:5000]])
def test_damaged_pdf_is_refused(raw):
    assert "not a readable PDF" in refusal("broken.pdf", raw)


def test_pdf_over_the_file_limit_is_refused_before_parsing(app):
    app.config["DOCUMENT_FILE_MAX_BYTES"] = 1000
    message = refusal("article.pdf", (FILES / "article.pdf").read_bytes())
    assert "over the limit of 1,000 bytes (SOURCEMARK_DOCUMENT_FILE_MAX_BYTES)" in message


# --- Word ----------------------------------------------------------------------------------

def test_docx_paragraphs_lists_and_tables_become_passages():
    draft = read("lesson.docx")
    kept = passages(draft)
    assert kept[:2] == ["Zhanaozen: what the officials said", "Excerpts for the lesson on "
                        "sources. Mark who is speaking in each paragraph."]
    assert kept[-6:] == ["Questions", "Who blames whom?", "Which claims have no source?",
                         "Speaker \u2014 Claim",
                         "Interior Minister Kasymov \u2014 Police fired into the air or the "
                         "ground.", "Source: RFE/RL, December 2011."]
    assert draft.title == "Zhanaozen: what the officials said"
    assert draft.author == ""  # the file's "author" is whoever saved it, not the writer


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_by_the_zip_checks():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b" " * (4 * 1024 * 1024)})
    message = refusal("bomb.docx", bomb)
    assert "bomb.docx/word/document.xml" in message and "SOURCEMARK_ZIP_MAX_RATIO" in message


def test_docx_bomb_hidden_in_a_dot_file_is_counted_too(app):
    app.config["ZIP_MAX_MEMBER_BYTES"] = 1000
    bomb = _zip({"[Content_Types].xml": b"<x/>", "_rels/.rels": b" " * 5000})
    assert "bomb.docx/_rels/.rels" in refusal("bomb.docx", bomb)


@pytest.mark.parametrize("raw", [b"PK\x03\x04 damaged", b"plain text",
                                 _zip({"word/document.xml": b"<w:document/>"})])
def test_unreadable_docx_is_refused(raw):
    assert "not a readable Word file" in refusal("essay.docx", raw)


# --- encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize("codec,name", [
    ("cp1251", "Windows-1251 (Cyrillic)"),
    ("koi8_r", "KOI8-R (Cyrillic)"),
    ("utf-16", "UTF-16 (with byte-order mark)"),
    ("utf-16-be", None),
    ("utf-8-sig", "UTF-8 (with byte-order mark)"),
])
def test_legacy_encodings_are_detected_and_named(codec, name):
    raw = RUSSIAN.encode(codec)
    if name is None:  # UTF-16 without a mark: no detector can be sure of it
        assert "binary" in refusal("ru.txt", raw)
        return
    draft = read("ru.txt", raw)
    assert draft.encoding == name
    assert passages(draft)[0] == "Жанаозен: что известно о событиях 16 декабря"
    assert "\r" not in draft.text
    assert draft.interpreted == (codec != "utf-8-sig")


def test_the_shipped_cp1251_file_is_read():
    draft = read("zhanaozen_cp1251.txt")
    assert draft.encoding == "Windows-1251 (Cyrillic)"
    assert len(passages(draft)) == 6


def test_latin1_text_is_read_as_windows_1252():
    raw = ("Les élèves ont lu l'article. Müller a été très intéressé par la façon dont "
           "les témoins décrivent la scène.\n").encode("latin-1")
    draft = read("fr.txt", raw)
    assert draft.encoding == "Windows-1252 (Western European, Latin-1)"
    assert draft.text.startswith("Les élèves")


@pytest.mark.parametrize("raw", [
    b"Caf\xe9 \xff\xfe broken\n",            # too short to tell Latin-1 from Cyrillic
    "Привет мир\n".encode("cp1251"),          # two words fit every Cyrillic code page
    bytes(range(0x80, 0x100)) * 4,            # no language at all
])
def test_undecidable_bytes_are_refused_as_before(raw):
    message = refusal("odd.txt", raw)
    assert "not valid UTF-8" in message and "save the file as UTF-8" in message


def test_utf8_is_read_first_and_not_second_guessed():
    from app.services.reading.encodings import decode_text

    decoded = decode_text("Жанаозен é".encode(), "a.txt")
    assert (decoded.text, decoded.encoding, decoded.legacy) == ("Жанаозен é", "UTF-8", False)


def test_plain_utf8_text_is_not_interpreted():
    assert not read("a.txt", b"Plain text.\n").interpreted


def test_jsonl_is_not_interpreted():
    (draft,) = read_file("rows.jsonl", b'{"text": "One."}\n', MB2)
    assert not draft.interpreted


def test_jsonl_stays_utf8_only():
    assert "not valid UTF-8" in refusal("rows.jsonl", '{"text": "Жанаозен"}\n'.encode("cp1251"))


def test_all_four_kinds_import_together(make):
    project = make.project()
    names = ["saved_article.html", "article.pdf", "lesson.docx", "zhanaozen_cp1251.txt"]
    docs = import_files(project, [(n, (FILES / n).read_bytes()) for n in names], MB2)
    assert [d.source_name for d in docs] == names
    assert all(len(d.passages) > 5 for d in docs)
