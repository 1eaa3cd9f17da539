"""Codebooks: the default one shipped with the app, copied into each new project, and the
teacher's edits to a project's copy."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db, run_prepared
from app.models import Codebook, CodebookLayer, Label, PassageTag, Project, Span, utcnow
from app.services import codebook_changes, quotas, shortcuts
from app.services.errors import Conflict, Invalid, NotFound

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "codebook" / "default.yaml"


def codebook_languages() -> list[str]:
    """The languages the default codebook is written in (English first)."""
    return list(_codebook_languages())


@cache
def _codebook_languages() -> tuple[str, ...]:
    # The shipped files change only with a new release: looked for once per process, not on
    # every new project.
    return ("en", *sorted(p.suffixes[0][1:] for p in DEFAULT_PATH.parent.glob("default.*.yaml")))


# libyaml's parser when PyYAML was built with it: several times faster than the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _default(language: str = "en") -> dict[str, Any]:
    with DEFAULT_PATH.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_LOADER)["codebook"]  # noqa: S506 (a safe loader)
    if language != "en":
        with DEFAULT_PATH.with_suffix(f".{language}.yaml").open(encoding="utf-8") as handle:
            _translate(data, yaml.load(handle, Loader=_LOADER)["codebook"])  # noqa: S506
    return data


def warm() -> None:
    """Build the default codebook's rows in every language now, at start-up: else each
    app server process builds them for its first new project, which then takes ~0.3 s."""
    for language in _codebook_languages():
        _default_rows(language)


def _translate(data: dict[str, Any], words: dict[str, Any]) -> None:
    """Lay a translation's words over the codebook, by key (names, definitions, anchors)."""
    for field in ("name", "description"):
        if field in words:
            data[field] = words[field]
    for layer in data["layers"]:
        spoken = (words.get("layers") or {}).get(layer["key"]) or {}
        layer["name"] = spoken.get("name", layer["name"])
        for group in layer.get("groups") or []:
            group["name"] = (spoken.get("groups") or {}).get(group["key"], group["name"])
        for label in [*(layer.get("labels") or []),
                      *(layer.get("extended_labels_off_by_default") or [])]:
            said = (spoken.get("labels") or {}).get(label["key"]) or {}
            label.update({k: v for k, v in said.items() if k in {"name", "definition"}})
    form, form_words = data.get("document_form") or {}, words.get("document_form") or {}
    form["name"] = form_words.get("name", form.get("name"))
    for field in form.get("fields") or []:
        said = (form_words.get("fields") or {}).get(field["key"]) or {}
        field["name"] = said.get("name", field["name"])
        for part in ("anchors", "poles"):
            if part in said:
                field[part] = {**field.get(part, {}), **said[part]}
        for item in field.get("items") or []:
            item["text"] = (said.get("items") or {}).get(item["key"], item["text"])


def default_codebook(language: str = "en") -> dict[str, Any]:
    """A fresh copy of the default codebook as a plain dict, in `language` where it is
    written in it (else English)."""
    return copy.deepcopy(_default(language if language in codebook_languages() else "en"))


def _label(spec: dict[str, Any], position: int, active: bool) -> Label:
    example = spec.get("example") or {}
    return Label(
        key=spec["key"],
        name=spec.get("name", spec["key"]),
        definition=spec.get("definition", ""),
        example=example.get("quote", ""),
        example_file=example.get("file", ""),
        group=spec.get("group", ""),
        shortcut=spec.get("shortcut", ""),
        color=spec.get("color", "#888888"),
        position=position,
        active=active and spec.get("enabled_by_default", True),
        maps_to=spec.get("maps_to") or {},
        requires=spec.get("requires") or {},
    )


def build_codebook(data: dict[str, Any]) -> Codebook:
    """Make (unsaved) codebook rows from a codebook dict in the shipped YAML's shape."""
    codebook = Codebook(
        key=data.get("key", "custom"),
        name=data.get("name", ""),
        description=(data.get("description") or "").strip(),
        version=1,
        document_form=data.get("document_form") or {},
    )
    for position, spec in enumerate(data.get("layers", [])):
        layer = CodebookLayer(
            key=spec["key"],
            name=spec.get("name", spec["key"]),
            position=position,
            overlap="nest_only" if spec.get("overlap") == "nest_only" else "free",
            max_depth=spec.get("max_depth"),
            shortcut=spec.get("layer_shortcut", ""),
            attributes=spec.get("attributes") or [],
            groups=spec.get("groups") or [],
        )
        labels = [(s, True) for s in spec.get("labels", [])]
        labels += [(s, False) for s in spec.get("extended_labels_off_by_default", [])]
        layer.labels = [_label(s, i, active) for i, (s, active) in enumerate(labels)]
        codebook.layers.append(layer)
    return codebook


