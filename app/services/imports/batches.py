"""Large imports in short transactions, still all or nothing.

One transaction for a whole import would hold the database's writer for as long as the
import runs (on SQLite every other write, a student's save included, queues behind it). So
an import too large for one part writes its documents in parts, each its own short
transaction, under an import batch: until the batch is published its documents are hidden
everywhere an archived one is (the ORM-wide criterion and `published()` in app.models, which
the prepared look-ups name), while the unique (project, text) key still sees them, so two
imports cannot store the same text. One last short transaction publishes the batch: it
marks the batch row (one row, however many documents) and writes what else the import adds
(annotations, the annotation log). A failed import deletes its documents and its batch; a
batch a crash left behind is deleted by the next import once it has not moved for
IMPORT_STALE_MINUTES, or by `flask documents clean-imports`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Document, ImportBatch, utcnow
from app.services.errors import ImportFailed
from app.services.texts import Problem

PART_DOCUMENTS = 100        # documents per transaction …
PART_CHARACTERS = 1 << 20   # … or this many characters of text, whichever comes first
STALE_MINUTES = 30
DELETE_PART = 200           # documents deleted per transaction when a batch is discarded


class NewText(Protocol):
    """What parts and clashes need of a document to store: an ORM Document or a row."""

    @property
    def char_count(self) -> int: ...

    @property
    def text_sha256(self) -> str: ...


#: Writes a part's documents (under an import batch, or None) in the open transaction.
Writer = Callable[[Sequence[Any], "int | None"], None]


def add_objects(part: Sequence[Document], batch_id: int | None) -> None:
    """Add ORM documents (their passages and annotations follow by cascade); the commit
    flushes them."""
    if batch_id is not None:
        for document in part:
            document.import_batch_id = batch_id
    db.session.add_all(part)


class Clash(Exception):
    """Texts another import stored in the project while this one was writing."""

    def __init__(self, hashes: set[str]):
        super().__init__(f"{len(hashes)} text(s) stored meanwhile by another import")
        self.hashes = hashes


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def parts(documents: Sequence[NewText]) -> Iterator[list[Any]]:
    """The documents in parts small enough to write in one short transaction."""
    most = max(1, _setting("IMPORT_PART_DOCUMENTS", PART_DOCUMENTS))
    characters = max(1, _setting("IMPORT_PART_CHARACTERS", PART_CHARACTERS))
    part: list[Any] = []
    size = 0
    for document in documents:
        if part and (len(part) >= most or size + document.char_count > characters):
            yield part
            part, size = [], 0
        part.append(document)
        size += document.char_count
    if part:
        yield part


def between_parts() -> None:
    """Let the writers queued behind a part go before the next one."""
    time.sleep(0)


def _taken(project_id: int, hashes: set[str]) -> set[str]:
    """Which of these texts the project holds now (published, archived or pending)."""
    return set(db.session.scalars(
        sa.select(Document.text_sha256).where(Document.project_id == project_id,
                                              Document.text_sha256.in_(hashes))
        .execution_options(include_archived=True, include_pending=True)))


@contextmanager
def _telling_clashes(project_id: int, documents: Sequence[NewText]) -> Iterator[None]:
    """Tell a text stored meanwhile by another import (Clash) from other integrity errors;
    the transaction is rolled back on either."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        taken = _taken(project_id, {d.text_sha256 for d in documents})
        if taken:
            raise Clash(taken) from None
        raise


