"""A teacher's edits to a project's codebook: labels added, changed, moved, retired, deleted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import Codebook, CodebookLayer, Label, utcnow
from app.services import quotas
from app.services.codebooks import changes as codebook_changes
from app.services.codebooks.reading import SLANT_FIELD, get_layer, label_in_use, slant_field
from app.services.codebooks.validation import (
    DEFAULT_COLOR,
    MAX_POLE,
    check_label,
    clean_text,
    shortcut_holder,
)
from app.services.errors import Conflict, Invalid

# --- Editing: one transaction each, bumping the version when something changes, so that
# annotations and reports record which codebook they were made under. A label's key never
# changes (exports use it); a label in use is never deleted, only retired.

def _transaction(codebook: Codebook, change: Callable[[], bool]) -> bool:
    """Run one edit and commit it, bumping the version if it changed something."""
    try:
        changed = change()
        if changed:
            changes = codebook_changes.pending(codebook)
            codebook.version = Codebook.version + 1  # in SQL: concurrent edits both count
            codebook.updated_at = utcnow()
            codebook_changes.record(codebook, changes)
        db.session.commit()
        # Positions, flags and the version changed in SQL: read them afresh (label lists
        # are ordered by position when loaded).
        db.session.expire_all()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone else changed the codebook at the same time. Reload the page "
                         "and try again.")) from None
    except Exception:
        db.session.rollback()
        raise
    return changed


def add_label(codebook: Codebook, layer_key: str, key: str, name: str, definition: str = "",
              example: str = "", shortcut: str = "", color: str = DEFAULT_COLOR,
              group: str = "") -> Label:
    """Add an active label at the end of a layer."""
    layer = get_layer(codebook, layer_key)
    quotas.check_labels(layer)
    values = check_label(layer, None, {"key": key, "name": name, "definition": definition,
                                  "example": example, "shortcut": shortcut, "color": color,
                                  "group": group})
    created: list[Label] = []

    def change() -> bool:
        label = Label(position=len(layer.labels), active=True, **values)
        layer.labels.append(label)
        created.append(label)
        return True

    _transaction(codebook, change)
    return created[0]


def _update(label: Label, values: dict[str, Any]) -> bool:
    clean = check_label(label.layer, label, values)
    changed = False
    for field, value in clean.items():
        current = getattr(label, field)
        same = current.upper() == value if field == "color" else current == value
        if not same:
            setattr(label, field, value)
            changed = True
    return changed


def update_label(label: Label, name: str | None = None, definition: str | None = None,
                 example: str | None = None, shortcut: str | None = None,
                 color: str | None = None, group: str | None = None) -> bool:
    """Change the given fields of a label (None leaves one as it is); the key never changes.

    Returns whether anything changed.
    """
    given = {"name": name, "definition": definition, "example": example,
             "shortcut": shortcut, "color": color, "group": group}
    values = {field: value for field, value in given.items() if value is not None}
    return _transaction(label.layer.codebook, lambda: _update(label, values))


def _ordered(layer: CodebookLayer) -> list[Label]:
    return sorted(layer.labels, key=lambda other: (other.position, other.id or 0))


def _renumber(labels: list[Label]) -> bool:
    changed = False
    for position, other in enumerate(labels):
        if other.position != position:
            other.position = position
            changed = True
    return changed


def _move(label: Label, new_position: Any) -> bool:
    labels = _ordered(label.layer)
    if (isinstance(new_position, bool) or not isinstance(new_position, int)
            or not 0 <= new_position < len(labels)):
        raise Invalid(_("A position in this layer is a whole number from 0 to %(last)s.",
                        last=len(labels) - 1),
                      {"position": "out of range"})
    labels.remove(label)
    labels.insert(new_position, label)
    return _renumber(labels)


def move_label(label: Label, new_position: int) -> bool:
    """Put a label at `new_position` (0-based) in its layer; the others close up (0..n-1)."""
    return _transaction(label.layer.codebook, lambda: _move(label, new_position))


def shift_label(label: Label, steps: int) -> bool:
    """Move a label `steps` places up (negative) or down among the labels that are, like it,
    active or retired: the order the guidelines show. Past either end it stays put."""
    same = [other for other in _ordered(label.layer) if other.active == label.active]
    index = same.index(label)
    target = same[max(0, min(len(same) - 1, index + steps))]
    return move_label(label, _ordered(label.layer).index(target))


def _set_active(label: Label, active: bool) -> bool:
    if label.active == bool(active):
        return False
    if active and label.shortcut:
        holder = shortcut_holder(label.layer, label.shortcut, label)
        if holder is not None:
            raise Invalid(_("'%(name)s' cannot come back with the shortcut '%(shortcut)s': "
                            "'%(holder)s' uses it now. Give one of them another shortcut first.",
                            name=label.name, shortcut=label.shortcut, holder=holder.name),
                          {"shortcut": "taken"})
    label.active = bool(active)
    return True


def set_label_active(label: Label, active: bool) -> bool:
    """Retire a label (no new annotations use it; existing ones keep it) or bring it back."""
    return _transaction(label.layer.codebook, lambda: _set_active(label, active))


def edit_label(label: Label, *, position: int | None = None, active: bool | None = None,
               **fields: Any) -> bool:
    """Change a label's fields, position and status at once: one transaction, one version."""

    def change() -> bool:
        changed = active is False and _set_active(label, False)
        given = {field: value for field, value in fields.items() if value is not None}
        changed = _update(label, given) or changed
        changed = (active is True and _set_active(label, True)) or changed
        if position is not None:
            changed = _move(label, position) or changed
        return changed

    return _transaction(label.layer.codebook, change)


def delete_label(label: Label) -> None:
    """Delete an unused label; a label in use is refused (Conflict): retire it instead."""
    count = label_in_use(label)
    if count:
        raise Conflict(ngettext("'%(name)s' is used by %(num)d annotation, so it cannot be "
                                "deleted. Retire it instead: annotations keep it, and nobody "
                                "can choose it any more.",
                                "'%(name)s' is used by %(num)d annotations, so it cannot be "
                                "deleted. Retire it instead: annotations keep it, and nobody "
                                "can choose it any more.", count, name=label.name),
                       {"label": "in use"})
    layer = label.layer

    def change() -> bool:
        layer.labels.remove(label)  # delete-orphan: the row goes with the commit
        _renumber(_ordered(layer))
        return True

    _transaction(layer.codebook, change)


def set_poles(codebook: Codebook, negative: str, positive: str) -> bool:
    """Name the two ends of the rating form's slant scale (what −3 and +3 favour)."""
    poles = {"negative": clean_text(negative), "positive": clean_text(positive)}
    fields: dict[str, str] = {}
    for end, text in poles.items():
        if not text:
            fields[end] = "required"
        elif len(text) > MAX_POLE:
            fields[end] = "too long"
    if fields:
        raise Invalid(_("Each pole needs a description of 1 to %(max_pole)s characters.",
                        max_pole=MAX_POLE), fields)
    if slant_field(codebook) is None:
        raise Invalid(_("This codebook's rating form has no slant field."), {"poles": "no slant"})

    def change() -> bool:
        form = copy.deepcopy(codebook.document_form)
        field = next(f for f in form["fields"] if f.get("key") == SLANT_FIELD)
        if field.get("poles") == poles:
            return False
        field["poles"] = poles
        codebook.document_form = form  # a new dict, so the JSON change is seen
        return True

    return _transaction(codebook, change)
