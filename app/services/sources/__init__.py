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

from app.services.sources.corpus import (
    ALIAS_STATUSES,
    ENTITY_KINDS,
    SOURCE,
    SPOKEN,
    UNNAMED,
    Corpus,
    Resolver,
    Said,
    SourceSpan,
    Speaker,
    Voice,
    gather,
    innermost_speaker,
    normalize_name,
    resolver,
    source_spans,
    word_count,
)
from app.services.sources.names import (
    create_entity,
    get_entity,
    link_name,
    review_alias,
    speaker_names,
    unlink,
)
from app.services.sources.profiles import (
    SCALES,
    Profile,
    build_profiles,
    comparison,
    figures,
    interval_alpha,
    min_words,
    profile_detail,
    ratings_of,
    readers,
    summary,
)

__all__ = [
    "ALIAS_STATUSES", "ENTITY_KINDS", "SCALES", "SOURCE", "SPOKEN", "UNNAMED", "Corpus",
    "Profile", "Resolver", "Said", "SourceSpan", "Speaker", "Voice", "build_profiles",
    "comparison", "create_entity", "figures", "gather", "get_entity", "innermost_speaker",
    "interval_alpha", "link_name", "min_words", "normalize_name", "profile_detail", "ratings_of",
    "readers", "resolver", "review_alias", "source_spans", "speaker_names", "summary", "unlink",
    "word_count",
]
