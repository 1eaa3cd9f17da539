"""A label's fields checked and cleaned before any edit, every bad one named at once."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from app.models import CodebookLayer, Label
from app.services import shortcuts
from app.services.errors import Invalid

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_.]{0,79}")
COLOR_PATTERN = re.compile(r"#[0-9A-Fa-f]{6}")
DEFAULT_COLOR = "#888888"
MAX_NAME, MAX_DEFINITION, MAX_EXAMPLE, MAX_POLE = 200, 2000, 1000, 200


def clean_text(value: Any) -> str:
    """Form and JSON text made comparable: trimmed, with plain newlines."""
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def check_label(layer: CodebookLayer, label: Label | None, values: dict[str, Any]
                ) -> dict[str, str]:
    """The given label fields cleaned, or Invalid naming every bad one (nothing is changed).

    `label` is the label being edited, None for a new one.
    """
    clean: dict[str, str] = {}
    fields: dict[str, str] = {}
    messages: list[str] = []

    def bad(field: str, short: str, message: str) -> None:
        fields[field] = short
        messages.append(message)

    if "key" in values:
        key = clean_text(values["key"])
        if not KEY_PATTERN.fullmatch(key):
            bad("key", "invalid", _("A key starts with a lowercase letter and holds only "
                                    "lowercase letters, digits, '_' and '.' (80 characters at "
                                    "most)."))
        elif any(other.key == key for other in layer.labels if other is not label):
            bad("key", "taken", _("The layer '%(layer)s' already has a label with the key "
                                  "'%(key)s'.", layer=layer.name, key=key))
        clean["key"] = key
    for field, limit in (("name", MAX_NAME), ("definition", MAX_DEFINITION),
                         ("example", MAX_EXAMPLE)):
        if field in values:
            clean[field] = clean_text(values[field])
            if field == "name" and not clean[field]:
                bad(field, "required", _("A label needs a name."))
            elif len(clean[field]) > limit:
                bad(field, "too long", _too_long(field, limit))
    if "color" in values:
        color = clean_text(values["color"]).upper()
        if not COLOR_PATTERN.fullmatch(color):
            bad("color", "invalid", _("A colour is written #RRGGBB, for example #4C78A8."))
        clean["color"] = color
    if "group" in values:
        group = clean_text(values["group"])
        if group and group not in {g.get("key") for g in layer.groups}:
            bad("group", "unknown", _("The layer '%(layer)s' has no group '%(group)s'.",
                                      layer=layer.name, group=group))
        clean["group"] = group
    if "shortcut" in values:
        given = clean_text(values["shortcut"])
        shortcut = shortcuts.clean(given) if given else ""
        if shortcut is None:
            bad("shortcut", "invalid", _("The shortcut key '%(key)s' is not one letter (of "
                                         "any alphabet) or one digit.", key=given))
        elif shortcut and shortcuts.reserved(shortcut):
            bad("shortcut", "reserved", _("The shortcut key '%(key)s' is on the key of "
                                          "'%(page_key)s', which the annotation page uses "
                                          "itself.", key=shortcut,
                                          page_key=shortcuts.reserved(shortcut)))
        elif shortcut and (label is None or label.active):
            # Retired labels keep their shortcut, but it does not block active ones.
            holder = shortcut_holder(layer, shortcut, label)
            if holder is not None:
                names = {"key": shortcut, "label": holder.name, "layer": layer.name}
                bad("shortcut", "taken", _(
                    "The shortcut '%(key)s' is already used by '%(label)s' in the layer "
                    "'%(layer)s'.", **names) if holder.shortcut == shortcut else _(
                    "The shortcut '%(key)s' is already used by '%(label)s' in the layer "
                    "'%(layer)s' (its key '%(other)s' is the same key on a Russian or Kazakh "
                    "keyboard).", other=holder.shortcut, **names))
        clean["shortcut"] = shortcut or ""
    if fields:
        raise Invalid(" ".join(messages), fields)
    return clean


def _too_long(field: str, limit: int) -> str:
    """A label field over its length limit, in the reader's words."""
    if field == "name":
        return _("The name is too long (%(limit)s characters at most).", limit=limit)
    if field == "definition":
        return _("The definition is too long (%(limit)s characters at most).", limit=limit)
    return _("The example is too long (%(limit)s characters at most).", limit=limit)


def shortcut_holder(layer: CodebookLayer, shortcut: str, label: Label | None) -> Label | None:
    return next((other for other in layer.labels
                 if other.active and other is not label and other.shortcut
                 and shortcuts.same_key(other.shortcut, shortcut)), None)
