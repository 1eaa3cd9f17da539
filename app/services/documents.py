"""Importing documents: every file of a batch is checked first; nothing is stored on error."""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from app import jsonsafe, limits
from app.extensions import db
from app.i18n.detect import detect
from app.models import Document, ImportBatch, Project, User, utcnow
from app.services import imports, quotas
from app.services.errors import ImportFailed
from app.services.reading import Extracted
from app.services.reading.encodings import decode_text
from app.services.reading.pdf import read_pdf
from app.services.reading.webpage import read_webpage
from app.services.reading.word import read_docx
from app.services.texts import (
    Problem,
    TextError,
    canonicalize,
    decode_utf8,
    sha256_hex,
    split_passages,
)

FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
           ".htm": "html", ".jsonl": "jsonl", ".pdf": "pdf", ".docx": "docx"}
#: Files that are containers of a text, not the text: their size is judged against the
#: file limit, and the text read out of them against the document limit.
_CONTAINERS = {"pdf": read_pdf, "docx": read_docx}
JSONL_FIELDS = ("title", "text", "source", "url", "published", "author")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class DocumentDraft:
    """A document read and checked, not yet stored."""

    title: str
    text: str
    source_name: str
    publisher: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    notes: str = ""
    line: int | None = None
    #: The encoding the file was read in, and how its text was taken out of it (empty for a
    #: plain text taken whole): both shown to the teacher before such a text is stored.
    encoding: str = ""
    how: str = ""
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = sha256_hex(self.text)

    @property
    def interpreted(self) -> bool:
        """True when the app judged what the text is (extracted it, or guessed its
        encoding): the teacher confirms such a text before it is stored."""
        return bool(self.how) or bool(self.encoding) and not self.encoding.startswith("UTF-8")


