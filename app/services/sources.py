"""Who speaks, and what the class found about each source.

Attribution rule: a rhetoric or claim span is said by whoever speaks where it lies, which the
*innermost* of the same annotator's source spans around it decides:
- a quoted voice (role "voice") speaks for its speaker, or for "an unnamed voice" when the
  annotator gave no speaker (never for the reporter around the quote);
- an embedded segment (role "segment") with `embedded_from` ("RFE/RL, 2020-02-26") speaks
  for that outlet; one without says nothing about its source, so the next span out decides;
- with no source span around it, the document's publisher speaks.
Speakers' names, as students type them, are linked to canonical entities (a person or an
institution) by approved aliases; a name nobody has linked stands for itself.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Document,
    DocumentRating,
    EntityAlias,
    Project,
    SourceEntity,
    Span,
    User,
)
from app.services.errors import Conflict, Forbidden, Invalid, NotFound

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


# --- entities and aliases ------------------------------------------------------------------

def _teaches(project: Project, user: User) -> bool:
    from app.services.projects import project_role

    return project_role(project, user) == "teacher"


def create_entity(project: Project, user: User, name: Any, kind: Any = "person",
                  description: Any = "") -> SourceEntity:
    """A new canonical person or institution (teachers)."""
    if not _teaches(project, user):
        raise Forbidden("Only the project's teachers add sources.")
    name = " ".join(str(name or "").split())
    if not name or len(name) > 200:
        raise Invalid("A source needs a name of 1 to 200 characters.", {"name": "1–200"})
    if kind not in ENTITY_KINDS:
        raise Invalid("A source is a person or an institution.", {"kind": "person/institution"})
    if not isinstance(description, str) or len(description) > 2000:
        raise Invalid("The description is text of at most 2,000 characters.",
                      {"description": "at most 2,000 characters"})
    taken = db.session.scalar(sa.select(SourceEntity.id).where(
        SourceEntity.project_id == project.id, SourceEntity.name == name))
    if taken is not None:
        raise Conflict(f"The project already has a source named '{name}'.", {"name": "taken"})
    entity = SourceEntity(project_id=project.id, name=name, kind=kind,
                          description=description.strip(), created_by_id=user.id)
    db.session.add(entity)
    db.session.commit()
    return entity


def get_entity(project: Project, entity_id: int) -> SourceEntity:
    entity = db.session.get(SourceEntity, entity_id)
    if entity is None or entity.project_id != project.id:
        raise NotFound("No such source in this project.")
    return entity


def link_name(project: Project, user: User, written: Any, entity_id: int) -> EntityAlias:
    """Say that a name as written stands for an entity. A teacher's link holds at once and
    replaces any other approved link of that name; a student's is a proposal the teacher
    reviews. Linking again is harmless."""
    from app.services.projects import project_role

    role = project_role(project, user)
    if role is None:
        raise NotFound("No such project.")
    entity = get_entity(project, entity_id)
    alias = normalize_name(written)
    if not alias or len(alias) > 200:
        raise Invalid("Name the speaker as written (1 to 200 characters).",
                      {"name": "1–200 characters"})
    teacher = role == "teacher"
    existing = db.session.scalar(sa.select(EntityAlias).where(
        EntityAlias.project_id == project.id, EntityAlias.alias == alias,
        EntityAlias.entity_id == entity.id))
    if teacher:
        # One approved meaning per name: a teacher's link replaces another approved one.
        db.session.execute(sa.delete(EntityAlias).where(
            EntityAlias.project_id == project.id, EntityAlias.alias == alias,
            EntityAlias.entity_id != entity.id, EntityAlias.status == "approved"))
    if existing is None:
        existing = EntityAlias(project_id=project.id, entity_id=entity.id, alias=alias,
                               written=" ".join(str(written).split())[:200],
                               status="approved" if teacher else "proposed",
                               proposed_by_id=user.id,
                               reviewed_by_id=user.id if teacher else None)
        db.session.add(existing)
    elif teacher and existing.status != "approved":
        existing.status, existing.reviewed_by_id = "approved", user.id
    db.session.commit()
    return existing


def review_alias(project: Project, user: User, alias_id: int, approve: bool) -> None:
    """The teacher accepts a student's link (replacing another approved meaning of the
    name) or turns it down (it is removed)."""
    if not _teaches(project, user):
        raise Forbidden("Only the project's teachers review links.")
    alias = db.session.get(EntityAlias, alias_id)
    if alias is None or alias.project_id != project.id:
        raise NotFound("No such link in this project.")
    if approve:
        db.session.execute(sa.delete(EntityAlias).where(
            EntityAlias.project_id == project.id, EntityAlias.alias == alias.alias,
            EntityAlias.id != alias.id, EntityAlias.status == "approved"))
        alias.status, alias.reviewed_by_id = "approved", user.id
    else:
        db.session.delete(alias)
    db.session.commit()


def unlink(project: Project, user: User, alias_id: int) -> None:
    """Remove a link: a teacher any, a student only their own proposal."""
    alias = db.session.get(EntityAlias, alias_id)
    if alias is None or alias.project_id != project.id:
        raise NotFound("No such link in this project.")
    if not _teaches(project, user) and not (alias.status == "proposed"
                                            and alias.proposed_by_id == user.id):
        raise Forbidden("Only the teacher removes a link (students their own proposals).")
    db.session.delete(alias)
    db.session.commit()


def speaker_names(project: Project) -> list[dict[str, Any]]:
    """Every speaker's name written on a quoted voice in the project, with how often and
    by how many annotators, and what it is linked to (approved and proposed)."""
    corpus_names: dict[str, dict[str, Any]] = {}
    from app.services.vocabulary import vocabulary

    layer = vocabulary(project.id).layers.get(SOURCE)
    if layer is None:
        return []
    rows = db.session.execute(
        sa.select(Span.attributes, Span.user_id).join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project.id, Span.layer_id == layer.id)).all()
    for attributes, user_id in rows:
        written = (attributes or {}).get("speaker")
        if (attributes or {}).get("role") != "voice" or not written:
            continue
        key = normalize_name(written)
        entry = corpus_names.setdefault(key, {"alias": key, "spellings": Counter(),
                                              "voices": 0, "annotators": set()})
        entry["spellings"][" ".join(written.split())] += 1
        entry["voices"] += 1
        entry["annotators"].add(user_id)
    links: dict[str, list[EntityAlias]] = defaultdict(list)
    for alias in db.session.scalars(sa.select(EntityAlias).where(
            EntityAlias.project_id == project.id)):
        links[alias.alias].append(alias)
    out = []
    for key, entry in corpus_names.items():
        out.append({"alias": key, "written": entry["spellings"].most_common(1)[0][0],
                    "voices": entry["voices"], "annotators": len(entry["annotators"]),
                    "links": links.get(key, [])})
    return sorted(out, key=lambda e: (-e["voices"], e["alias"]))


# --- profiles ------------------------------------------------------------------------------

# Two-sided 95% Student t critical values by degrees of freedom (1-30); 1.96 beyond.
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


SCALES = {"reliability": (1.0, 7.0), "slant": (-3.0, 3.0)}


def summary(values: list[float], scale: tuple[float, float] | None = None
            ) -> dict[str, Any]:
    """n, mean, standard deviation, range and the 95% interval of the mean (kept within the
    rating scale, which the mean cannot leave)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "low": None, "high": None, "min": None,
                "max": None}
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else 0.0
    half = (_T95[n - 2] if n - 1 <= len(_T95) else 1.96) * sd / math.sqrt(n) if n > 1 \
        else None
    low = mean - half if half is not None else None
    high = mean + half if half is not None else None
    if scale is not None and half is not None:
        low, high = max(scale[0], low), min(scale[1], high)
    return {"n": n, "mean": mean, "sd": sd, "min": min(values), "max": max(values),
            "low": low, "high": high}


