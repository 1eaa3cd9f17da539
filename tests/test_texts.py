"""Canonical text rules, visible text of HTML and the passage split (pure functions, no app)."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest

from app.services.texts import (
    WRAP_WIDTH,
    Problem,
    TextError,
    canonicalize,
    decode_utf8,
    html_to_text,
    sha256_hex,
    split_passages,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_PASSAGES = {
    "000_52683757a7824f21.txt": 31,
    "001_e2d80d9f7a307687.txt": 49,
    "002_58f5ba6ad2df0acd.txt": 364,
    "003_ae96969c7c3299f9.txt": 16,
    "004_010822ac285143c9.txt": 32,
}
FAMILY = "\U0001F469\u200D\U0001F469\u200D\U0001F467"  # 👩‍👩‍👧: five code points, one glyph


def seed_text(name: str) -> str:
    return canonicalize(decode_utf8((SEEDS / name).read_bytes(), name), name)


def passages(text: str) -> list[str]:
    return [text[start:end] for start, end in split_passages(text)]


def problem_of(excinfo: pytest.ExceptionInfo[TextError]) -> Problem:
    return excinfo.value.problem


# --- decoding ------------------------------------------------------------------------------

def test_decode_utf8_removes_byte_order_mark():
    assert decode_utf8(b"\xef\xbb\xbfHello", "a.txt") == "Hello"


def test_decode_utf8_keeps_non_ascii_text():
    assert decode_utf8("Жаңаөзен €".encode(), "a.txt") == "Жаңаөзен €"


@pytest.mark.parametrize("raw", [b"caf\xe9\n", b"ok\n\xff\xfe", b"abc\xc3", b"\xed\xa0\x80"])
def test_decode_utf8_refuses_invalid_utf8_naming_file(raw):
    with pytest.raises(TextError) as excinfo:
        decode_utf8(raw, "latin1.txt")
    problem = problem_of(excinfo)
    assert problem.file == "latin1.txt"
    assert "not valid UTF-8" in problem.message
    assert str(excinfo.value).startswith("latin1.txt")


def test_decode_utf8_error_names_the_line():
    with pytest.raises(TextError) as excinfo:
        decode_utf8(b"one\ntwo\nth\x80ree\n", "a.txt")
    assert problem_of(excinfo).line == 3
    assert "0x80" in problem_of(excinfo).message


def test_decode_utf8_refuses_nul_bytes_as_binary():
    with pytest.raises(TextError) as excinfo:
        decode_utf8(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.txt")
    assert problem_of(excinfo).file == "picture.txt"
    assert "binary" in problem_of(excinfo).message


# --- canonical form ------------------------------------------------------------------------

def test_canonicalize_turns_crlf_and_cr_into_lf():
    assert canonicalize("one\r\ntwo\rthree\n", "a.txt") == "one\ntwo\nthree\n"


def test_canonicalize_crlf_does_not_double_newlines():
    assert canonicalize("a\r\n\r\nb", "a.txt") == "a\n\nb"


def test_canonicalize_applies_nfc():
    decomposed = "Cafe\u0301 and Zhanaozen\u0308"
    text = canonicalize(decomposed, "a.txt")
    assert text == unicodedata.normalize("NFC", decomposed)
    assert "Caf\u00e9" in text
    assert "\u0301" not in text


def test_canonicalize_removes_byte_order_mark():
    assert canonicalize("\ufeffHello", "a.txt") == "Hello"


def test_canonicalize_keeps_tabs_and_newlines():
    assert canonicalize("a\tb\nc\n", "a.txt") == "a\tb\nc\n"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f",
                                  "\x85", "\x9f"])
def test_canonicalize_refuses_control_characters(char):
    with pytest.raises(TextError) as excinfo:
        canonicalize(f"first line\nsecond{char}line\n", "notes.txt")
    problem = problem_of(excinfo)
    assert problem.file == "notes.txt"
    assert problem.line == 2
    assert f"U+{ord(char):04X}" in problem.message


def test_canonicalize_control_error_uses_given_line_and_field():
    with pytest.raises(TextError) as excinfo:
        canonicalize("a\nb\x07", "batch.jsonl", line=7, field="text")
    problem = problem_of(excinfo)
    assert (problem.file, problem.line, problem.field) == ("batch.jsonl", 7, "text")
    assert str(excinfo.value).startswith("batch.jsonl, line 7, field 'text': ")


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n \r\n", "\ufeff", "\u00a0\u2003"])
def test_canonicalize_refuses_empty_or_whitespace_text(text):
    with pytest.raises(TextError) as excinfo:
        canonicalize(text, "blank.txt")
    assert problem_of(excinfo).file == "blank.txt"
    assert "empty" in problem_of(excinfo).message


def test_canonicalize_size_cap_counts_utf8_bytes():
    text = "é" * 5  # ten bytes of UTF-8, five code points
    assert canonicalize(text, "a.txt", max_bytes=10) == text
    with pytest.raises(TextError) as excinfo:
        canonicalize(text, "a.txt", max_bytes=9)
    assert problem_of(excinfo).file == "a.txt"
    assert "10 bytes" in problem_of(excinfo).message
    assert "limit of 9 bytes" in problem_of(excinfo).message


def test_canonicalize_is_idempotent_on_seeds():
    for name in SEED_PASSAGES:
        text = seed_text(name)
        assert canonicalize(text, name) == text


def test_sha256_hex_hashes_utf8_bytes():
    text = f"Zhanaozen {FAMILY} é\n"
    assert sha256_hex(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(sha256_hex(text)) == 64


def test_problem_as_dict_and_str():
    problem = Problem("a.jsonl", "is required", line=2, field="text")
    assert problem.as_dict() == {"file": "a.jsonl", "line": 2, "field": "text",
                                 "message": "is required"}
    assert str(problem) == "a.jsonl, line 2, field 'text': is required"
    assert str(Problem("a.txt", "the text is empty")) == "a.txt: the text is empty"


# --- HTML ----------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Zhanaozen &amp; after</title>
  <style>body { font-family: HEADSTYLE; }</style>
  <script>var HEADSCRIPT = "<p>not text</p>";</script>
  <link rel="stylesheet" href="site.css">
</head>
<body>
  <nav><a href="/">Home</a></nav>
  <h1>Protests in <em>Kazakhstan</em></h1>
  <p>Oil workers &amp; their families gathered.
     The police &lt;said&gt; nothing.</p>
  <script>document.write("BODYSCRIPT");</script>
  <style>.x { color: BODYSTYLE; }</style>
  <noscript>NOSCRIPT</noscript>
  <p>Line one<br>Line two</p>
  <ul><li>First item</li><li>Second item</li></ul>
  <!-- COMMENT -->
</body>
</html>
"""


