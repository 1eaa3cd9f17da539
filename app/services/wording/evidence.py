"""Evidence in words: the quoted words of the spans a span gives as evidence, each with the
title of the document it is in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Document

QUOTE_CHARS = 160  # enough to recognise the words; the link opens the rest


def evidence_key(document_id: int, start: int, end: int) -> str:
    """The key an evidence item is looked up by on the page."""
    return f"{document_id}:{start}:{end}"


def evidence_quotes(project_id: int, spans: Iterable[dict[str, Any]]) -> dict[str, dict]:
    """For every evidence item of kind span among `spans` (span dicts): its words and its
    document's title, by evidence_key. Items in a document no longer in the project are
    left out (the page then says the words are gone)."""
    wanted: dict[int, set[tuple[int, int]]] = {}
    for span in spans:
        for item in (span.get("attributes") or {}).get("evidence") or []:
            if isinstance(item, dict) and item.get("kind") == "span":
                wanted.setdefault(item["document_id"], set()).add((item["start"], item["end"]))
    if not wanted:
        return {}
    out = {}
    for document in db.session.scalars(sa.select(Document).where(
            Document.id.in_(wanted), Document.project_id == project_id,
            Document.archived_at.is_(None))):
        for start, end in wanted[document.id]:
            words = " ".join(document.text[start:end].split())
            if len(words) > QUOTE_CHARS:
                words = words[:QUOTE_CHARS - 1].rstrip() + "…"
            out[evidence_key(document.id, start, end)] = {
                "quote": words, "document_title": document.title}
    return out
