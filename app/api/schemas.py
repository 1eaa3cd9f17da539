"""Request and response bodies of the JSON API (pydantic: validated at the boundary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}
    problems: list[dict[str, Any]] | None = None
    current: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- requests ---

class ProjectCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    instructions: str = Field(default="", max_length=20000)
    language: str = Field(default="en", max_length=16,
                          description="The class's language: its default codebook's and its pages'")
    time_zone: str = Field(default="UTC", max_length=64)  # IANA; due dates end there


class ProjectUpdate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=20000)
    join_enabled: bool | None = None
    time_zone: str | None = Field(default=None, max_length=64)


class JoinRequest(Strict):
    code: str = Field(min_length=1, max_length=20)


class RosterRequest(Strict):
    roster: str = Field(min_length=1, max_length=20000)
    expire: bool = False  # each password works once: the student then chooses their own


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=80)


class DocumentIn(BaseModel):
    # Not stripped: the text is stored exactly as sent (then made canonical).
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    title: str = Field(default="", max_length=300)
    source: str = Field(default="", max_length=200)
    author: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=2000)
    published: str = Field(default="", max_length=32)


class DocumentsCreate(Strict):
    documents: list[DocumentIn] = Field(min_length=1, max_length=500)


# --- responses ---

class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Literal["admin", "teacher", "student"]


class ProjectOut(BaseModel):
    id: int
    title: str
    instructions: str
    role: str
    created_at: datetime
    time_zone: str
    join_code: str | None = None
    join_enabled: bool | None = None
    document_count: int | None = None


class ProjectList(BaseModel):
    projects: list[ProjectOut]


class MemberOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str


class MemberList(BaseModel):
    members: list[MemberOut]


class SlipOut(BaseModel):
    display_name: str
    username: str
    password: str


class SlipList(BaseModel):
    slips: list[SlipOut]


class PassageOut(BaseModel):
    index: int
    start: int
    end: int


class DocumentSummary(BaseModel):
    id: int
    title: str
    publisher: str
    author: str
    published: str
    url: str
    source_name: str
    char_count: int
    text_sha256: str
    passage_count: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class DocumentOut(DocumentSummary):
    notes: str
    offset_unit: Literal["codepoint"] = "codepoint"
    text: str
    passages: list[PassageOut]


class CodebookOut(BaseModel):
    key: str
    name: str
    version: int
    description: str
    layers: list[dict[str, Any]]
    document_form: dict[str, Any]


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenCreated(TokenOut):
    token: str = Field(description="The secret: shown this once, store it now.")


class Empty(BaseModel):
    pass


# --- annotations ---

class Loose(BaseModel):
    """Extra keys refused, strings kept exactly as sent (selected text must match)."""

    model_config = ConfigDict(extra="forbid")


class SpanCreate(Loose):
    client_id: str = Field(min_length=8, max_length=64)
    layer: str = Field(max_length=40)
    label: str = Field(max_length=80)
    start: StrictInt = Field(ge=0)
    end: StrictInt = Field(ge=1)
    text: str
    note: str = Field(default="", max_length=2000)
    attributes: dict[str, Any] = {}


class SpanUpdate(Loose):
    version: StrictInt = Field(ge=1)
    label: str | None = Field(default=None, max_length=80)
    start: StrictInt | None = Field(default=None, ge=0)
    end: StrictInt | None = Field(default=None, ge=1)
    text: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    attributes: dict[str, Any] | None = None


class SpanOut(BaseModel):
    id: int
    client_id: str
    layer: str
    label: str
    start: int
    end: int
    text: str
    note: str
    attributes: dict[str, Any]
    version: int
    codebook_version: int
    author: str
    updated_at: str


class PassageTagSet(Loose):
    label: str = Field(max_length=80)
    version: StrictInt | None = Field(default=None, ge=1)


class PassageTagOut(BaseModel):
    passage_id: int
    label: str
    version: int
    codebook_version: int
    updated_at: str


class RatingSave(Loose):
    values: dict[str, Any]
    version: StrictInt | None = Field(default=None, ge=1)


class RatingOut(BaseModel):
    values: dict[str, Any]
    version: int
    codebook_version: int
    updated_at: str


class DoneSet(Loose):
    done: bool


class DoneOut(BaseModel):
    done: bool


class CsrfTokenOut(BaseModel):
    csrf_token: str
    username: str


class AnnotationsOut(BaseModel):
    document_id: int
    spans: list[SpanOut]
    passage_tags: list[PassageTagOut]
    rating: RatingOut | None
    done: bool


class RevealedSpan(BaseModel):
    layer: str
    label: str
    name: str
    start: int
    end: int
    text: str
    note: str


class RevealedPassage(BaseModel):
    index: int
    text: str
    tags: dict[str, str]
    spans: dict[str, list[RevealedSpan]]


class RevealOut(BaseModel):
    """Your work ("You"), the gold key ("Gold key") and classmates' (named or "Classmate n"
    as the project decides), passage by passage."""

    annotators: list[str]
    passages: list[RevealedPassage]


class HistoryEvent(BaseModel):
    id: int
    at: str
    owner: str
    actor: str
    kind: str
    action: str
    object_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    summary: str
    restorable: bool


class HistoryOut(BaseModel):
    document_id: int
    events: list[HistoryEvent]


# --- sources and the claims board ---

class RatingSummary(BaseModel):
    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None
    min: float | None
    max: float | None
    alpha: float | None
    alpha_undefined: str = ""


class SourceFigures(BaseModel):
    ref: str
    kind: str
    name: str
    documents: int
    published: int
    voices: int
    words: int
    text_words: float = Field(description="The source's words of text: per document, its "
                              "words averaged over the document's annotators, summed")
    min_words: float = Field(description="Rates are given only from this much text on")
    rhetoric: int
    rhetoric_per_1000: float | None
    rhetoric_low: float | None
    rhetoric_high: float | None
    claims: int
    claims_per_1000: float | None
    claims_low: float | None
    claims_high: float | None
    reliability: RatingSummary
    slant: RatingSummary


class SourceList(BaseModel):
    sources: list[SourceFigures]


class AttributedSpan(BaseModel):
    document_id: int
    start: int
    end: int
    text: str
    note: str
    annotator: str
    layer: str
    label: str


class Statement(BaseModel):
    document_id: int
    start: int
    end: int
    text: str
    annotators: list[str]


class SourceProfile(SourceFigures):
    document_ids: list[int]
    statements: list[Statement]
    spans: list[AttributedSpan]


class EntityCreate(Loose):
    name: str = Field(min_length=1, max_length=200)
    kind: str = "person"
    description: str = Field(default="", max_length=2000)


class AliasOut(BaseModel):
    id: int
    name: str
    status: str


class EntityOut(BaseModel):
    id: int
    name: str
    kind: str
    description: str
    aliases: list[AliasOut]


class EntityList(BaseModel):
    entities: list[EntityOut]


class LinkCreate(Loose):
    name: str = Field(min_length=1, max_length=200)
    entity_id: StrictInt = Field(ge=1)


class QuestionCreate(Loose):
    text: str = Field(min_length=5, max_length=500)
    value_kind: str = "number"


class QuestionOut(BaseModel):
    id: int
    text: str
    value_kind: str
    claims: int


class QuestionList(BaseModel):
    questions: list[QuestionOut]


class ClaimFile(Loose):
    document_id: StrictInt = Field(ge=1)
    start: StrictInt = Field(ge=0)
    end: StrictInt = Field(ge=1)
    text: str
    value: str = Field(min_length=1, max_length=200)
    stated: str = Field(default="", max_length=200)
    sourcing: str | None = None
    note: str = Field(default="", max_length=2000)
    span_id: StrictInt | None = Field(default=None, ge=1)


class VerdictSet(Loose):
    verdict: str
    evidence_url: str = Field(default="", max_length=2000)
    evidence_span_id: StrictInt | None = Field(default=None, ge=1)
    evidence_passage: str = Field(default="", max_length=2000,
                                  description="A passage's link: …/documents/<id>#p<index>")
    evidence_document_id: StrictInt | None = Field(default=None, ge=1)
    evidence_start: StrictInt | None = Field(default=None, ge=0)
    evidence_end: StrictInt | None = Field(default=None, ge=1)
    note: str = Field(default="", max_length=2000)
    version: StrictInt | None = Field(default=None, ge=1)


class VerdictOut(BaseModel):
    link_id: int
    verdict: str
    evidence_url: str
    evidence_span_id: int | None
    evidence_document_id: int | None
    evidence_start: int | None
    evidence_end: int | None
    note: str
    version: int
    updated_at: str


class BoardClaim(BaseModel):
    id: int
    document_id: int
    document_title: str
    start: int
    end: int
    quote: str
    publisher: str
    published: str
    speaker: str
    value: str
    stated: str
    value_low: float | None
    value_high: float | None
    value_date: str
    sourcing: str
    note: str
    contradicts: list[int]
    verdicts: dict[str, int]
    evidence: list[str]


class BoardOut(BaseModel):
    question: QuestionOut
    claims: list[BoardClaim]
    verdict_alpha: float | None
    verdict_agreement: float | None