def interval_alpha(table: dict[int, dict[int, float]]) -> dict[str, Any]:
    """Krippendorff's interval alpha of ratings (document -> annotator -> value)."""
    from app.agreement import Undefined, krippendorff_alpha

    if len(table) < 2:
        return {"value": None, "why": "needs ratings of at least two documents"}
    coders = sorted({user for row in table.values() for user in row})
    items = sorted(table)
    data = [[table[item].get(user) for item in items] for user in coders]
    try:
        return {"value": krippendorff_alpha(data, "interval"), "why": ""}
    except Undefined as reason:
        return {"value": None, "why": str(reason)}


@dataclass
class Profile:
    speaker: Speaker
    published: set[int] = field(default_factory=set)     # documents it published
    voices: list[Voice] = field(default_factory=list)    # its quoted words, per annotator
    said: list[Said] = field(default_factory=list)       # rhetoric and claims attributed
    words: int = 0                                       # its words, summed over readings

    @property
    def documents(self) -> set[int]:
        return self.published | {v.span.document_id for v in self.voices}

    def count(self, layer: str) -> int:
        return sum(1 for s in self.said if s.layer == layer)

    def rate(self, layer: str) -> float | None:
        """Spans of the layer per 1,000 of its words (over every annotator's reading)."""
        return 1000 * self.count(layer) / self.words if self.words else None


def build_profiles(corpus: Corpus) -> dict[str, Profile]:
    profiles: dict[str, Profile] = {}

    def of(speaker: Speaker) -> Profile | None:
        if speaker.kind == "unnamed" or not speaker.key:
            return None
        return profiles.setdefault(speaker.ref, Profile(speaker))

    for document_id, publisher in corpus.publisher_of.items():
        if publisher is not None:
            of(publisher).published.add(document_id)
    for voice in corpus.voices:
        profile = of(voice.speaker)
        if profile is not None:
            profile.voices.append(voice)
    for said in corpus.said:
        profile = of(said.speaker)
        if profile is not None:
            profile.said.append(said)
    for counts in corpus.words.values():
        for ref, n in counts.items():
            if ref in profiles:
                profiles[ref].words += n
    return profiles