def test_html_title_becomes_title_with_entities_decoded():
    _, title = html_to_text(PAGE)
    assert title == "Zhanaozen & after"


def test_html_hidden_content_never_appears():
    text, _ = html_to_text(PAGE)
    for hidden in ("HEADSTYLE", "HEADSCRIPT", "not text", "BODYSCRIPT", "BODYSTYLE",
                   "NOSCRIPT", "COMMENT", "Zhanaozen", "font-family", "document.write"):
        assert hidden not in text


def test_html_keeps_no_markup():
    text, _ = html_to_text(PAGE)
    assert "<" not in text.replace("<said>", "")
    assert "href" not in text
    assert "&amp;" not in text and "&lt;" not in text


def test_html_decodes_entities():
    text, _ = html_to_text(PAGE)
    assert "Oil workers & their families gathered. The police <said> nothing." in text


def test_html_block_elements_become_separate_passages():
    text, _ = html_to_text(PAGE)
    assert passages(text) == [
        "Home",
        "Protests in Kazakhstan",
        "Oil workers & their families gathered. The police <said> nothing.",
        "Line one",
        "Line two",
        "First item",
        "Second item",
    ]


def test_html_br_becomes_newline():
    text, _ = html_to_text("<p>one<br>two<br/>three</p>")
    assert text == "one\ntwo\nthree\n"


def test_html_unclosed_paragraphs_are_separate_blocks():
    text, _ = html_to_text("<p>alpha<p>beta<div>gamma</div>delta")
    assert passages(text) == ["alpha", "beta", "gamma", "delta"]


def test_html_inline_elements_join_their_text():
    text, _ = html_to_text("<p>A <b>bold</b> <i>claim</i>, <a href='x'>linked</a>.</p>")
    assert text == "A bold claim, linked.\n"


def test_html_nbsp_and_runs_of_spaces_collapse():
    text, _ = html_to_text("<p>a&nbsp;&nbsp;b \t  c\n   d</p>")
    assert text == "a b c d\n"


def test_html_pre_keeps_its_lines():
    text, _ = html_to_text("<pre>  one\n    two</pre><p>after</p>")
    assert text == "  one\n    two\n\nafter\n"


def test_html_table_cells_are_spaced_and_rows_separate():
    text, _ = html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
    assert passages(text) == ["a b", "c"]


def test_html_title_falls_back_to_first_h1():
    _, title = html_to_text("<body><h1>The <b>heading</b></h1><h1>Second</h1><p>x</p></body>")
    assert title == "The heading"


def test_html_without_title_or_h1_has_empty_title():
    _, title = html_to_text("<p>just text</p>")
    assert title == ""