def clean_meta(value: str | None, limit: int) -> str:
    """A one-line metadata value (title, publisher, author): NFC, controls and runs of
    whitespace turned into single spaces, trimmed and cut to `limit` characters."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return " ".join(value.split())[:limit]


def _first_line_title(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:300]
    return fallback


def check_published(value: str, file: str, line: int | None = None,
                    field_name: str = "published") -> str:
    """An ISO date, or a year or year-month; empty is allowed."""
    value = value.strip()
    if not value:
        return ""
    if not _DATE.match(value):
        raise TextError(Problem(file, _("'%(value)s' is not a date like 2011-12-19, 2011-12 or "
                                        "2011", value=value),
                                line=line, field=field_name))
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise TextError(Problem(file, _("'%(value)s' is not a real date", value=value), line=line,
                                field=field_name)) from None
    return value


def check_url(value: str, file: str, line: int | None = None, field_name: str = "url") -> str:
    """An absolute http(s) URL; empty is allowed."""
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(value) > 2000:
        raise TextError(Problem(file, _("'%(value)s' is not an http(s) address",
                                        value=value[:80]), line=line,
                                field=field_name))
    return value


def _jsonl_drafts(source: str, name: str, max_bytes: int) -> Iterable[DocumentDraft]:
    for number, line in enumerate(source.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = jsonsafe.loads(line)
        except json.JSONDecodeError as exc:
            raise TextError(Problem(name, _("not valid JSON (%(msg)s, column %(colno)s)",
                                            msg=exc.msg, colno=exc.colno),
                                    line=number)) from None
        if not isinstance(record, dict):
            raise TextError(Problem(name, _("each line must be a JSON object"), line=number))
        yield record_draft(record, name, number, max_bytes)


def record_draft(record: dict, file: str, line: int | None, max_bytes: int) -> DocumentDraft:
    """Check one `{"title", "text", "source", "url", "published", "author"}` record."""
    unknown = sorted(set(record) - set(JSONL_FIELDS))
    if unknown:
        raise TextError(Problem(file, _("unknown field (allowed: %(value)s)",
                                        value=', '.join(JSONL_FIELDS)),
                                line=line, field=unknown[0]))
    for key in JSONL_FIELDS:
        if key in record and record[key] is not None and not isinstance(record[key], str):
            raise TextError(Problem(file, _("must be a string"), line=line, field=key))
    if not record.get("text"):
        raise TextError(Problem(file, _("is required"), line=line, field="text"))
    text = canonicalize(record["text"], file, line=line, field="text", max_bytes=max_bytes)
    fallback = f"{file}:{line}" if line else file
    title = clean_meta(record.get("title"), 300) or _first_line_title(text, fallback)
    return DocumentDraft(
        title=title,
        text=text,
        source_name=file,
        publisher=clean_meta(record.get("source"), 200),
        author=clean_meta(record.get("author"), 200),
        published=check_published(record.get("published") or "", file, line),
        url=check_url(record.get("url") or "", file, line),
        line=line,
    )


def read_records(records: Sequence[dict], max_bytes: int) -> list[DocumentDraft]:
    """Check records sent as JSON (`documents[i]` in errors); raise ImportFailed on any."""
    drafts, problems = [], []
    for index, record in enumerate(records):
        try:
            drafts.append(record_draft(record, f"documents[{index}]", None, max_bytes))
        except TextError as exc:
            problems.append(exc.problem)
    if problems:
        raise ImportFailed(problems)
    return drafts


def _quiet_check(check, value: str, file: str) -> str:
    """A metadata value the app guessed from a page: kept if valid, else left out (a
    page's odd date or address is no reason to refuse its text)."""
    try:
        return check(value, file)
    except TextError:
        return ""


def read_file(name: str, raw: bytes, max_bytes: int) -> list[DocumentDraft]:
    """Read one uploaded file into drafts, or raise TextError naming the file (and line)."""
    name = PurePath(name.replace("\\", "/")).name or "upload"
    bad_name = quotas.file_name_problem(name)
    if bad_name is not None:
        raise TextError(bad_name)
    kind = FORMATS.get(PurePath(name).suffix.lower())
    if kind is None:
        raise TextError(Problem(name, _("unsupported file type; use .txt, .md, .html, .pdf, "
                                        ".docx or .jsonl")))
    limit = limits.setting("DOCUMENT_FILE_MAX_BYTES") if kind in _CONTAINERS else max_bytes
    if kind != "jsonl" and len(raw) > limit:
        setting = f" ({limits.env('DOCUMENT_FILE_MAX_BYTES')})" if kind in _CONTAINERS else ""
        raise TextError(Problem(name, _("the file is %(count)s bytes, over the limit of %(limit)s "
                                        "bytes%(setting)s",
                                        count=format_number(len(raw)), limit=format_number(limit),
                                        setting=setting)))
    if kind == "jsonl":  # JSON is UTF-8 by definition (RFC 8259)
        drafts = list(_jsonl_drafts(decode_utf8(raw, name), name, max_bytes))
        if not drafts:
            raise TextError(Problem(name, _("holds no documents")))
        return drafts
    encoding = ""
    if kind in _CONTAINERS:
        extracted = _CONTAINERS[kind](raw, name)
    else:
        decoded = decode_text(raw, name, html=kind == "html")
        encoding = decoded.encoding
        extracted = Extracted(text=decoded.text, how="")
        if kind == "html":
            # Check the raw page first so an error can name the line in the file itself;
            # parse the canonical page, so a CRLF file gives the same text as its LF twin.
            extracted = read_webpage(canonicalize(decoded.text, name))
    text = canonicalize(extracted.text, name, max_bytes=max_bytes)
    stem = PurePath(name).stem
    return [DocumentDraft(
        title=clean_meta(extracted.title, 300) or _first_line_title(text, stem), text=text,
        source_name=name, publisher=clean_meta(extracted.publisher, 200),
        author=clean_meta(extracted.author, 200),
        published=_quiet_check(check_published, extracted.published, name),
        url=_quiet_check(check_url, extracted.url, name), encoding=encoding,
        how=extracted.how)]


def read_files(files: Sequence[tuple[str, bytes]], max_bytes: int) -> list[DocumentDraft]:
    """Read a batch; raise ImportFailed listing every problem, so nothing half-way is stored."""
    drafts: list[DocumentDraft] = []
    problems: list[Problem] = []
    if not files:
        raise ImportFailed([Problem("(upload)", _("no file was chosen"))])
    for name, raw in files:
        try:
            drafts.extend(read_file(name, raw, max_bytes))
        except TextError as exc:
            problems.append(exc.problem)
    if problems:
        raise ImportFailed(problems)
    return drafts


HASH_CHUNK = 500


def duplicate_problems(project: Project, drafts: Sequence[DocumentDraft]) -> list[Problem]:
    """Drafts whose text the project holds (in its list, its archive or an import under
    way) or that repeat an earlier draft."""
    problems: list[Problem] = []
    # Only the drafts' own hashes are looked up (the project's unique index on its hashes
    # answers each), in chunks that stay under every database's parameter limit: a project
    # of thousands of texts is not read whole for an import of a few.
    hashes = sorted({draft.sha256 for draft in drafts})
    existing = {}
    for at in range(0, len(hashes), HASH_CHUNK):
        existing.update({
            sha: (title, archived is not None, batch is not None and published is None)
            for sha, title, archived, batch, published in db.session.execute(
                sa.select(Document.text_sha256, Document.title, Document.archived_at,
                          Document.import_batch_id, ImportBatch.published_at)
                .outerjoin(ImportBatch, ImportBatch.id == Document.import_batch_id)
                .where(Document.project_id == project.id,
                       Document.text_sha256.in_(hashes[at:at + HASH_CHUNK]))
                .execution_options(include_archived=True, include_pending=True))})
    seen: dict[str, DocumentDraft] = {}
    for draft in drafts:
        if draft.sha256 in existing:
            title, archived, pending = existing[draft.sha256]
            if archived:
                said = _("the same text is in this project's archive (restore it from there) "
                         "as '%(title)s'", title=title)
            elif pending:
                said = _("the same text is being imported into this project by another import "
                         "as '%(title)s'", title=title)
            else:
                said = _("the same text is already in this project as '%(title)s'", title=title)
            problems.append(Problem(draft.source_name, said, line=draft.line))
        elif draft.sha256 in seen:
            problems.append(Problem(draft.source_name, _("the same text appears twice in this "
                                                         "upload (also in %(source_name)s)",
                                                         source_name=seen[draft.sha256].source_name),
                                    line=draft.line))
        seen[draft.sha256] = draft
    return problems


def add_documents(project: Project, drafts: Sequence[DocumentDraft],
                  user: User | None = None) -> list[tuple[Document, int]]:
    """Add checked drafts to a project with their passages, all of them or none; returns
    each stored document with its passage count. A large batch is written in short
    transactions and shown at once by a last one (see app.services.imports), so it never
    holds the database's writer for long."""
    imports.clean_stale()
    quotas.check_import_size(len(drafts), "(upload)")
    quotas.check_project_room(project, len(drafts), "(upload)")
    problems = duplicate_problems(project, drafts)
    if problems:
        raise ImportFailed(problems)
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Document.position), -1)).where(
            Document.project_id == project.id
        )
    )
    created_at = utcnow()
    created_by_id = user.id if user else None
    documents = []
    for draft in drafts:
        position += 1
        documents.append(imports.NewDocument(values=dict(
            project_id=project.id, title=draft.title, text=draft.text,
            text_sha256=draft.sha256, char_count=len(draft.text), publisher=draft.publisher,
            author=draft.author, published=draft.published, url=draft.url,
            source_name=draft.source_name, notes=draft.notes, language=detect(draft.text),
            position=position, created_by_id=created_by_id, created_at=created_at,
        ), passages=split_passages(draft.text)))
    source = drafts[0].source_name if drafts else ""
    try:
        imports.import_in_parts(project.id, documents, created_by_id, source,
                                write=imports.write_rows)
    except imports.Clash as clash:
        raise ImportFailed([
            Problem(draft.source_name, _("the same text was imported into this project by "
                      "another import meanwhile"), line=draft.line)
            for draft in drafts if draft.sha256 in clash.hashes]) from None
    db.session.expire(project, ["documents"])  # read again, with the new ones, when asked
    stored = imports.loaded(project.id, documents)
    return [(doc, len(new.passages)) for doc, new in zip(stored, documents, strict=True)]