def install_default_codebook(project: Project) -> int:
    """Give a project (flushed) its own copy of the default codebook, in the project's
    language (inserted, not committed); returns the codebook's id."""
    language = project.language or "en"
    codebook, layers, labels = _default_rows(
        language if language in _codebook_languages() else "en")
    # Core statements built once, from rows built once per language: a new project's
    # codebook (~200 rows) cost most of its creation in ORM bookkeeping and copies.
    codebook_id = run_prepared(_INSERT_CODEBOOK, {**codebook, "project_id": project.id}
                               ).inserted_primary_key[0]
    ids = run_prepared(_INSERT_LAYERS, [{**layer, "codebook_id": codebook_id}
                                        for layer in layers]).scalars().all()
    run_prepared(_INSERT_LABELS, [{**label, "layer_id": ids[index]} for index, label in labels])
    return codebook_id


_INSERT_CODEBOOK = sa.insert(Codebook.__table__)
_INSERT_LAYERS = sa.insert(CodebookLayer.__table__).returning(
    CodebookLayer.__table__.c.id, sort_by_parameter_order=True)
_INSERT_LABELS = sa.insert(Label.__table__)


@cache
def _default_rows(language: str) -> tuple[dict[str, Any], tuple[dict[str, Any], ...],
                                          tuple[tuple[int, dict[str, Any]], ...]]:
    """The default codebook's row, its layer rows and (layer index, label row) pairs, built
    once (the rows are only read: each insert serialises them as it goes)."""
    data = _default(language)
    codebook = {"key": data.get("key", "custom"), "name": data.get("name", ""),
                "description": (data.get("description") or "").strip(), "version": 1,
                "document_form": data.get("document_form") or {}}
    built = build_codebook(default_codebook(language))
    layers, labels = [], []
    for index, layer in enumerate(built.layers):
        layers.append({column: getattr(layer, column) for column in _LAYER_COLUMNS})
        labels += [(index, {column: getattr(label, column) for column in _LABEL_COLUMNS})
                   for label in layer.labels]
    return codebook, tuple(layers), tuple(labels)


_LAYER_COLUMNS = ("key", "name", "position", "overlap", "max_depth", "shortcut", "attributes",
                  "groups")
_LABEL_COLUMNS = ("key", "name", "definition", "example", "example_file", "group", "shortcut",
                  "color", "position", "active", "maps_to", "requires")


def codebook_as_dict(codebook: Codebook, *, with_usage: bool = True) -> dict[str, Any]:
    """A project's codebook as JSON-ready data (for the API and the guidelines panel).

    Each label carries its id, position and `in_use`: how many annotations use it (None
    when `with_usage` is off, as on the annotation page, which has no use for the count).
    """
    usage = usage_counts(codebook) if with_usage else None
    return {
        "key": codebook.key,
        "name": codebook.name,
        "version": codebook.version,
        "description": codebook.description,
        "layers": [
            {
                "key": layer.key,
                "name": layer.name,
                "overlap": layer.overlap,
                "max_depth": layer.max_depth,
                "shortcut": layer.shortcut,
                "attributes": layer.attributes,
                "groups": layer.groups,
                "labels": [
                    {
                        "id": label.id,
                        "key": label.key,
                        "name": label.name,
                        "definition": label.definition,
                        "example": label.example,
                        "example_file": label.example_file,
                        "group": label.group,
                        "shortcut": label.shortcut,
                        # The physical key the annotation page also matches it by.
                        "shortcut_code": shortcuts.physical_key(label.shortcut),
                        "color": label.color,
                        "active": label.active,
                        "position": label.position,
                        "requires": label.requires or {},
                        "in_use": usage.get(label.id, 0) if usage is not None else None,
                    }
                    for label in layer.labels
                ],
            }
            for layer in codebook.layers
        ],
        "document_form": codebook.document_form,
    }


