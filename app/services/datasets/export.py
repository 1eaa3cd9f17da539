"""Reading a project's annotations out as records, one document at a time.

Nothing here holds more than one document's annotations: the records stream from the
database into whichever format writes them, so a project with a million spans exports in
bounded memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import security_log
from app.extensions import db
from app.models import (
    Codebook,
    CodebookLayer,
    Document,
    DocumentProgress,
    DocumentRating,
    Label,
    Membership,
    Passage,
    PassageTag,
    Project,
    Span,
    User,
)
from app.services.datasets.core import SCHEMA, ExportContext, LabelMeta, text_hash
from app.services.errors import Invalid
from app.services.gold import GOLD_USERNAME

RATING = "rating"  # a layer name for filters: the document rating form


@dataclass(frozen=True)
class Filters:
    """What to export. Empty means everything."""

    documents: tuple[int, ...] = ()
    annotators: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()          # layer keys, and "rating" for the rating form
    gold_only: bool = False
    pseudonymise: bool = False

    def wants(self, layer: str) -> bool:
        return not self.layers or layer in self.layers


EVERYTHING = Filters()


def context(project: Project) -> ExportContext:
    """The project's codebook as the writers need it."""
    codebook = db.session.scalar(
        sa.select(Codebook).where(Codebook.project_id == project.id)
        .options(selectinload(Codebook.layers).selectinload(CodebookLayer.labels)))
    if codebook is None:
        raise Invalid(_("This project has no codebook."))
    labels: dict[tuple[str, str], LabelMeta] = {}
    layers = sorted(codebook.layers, key=lambda layer: (layer.position, layer.id))
    for layer in layers:
        for label in sorted(layer.labels, key=lambda label: (label.position, label.id)):
            labels[(layer.key, label.key)] = LabelMeta(
                layer.key, label.key, label.name, label.definition, dict(label.maps_to or {}))
    enums: dict[str, tuple[str, ...]] = {}
    for layer in layers:
        for attribute in layer.attributes or []:
            if attribute.get("type") == "enum":
                enums[attribute["key"]] = tuple(dict.fromkeys(
                    [*enums.get(attribute["key"], ()), *attribute.get("values", [])]))
            elif attribute.get("type") == "bool":
                enums.setdefault(attribute["key"], ())
    return ExportContext(labels=labels, layers=[layer.key for layer in layers],
                         layer_names={layer.key: layer.name for layer in layers},
                         form=dict(codebook.document_form or {}), project_title=project.title,
                         enum_attributes=enums)


def check_filters(project: Project, filters: Filters) -> ExportContext:
    """Refuse filters that name nothing in the project, so a typo is not an empty export;
    returns the codebook's context (built once for the export that follows)."""
    ctx = context(project)
    ctx_layers = set(ctx.layers) | {RATING}
    unknown = [layer for layer in filters.layers if layer not in ctx_layers]
    if unknown:
        raise Invalid(_("Unknown layer '%(layer)s'; the project has %(layers)s.",
                        layer=unknown[0], layers=", ".join(sorted(ctx_layers))),
                      {"layers": "unknown layer"})
    if filters.documents:
        found = set(db.session.scalars(sa.select(Document.id).where(
            Document.project_id == project.id, Document.id.in_(filters.documents))))
        missing = [d for d in filters.documents if d not in found]
        if missing:
            raise Invalid(_("Document %(value)s is not in this project.", value=missing[0]),
                          {"documents": "not in project"})
    if filters.annotators:
        # Only the project's own people (and the gold key): a name elsewhere on the server
        # is as unknown here as one that exists nowhere.
        found = set(db.session.scalars(sa.select(User.username).where(
            User.username.in_(filters.annotators),
            (User.username == GOLD_USERNAME) | User.id.in_(
                sa.select(Membership.user_id).where(Membership.project_id == project.id)))))
        missing = [name for name in filters.annotators if name not in found]
        if missing:
            raise Invalid(_("There is no annotator '%(value)s'.",
                            value=missing[0]), {"annotators": "unknown"})
    return ctx