def test_html_title_without_head_is_not_body_text():
    text, title = html_to_text("<title>Page title</title><p>Body text</p>")
    assert title == "Page title"
    assert text == "Body text\n"


def test_html_unclosed_head_ends_where_body_begins():
    # </head> is optional in HTML; the body must not be taken for head content.
    text, title = html_to_text("<html><head><title>T</title><body><p>Body text</p></body>")
    assert title == "T"
    assert text == "Body text\n"


def test_html_svg_title_is_not_the_page_title():
    page = ("<head><title>Real title</title></head><body><p>x</p>"
            "<svg><title>icon name</title><text>drawn</text></svg></body>")
    text, title = html_to_text(page)
    assert title == "Real title"
    assert "icon name" not in text and "drawn" not in text


def test_html_numeric_entities_decode_to_code_points():
    text, _ = html_to_text("<p>Caf&eacute; &#x1F600; &#233;</p>")
    assert text == "Café \U0001F600 é\n"


# --- passages ------------------------------------------------------------------------------

def test_passages_are_paragraphs_between_blank_lines():
    text = "First paragraph.\n\nSecond paragraph.\n\n\n\nThird.\n"
    assert split_passages(text) == [(0, 16), (18, 35), (39, 45)]
    assert passages(text) == ["First paragraph.", "Second paragraph.", "Third."]


def test_whitespace_only_lines_separate_passages():
    text = "One.\n   \t\nTwo.\n\u00a0\nThree."
    assert passages(text) == ["One.", "Two.", "Three."]


def test_passages_are_trimmed():
    text = "   indented start.  \n\n\tTabbed.\t\n"
    spans = split_passages(text)
    assert passages(text) == ["indented start.", "Tabbed."]
    assert spans[0] == (3, 18)


def test_hard_wrapped_paragraph_stays_one_passage():
    paragraph = ("The protests began in the oil town of Zhanaozen\n"
                 "when striking workers refused to leave the main\n"
                 "square, and the police opened fire on the crowd\n"
                 "late in the afternoon.")
    text = f"{paragraph}\n\nNext paragraph.\n"
    assert passages(text) == [paragraph, "Next paragraph."]


def test_short_lines_of_similar_length_stay_one_passage():
    poem = "Steppe wind\nover the rigs\nno one talks"
    assert passages(poem) == [poem]


def test_line_per_paragraph_block_splits_per_line():
    lines = [
        "I suppose you understand that every action has a reaction, and this one was "
        "coming for a long time, whatever the government says.",
        "Why do you label ordinary protestors terrorists? We know your tactics here.",
        "No doubt.",
    ]
    text = "\n".join(lines) + "\n"
    assert passages(text) == lines
    assert len(lines[0]) > WRAP_WIDTH


def test_lines_without_letters_or_digits_are_not_passages():
    text = "Post one.\n\n.\n\n***\n\n---\n\nPost two.\n.\nA much longer reply line that " \
           "is clearly not a hard-wrapped paragraph because it runs well past the wrap width.\n"
    found = passages(text)
    assert found[:2] == ["Post one.", "Post two."]
    assert len(found) == 3
    assert all(any(c.isalnum() for c in p) for p in found)
    assert "." not in found and "***" not in found and "---" not in found


def test_digits_alone_are_a_passage():
    assert passages("2011\n\n.\n") == ["2011"]


def test_no_passages_in_punctuation_only_text():
    assert split_passages(". . .\n\n!!!\n") == []


def test_passage_at_end_without_newline():
    text = "a\n\nlast"
    assert split_passages(text) == [(0, 1), (3, 7)]


def test_offsets_are_code_points_with_emoji_and_zwj_sequences():
    text = canonicalize(f"Family {FAMILY} photo \U0001F600.\n\nAfter the emoji: done.\n", "a.txt")
    spans = split_passages(text)
    assert len(FAMILY) == 5
    assert spans == [(0, 7 + 5 + 7 + 1 + 1), (23, 45)]
    assert text[spans[0][0]:spans[0][1]] == f"Family {FAMILY} photo \U0001F600."
    assert text[spans[1][0]:spans[1][1]] == "After the emoji: done."
    # Offsets are not UTF-8 or UTF-16 offsets.
    assert len(text[:spans[1][0]].encode("utf-8")) != spans[1][0]
    assert len(text[:spans[1][0]].encode("utf-16-le")) // 2 != spans[1][0]


def test_offsets_index_the_nfc_text_with_combining_accents():
    text = canonicalize("Cafe\u0301 ouvert.\n\nRe\u0301sume\u0301 here.\n", "a.txt")
    assert text == "Café ouvert.\n\nRésumé here.\n"
    assert split_passages(text) == [(0, 12), (14, 26)]
    assert passages(text) == ["Café ouvert.", "Résumé here."]