def ratings_of(project: Project, document_ids: set[int]) -> dict[str, dict[int, dict[int, float]]]:
    """The class's reliability and slant ratings of these documents (the gold key's left
    out): field -> document -> annotator -> value."""
    from app.services.gold import gold_user_id

    out: dict[str, dict[int, dict[int, float]]] = {"reliability": {}, "slant": {}}
    if not document_ids:
        return out
    query = sa.select(DocumentRating.document_id, DocumentRating.user_id,
                      DocumentRating.values).where(DocumentRating.document_id.in_(document_ids))
    gold = gold_user_id()
    if gold is not None:
        query = query.where(DocumentRating.user_id != gold)
    for document_id, user_id, values in db.session.execute(query):
        for key in out:
            value = (values or {}).get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out[key].setdefault(document_id, {})[user_id] = float(value)
    return out


def figures(project: Project, profile: Profile, ratings: dict | None = None) -> dict[str, Any]:
    """The numbers of one profile (plain data for pages, API and exports)."""
    ratings = ratings if ratings is not None else ratings_of(project, profile.documents)
    out: dict[str, Any] = {
        "ref": profile.speaker.ref, "kind": profile.speaker.kind,
        "name": profile.speaker.label, "documents": len(profile.documents),
        "published": len(profile.published), "voices": len(profile.voices),
        "words": profile.words,
        "rhetoric": profile.count("rhetoric"), "rhetoric_per_1000": profile.rate("rhetoric"),
        "claims": profile.count("claim"), "claims_per_1000": profile.rate("claim"),
    }
    for key in ("reliability", "slant"):
        table = {doc: row for doc, row in ratings[key].items() if doc in profile.documents}
        values = [v for row in table.values() for v in row.values()]
        out[key] = summary(values, SCALES[key])
        out[key]["alpha"] = interval_alpha(table) if table else {"value": None,
                                                                 "why": "no ratings"}
    return out


def comparison(project: Project) -> list[dict[str, Any]]:
    """Every publisher and speaker of the project with its figures."""
    profiles = build_profiles(gather(project))
    everything = set().union(*(p.documents for p in profiles.values())) if profiles else set()
    ratings = ratings_of(project, everything)
    return [figures(project, p, ratings) for p in profiles.values()]


def _clusters(voices: list[Voice]) -> list[list[Voice]]:
    """Voices of several annotators on the same words: overlapping ranges of one document."""
    groups: list[list[Voice]] = []
    for voice in sorted(voices, key=lambda v: (v.span.document_id, v.span.start, -v.span.end)):
        last = groups[-1] if groups else None
        if last and last[0].span.document_id == voice.span.document_id and \
                voice.span.start < max(v.span.end for v in last):
            last.append(voice)
        else:
            groups.append([voice])
    return groups


def profile_detail(project: Project, ref: str) -> dict[str, Any]:
    """One publisher's or speaker's page: figures, statements, documents and every span
    behind each number."""
    corpus = gather(project)
    profiles = build_profiles(corpus)
    profile = profiles.get(ref)
    if profile is None:
        raise NotFound("No such publisher or speaker in this project.")
    from app.services.vocabulary import vocabulary

    words = vocabulary(project.id)
    ratings = ratings_of(project, profile.documents)
    out = figures(project, profile, ratings)
    statements = []
    for group in _clusters(profile.voices):
        common = Counter((v.span.start, v.span.end) for v in group).most_common(1)[0][0]
        document = corpus.documents[group[0].span.document_id]
        statements.append({"document": document, "start": common[0], "end": common[1],
                           "text": document.text[common[0]:common[1]],
                           "passage": _passage_index(document, common[0]),
                           "annotators": sorted({corpus.annotators.get(v.span.user_id, "?")
                                                 for v in group})})
    by_label: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for said in profile.said:
        label = words.label_by_id.get(said.span.label_id)
        document = corpus.documents[said.span.document_id]
        by_label[(said.layer, label.name if label else "?")].append({
            "document": document, "start": said.span.start, "end": said.span.end,
            "text": document.text[said.span.start:said.span.end], "note": said.span.note,
            "annotator": corpus.annotators.get(said.span.user_id, "?"),
            "passage": _passage_index(document, said.span.start)})
    rated = []
    for document_id in sorted(profile.documents):
        row = {"document": corpus.documents[document_id]}
        for key in ("reliability", "slant"):
            values = list(ratings[key].get(document_id, {}).values())
            row[key] = statistics.fmean(values) if values else None
            row[f"{key}_n"] = len(values)
        rated.append(row)
    out.update({
        "statements": statements,
        "document_list": [corpus.documents[d] for d in sorted(profile.documents)],
        "rated_documents": rated,
        "by_label": [{"layer": layer, "label": label, "spans": spans,
                      "anchor": f"{layer}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}"}
                     for (layer, label), spans in sorted(by_label.items(),
                                                         key=lambda kv: (kv[0][0],
                                                                         -len(kv[1])))],
        "speaker": profile.speaker,
    })
    return out


def _passage_index(document: Document, offset: int) -> int | None:
    for passage in document.passages:
        if passage.start <= offset < passage.end:
            return passage.index
    return None

