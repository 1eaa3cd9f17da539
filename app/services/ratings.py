"""The document rating form, checked against the codebook's `document_form`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.errors import Invalid


def _bad(key: str, code: str, message: str) -> Invalid:
    """A refused rating value: `message` in the reader's language, `code` for a program."""
    return Invalid(_("Rating field '%(key)s': %(message)s",
                     key=key, message=message), {f"values.{key}": code})


def _scale_value(field: dict[str, Any], value: Any) -> Any:
    key = field["key"]
    special = field.get("allow_value")
    if special is not None and value == special:
        return value
    low, high = field.get("scale", [1, 7])
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        if special:
            raise _bad(key, "scale", _("a whole number from %(low)s to %(high)s or '%(special)s'",
                                       low=low, high=high, special=special))
        raise _bad(key, "scale", _("a whole number from %(low)s to %(high)s", low=low, high=high))
    return value


def clean_rating(form: dict[str, Any], values: Any) -> dict[str, Any]:
    """Return the checked values of a (possibly partial) rating form, or raise Invalid."""
    if not isinstance(values, dict):
        raise Invalid(_("values is an object of rating fields."), {"values": "object"})
    fields = {f["key"]: f for f in form.get("fields", [])}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise Invalid(_("The rating form has no field '%(value)s'.", value=unknown[0]),
                      {f"values.{unknown[0]}": "unknown"})
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        field = fields[key]
        kind = field.get("type")
        if kind == "ordinal":
            value = _scale_value(field, value)
        elif kind == "nominal":
            if value not in field.get("values", []):
                raise _bad(key, "choice", _("one of %(values)s", values=", ".join(field["values"])))
        elif kind == "checklist":
            items = {item["key"] for item in field.get("items", [])}
            allowed = field.get("values", ["yes", "no", "na"])
            if not isinstance(value, dict) or set(value) - items or any(
                    v not in allowed for v in value.values()):
                raise _bad(key, "checklist", _("an object of checklist items, each %(values)s",
                                               values="/".join(allowed)))
            value = {k: v for k, v in value.items() if v}
        elif kind == "text":
            limit = field.get("max_length", 1000)
            if not isinstance(value, str) or len(value) > limit:
                raise _bad(key, "text_length", ngettext("text of at most %(num)d character",
                                                      "text of at most %(num)d characters", limit))
            value = value.strip()
            if not value:
                continue
        cleaned[key] = value
    return cleaned


def missing_required(form: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Keys of required fields still empty (justification when reliability ≤ 2 or |slant|=3)."""
    missing = [f["key"] for f in form.get("fields", [])
               if f.get("required") and values.get(f["key"]) in (None, "")]
    reliability, slant = values.get("reliability"), values.get("slant")
    needs_reason = (isinstance(reliability, int) and reliability <= 2) or (
        isinstance(slant, int) and abs(slant) == 3)
    if needs_reason and not values.get("justification"):
        missing.append("justification")
    return missing