def test_offsets_index_the_lf_text_of_a_crlf_file():
    raw = "First para, \u00e9.\r\n\r\nSecond\r\npara.\r\n".encode()
    text = canonicalize(decode_utf8(raw, "w.txt"), "w.txt")
    assert text == "First para, é.\n\nSecond\npara.\n"
    assert split_passages(text) == [(0, 14), (16, 28)]
    assert passages(text) == ["First para, é.", "Second\npara."]


# --- the seed texts ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SEED_PASSAGES))
def test_seed_passages_are_well_formed(name):
    text = seed_text(name)
    spans = split_passages(text)
    previous_end = 0
    for start, end in spans:
        passage = text[start:end]
        assert 0 <= start < end <= len(text)
        assert passage
        assert passage == passage.strip()
        assert "\n\n" not in passage
        assert any(c.isalnum() for c in passage)
        assert start >= previous_end  # in order, no overlap
        previous_end = end


@pytest.mark.parametrize("name,count", sorted(SEED_PASSAGES.items()))
def test_seed_passage_counts(name, count):
    assert len(split_passages(seed_text(name))) == count


@pytest.mark.parametrize("name", sorted(SEED_PASSAGES))
def test_seed_passages_cover_every_line_with_a_letter_or_digit(name):
    text = seed_text(name)
    covered = "".join(text[s:e] for s, e in split_passages(text))
    for line in text.split("\n"):
        if any(c.isalnum() for c in line):
            assert line.strip() in covered


def test_seed_000_first_passage_is_the_headline():
    assert passages(seed_text("000_52683757a7824f21.txt"))[0] == (
        "Hundreds Confront Kazakh Police for 3rd Day")


def test_seed_002_forum_lines_are_passages_of_their_own():
    text = seed_text("002_58f5ba6ad2df0acd.txt")
    found = passages(text)
    first = ("When Eastern countries see that it comes a Soros payment to NGOs, they let it, "
             "well, then enjoy the results.")
    second = "No doubt Soros is behind this."
    start = text.index(f"{first}\n{second}\n")  # adjacent lines in the file...
    spans = split_passages(text)
    index = spans.index((start, start + len(first)))  # ...yet two passages
    assert spans[index + 1] == (start + len(first) + 1, start + len(first) + 1 + len(second))
    assert found[index + 1] == second


def test_seed_002_dot_separators_are_not_passages():
    text = seed_text("002_58f5ba6ad2df0acd.txt")
    assert sum(1 for line in text.split("\n") if line.strip() == ".") >= 10
    assert "." not in passages(text)
    assert "Putin is banning NGO's just now." in "\n".join(passages(text))
    putin = next(p for p in passages(text) if p.startswith("Putin is banning NGO's"))
    assert not putin.startswith(".")


def test_seed_001_short_wrapped_lines_stay_one_passage():
    assert "XS\nSM\nMD\nLG" in passages(seed_text("001_e2d80d9f7a307687.txt"))


# --- offsets carried from a raw text to its canonical form ---------------------------------

def test_canonicalize_mapped_carries_offsets_over_crlf_and_bom():
    from app.services.texts import canonicalize_mapped

    raw = "\ufeffOne line\r\nTwo \U0001F62D\rThree"
    text, offsets = canonicalize_mapped(raw, "f.txt")
    assert text == "One line\nTwo \U0001F62D\nThree"
    for word in ("One", "line", "Two", "\U0001F62D", "Three"):
        start = raw.index(word)
        new = offsets.at(start)
        assert text[new:offsets.at(start + len(word))] == word


def test_canonicalize_mapped_refuses_a_boundary_inside_a_crlf_or_an_accent():
    from app.services.texts import canonicalize_mapped

    raw = "Cafe\u0301\r\nx"
    text, offsets = canonicalize_mapped(raw, "f.txt")
    assert text == "Caf\u00e9\nx"
    assert offsets.at(raw.index("\u0301")) is None  # between e and its accent
    assert offsets.at(raw.index("\n")) is None      # between CR and LF
    assert offsets.at(raw.index("\r")) == text.index("\n")
    assert offsets.at(len(raw)) == len(text)


def test_canonicalize_mapped_keeps_an_already_canonical_text_one_to_one():
    from hypothesis import given
    from hypothesis import strategies as st

    from app.services.texts import canonicalize_mapped

    @given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1)
           .filter(lambda t: t.strip()))
    def check(raw):
        import unicodedata

        raw = unicodedata.normalize("NFC", raw)
        text, offsets = canonicalize_mapped(raw, "f")
        assert text == raw.removeprefix("\ufeff")
        if not raw.startswith("\ufeff"):
            assert all(offsets.at(i) == i for i in range(len(raw) + 1))

    check()