def pseudonym(project_id: int, user_id: int) -> str:
    """A stable stand-in for an annotator's name: the same in every export of the project
    from this installation, and not reversible without the server's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"sourcemark-pseudonym:{project_id}:{user_id}".encode(),
                      hashlib.sha256).hexdigest()
    return f"annotator-{digest[:8]}"


def document_ids(project: Project, filters: Filters) -> list[int]:
    query = sa.select(Document.id).where(Document.project_id == project.id)
    if filters.documents:
        query = query.where(Document.id.in_(filters.documents))
    return list(db.session.scalars(query.order_by(Document.position, Document.id)))


def _names(project: Project, filters: Filters) -> tuple[dict[int, str], int | None]:
    """Annotators to export (user id -> name as written) and the gold key's user id."""
    rows = db.session.execute(sa.select(User.id, User.username, User.role)).all()
    gold_id = next((uid for uid, name, _ in rows if name == GOLD_USERNAME), None)
    names: dict[int, str] = {}
    if not filters.gold_only:
        wanted = set(filters.annotators)
        for uid, name, role in rows:
            if uid == gold_id or role == "system" or (wanted and name not in wanted):
                continue
            names[uid] = pseudonym(project.id, uid) if filters.pseudonymise else name
    return names, gold_id


def _span(text: str, layer: str, label: str, start: int, end: int, note: str | None,
          raw: Any) -> dict[str, Any]:
    # Attributes come as their stored JSON text: most spans have none, and decoding a
    # million empty objects would cost more than the rest of the export.
    # (PostgreSQL's driver hands JSON over decoded already.)
    if isinstance(raw, str):
        attributes = json.loads(raw) if raw not in ("{}", "null") else {}
    else:
        attributes = dict(raw or {})
    return {"layer": layer, "label": label, "start": start, "end": end,
            "text": text[start:end], "note": note or "", "attributes": attributes}


def _span_order(span: dict[str, Any]) -> tuple:
    attributes = span["attributes"]
    return (span["start"], -span["end"], span["layer"], span["label"], span["note"],
            json.dumps(attributes, sort_keys=True) if attributes else "")