def store_documents(project: Project, drafts: Sequence[DocumentDraft],
                    user: User | None = None) -> list[Document]:
    """Add checked drafts to a project with their passages: all of them or none."""
    return [document for document, _count in add_documents(project, drafts, user)]


def import_files(project: Project, files: Sequence[tuple[str, bytes]], max_bytes: int,
                 user: User | None = None) -> list[Document]:
    """Read, check and store a batch of uploaded files: all of them, or none."""
    return store_documents(project, read_files(files, max_bytes), user)


# --- The seed corpus -----------------------------------------------------------------------

def seed_drafts(seeds_dir: Path, max_bytes: int) -> list[DocumentDraft]:
    """The seed texts with the metadata of seeds/manifest.toml."""
    with (seeds_dir / "manifest.toml").open("rb") as handle:
        manifest = tomllib.load(handle)
    drafts = []
    for entry in manifest["document"]:
        path = seeds_dir / entry["file"]
        (draft,) = read_file(path.name, path.read_bytes(), max_bytes)
        draft.title = entry.get("title", draft.title)
        draft.publisher = entry.get("publisher", "")
        draft.author = entry.get("author", "")
        draft.published = check_published(entry.get("published", ""), path.name)
        draft.url = check_url(entry.get("url", ""), path.name)
        draft.notes = entry.get("notes", "").strip()
        drafts.append(draft)
    return drafts


