"""New documents written as rows: one multi-row INSERT for a part's documents (their ids
returned) and one for their passages, with no ORM object per document or passage.

Flushing an object graph costs the ORM tens of microseconds per object (a document of a few
paragraphs is a dozen objects); the rows cost the database a few. SQLAlchemy's
"insertmanyvalues" batches both INSERTs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Passage

_DOCUMENTS = Document.__table__
_PASSAGES = Passage.__table__
# Each id comes back with its text's hash, unique in the project: asking for the rows in
# the order given would make SQLAlchemy insert them one by one on SQLite.
_INSERT_DOCUMENTS = sa.insert(_DOCUMENTS).returning(_DOCUMENTS.c.text_sha256, _DOCUMENTS.c.id)
_INSERT_PASSAGES = sa.insert(_PASSAGES)


@dataclass(slots=True)
class NewDocument:
    """A document's column values and its passages' [start, end) bounds, not yet stored."""

    values: dict[str, Any]
    passages: list[tuple[int, int]]
    id: int | None = None

    @property
    def char_count(self) -> int:
        return self.values["char_count"]

    @property
    def text_sha256(self) -> str:
        return self.values["text_sha256"]


def write(part: Sequence[NewDocument], batch_id: int | None) -> None:
    """Insert the documents (under `batch_id`, if any) and their passages, in the session's
    transaction; each document learns its id."""
    if not part:  # an INSERT given no rows would write one row of defaults
        return
    rows = [{**document.values, "import_batch_id": batch_id} for document in part]
    ids: dict[str, int] = dict(db.session.execute(_INSERT_DOCUMENTS, rows).all())
    passages = []
    for document in part:
        document.id = document_id = ids[document.text_sha256]
        passages += [{"document_id": document_id, "index": index, "start": start, "end": end}
                     for index, (start, end) in enumerate(document.passages)]
    if passages:
        db.session.execute(_INSERT_PASSAGES, passages)


def loaded(project_id: int, stored: Sequence[NewDocument]) -> list[Document]:
    """The stored documents as ORM objects, in the order given, read in one statement."""
    ids = [document.id for document in stored]
    if not ids:
        return []
    # A range, not a list of ids: an import of many thousands would pass too many parameters.
    found = {doc.id: doc for doc in db.session.scalars(
        sa.select(Document).where(Document.project_id == project_id,
                                  Document.id.between(min(ids), max(ids)))
        .execution_options(include_archived=True, populate_existing=True))}
    return [found[document_id] for document_id in ids]