def records(project: Project, filters: Filters = EVERYTHING,
            progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Each document of the project as a record (see `core`), in the project's order."""
    codebook = db.session.execute(sa.select(Codebook.id, Codebook.key, Codebook.version)
                                  .where(Codebook.project_id == project.id)).one()
    layer_rows = db.session.execute(
        sa.select(CodebookLayer.id, CodebookLayer.key)
        .where(CodebookLayer.codebook_id == codebook.id)).all()
    layers = {lid: key for lid, key in layer_rows}
    labels = dict(db.session.execute(sa.select(Label.id, Label.key).where(
        Label.layer_id.in_(list(layers)))).all())
    names, gold_id = _names(project, filters)
    owners = set(names) | ({gold_id} if gold_id is not None else set())
    wanted_layers = {lid for lid, key in layers.items() if filters.wants(key)}
    reads = _Reads(owners, wanted_layers, narrowed=bool(filters.annotators or filters.gold_only),
                   every_layer=wanted_layers == set(layers))
    with_passages = filters.wants("source")
    with_ratings = filters.wants(RATING)
    connection = db.session.connection()
    ids = document_ids(project, filters)
    counts = dict(connection.execute(reads.counts, {"project": project.id}).all())
    for chunk in _chunks(ids, counts):
        for document, rows in _read_chunk(connection, reads, chunk, owners, wanted_layers,
                                          with_passages, with_ratings, names):
            yield _record(document, rows, codebook, names, gold_id, owners, layers,
                          labels)
            if progress:
                progress(1)


# A chunk of documents is read in six statements whatever its size (one per table), and its
# annotations are held until its records are written: at most CHUNK_SPANS spans (or one
# document's, when it alone holds more), so memory stays bounded on a million spans while
# a class's project takes a handful of statements instead of six per document.
CHUNK_SPANS = 20_000
CHUNK_DOCUMENTS = 400  # also under SQLite's oldest limit on bound parameters (999)


def _chunks(ids: list[int], counts: dict[int, int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    spans = 0
    for document_id in ids:
        more = counts.get(document_id, 0)
        if chunk and (spans + more > CHUNK_SPANS or len(chunk) >= CHUNK_DOCUMENTS):
            yield chunk
            chunk, spans = [], 0
        chunk.append(document_id)
        spans += more
    if chunk:
        yield chunk


# The reads are Core statements on the session's connection, built once per export:
# through the ORM each cost ~0.3 ms of compiling and event hooks.
_DOCUMENTS = Document.__table__
_DOCUMENT = sa.select(
    _DOCUMENTS.c.id, _DOCUMENTS.c.title, _DOCUMENTS.c.publisher, _DOCUMENTS.c.author,
    _DOCUMENTS.c.published, _DOCUMENTS.c.url, _DOCUMENTS.c.source_name, _DOCUMENTS.c.notes,
    _DOCUMENTS.c.text, _DOCUMENTS.c.language).where(
        _DOCUMENTS.c.id.in_(sa.bindparam("documents", expanding=True)))


class _Reads:
    """The statements that read a chunk of documents' annotations, for this export's
    filters."""

    def __init__(self, owners: set[int], wanted_layers: set[int], *, narrowed: bool,
                 every_layer: bool) -> None:
        spans, tags = Span.__table__, PassageTag.__table__
        ratings, progress = DocumentRating.__table__, DocumentProgress.__table__
        passages = Passage.__table__
        documents = sa.bindparam("documents", expanding=True)
        # Without an annotator filter every owner is wanted: the few rows of others (the
        # system accounts) are skipped in Python rather than named in a long IN list.
        owned = (lambda column: column.in_(sorted(owners))) if narrowed else \
            (lambda column: sa.true())
        self.counts = (sa.select(spans.c.document_id, sa.func.count())
                       .where(spans.c.document_id.in_(sa.select(_DOCUMENTS.c.id).where(
                           _DOCUMENTS.c.project_id == sa.bindparam("project"))))
                       .group_by(spans.c.document_id))
        self.spans = (
            sa.select(spans.c.document_id, spans.c.user_id, spans.c.layer_id, spans.c.label_id,
                      spans.c.start, spans.c.end, spans.c.note,
                      sa.type_coerce(spans.c.attributes, sa.Text).label("attributes"))
            .where(spans.c.document_id.in_(documents), owned(spans.c.user_id),
                   sa.true() if every_layer else spans.c.layer_id.in_(sorted(wanted_layers)))
            .execution_options(yield_per=2000))
        self.passages = (sa.select(passages.c.document_id, passages.c.id, passages.c.start,
                                   passages.c.end)
                         .where(passages.c.document_id.in_(documents))
                         .order_by(passages.c.document_id, passages.c.index))
        self.tags = sa.select(tags.c.document_id, tags.c.passage_id, tags.c.user_id,
                              tags.c.label_id).where(
            tags.c.document_id.in_(documents), owned(tags.c.user_id))
        self.ratings = sa.select(ratings.c.document_id, ratings.c.user_id,
                                 ratings.c["values"]).where(
            ratings.c.document_id.in_(documents), owned(ratings.c.user_id))
        self.done = sa.select(progress.c.document_id, progress.c.user_id).where(
            progress.c.document_id.in_(documents), progress.c.done_at.is_not(None))


@dataclass
class _Annotations:
    """One document's rows, as read with its chunk."""

    spans: list[Any] = field(default_factory=list)
    passages: list[tuple[int, int, int]] = field(default_factory=list)
    tags: dict[int, dict[int, int]] = field(default_factory=dict)
    ratings: list[tuple[int, Any]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)


def _read_chunk(connection: sa.Connection, reads: _Reads, chunk: list[int], owners: set[int],
                wanted_layers: set[int], with_passages: bool, with_ratings: bool,
                names: dict[int, str]) -> Iterator[tuple[Any, _Annotations]]:
    """The chunk's documents, in its order, each with its annotations."""
    at = {"documents": chunk}
    found = {document_id: _Annotations() for document_id in chunk}
    if owners and wanted_layers:
        for row in connection.execute(reads.spans, at):
            if row[1] in owners:  # user_id
                found[row[0]].spans.append(row)
    for document_id, passage_id, start, end in connection.execute(reads.passages, at):
        found[document_id].passages.append((passage_id, start, end))
    if with_passages and owners:
        for document_id, passage_id, user_id, label_id in connection.execute(reads.tags, at):
            if user_id in owners:
                found[document_id].tags.setdefault(passage_id, {})[user_id] = label_id
    if with_ratings and owners:
        for document_id, user_id, values in connection.execute(reads.ratings, at):
            found[document_id].ratings.append((user_id, values))
    if names:
        for document_id, user_id in connection.execute(reads.done, at):
            if user_id in names:
                found[document_id].done.add(user_id)
    documents = {row.id: row for row in connection.execute(_DOCUMENT, at)}
    for document_id in chunk:
        yield documents[document_id], found.pop(document_id)


def _record(document: Any, rows: _Annotations, codebook: Any, names: dict[int, str],
            gold_id: int | None, owners: set[int], layers: dict[int, str],
            labels: dict[int, str]) -> dict[str, Any]:
    text = document.text
    people = {name: {"done": False, "spans": [], "rating": None}
              for name in sorted(names.values())}
    gold: dict[str, Any] = {"spans": [], "rating": None}
    has_gold = False

    def slot(user_id: int) -> dict[str, Any] | None:
        if user_id == gold_id:
            return gold
        name = names.get(user_id)
        return people[name] if name is not None else None

    # Rows are unpacked, not read by name: a named read costs a third of a microsecond,
    # seven per span.
    for _doc, user_id, layer_id, label_id, start, end, note, raw in rows.spans:
        target = slot(user_id)
        if target is not None:
            target["spans"].append(_span(text, layers[layer_id], labels[label_id], start, end,
                                         note, raw))
            has_gold = has_gold or target is gold
    for work in [*people.values(), gold]:
        work["spans"].sort(key=_span_order)

    passage_out = []
    for passage_id, start, end in rows.passages:
        given = rows.tags.get(passage_id, {})
        source_type = {names[uid]: labels[lid] for uid, lid in given.items() if uid in names}
        gold_tag = labels[given[gold_id]] if gold_id in given else None
        has_gold = has_gold or gold_tag is not None
        passage_out.append({"start": start, "end": end,
                            "source_type": dict(sorted(source_type.items())),
                            "gold": gold_tag})

    for user_id, values in rows.ratings:
        target = slot(user_id)
        if target is not None:
            target["rating"] = dict(values or {})
            has_gold = has_gold or target is gold
    for user_id in rows.done:
        people[names[user_id]]["done"] = True

    # An annotator who did nothing on this document is left out of its record.
    tagged = {name for p in passage_out for name in p["source_type"]}
    annotators = {name: work for name, work in people.items()
                  if work["spans"] or work["rating"] or work["done"] or name in tagged}
    return {
        "schema": SCHEMA, "id": document.id, "title": document.title,
        "publisher": document.publisher, "author": document.author,
        "published": document.published, "url": document.url,
        "source_name": document.source_name, "notes": document.notes,
        "language": document.language or None,
        "text": text, "text_hash": text_hash(text), "offset_unit": "codepoint",
        "codebook": {"key": codebook.key, "version": codebook.version},
        "passages": passage_out,
        "annotators": annotators,
        "gold": gold if has_gold else None,
    }


def export(project: Project, fmt: str, out: BinaryIO, filters: Filters = EVERYTHING,
           progress: Callable[[int], None] | None = None,
           checked: ExportContext | None = None) -> None:
    """Write the project's annotations in format `fmt` to `out` (`checked`: what
    check_filters returned for these filters, when the caller checked them already)."""
    from app.services.datasets import formats

    writer = formats.writer(fmt)
    ctx = checked if checked is not None else check_filters(project, filters)
    writer.write(records(project, filters, progress), out, ctx)
    security_log.event("dataset_export", project_id=project.id, object=f"project:{project.id}",
                       format=fmt, pseudonymised=filters.pseudonymise,
                       annotators=list(filters.annotators) or None)
