"""Reading an uploaded zip archive without trusting it: the one way the app reads a zip.

A 1 MB zip can hold a 1 GiB member of zeros. Before any member is read, the entry count
and every wanted member's declared size (one by one and in total) are checked; then each
member is decompressed in chunks with a counter, because a header may lie, and reading
stops as soon as the member, the total or the compression ratio passes its limit. Every
refusal is a FormatError (a 400) naming the member and the limit with its setting.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask_babel import format_number
from flask_babel import gettext as _

from app import limits
from app.services.datasets.core import FormatError
from app.services.texts import Problem

CHUNK = 64 * 1024
# What zipfile raises on a damaged archive; RuntimeError: an encrypted member,
# NotImplementedError: a compression method it does not know.
UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
               NotImplementedError)
# Small files compress wildly (a page of spaces); the ratio is judged past this much output.
RATIO_FLOOR = 1024 * 1024


def _refuse(file: str, message: str) -> FormatError:
    return FormatError([Problem(file, message)])


def _skipped(info: zipfile.ZipInfo) -> bool:
    base = info.filename.rsplit("/", 1)[-1]
    return info.is_dir() or base.startswith(".") or "__MACOSX/" in info.filename


class Budget:
    """The limits of one archive, and what has come out of it so far: `check_declared` what
    its headers say, then `read` each member, counted as it comes out. Readers of zip-based
    formats that need every member (a Word file's hidden "_rels") use it directly."""

    def __init__(self, name: str):
        self.name = name
        self.entries = limits.setting("ZIP_MAX_ENTRIES")
        self.member = limits.setting("ZIP_MAX_MEMBER_BYTES")
        self.total = limits.setting("ZIP_MAX_TOTAL_BYTES")
        self.ratio = limits.setting("ZIP_MAX_RATIO")
        self.used = 0

    def check_declared(self, infos: list[zipfile.ZipInfo], wanted: list[zipfile.ZipInfo]
                       ) -> None:
        if len(infos) > self.entries:
            raise _refuse(self.name, _("the zip holds %(count)s entries, over the limit of "
                                       "%(limit)s (%(setting)s)", count=format_number(len(infos)),
                                       limit=format_number(self.entries),
                                       setting=limits.env("ZIP_MAX_ENTRIES")))
        for info in wanted:
            self.check_member(info, info.file_size, "declares")
        declared = sum(info.file_size for info in wanted)
        if declared > self.total:
            raise _refuse(self.name, _("the files to read declare %(size)s bytes "
                                       "uncompressed, over the limit of %(limit)s bytes "
                                       "(%(setting)s)", size=format_number(declared),
                                       limit=format_number(self.total),
                                       setting=limits.env("ZIP_MAX_TOTAL_BYTES")))

    def check_member(self, info: zipfile.ZipInfo, size: int, verb: str) -> None:
        file = f"{self.name}/{info.filename}"
        # One message per verb: a translation cannot put a verb given apart into its place.
        declares = verb == "declares"
        if size > self.member:
            raise _refuse(file, (_("declares more than %(limit)s bytes uncompressed, over the "
                                   "limit for one file (%(setting)s)") if declares else
                                 _("holds more than %(limit)s bytes uncompressed, over the "
                                   "limit for one file (%(setting)s)"))
                          % {"limit": format_number(self.member),
                             "setting": limits.env("ZIP_MAX_MEMBER_BYTES")})
        if size > RATIO_FLOOR and size > self.ratio * max(info.compress_size, 1):
            raise _refuse(file, (_("declares more than %(ratio)s times its compressed size "
                                   "(%(size)s bytes), over the limit (%(setting)s)") if declares
                                 else _("holds more than %(ratio)s times its compressed size "
                                        "(%(size)s bytes), over the limit (%(setting)s)"))
                          % {"ratio": format_number(self.ratio),
                             "size": format_number(info.compress_size),
                             "setting": limits.env("ZIP_MAX_RATIO")})

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, counted as they come out (never trusting its header)."""
        file = f"{self.name}/{info.filename}"
        parts: list[bytes] = []
        size = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    size += len(chunk)
                    self.check_member(info, size, "holds")
                    if self.used + size > self.total:
                        raise _refuse(file, _("the zip's files come to more than %(limit)s "
                                              "bytes uncompressed, over the limit (%(setting)s)",
                                              limit=format_number(self.total),
                                              setting=limits.env("ZIP_MAX_TOTAL_BYTES")))
                    parts.append(chunk)
        except UNREADABLE as exc:
            # zipfile stops at the declared size, so a header that under-declares ends here,
            # on a checksum that does not match.
            raise _refuse(file, _("cannot be read (%(error)s): the archive is damaged or its "
                                  "header does not match its contents", error=exc)) from None
        self.used += size
        return b"".join(parts)


def read_members(name: str, raw: bytes, keep: Callable[[str, str], bool]) -> dict[str, bytes]:
    """The files of a zip that `keep(path, base name)` wants, by path, within the limits;
    hidden files and macOS resource forks skipped. A file that is not a zip, or one over a
    limit, is a FormatError."""
    budget = Budget(name)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            wanted = [info for info in infos if not _skipped(info)
                      and keep(info.filename, info.filename.rsplit("/", 1)[-1])]
            budget.check_declared(infos, wanted)
            return {info.filename: budget.read(archive, info) for info in wanted}
    except UNREADABLE as exc:
        raise _refuse(name, _("not a readable zip archive (%(error)s)", error=exc)) from None