class Batch:
    """The documents of one import, stored part by part and hidden until published."""

    def __init__(self, batch_id: int, project_id: int, source: str):
        self.id = batch_id
        self.project_id = project_id
        self.source = source

    @classmethod
    def begin(cls, project_id: int, actor_id: int | None, source: str) -> Batch:
        clean_stale()
        row = ImportBatch(project_id=project_id, source=source[:255], created_by_id=actor_id)
        db.session.add(row)
        db.session.commit()
        return cls(row.id, project_id, source)

    def store(self, documents: Sequence[Any], write: Writer = add_objects) -> None:
        """Write the documents, one short transaction per part, hidden."""
        for part in parts(documents):
            with _telling_clashes(self.project_id, part), _collecting_after():
                write(part, self.id)
                db.session.execute(sa.update(ImportBatch.__table__).where(
                    ImportBatch.id == self.id).values(touched_at=utcnow()))
                db.session.commit()
            between_parts()

    def publish(self) -> None:
        """Show every document of the batch, in the caller's transaction (it commits)."""
        marked = db.session.execute(
            sa.update(ImportBatch.__table__)
            .where(ImportBatch.id == self.id, ImportBatch.published_at.is_(None))
            .values(published_at=utcnow(), touched_at=utcnow())).rowcount
        if not marked:  # cleaned up as abandoned, and its documents with it
            raise ImportFailed([Problem(self.source, _("the import stood still for too long "
                                          "and was cleaned up; nothing was imported"))])

    def discard(self) -> None:
        """Delete the batch and everything stored under it (a few short transactions)."""
        db.session.rollback()
        discard(self.id)


@contextmanager
def _collecting_after() -> Iterator[None]:
    """Hold Python's cyclic garbage collection while a part is written: over the many
    objects of a large import a full collection takes a second or more, and it would
    hold the database's writer all that time. It runs once the part is committed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def discard(batch_id: int) -> None:
    """Delete an unpublished import batch and its documents (their passages and
    annotations follow them by the foreign keys), a part per transaction."""
    for obj in list(db.session.identity_map.values()):  # their ids may be given out again
        if isinstance(obj, Document) and obj.import_batch_id == batch_id:
            db.session.expunge(obj)
    table = Document.__table__
    pending = sa.select(ImportBatch.id).where(ImportBatch.id == batch_id,
                                              ImportBatch.published_at.is_(None))
    while True:
        ids = db.session.scalars(
            sa.select(table.c.id).where(table.c.import_batch_id.in_(pending))
            .limit(_setting("IMPORT_DELETE_PART", DELETE_PART))).all()
        if not ids:
            break
        db.session.execute(sa.delete(table).where(table.c.id.in_(ids)))
        db.session.commit()
        between_parts()
    db.session.execute(sa.delete(ImportBatch.__table__).where(
        ImportBatch.id == batch_id, ImportBatch.published_at.is_(None)))
    db.session.commit()


def clean_stale(minutes: int | None = None) -> int:
    """Delete the batches no import has moved on for `minutes` (a crash left them behind);
    returns how many."""
    minutes = _setting("IMPORT_STALE_MINUTES", STALE_MINUTES) if minutes is None else minutes
    cutoff = utcnow() - timedelta(minutes=minutes)
    stale = db.session.scalars(sa.select(ImportBatch.id).where(
        ImportBatch.published_at.is_(None), ImportBatch.touched_at <= cutoff)).all()
    if stale:
        db.session.commit()  # end the read, so each discard below is its own transaction
    for batch_id in stale:
        discard(batch_id)
    return len(stale)


def import_in_parts(project_id: int, documents: Sequence[Any], actor_id: int | None,
                    source: str, finish: Callable[[], None] | None = None,
                    write: Writer = add_objects) -> None:
    """Store new documents and publish them with what `finish` adds, all or nothing: in one
    transaction when they fit in one part, else part by part under a batch, with `finish`
    and the publishing in the last transaction. `write` stores a part (ORM documents by
    default; rows.write for rows). Raises Clash for texts another import stored
    meanwhile."""
    split = parts(documents)
    next(split, None)
    if next(split, None) is None:  # one part at most: one transaction, as ever
        try:
            with _telling_clashes(project_id, documents):
                write(documents, None)
                if finish is not None:
                    finish()
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return
    batch = Batch.begin(project_id, actor_id, source)
    try:
        batch.store(documents, write)
        if finish is not None:
            finish()
        batch.publish()
        db.session.commit()
    except BaseException:
        try:
            batch.discard()
        except Exception:  # the next import, or `flask documents clean-imports`, deletes it later
            current_app.logger.exception("could not discard import batch %s", batch.id)
        raise
