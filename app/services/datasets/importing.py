"""Importing annotated documents: check everything first, then store all of it or nothing.

Records come from any format's reader (see `core`). Texts from other tools arrive as their
files hold them: they are canonicalised here and every offset is carried over to the
canonical text; an offset that no longer lands on a character boundary is an error, never a
silent shift. Our own JSONL carries canonical texts and its passages, so a round trip keeps
every passage and offset as it was.

A record whose text the project already holds adds its annotations to that document (so a
class's work can be imported onto the documents it read); an annotator who already has
annotations on such a document is refused rather than merged.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    Passage,
    PassageTag,
    Project,
    Span,
    User,
    utcnow,
)
from app.services import accounts, history, imports, projects, quotas
from app.services.annotations import MAX_NOTE, SOURCE_LAYER
from app.services.attributes import clean_attributes
from app.services.datasets.core import GOLD, text_hash
from app.services.documents import _first_line_title, check_published, check_url, clean_meta
from app.services.errors import ImportFailed, Invalid
from app.services.gold import GOLD_USERNAME, SYSTEM_ROLE, gold_user
from app.services.ratings import clean_rating
from app.services.texts import (
    OffsetMap,
    Problem,
    TextError,
    canonicalize,
    canonicalize_mapped,
    sha256_hex,
    split_passages,
)
from app.services.vocabulary import Vocabulary, vocabulary

MAX_PROBLEMS = 200


@dataclass
class ImportSummary:
    documents_added: int = 0
    documents_matched: int = 0
    annotators: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # created: name, password
    spans: int = 0
    passage_tags: int = 0
    ratings: int = 0
    gold: bool = False


class _Problems:
    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: tuple[int | None, str], field: str, message: str) -> None:
        line, prefix = where
        self.items.append(Problem(self.file, message, line=line,
                                  field=f"{prefix}{field}" if field else prefix.rstrip(".")
                                  or None))
        if len(self.items) >= MAX_PROBLEMS:
            raise ImportFailed(self.items)


@dataclass
class _Doc:
    """One record on its way in: its canonical text and where its offsets land."""

    record: dict[str, Any]
    where: tuple[int | None, str]
    text: str
    offsets: OffsetMap | None          # None: offsets are already canonical
    passages: list[tuple[int, int]]
    document: Document | None = None
    new: bool = False


def _where(record: dict[str, Any], index: int) -> tuple[int | None, str]:
    line = record.pop("_line", None)
    return (line, "") if line is not None else (None, f"record[{index}].")


def _text(raw: Any, where: tuple[int | None, str], problems: _Problems, exact: bool,
          max_bytes: int) -> tuple[str, OffsetMap | None] | None:
    if not isinstance(raw, str):
        problems.add(where, "text", "must be the document's text")
        return None
    try:
        if exact:
            text = canonicalize(raw, problems.file, line=where[0], field="text",
                                max_bytes=max_bytes)
            if text != raw:
                problems.add(where, "text", "is not in canonical form (LF line ends, NFC); "
                             "its offsets cannot be trusted")
                return None
            return text, None
        text, offsets = canonicalize_mapped(raw, problems.file, line=where[0], field="text",
                                            max_bytes=max_bytes)
        if len(text.encode("utf-8")) > max_bytes:
            problems.add(where, "text", f"is over the limit of {max_bytes:,} bytes")
            return None
        return text, offsets
    except TextError as error:
        problems.add(where, "text", error.problem.message)
        return None


def _given_passages(record: dict[str, Any], text: str, where: tuple[int | None, str],
                    problems: _Problems) -> list[tuple[int, int]] | None:
    out: list[tuple[int, int]] = []
    previous_end = 0
    for index, passage in enumerate(record["passages"]):
        start, end = passage.get("start"), passage.get("end")
        if not (isinstance(start, int) and isinstance(end, int)
                and previous_end <= start < end <= len(text)):
            problems.add(where, f"passages[{index}]",
                         f"[{start}, {end}) is not a range after the previous passage and "
                         f"inside the text ({len(text)} code points)")
            return None
        out.append((start, end))
        previous_end = end
    return out or None


class _Importer:
    def __init__(self, project: Project, file: str, actor: User | None):
        self.project = project
        self.actor = actor
        self.file = file
        self.problems = _Problems(file)
        self.words: Vocabulary = vocabulary(project.id)
        self.summary = ImportSummary()
        self.users: dict[str, User | None] = {}
        self.members = {m.user_id for m in projects.members(project)}
        self.id_map: dict[int, int] = {}
        self.max_bytes = current_app.config["DOCUMENT_MAX_BYTES"]
        self.new_usernames: set[str] = set()  # accounts made, not yet written
        self.new_members = 0
        # Rows written in bulk once every record is checked (see `annotations`); their
        # "user_id" holds the User until then (a new account has no id before it is written).
        self.later: dict[str, list[Any]] = {"spans": [], "tags": [], "progress": [],
                                            "ratings": [], "events": []}

    # --- documents -------------------------------------------------------------------

    def documents(self, records: list[dict[str, Any]]) -> list[_Doc]:
        existing = {d.text_sha256: d for d in db.session.scalars(
            sa.select(Document).where(Document.project_id == self.project.id))}
        archived = {d.text_sha256: d for d in db.session.scalars(
            sa.select(Document).where(Document.project_id == self.project.id,
                                      Document.archived_at.is_not(None))
            .execution_options(include_archived=True))}
        seen: dict[str, tuple[int | None, str]] = {}
        docs: list[_Doc] = []
        position = max((d.position for d in existing.values()), default=-1)
        for index, record in enumerate(records):
            where = _where(record, index)
            exact = "passages" in record
            got = _text(record.get("text"), where, self.problems, exact, self.max_bytes)
            if got is None:
                continue
            text, offsets = got
            given_hash = record.get("text_hash")
            if exact and given_hash is not None and given_hash != text_hash(text):
                self.problems.add(where, "text_hash", "does not match the text (was the text "
                                  "edited after export?)")
                continue
            digest = sha256_hex(text)
            if digest in seen:
                line, prefix = seen[digest]
                self.problems.add(where, "text", "the same text is already in this file "
                                  f"({f'line {line}' if line else prefix.rstrip('.')})")
                continue
            seen[digest] = where
            passages = _given_passages(record, text, where, self.problems) if exact else None
            if exact and passages is None and record.get("passages"):
                continue
            if digest in archived:
                self.problems.add(where, "text", "the same text is in this project's archive "
                                  f"as '{archived[digest].title}': restore it first")
                continue
            document = existing.get(digest)
            if document is not None:
                stored = [(p.start, p.end) for p in document.passages]
                if passages is not None and passages != stored:
                    self.problems.add(where, "passages", "differ from the passages of the same "
                                      f"text already in this project ('{document.title}')")
                    continue
                doc = _Doc(record, where, text, offsets, stored, document)
                self.summary.documents_matched += 1
            else:
                passages = passages or split_passages(text)
                position += 1
                document = self._new_document(record, where, text, passages, position)
                if document is None:
                    continue
                doc = _Doc(record, where, text, offsets, passages, document, new=True)
                self.summary.documents_added += 1
            if isinstance(record.get("id"), int):
                self.id_map[record["id"]] = -1  # filled in once the document has its id
            docs.append(doc)
        return docs

    def _new_document(self, record: dict[str, Any], where: tuple[int | None, str], text: str,
                      passages: list[tuple[int, int]], position: int) -> Document | None:
        meta = {}
        for key, limit in (("title", 300), ("publisher", 200), ("author", 200),
                           ("source_name", 255)):
            value = record.get(key)
            if value is not None and not isinstance(value, str):
                self.problems.add(where, key, "must be text")
                return None
            meta[key] = clean_meta(value, limit)
        try:
            published = check_published(str(record.get("published") or ""),
                                        self.problems.file, where[0])
            url = check_url(str(record.get("url") or ""), self.problems.file, where[0])
        except TextError as error:
            self.problems.add(where, error.problem.field or "published", error.problem.message)
            return None
        name = meta["source_name"] or self.problems.file
        document = Document(
            project_id=self.project.id, title=meta["title"] or _first_line_title(text, name),
            text=text, text_sha256=sha256_hex(text), char_count=len(text),
            publisher=meta["publisher"], author=meta["author"], published=published, url=url,
            source_name=name, notes=str(record.get("notes") or "").strip(), position=position,
            created_by_id=self.actor.id if self.actor else None)
        document.passages = [Passage(index=i, start=s, end=e)
                             for i, (s, e) in enumerate(passages)]
        return document  # stored by import_records, in parts when there are many

    # --- annotators ------------------------------------------------------------------

    def user(self, name: Any, where: tuple[int | None, str], field: str) -> User | None:
        """The account a file's annotator name stands for: the gold key, a member of this
        project, or else a new student account of the project's own. Accounts of other
        classes are never matched, nor is their existence told."""
        if not isinstance(name, str):
            self.problems.add(where, field, "an annotator's name must be text")
            return None
        key = name if name in (GOLD, GOLD_USERNAME) else accounts.normalize_username(name)
        if key in self.users:  # "Amina" and "amina" are one person, as usernames are
            return self.users[key]
        user: User | None = None
        if name in (GOLD, GOLD_USERNAME):
            user = gold_user()
            self.summary.gold = True
        else:
            username = accounts.normalize_username(name)
            user = self._member(username, name)
            if user is not None and user.role == SYSTEM_ROLE:
                self.problems.add(where, field, f"'{name}' is not an annotator's name")
                user = None
            elif user is None:
                user = self._new_account(username, name, where, field)
            if user is not None:
                if user.id is None or user.id not in self.members:  # None: new, not written
                    try:
                        quotas.check_members(self.project, self.new_members + 1)
                    except Invalid as error:
                        self.problems.add(where, field, f"'{name}': {error.message}")
                        self.users[key] = None
                        return None
                    projects.add_member(self.project, user, "student")
                    self.new_members += 1
                    if user.id is not None:
                        self.members.add(user.id)
                if user.username not in self.summary.annotators:
                    self.summary.annotators.append(user.username)
        self.users[key] = user
        return user

    def _member(self, username: str, name: str) -> User | None:
        """The project's member of this username, or else the account an earlier import
        made for this name in this project ("amina-k7q2", named "amina")."""
        if not self.members:
            return None
        base = username[:accounts.MAX_USERNAME - 5]
        found = db.session.scalars(sa.select(User).where(
            User.id.in_(self.members),
            (User.username == username)
            | User.username.startswith(f"{base}-", autoescape=True)).order_by(User.id)).all()
        exact = [user for user in found if user.username == username]
        made = [user for user in found if len(user.username) == len(base) + 5
                and user.display_name == name.strip()[:120]]
        return (exact or made or [None])[0]

    def _new_account(self, username: str, name: str, where: tuple[int | None, str],
                     field: str) -> User | None:
        """A new student named after `username` with a random suffix ("amina-k7q2"), so the
        name it gets never depends on which accounts exist elsewhere on the server."""
        try:
            base = accounts.check_username(username)[:accounts.MAX_USERNAME - 5]
        except Invalid as error:
            self.problems.add(where, field, f"'{name}': {error.message}")
            return None
        password = accounts.generate_password()
        while True:
            candidate = f"{base}-{accounts.random_suffix(4)}"
            if candidate not in self.new_usernames and not accounts.username_taken(candidate):
                break
        user = accounts.new_user(candidate, password, "student", name)
        # Not flushed: written with the annotations once every check has passed (a write
        # would hold the database's writer through all the checks still to come).
        self.new_usernames.add(candidate)
        self.summary.accounts.append((user.username, password))
        return user

    # --- annotations -----------------------------------------------------------------

    def annotations(self, docs: list[_Doc]) -> None:
        db.session.flush()
        for doc in docs:
            if isinstance(doc.record.get("id"), int):
                self.id_map[doc.record["id"]] = doc.document.id
        # Check everything, then write it in bulk: a write takes the database's writer (on
        # SQLite, until the commit), so none goes out while the checks still run.
        with db.session.no_autoflush:
            for doc in docs:
                self._annotate(doc)
        if self.problems.items:
            return
        db.session.flush()  # the new accounts and memberships: now they have their ids
        for model, key in ((Span, "spans"), (PassageTag, "tags"),
                           (DocumentProgress, "progress"), (DocumentRating, "ratings")):
            if self.later[key]:  # plain Core: no ORM objects, none of its per-row work
                for row in self.later[key]:
                    row["user_id"] = row["user_id"].id
                db.session.execute(sa.insert(model.__table__), self.later[key])
        # Bulk inserts pass the session's change log by: one event says what came in.
        history.record_many([(document, user.id, after)
                             for document, user, after in self.later["events"]],
                            "import", "import")

    def _annotate(self, doc: _Doc) -> None:
        record, where = doc.record, doc.where
        work: dict[str, dict[str, Any]] = {}
        annotators = record.get("annotators") or {}
        if not isinstance(annotators, dict):
            self.problems.add(where, "annotators", "must be an object")
            return
        for name, given in annotators.items():
            work[name] = given if isinstance(given, dict) else {}
        if record.get("gold"):
            work[GOLD] = record["gold"]
        tags: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)  # name -> index -> label
        for index, passage in enumerate(record.get("passages") or []):
            for name, label in (passage.get("source_type") or {}).items():
                tags[name][index] = (label, f"passages[{index}].source_type.{name}")
                work.setdefault(name, {})
            if passage.get("gold"):
                tags[GOLD][index] = (passage["gold"], f"passages[{index}].gold")
                work.setdefault(GOLD, {})
        for name, given in work.items():
            field = "gold" if name == GOLD and name not in annotators else f"annotators.{name}"
            user = self.user(name, where, field)
            if user is None:
                continue
            if not doc.new and self._has_work(doc.document, user):
                self.problems.add(where, field, f"'{name}' already has annotations on "
                                  f"'{doc.document.title}' in this project; nothing is merged")
                continue
            self._work(doc, user, given, tags.get(name, {}), field)

    def _has_work(self, document: Document, user: User) -> bool:
        if user.id is None:  # a new account has no work anywhere
            return False
        for model in (Span, PassageTag, DocumentRating):
            if db.session.scalar(sa.select(model.id).where(
                    model.document_id == document.id, model.user_id == user.id).limit(1)):
                return True
        return False

    def _label(self, layer_key: Any, label_key: Any, where: tuple[int | None, str], field: str,
               label_field: str | None = None) -> tuple[Any, Any] | None:
        layer = self.words.layers.get(layer_key) if isinstance(layer_key, str) else None
        if layer is None:
            self.problems.add(where, f"{field}.layer", f"the project's codebook has no layer "
                              f"'{layer_key}'")
            return None
        label = self.words.labels.get((layer.key, label_key)) if isinstance(label_key, str) \
            else None
        if label is None:
            self.problems.add(where, label_field or f"{field}.label",
                              f"the layer '{layer.key}' has no label "
                              f"'{label_key}' in the project's codebook")
            return None
        return layer, label

    def _range(self, doc: _Doc, span: dict[str, Any], where: tuple[int | None, str],
               field: str) -> tuple[int, int] | None:
        start, end = span.get("start"), span.get("end")
        raw = doc.record["text"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end
                and end <= len(raw)):
            self.problems.add(where, field, f"[{start}, {end}) is not a range inside the "
                              f"text ({len(raw)} code points)")
            return None
        given = span.get("text")
        if given is not None and given != raw[start:end]:
            self.problems.add(where, f"{field}.text", f"'{_short(given)}' is not the text at "
                              f"[{start}, {end}), which reads '{_short(raw[start:end])}'")
            return None
        if doc.offsets is None:
            return start, end
        new_start, new_end = doc.offsets.at(start), doc.offsets.at(end)
        if new_start is None or new_end is None or new_start >= new_end:
            self.problems.add(where, field, f"[{start}, {end}) cuts through a character "
                              "sequence that canonical text joins (a CR LF pair or a letter "
                              "with its accents)")
            return None
        return new_start, new_end

    def _work(self, doc: _Doc, user: User, given: dict[str, Any],
              tags: dict[int, tuple[str, str]], field: str) -> None:
        where, document = doc.where, doc.document
        by_range = {r: i for i, r in enumerate(doc.passages)}
        tag_rows: dict[int, tuple[int, str]] = {}
        for index, (label_key, tag_field) in tags.items():
            found = self._label(SOURCE_LAYER, label_key, where, tag_field, tag_field)
            if found:
                tag_rows[index] = (found[1].id, tag_field)
        span_rows: list[dict[str, Any]] = []
        voices: list[tuple[int, int]] = []
        spans = given.get("spans") or []
        if not isinstance(spans, list):
            self.problems.add(where, f"{field}.spans", "must be a list")
            spans = []
        for number, span in enumerate(spans):
            span_field = f"{field}.spans[{number}]"
            if not isinstance(span, dict):
                self.problems.add(where, span_field, "must be an object")
                continue
            found = self._label(span.get("layer"), span.get("label"), where, span_field)
            bounds = self._range(doc, span, where, span_field)
            if not found or not bounds:
                continue
            layer, label = found
            attributes = dict(span.get("attributes") or {})
            if layer.key == SOURCE_LAYER and "role" not in attributes \
                    and "passages" not in doc.record and bounds in by_range \
                    and by_range[bounds] not in tag_rows:
                # A format without passages: the first role-less source span over a whole
                # passage is its source type (see core.passage_spans).
                tag_rows[by_range[bounds]] = (label.id, span_field)
                continue
            if layer.key == SOURCE_LAYER:
                attributes.setdefault("role", "segment" if bounds in by_range else "voice")
                if not self._nests(doc, bounds, voices, where, span_field):
                    continue
                voices.append(bounds)
            self._remap_evidence(attributes)
            note = span.get("note") or ""
            if not isinstance(note, str) or len(note) > MAX_NOTE:
                self.problems.add(where, f"{span_field}.note",
                                  f"must be text of at most {MAX_NOTE} characters")
                continue
            try:
                attributes = clean_attributes(layer, attributes, document)
            except Invalid as error:
                self.problems.add(where, f"{span_field}.attributes", error.message)
                continue
            span_rows.append({
                "document_id": document.id, "user_id": user, "layer_id": layer.id,
                "label_id": label.id, "client_id": uuid.uuid4().hex, "start": bounds[0],
                "end": bounds[1], "note": note.strip(), "attributes": attributes,
                "codebook_version": self.words.version})
        rating = given.get("rating")
        if rating is not None:
            try:
                rating = clean_rating(self.words.document_form, rating)
            except Invalid as error:
                self.problems.add(where, f"{field}.rating", error.message)
                rating = None
        if self.problems.items:
            return  # nothing will be stored: skip the writes, keep checking
        now = utcnow()
        self.later["spans"].extend(dict(r, created_at=now, updated_at=now) for r in span_rows)
        passage_ids = {p.index: p.id for p in document.passages}
        self.later["tags"].extend(
            {"passage_id": passage_ids[index], "document_id": document.id,
             "user_id": user, "label_id": label_id, "updated_at": now,
             "codebook_version": self.words.version}
            for index, (label_id, _) in sorted(tag_rows.items()))
        if rating:
            self.later["ratings"].append({
                "document_id": document.id, "user_id": user, "values": rating,
                "codebook_version": self.words.version, "updated_at": now})
        if user.role != SYSTEM_ROLE:
            done = given.get("done") is True
            self.later["progress"].append({"document_id": document.id, "user_id": user,
                                           "done_at": now if done else None,
                                           "last_activity_at": now})
        self.later["events"].append((document, user, {
            "spans": len(span_rows), "passage_tags": len(tag_rows),
            "ratings": 1 if rating else 0, "source": self.file}))
        self.summary.spans += len(span_rows)
        self.summary.passage_tags += len(tag_rows)
        self.summary.ratings += 1 if rating else 0

    def _nests(self, doc: _Doc, bounds: tuple[int, int], voices: list[tuple[int, int]],
               where: tuple[int | None, str], field: str) -> bool:
        start, end = bounds
        if not any(s <= start and end <= e for s, e in doc.passages):
            self.problems.add(where, field, "a quoted voice lies inside one passage; this one "
                              "spans several")
            return False
        for s, e in voices:
            if (s, e) == bounds:
                self.problems.add(where, field, "marks the same voice twice")
                return False
            if s < end and start < e and not (s <= start and end <= e) \
                    and not (start <= s and e <= end):
                self.problems.add(where, field, f"crosses the voice at [{s}, {e}): source "
                                  "spans nest or stay apart")
                return False
        return True

    def _remap_evidence(self, attributes: dict[str, Any]) -> None:
        """Evidence that points into a document of the same file follows it to its new id."""
        evidence = attributes.get("evidence")
        if not isinstance(evidence, list):
            return
        for item in evidence:
            if isinstance(item, dict) and item.get("kind") == "span" \
                    and isinstance(item.get("document_id"), int):
                new = self.id_map.get(item["document_id"])
                item["document_id"] = new if new is not None else -1


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def import_records(project: Project, records: list[dict[str, Any]], file: str,
                   actor: User | None = None) -> ImportSummary:
    """Store the records' documents and annotations in the project: all, or nothing
    (ImportFailed lists every problem, each naming the file, line or record and field)."""
    imports.clean_stale()
    importer = _Importer(project, file, actor)
    quotas.check_import_size(len(records), file)
    held = quotas.documents_in(project)
    try:
        docs = importer.documents(records)
        if importer.problems.items:
            raise ImportFailed(importer.problems.items)
        quotas.check_project_room(project, importer.summary.documents_added, file, held)

        def annotate() -> None:
            importer.annotations(docs)
            if importer.problems.items:
                raise ImportFailed(importer.problems.items)

        # New texts are written in short transactions and hidden; the annotations, new
        # accounts and the log are written with the last one, which shows it all at once.
        imports.import_in_parts(project.id, [doc.document for doc in docs if doc.new],
                                actor.id if actor else None, file, annotate)
    except imports.Clash as clash:
        raise ImportFailed([
            Problem(file, "the same text was imported into this project by another import "
                    "meanwhile", line=doc.where[0], field=f"{doc.where[1]}text")
            for doc in docs if doc.new and doc.document.text_sha256 in clash.hashes]) from None
    except Exception:
        db.session.rollback()
        raise
    return importer.summary


def import_file(project: Project, fmt: str, name: str, raw: bytes,
                actor: User | None = None) -> ImportSummary:
    """Read a file in format `fmt` and import it (see `import_records`)."""
    from app.services.datasets import formats
    from app.services.datasets.export import context

    quotas.check_file_name(name)
    reader = formats.reader(fmt)
    records = reader.read(name, raw, context(project))
    return import_records(project, records, name, actor)
