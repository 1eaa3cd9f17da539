"""Zip imports: entry count, declared and actual sizes and the compression ratio are checked
before and while reading, whatever the format; a refusal names the member and the limit."""

from __future__ import annotations

import io
import struct
import zipfile
from functools import cache

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document
from app.services.datasets import importing
from app.services.datasets.core import FormatError
from app.services.datasets.safezip import read_members

MB = 1024 * 1024
ZEROS = bytes(MB)

# A member each format reads, and a sound file beside it where the format needs a pair.
MEMBERS = {
    "doccano": ("alia.jsonl", {}),
    "brat": ("alia/doc.txt", {"alia/doc.ann": b""}),
    "ptc": ("article1.txt", {}),
}


def _zip(members: dict[str, bytes], zeros: tuple[str, int] | None = None) -> bytes:
    """A zip of `members`, plus one member of `zeros[1]` MB of zeros written in streaming
    mode (the test never holds it uncompressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if zeros:
            with archive.open(zeros[0], "w", force_zip64=True) as entry:
                for _ in range(zeros[1]):
                    entry.write(ZEROS)
    return out.getvalue()


@cache
def _bomb(fmt: str, megabytes: int = 100) -> bytes:
    """A member of zeros, `megabytes` MB of them in about a thousandth of that."""
    member, others = MEMBERS[fmt]
    return _zip(others, (member, megabytes))


def _text(size: int) -> bytes:
    """`size` bytes of JSON lines that deflate about as well as real text (well under the
    ratio limit)."""
    words = [f"w{(i * 7919) % 100_003:x}" for i in range(size // 4)]
    line = b'{"text": "' + " ".join(words).encode()[: size - 20] + b'", "label": []}\n'
    return line


@pytest.mark.parametrize("fmt", sorted(MEMBERS))
def test_a_zip_bomb_is_refused_early_naming_the_member(app, make, fmt, monkeypatch):
    project = make.project()
    inflated = []
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    with pytest.raises(FormatError) as excinfo:
        importing.import_file(project, fmt, "bomb.zip", _bomb(fmt))
    assert sum(inflated) <= 2 * MB  # refused by its header or after about 1 MB, not 100 MB
    (problem,) = excinfo.value.problems
    assert problem.file == f"bomb.zip/{MEMBERS[fmt][0]}"
    assert "more than 100 times its compressed size" in problem.message
    assert "SOURCEMARK_ZIP_MAX_RATIO" in problem.message
    assert excinfo.value.status == 400
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_a_bomb_that_declares_its_size_is_refused_unread(app, make):
    with pytest.raises(FormatError) as excinfo:
        importing.import_file(make.project(), "doccano", "bomb.zip", _bomb("doccano", 200))
    (problem,) = excinfo.value.problems
    assert problem.file == "bomb.zip/alia.jsonl"
    assert "declares more than 134,217,728 bytes" in problem.message
    assert "SOURCEMARK_ZIP_MAX_MEMBER_BYTES" in problem.message


def test_a_member_over_the_size_limit_is_refused_before_reading(app):
    app.config["ZIP_MAX_MEMBER_BYTES"] = 100_000
    raw = _zip({"ok.jsonl": _text(50_000), "big.jsonl": _text(300_000)})
    with pytest.raises(FormatError) as excinfo:
        read_members("data.zip", raw, lambda path, base: True)
    (problem,) = excinfo.value.problems
    assert problem.file == "data.zip/big.jsonl"
    assert "declares more than 100,000 bytes" in problem.message
    assert "SOURCEMARK_ZIP_MAX_MEMBER_BYTES" in problem.message


def test_the_uncompressed_total_is_limited(app):
    app.config["ZIP_MAX_TOTAL_BYTES"] = 500_000
    raw = _zip({"a.jsonl": _text(300_000), "b.jsonl": _text(300_000)})
    with pytest.raises(FormatError) as excinfo:
        read_members("data.zip", raw, lambda path, base: True)
    assert "SOURCEMARK_ZIP_MAX_TOTAL_BYTES" in excinfo.value.problems[0].message
    # Files the format does not read do not count.
    assert list(read_members("data.zip", raw, lambda path, base: base == "a.jsonl")) == \
        ["a.jsonl"]


def test_the_entry_count_is_limited(app):
    app.config["ZIP_MAX_ENTRIES"] = 10
    raw = _zip({f"n{i}.jsonl": b"{}\n" for i in range(11)})
    with pytest.raises(FormatError) as excinfo:
        read_members("many.zip", raw, lambda path, base: True)
    message = excinfo.value.problems[0].message
    assert "11 entries" in message and "SOURCEMARK_ZIP_MAX_ENTRIES" in message


def _declare(raw: bytes, size: int) -> bytes:
    """The zip with its first member's uncompressed size in the central directory (what
    readers trust) set to `size`."""
    data = bytearray(raw)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_header_that_declares_a_huge_member_is_refused_unread(app):
    raw = _declare(_zip({"alia.jsonl": b'{"text": "Short.", "label": []}\n'}), 2**32 - 2)
    with pytest.raises(FormatError) as excinfo:
        read_members("lying.zip", raw, lambda path, base: True)
    (problem,) = excinfo.value.problems
    assert problem.file == "lying.zip/alia.jsonl" and "declares more than" in problem.message


def test_a_header_that_under_declares_is_not_trusted(app):
    # The member says 100 bytes and holds 5 MB: reading stops at the declared size and the
    # checksum then fails; memory never holds the 5 MB.
    raw = _declare(_zip({}, ("alia.jsonl", 5)), 100)
    with pytest.raises(FormatError) as excinfo:
        read_members("lying.zip", raw, lambda path, base: True)
    (problem,) = excinfo.value.problems
    assert problem.file == "lying.zip/alia.jsonl" and "cannot be read" in problem.message


def test_a_sound_export_reads_as_before(app):
    members = {"alia.jsonl": b'{"text": "One.", "label": []}\n', ".hidden": b"x",
               "__MACOSX/alia.jsonl": b"x", "dir/": b""}
    got = read_members("ok.zip", _zip(members), lambda path, base: base.endswith(".jsonl"))
    assert got == {"alia.jsonl": b'{"text": "One.", "label": []}\n'}


def test_the_web_import_flashes_the_limit(app, client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/import", data={
        "csrf_token": token, "format": "doccano",
        "file": (io.BytesIO(_bomb("doccano")), "bomb.zip")},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "SOURCEMARK_ZIP_MAX_RATIO" in page


def test_the_cli_import_names_the_limit(app, runner, make, tmp_path):
    project = make.project()
    path = tmp_path / "bomb.zip"
    path.write_bytes(_bomb("brat"))
    result = runner.invoke(args=["import", str(project.id), str(path), "--format", "brat"])
    assert result.exit_code != 0
    assert "bomb.zip/alia/doc.txt" in result.output and "SOURCEMARK_ZIP_MAX_RATIO" in \
        result.output
