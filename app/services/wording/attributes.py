"""Span attributes as the codebook names them: each definition gets a `name` and, for a
choice, `choices` of value and name. A codebook may name them itself (`name`, and
`value_names` mapping each value to its words); the default codebook's attributes have
names here; any other key is humanised."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.services.wording import humanise

NAMES = {
    "role": _l("Kind of span"),
    "speaker": _l("Speaker"),
    "quote_form": _l("How the words are quoted"),
    "embedded_from": _l("Quoted from (an earlier source)"),
    "is_requote": _l("Quoted again from another outlet (left out of agreement)"),
    "verdict": _l("Verdict"),
    "evidence": _l("Evidence"),
    "note": _l("Note"),
}
VALUES = {
    "segment": _l("A stretch of text"),
    "voice": _l("A quoted voice"),
    "direct": _l("Direct quote"),
    "indirect": _l("Reported speech"),
    "mixed": _l("Partly quoted"),
    "unchecked": _l("Not checked yet"),
    "supported": _l("Supported"),
    "refuted": _l("Refuted"),
    "not_enough_info": _l("Not enough info"),
}


def attribute_name(definition: dict[str, Any]) -> str:
    """The attribute's name: the codebook's own, else ours, else its key in words."""
    given = definition.get("name")
    if isinstance(given, str) and given.strip():
        return given.strip()
    key = str(definition.get("key", ""))
    return str(NAMES[key]) if key in NAMES else humanise(key)


def value_name(definition: dict[str, Any], value: Any) -> str:
    """One value of a choice as words (see attribute_name)."""
    given = definition.get("value_names")
    if isinstance(given, dict) and isinstance(given.get(value), str) and given[value].strip():
        return given[value].strip()
    return str(VALUES[value]) if value in VALUES else humanise(str(value))


def named(definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The definitions with their `name` (and `choices` for an enum), for the page; the
    stored definitions are left as they are."""
    out = []
    for definition in definitions or []:
        shown = {**definition, "name": attribute_name(definition)}
        if definition.get("type") == "enum":
            shown["choices"] = [{"value": v, "name": value_name(definition, v)}
                                for v in definition.get("values", [])]
        out.append(shown)
    return out
