"""Span attributes (speaker, quote form, verdict, evidence …) checked against the layer's
declared attribute definitions in the codebook."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import Document
from app.services.errors import Invalid
from app.services.vocabulary import LayerInfo

# Stored in their own columns or derived, never in the attributes dict.
_NOT_ATTRIBUTES = {"note"}
MAX_EVIDENCE = 20


def _bad(key: str, code: str, message: str) -> Invalid:
    """A refused attribute: `message` in the reader's language, `code` for a program."""
    return Invalid(_("Attribute '%(key)s': %(message)s",
                     key=key, message=message), {f"attributes.{key}": code})


def _url(key: str, value: Any) -> str:
    from urllib.parse import urlsplit

    if not isinstance(value, str) or len(value) > 2000:
        raise _bad(key, "url", _("a URL of at most 2000 characters"))
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise _bad(key, "url_scheme", _("an http(s) address"))
    return value.strip()


def _evidence_item(key: str, item: Any, document: Document) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad(key, "evidence_item", _("each item is an object with a 'kind'"))
    kind = item.get("kind")
    title = item.get("title") or ""
    if not isinstance(title, str) or len(title) > 300:
        raise _bad(key, "title_length", _("a title is text of at most 300 characters"))
    if kind == "url":
        if set(item) - {"kind", "url", "title", "accessed"}:
            raise _bad(key, "url_item", _("a URL item has url, title and accessed"))
        accessed = item.get("accessed") or ""
        if not isinstance(accessed, str) or len(accessed) > 10:
            raise _bad(key, "accessed", _("accessed is a date like 2026-11-22"))
        out = {"kind": "url", "url": _url(key, item.get("url"))}
        if title:
            out["title"] = title.strip()
        if accessed:
            out["accessed"] = accessed
        return out
    if kind == "span":
        if set(item) - {"kind", "document_id", "start", "end", "title"}:
            raise _bad(key, "span_item", _("a span item has document_id, start, end and title"))
        target = db.session.get(Document, item.get("document_id")) if isinstance(
            item.get("document_id"), int) else None
        if target is None or target.project_id != document.project_id:
            raise _bad(key, "document", _("document_id names a document of this project"))
        start, end = item.get("start"), item.get("end")
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= target.char_count):
            raise _bad(key, "span_range", _("start and end lie inside that document's text"))
        out = {"kind": "span", "document_id": target.id, "start": start, "end": end}
        if title:
            out["title"] = title.strip()
        return out
    raise _bad(key, "evidence_kind", _("kind is 'url' or 'span'"))


def clean_attributes(layer: LayerInfo, given: Any, document: Document) -> dict[str, Any]:
    """Return the checked attributes for a span of `layer`, or raise Invalid."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise Invalid(_("attributes is an object."), {"attributes": "object"})
    definitions = {d["key"]: d for d in layer.attributes
                   if d.get("type") != "derived" and d["key"] not in _NOT_ATTRIBUTES}
    unknown = sorted(set(given) - set(definitions))
    if unknown:
        raise Invalid(_("The layer '%(layer)s' has no attribute '%(key)s' (it has: %(known)s).",
                        layer=layer.key, key=unknown[0],
                        known=", ".join(sorted(definitions)) or _("none")),
                      {f"attributes.{unknown[0]}": "unknown"})
    cleaned: dict[str, Any] = {}
    for key, value in given.items():
        if value is None or value == "":
            continue
        kind = definitions[key].get("type")
        if kind == "enum":
            if value not in definitions[key].get("values", []):
                raise _bad(key, "choice", _("one of %(values)s",
                                               values=", ".join(definitions[key]["values"])))
        elif kind == "text":
            limit = definitions[key].get("max_length", 300)
            if not isinstance(value, str) or len(value) > limit:
                raise _bad(key, "text_length", ngettext("text of at most %(num)d character",
                                                      "text of at most %(num)d characters", limit))
            value = " ".join(value.split())
        elif kind == "bool":
            if not isinstance(value, bool):
                raise _bad(key, "bool", _("true or false"))
            if not value:
                continue
        elif kind == "list":
            if not isinstance(value, list) or len(value) > MAX_EVIDENCE:
                raise _bad(key, "list_length", ngettext("a list of at most %(num)d item",
                                                        "a list of at most %(num)d items",
                                                        MAX_EVIDENCE))
            value = [_evidence_item(key, item, document) for item in value]
            if not value:
                continue
        cleaned[key] = value
    return cleaned