# --- Editing: one transaction each, bumping the version when something changes, so that
# annotations and reports record which codebook they were made under. A label's key never
# changes (exports use it); a label in use is never deleted, only retired.

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_.]{0,79}")
COLOR_PATTERN = re.compile(r"#[0-9A-Fa-f]{6}")
DEFAULT_COLOR = "#888888"
MAX_NAME, MAX_DEFINITION, MAX_EXAMPLE, MAX_POLE = 200, 2000, 1000, 200
SLANT_FIELD = "slant"


def get_layer(codebook: Codebook, layer_key: str) -> CodebookLayer:
    """The codebook's layer with this key (NotFound otherwise)."""
    layer = next((layer for layer in codebook.layers if layer.key == layer_key), None)
    if layer is None:
        raise NotFound(_("This codebook has no layer '%(layer_key)s'.", layer_key=layer_key))
    return layer


def get_label(codebook: Codebook, label_id: int) -> Label:
    """The label with this id if it belongs to this codebook (NotFound otherwise)."""
    label = db.session.get(Label, label_id)
    if label is None or label.layer.codebook_id != codebook.id:
        raise NotFound(_("This codebook has no such label."))
    return label


def label_in_use(label: Label) -> int:
    """How many annotations (spans and passage source types) use the label."""
    return sum(db.session.scalar(sa.select(sa.func.count(model.id))
                                 .where(model.label_id == label.id)) or 0
               for model in (Span, PassageTag))


def usage_counts(codebook: Codebook) -> dict[int, int]:
    """Annotations using each label of the codebook, by label id (unused labels absent)."""
    label_ids = (sa.select(Label.id).join(CodebookLayer)
                 .where(CodebookLayer.codebook_id == codebook.id))
    counts: dict[int, int] = {}
    for model in (Span, PassageTag):
        rows = db.session.execute(
            sa.select(model.label_id, sa.func.count(model.id))
            .where(model.label_id.in_(label_ids)).group_by(model.label_id))
        for label_id, count in rows:
            counts[label_id] = counts.get(label_id, 0) + count
    return counts


def _text(value: Any) -> str:
    """Form and JSON text made comparable: trimmed, with plain newlines."""
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def _check(layer: CodebookLayer, label: Label | None, values: dict[str, Any]) -> dict[str, str]:
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
        key = _text(values["key"])
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
            clean[field] = _text(values[field])
            if field == "name" and not clean[field]:
                bad(field, "required", _("A label needs a name."))
            elif len(clean[field]) > limit:
                bad(field, "too long", _too_long(field, limit))
    if "color" in values:
        color = _text(values["color"]).upper()
        if not COLOR_PATTERN.fullmatch(color):
            bad("color", "invalid", _("A colour is written #RRGGBB, for example #4C78A8."))
        clean["color"] = color
    if "group" in values:
        group = _text(values["group"])
        if group and group not in {g.get("key") for g in layer.groups}:
            bad("group", "unknown", _("The layer '%(layer)s' has no group '%(group)s'.",
                                      layer=layer.name, group=group))
        clean["group"] = group
    if "shortcut" in values:
        given = _text(values["shortcut"])
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
            holder = _shortcut_holder(layer, shortcut, label)
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


def _shortcut_holder(layer: CodebookLayer, shortcut: str, label: Label | None) -> Label | None:
    return next((other for other in layer.labels
                 if other.active and other is not label and other.shortcut
                 and shortcuts.same_key(other.shortcut, shortcut)), None)


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
    values = _check(layer, None, {"key": key, "name": name, "definition": definition,
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
    clean = _check(label.layer, label, values)
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
        holder = _shortcut_holder(label.layer, label.shortcut, label)
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


def slant_field(codebook: Codebook) -> dict[str, Any] | None:
    """The rating form's slant field (with its poles), if the form has one."""
    fields = (codebook.document_form or {}).get("fields") or []
    return next((f for f in fields if f.get("key") == SLANT_FIELD), None)


def set_poles(codebook: Codebook, negative: str, positive: str) -> bool:
    """Name the two ends of the rating form's slant scale (what −3 and +3 favour)."""
    poles = {"negative": _text(negative), "positive": _text(positive)}
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
