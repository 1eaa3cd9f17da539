"""What the class found about each publisher and speaker: its figures and the spans behind
them."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, DocumentRating, Project
from app.services.errors import NotFound
from app.services.sources.corpus import Corpus, Said, Speaker, Voice, gather
from app.tally import commonest

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
    from app.services.agreement import reasons

    if len(table) < 2:
        return {"value": None, "why": _("needs ratings of at least two documents")}
    coders = sorted({user for row in table.values() for user in row})
    items = sorted(table)
    data = [[table[item].get(user) for item in items] for user in coders]
    try:
        return {"value": krippendorff_alpha(data, "interval"), "why": ""}
    except Undefined as reason:
        return {"value": None, "why": reasons.why(reason)}


@dataclass
class Profile:
    speaker: Speaker
    published: set[int] = field(default_factory=set)     # documents it published
    voices: list[Voice] = field(default_factory=list)    # its quoted words, per annotator
    said: list[Said] = field(default_factory=list)       # rhetoric and claims attributed
    words: int = 0                                       # its words, summed over readings
    # its words in each reading: document -> annotator -> words
    readings: dict[int, dict[int, int]] = field(default_factory=dict)

    @property
    def documents(self) -> set[int]:
        return self.published | {v.span.document_id for v in self.voices}

    def count(self, layer: str) -> int:
        return sum(1 for s in self.said if s.layer == layer)

    def text_words(self, readers: dict[int, int]) -> float:
        """How much text the source has: per document, its words averaged over the
        document's readers (`readers`: document -> how many annotators read it), summed.
        Ten students reading the same five words make five words of text, not fifty."""
        return sum(sum(by_user.values()) / max(readers.get(document, 1), len(by_user))
                   for document, by_user in self.readings.items())

    def rate(self, layer: str, text_words: float, min_words: float) -> dict[str, Any]:
        """Spans of the layer per 1,000 of its words over every annotator's reading, with
        the exact (Garwood) 95% Poisson interval; no value below `min_words` of text."""
        count = self.count(layer)
        if not self.words or text_words < min_words:
            return {"value": None, "low": None, "high": None, "count": count}
        from scipy.stats import chi2

        per = 1000 / self.words
        low = chi2.ppf(0.025, 2 * count) / 2 if count else 0.0
        high = chi2.ppf(0.975, 2 * count + 2) / 2
        return {"value": count * per, "low": float(low) * per, "high": float(high) * per,
                "count": count}


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
    for (document_id, user_id), counts in corpus.words.items():
        for ref, n in counts.items():
            if ref in profiles and n:
                profiles[ref].words += n
                profiles[ref].readings.setdefault(document_id, {})[user_id] = n
    return profiles


def readers(corpus: Corpus) -> dict[int, int]:
    """How many annotators read each document (worked on it in the source layer or not)."""
    out: dict[int, int] = {}
    for document_id, _user in corpus.words:
        out[document_id] = out.get(document_id, 0) + 1
    return out


def min_words() -> float:
    """The text a source needs before its rates are shown (SOURCEMARK_SOURCES_MIN_WORDS)."""
    from flask import current_app

    return float(current_app.config.get("SOURCES_MIN_WORDS", 100))


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


def figures(project: Project, profile: Profile, ratings: dict | None = None,
            read_by: dict[int, int] | None = None) -> dict[str, Any]:
    """The numbers of one profile (plain data for pages, API and exports). Rates per 1,000
    words come with their 95% interval, and only for a source with enough text."""
    ratings = ratings if ratings is not None else ratings_of(project, profile.documents)
    text = profile.text_words(read_by or {})
    floor = min_words()
    rhetoric, claims = profile.rate("rhetoric", text, floor), profile.rate("claim", text, floor)
    out: dict[str, Any] = {
        "ref": profile.speaker.ref, "kind": profile.speaker.kind,
        "name": profile.speaker.shown, "documents": len(profile.documents),
        "published": len(profile.published), "voices": len(profile.voices),
        "words": profile.words, "text_words": round(text, 1), "min_words": floor,
        "rhetoric": profile.count("rhetoric"), "rhetoric_per_1000": rhetoric["value"],
        "rhetoric_low": rhetoric["low"], "rhetoric_high": rhetoric["high"],
        "claims": profile.count("claim"), "claims_per_1000": claims["value"],
        "claims_low": claims["low"], "claims_high": claims["high"],
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
    corpus = gather(project)
    profiles = build_profiles(corpus)
    everything = set().union(*(p.documents for p in profiles.values())) if profiles else set()
    ratings = ratings_of(project, everything)
    read_by = readers(corpus)
    return [figures(project, p, ratings, read_by) for p in profiles.values()]


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
        raise NotFound(_("No such publisher or speaker in this project."))
    from app.services.vocabulary import vocabulary

    words = vocabulary(project.id)
    ratings = ratings_of(project, profile.documents)
    out = figures(project, profile, ratings, readers(corpus))
    statements = []
    for group in _clusters(profile.voices):
        common = commonest(Counter((v.span.start, v.span.end) for v in group))
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