def import_seeds(project: Project, seeds_dir: Path, max_bytes: int,
                 user: User | None = None) -> list[Document]:
    """Add the seed texts the project does not hold yet (matched by text hash)."""
    present = set(db.session.scalars(
        sa.select(Document.text_sha256).where(Document.project_id == project.id)
        .execution_options(include_archived=True)))
    missing = [d for d in seed_drafts(seeds_dir, max_bytes) if d.sha256 not in present]
    return store_documents(project, missing, user) if missing else []


def update_metadata(document: Document, values: dict[str, str]) -> Document:
    """Change what is known about a document (title, publisher, author, date, address,
    language, notes); its text never changes. Every field is checked before anything is stored."""
    from app.services.errors import Invalid

    changes: dict[str, str] = {}
    fields: dict[str, str] = {}
    limits = {"title": 300, "publisher": 200, "author": 200}
    for key, limit in limits.items():
        if key in values:
            changes[key] = clean_meta(values[key], limit)
    if "title" in changes and not changes["title"]:
        fields["title"] = "required"
    for key, check in (("published", check_published), ("url", check_url)):
        if key in values:
            try:
                changes[key] = check(values[key] or "", document.source_name)
            except TextError as error:
                fields[key] = error.problem.message
    if "language" in values:
        from app.i18n.detect import known

        language = (values["language"] or "").strip()
        if language and not known(language):
            fields["language"] = "not a language code"
        changes["language"] = language
    if "notes" in values:
        notes = (values["notes"] or "").strip()
        if len(notes) > 5000:
            fields["notes"] = "at most 5,000 characters"
        changes["notes"] = notes
    if fields:
        raise Invalid(_("Nothing was changed: %(problems)s.",
                        problems="; ".join(f"{k}: {v}" for k, v in fields.items())), fields)
    for key, value in changes.items():
        setattr(document, key, value)
    db.session.commit()
    return document
