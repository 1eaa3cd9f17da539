"""Who speaks where: speakers' names, the innermost source span around a span, and a
project's annotations gathered with the words each speaker has in each reading."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, EntityAlias, Project, SourceEntity, Span, User

SOURCE = "source"
SPOKEN = ("rhetoric", "claim")
ENTITY_KINDS = ("person", "institution")
ALIAS_STATUSES = ("approved", "proposed")
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_EDGES = " \t\n\"'“”‘’«»()[]{}.,;:"


def normalize_name(name: Any) -> str:
    """The form names are compared in: NFC, case-folded, spaces collapsed, quotes and
    punctuation around it dropped ("  “The Minister,” " = "the minister")."""
    if not isinstance(name, str):
        return ""
    text = " ".join(unicodedata.normalize("NFC", name).split()).strip(_EDGES)
    return text.casefold()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


# --- who speaks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Speaker:
    """Who a span is attributed to: kind is "entity" (a linked person or institution),
    "name" (a speaker's name nobody linked yet), "publisher" (an outlet: the document's
    publisher or an embedded segment's source) or "unnamed" (a voice without a name)."""

    kind: str
    key: str
    label: str

    @property
    def shown(self) -> str:
        """The speaker as a page says it: the two without a name of their own (an unnamed
        voice, the document itself) in the reader's language."""
        if self.kind == "unnamed":
            return _("an unnamed voice")
        if self.kind == "publisher" and not self.key:
            return _("the document itself")
        return self.label

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


UNNAMED = Speaker("unnamed", "", "an unnamed voice")


@dataclass
class Resolver:
    """Approved aliases of a project: normalised name -> entity."""

    entities: dict[int, SourceEntity]
    alias: dict[str, int]

    def speaker(self, name: str) -> Speaker:
        key = normalize_name(name)
        if not key:
            return UNNAMED
        entity_id = self.alias.get(key)
        if entity_id is not None:
            return Speaker("entity", str(entity_id), self.entities[entity_id].name)
        return Speaker("name", key, " ".join(name.split()))

    def publisher(self, name: str) -> Speaker | None:
        key = normalize_name(name)
        if not key:
            return None
        entity_id = self.alias.get(key)
        if entity_id is not None:
            return Speaker("entity", str(entity_id), self.entities[entity_id].name)
        return Speaker("publisher", key, " ".join(name.split()))


def resolver(project_id: int) -> Resolver:
    entities = {e.id: e for e in db.session.scalars(
        sa.select(SourceEntity).where(SourceEntity.project_id == project_id))}
    alias = dict(db.session.execute(
        sa.select(EntityAlias.alias, EntityAlias.entity_id)
        .where(EntityAlias.project_id == project_id, EntityAlias.status == "approved")).all())
    for entity in entities.values():
        alias.setdefault(normalize_name(entity.name), entity.id)
    return Resolver(entities, alias)


@dataclass(frozen=True)
class SourceSpan:
    start: int
    end: int
    role: str
    speaker: str
    embedded_from: str


def innermost_speaker(start: int, end: int, sources: list[SourceSpan],
                      publisher: Speaker | None, names: Resolver) -> Speaker:
    """Who says [start, end): the innermost source span around it decides (see above)."""
    around = sorted((s for s in sources if s.start <= start and end <= s.end),
                    key=lambda s: (s.end - s.start, -s.start))
    for source in around:
        if source.role == "voice":
            return names.speaker(source.speaker) if source.speaker else UNNAMED
        if source.embedded_from:
            outlet = names.publisher(source.embedded_from.split(",")[0])
            if outlet is not None:
                return outlet
    return publisher or Speaker("publisher", "", "the document itself")


def source_spans(rows: list[Span]) -> list[SourceSpan]:
    return [SourceSpan(s.start, s.end, (s.attributes or {}).get("role", "segment"),
                       (s.attributes or {}).get("speaker", "") or "",
                       (s.attributes or {}).get("embedded_from", "") or "")
            for s in rows]


# --- gathering a project -------------------------------------------------------------------

@dataclass
class Said:
    """One attributed rhetoric or claim span."""

    span: Span
    speaker: Speaker
    layer: str


@dataclass
class Voice:
    """One quoted voice as an annotator marked it."""

    span: Span
    speaker: Speaker


@dataclass
class Corpus:
    """A project's documents with every annotator's attributed spans and voices."""

    project: Project
    documents: dict[int, Document]
    names: Resolver
    said: list[Said] = field(default_factory=list)
    voices: list[Voice] = field(default_factory=list)
    # (document, annotator) -> words each speaker has in that annotator's reading
    words: dict[tuple[int, int], Counter] = field(default_factory=dict)
    annotators: dict[int, str] = field(default_factory=dict)
    publisher_of: dict[int, Speaker | None] = field(default_factory=dict)


def gather(project: Project) -> Corpus:
    """Attribute every rhetoric and claim span of the project (each annotator's spans by
    that annotator's own source spans), and count the words each speaker has."""
    from app.services.gold import gold_user_id
    from app.services.vocabulary import vocabulary

    words = vocabulary(project.id)
    names = resolver(project.id)
    documents = {d.id: d for d in db.session.scalars(
        sa.select(Document).where(Document.project_id == project.id)
        .order_by(Document.position, Document.id))}
    corpus = Corpus(project, documents, names)
    for document in documents.values():
        corpus.publisher_of[document.id] = names.publisher(document.publisher)
    gold = gold_user_id()
    query = sa.select(Span).where(Span.document_id.in_(documents)) if documents else None
    if query is None:
        return corpus
    if gold is not None:
        query = query.where(Span.user_id != gold)
    spans = db.session.scalars(query.order_by(Span.document_id, Span.user_id, Span.start)).all()
    by_reading: dict[tuple[int, int], list[Span]] = defaultdict(list)
    for span in spans:
        by_reading[(span.document_id, span.user_id)].append(span)
    layer_of = {info.id: key for key, info in words.layers.items()}
    corpus.annotators = dict(db.session.execute(
        sa.select(User.id, User.username).where(
            User.id.in_({user for _, user in by_reading}))).all()) if by_reading else {}
    for (document_id, _user), rows in by_reading.items():
        document = documents[document_id]
        publisher = corpus.publisher_of[document_id]
        source_rows = [s for s in rows if layer_of.get(s.layer_id) == SOURCE]
        sources = source_spans(source_rows)
        for span, source in zip(source_rows, sources, strict=True):
            if source.role == "voice":
                corpus.voices.append(Voice(span, names.speaker(source.speaker)
                                           if source.speaker else UNNAMED))
        for span in rows:
            layer = layer_of.get(span.layer_id)
            if layer in SPOKEN:
                speaker = innermost_speaker(span.start, span.end, sources, publisher, names)
                corpus.said.append(Said(span, speaker, layer))
        corpus.words[(document_id, _user)] = _words_by_speaker(document, sources, publisher,
                                                               names)
    return corpus


def _words_by_speaker(document: Document, sources: list[SourceSpan],
                      publisher: Speaker | None, names: Resolver) -> Counter:
    """How many words of the document each speaker says in one annotator's reading: each
    word belongs to the innermost source span around it. The text is cut where a source
    span starts or ends; within a piece the speaker is the same."""
    cuts = sorted({0, len(document.text)} | {s.start for s in sources} | {s.end for s in sources})
    counts: Counter = Counter()
    for left, right in zip(cuts, cuts[1:], strict=False):
        if left >= right:
            continue
        piece = word_count(document.text[left:right])
        if piece:
            counts[innermost_speaker(left, right, sources, publisher, names).ref] += piece
    return counts
