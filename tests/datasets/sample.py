"""Sample records and an export context for format tests (no database needed).

The texts hold what breaks naive offset code: emoji (with a ZWJ sequence), combining
accents kept as two code points where NFC has no composed form, and overlapping spans.
"""

from __future__ import annotations

import copy

from app.services.datasets.core import SCHEMA, ExportContext, LabelMeta, text_hash

TEXT_A = ("Police \U0001F46E\u200d\u2640\ufe0f said 14 died.\n"
          "A witness: \u201cthey were shooting to kill\u201d \U0001F62D.\n"
          "Forum: the so-called bandits were oil workers q\u0323\u0307!")
TEXT_B = "Officials: order is restored.\nNo one was hurt, the akimat says."


def _span(text: str, layer: str, label: str, needle: str, note: str = "",
          attributes: dict | None = None, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    end = start + len(needle)
    return {"layer": layer, "label": label, "start": start, "end": end,
            "text": text[start:end], "note": note, "attributes": attributes or {}}


def _passages(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, start + len(line)))
        start += len(line) + 1
    return out


def sample_records() -> list[dict]:
    a = [{"start": s, "end": e, "source_type": {}, "gold": None} for s, e in _passages(TEXT_A)]
    a[0]["source_type"] = {"aigerim": "news_report", "daniyar": "official_statement"}
    a[0]["gold"] = "news_report"
    a[1]["source_type"] = {"aigerim": "testimony", "daniyar": "testimony"}
    a[1]["gold"] = "testimony"
    a[2]["source_type"] = {"aigerim": "forum_post"}
    a[2]["gold"] = "forum_post"
    sort = lambda spans: sorted(spans, key=lambda s: (s["start"], -s["end"], s["layer"],  # noqa: E731
                                                      s["label"]))
    record_a = {
        "schema": SCHEMA, "id": 1, "title": "Police & witnesses", "publisher": "Example News",
        "author": "A. Writer", "published": "2011-12-17", "url": "https://example.org/a",
        "source_name": "a.txt", "notes": "", "language": "en", "text": TEXT_A,
        "text_hash": text_hash(TEXT_A),
        "offset_unit": "codepoint", "codebook": {"key": "media-literacy-default", "version": 1},
        "passages": a,
        "annotators": {
            "aigerim": {"done": True, "rating": {"reliability": 4, "slant": -1, "genre": "mixed"},
                        "spans": sort([
                            _span(TEXT_A, "rhetoric", "loaded_language",
                                  "shooting to kill", note="=HYPERLINK(\"x\")"),
                            _span(TEXT_A, "rhetoric", "name_calling", "so-called bandits"),
                            _span(TEXT_A, "rhetoric", "loaded_language", "bandits"),
                            _span(TEXT_A, "claim", "claim.no_source", "14 died",
                                  attributes={"verdict": "unchecked"}),
                            _span(TEXT_A, "source", "official_statement",
                                  "Police \U0001F46E\u200d\u2640\ufe0f said 14 died",
                                  attributes={"role": "voice", "speaker": "Police"}),
                        ])},
            "daniyar": {"done": False, "rating": None, "spans": sort([
                _span(TEXT_A, "rhetoric", "loaded_language", "were shooting to kill"),
                _span(TEXT_A, "rhetoric", "name_calling", "bandits were oil workers q\u0323\u0307"),
            ])},
        },
        "gold": {"rating": {"reliability": 4, "slant": 0, "genre": "mixed"}, "spans": sort([
            _span(TEXT_A, "rhetoric", "loaded_language", "shooting to kill"),
            _span(TEXT_A, "rhetoric", "name_calling", "so-called bandits"),
            _span(TEXT_A, "claim", "claim.no_source", "14 died"),
        ])},
    }
    b = [{"start": s, "end": e, "source_type": {"aigerim": "official_statement"},
          "gold": None} for s, e in _passages(TEXT_B)]
    record_b = {
        "schema": SCHEMA, "id": 2, "title": "Akimat statement", "publisher": "", "author": "",
        "published": "", "url": "", "source_name": "b.txt", "notes": "", "language": "en",
        "text": TEXT_B,
        "text_hash": text_hash(TEXT_B), "offset_unit": "codepoint",
        "codebook": {"key": "media-literacy-default", "version": 1}, "passages": b,
        "annotators": {"aigerim": {"done": True, "rating": None, "spans": [
            _span(TEXT_B, "claim", "claim.vague_source", "No one was hurt")]}},
        "gold": None,
    }
    return copy.deepcopy([record_a, record_b])


def sample_context() -> ExportContext:
    labels = {}
    for layer, key, name, maps in [
        ("source", "news_report", "News reporting", {}),
        ("source", "official_statement", "Official statement", {}),
        ("source", "testimony", "Interview / testimony", {}),
        ("source", "forum_post", "Forum / social post", {}),
        ("rhetoric", "loaded_language", "Loaded language", {"ptc": "Loaded_Language"}),
        ("rhetoric", "name_calling", "Name calling", {"ptc": "Name_Calling,Labeling"}),
        ("rhetoric", "slogan", "Slogan", {"ptc": "Slogans"}),
        ("claim", "claim.no_source", "No source", {}),
        ("claim", "claim.vague_source", "Vague source", {}),
    ]:
        labels[(layer, key)] = LabelMeta(layer, key, name, f"Definition of {name}.", maps)
    form = {"key": "doc_rating", "fields": [
        {"key": "reliability", "name": "Reliability", "type": "ordinal", "scale": [1, 7]},
        {"key": "slant", "name": "Slant", "type": "ordinal", "scale": [-3, 3],
         "allow_value": "cannot_tell"},
        {"key": "genre", "name": "Genre", "type": "nominal",
         "values": ["reporting", "opinion", "mixed"]},
    ]}
    return ExportContext(labels=labels, layers=["source", "rhetoric", "claim"],
                         layer_names={"source": "Source type", "rhetoric": "Rhetoric",
                                      "claim": "Unsupported claims"},
                         form=form, project_title="Sample",
                         enum_attributes={"role": ("segment", "voice"),
                                          "verdict": ("unchecked", "supported", "refuted",
                                                      "not_enough_info")})


def unzip_text(raw: bytes) -> dict[str, str]:
    """Every file of a zip, decoded as UTF-8, by name."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def zipped(entries: dict[str, str | bytes]) -> bytes:
    """A zip holding the given files."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def enrol(project, *usernames: str) -> None:
    """Make the named people students of the project (creating their accounts if need be):
    an import attaches work only to the project's own members."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User
    from app.services import accounts, projects
    from tests.conftest import PASSWORD

    for username in usernames or ("aigerim", "daniyar"):
        user = db.session.scalar(sa.select(User).where(User.username == username)) \
            or accounts.new_user(username, PASSWORD)
        projects.add_member(project, user, "student")
    db.session.commit()
