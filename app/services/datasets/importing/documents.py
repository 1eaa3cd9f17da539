"""An import's documents: canonical texts, their passages, new or matched documents."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from app.extensions import db
from app.i18n import detect
from app.models import Document, Passage
from app.services.datasets.core import text_hash
from app.services.datasets.importing.problems import Problems, Where, where_of
from app.services.datasets.importing.state import Doc, State
from app.services.documents import _first_line_title, check_published, check_url, clean_meta
from app.services.texts import (
    OffsetMap,
    TextError,
    canonicalize,
    canonicalize_mapped,
    sha256_hex,
    split_passages,
)


def _text(raw: Any, where: Where, problems: Problems, exact: bool,
          max_bytes: int) -> tuple[str, OffsetMap | None] | None:
    if not isinstance(raw, str):
        problems.add(where, "text", _("must be the document's text"))
        return None
    try:
        if exact:
            text = canonicalize(raw, problems.file, line=where.line, field="text",
                                max_bytes=max_bytes)
            if text != raw:
                problems.add(where, "text", _("is not in canonical form (LF line ends, NFC); "
                                               "its offsets cannot be trusted"))
                return None
            return text, None
        text, offsets = canonicalize_mapped(raw, problems.file, line=where.line, field="text",
                                            max_bytes=max_bytes)
        if len(text.encode("utf-8")) > max_bytes:
            problems.add(where, "text", _("is over the limit of %(max_bytes)s bytes",
                                                 max_bytes=format_number(max_bytes)))
            return None
        return text, offsets
    except TextError as error:
        problems.add(where, "text", error.problem.message)
        return None


def _language(value: Any) -> str:
    """A record's language code when it names a language, else "" (then it is detected)."""
    if not isinstance(value, str) or not value or len(value) > 16 or not detect.known(value):
        return ""
    return value


def _given_passages(record: dict[str, Any], text: str, where: Where,
                    problems: Problems) -> list[tuple[int, int]] | None:
    out: list[tuple[int, int]] = []
    previous_end = 0
    for index, passage in enumerate(record["passages"]):
        start, end = passage.get("start"), passage.get("end")
        if not (isinstance(start, int) and isinstance(end, int)
                and previous_end <= start < end <= len(text)):
            problems.add(where, f"passages[{index}]",
                         _("[%(start)s, %(end)s) is not a range after the previous passage "
                           "and inside the text (%(length)s code points)", start=start,
                           end=end, length=format_number(len(text))))
            return None
        out.append((start, end))
        previous_end = end
    return out or None


class DocumentSteps(State):
    # --- documents -------------------------------------------------------------------

    def documents(self, records: list[dict[str, Any]]) -> list[Doc]:
        existing = {d.text_sha256: d for d in db.session.scalars(
            sa.select(Document).where(Document.project_id == self.project.id))}
        archived = {d.text_sha256: d for d in db.session.scalars(
            sa.select(Document).where(Document.project_id == self.project.id,
                                      Document.archived_at.is_not(None))
            .execution_options(include_archived=True))}
        seen: dict[str, Where] = {}
        ids: dict[int, Where] = {}
        docs: list[Doc] = []
        position = max((d.position for d in existing.values()), default=-1)
        for index, record in enumerate(records):
            where = where_of(record, index, self.file)
            exact = "passages" in record
            got = _text(record.get("text"), where, self.problems, exact, self.max_bytes)
            if got is None:
                continue
            text, offsets = got
            given_hash = record.get("text_hash")
            if exact and given_hash is not None and given_hash != text_hash(text):
                self.problems.add(where, "text_hash", _("does not match the text (was the "
                                                      "text edited after export?)"))
                continue
            digest = sha256_hex(text)
            if digest in seen:
                self.problems.add(where, "text", _("the same text is already in this file "
                                                 "(%(where)s)", where=seen[digest].describe()))
                continue
            seen[digest] = where
            doc_id = record.get("id")
            if isinstance(doc_id, int) and not isinstance(doc_id, bool):
                if doc_id in ids:
                    # Evidence links name documents by id: two texts with one id are
                    # two documents nobody could tell apart.
                    self.problems.add(where, "id", _("document id %(id)s is already used by "
                                                         "another text in this file (%(where)s)",
                                                         id=doc_id, where=ids[doc_id].describe()))
                    continue
                ids[doc_id] = where
            passages = _given_passages(record, text, where, self.problems) if exact else None
            if exact and passages is None and record.get("passages"):
                continue
            if digest in archived:
                self.problems.add(where, "text", _("the same text is in this project's "
                                                 "archive as '%(title)s': restore it first",
                                                 title=archived[digest].title))
                continue
            document = existing.get(digest)
            if document is not None:
                stored = [(p.start, p.end) for p in document.passages]
                if passages is not None and passages != stored:
                    self.problems.add(where, "passages", _("differ from the passages of the "
                                                           "same text already in this project "
                                                           "('%(title)s')", title=document.title))
                    continue
                doc = Doc(record, where, text, offsets, stored, document)
                self.summary.documents_matched += 1
            else:
                passages = passages or split_passages(text)
                position += 1
                document = self._new_document(record, where, text, passages, position)
                if document is None:
                    continue
                doc = Doc(record, where, text, offsets, passages, document, new=True)
                self.summary.documents_added += 1
            if isinstance(record.get("id"), int):
                self.id_map[record["id"]] = -1  # filled in once the document has its id
            docs.append(doc)
        return docs

    def _new_document(self, record: dict[str, Any], where: Where, text: str,
                      passages: list[tuple[int, int]], position: int) -> Document | None:
        meta = {}
        for key, limit in (("title", 300), ("publisher", 200), ("author", 200),
                           ("source_name", 255)):
            value = record.get(key)
            if value is not None and not isinstance(value, str):
                self.problems.add(where, key, _("must be text"))
                return None
            meta[key] = clean_meta(value, limit)
        try:
            published = check_published(str(record.get("published") or ""),
                                        self.problems.file, where.line)
            url = check_url(str(record.get("url") or ""), self.problems.file, where.line)
        except TextError as error:
            self.problems.add(where, error.problem.field or "published", error.problem.message)
            return None
        name = meta["source_name"] or self.problems.file
        document = Document(
            project_id=self.project.id, title=meta["title"] or _first_line_title(text, name),
            text=text, text_sha256=sha256_hex(text), char_count=len(text),
            publisher=meta["publisher"], author=meta["author"], published=published, url=url,
            source_name=name, notes=str(record.get("notes") or "").strip(), position=position,
            created_by_id=self.actor.id if self.actor else None,
            # The file's word for the language; else (none, or not one) it is detected.
            language=_language(record.get("language")))
        document.passages = [Passage(index=i, start=s, end=e)
                             for i, (s, e) in enumerate(passages)]
        return document  # stored by import_records, in parts when there are many

