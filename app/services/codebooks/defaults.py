"""The default codebook shipped with the app, in each language, and its copy in a new project."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from app.extensions import db, run_prepared
from app.models import Codebook, CodebookLayer, Label, Project

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "codebook" / "default.yaml"


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
    if language not in _codebook_languages():
        language = "en"
    codebook, layers, labels = _default_rows(language)
    # Core statements built once, from rows built once per language: a new project's
    # codebook (~200 rows) cost most of its creation in ORM bookkeeping and copies.
    codebook_id = run_prepared(_INSERT_CODEBOOK, {**codebook, "project_id": project.id}
                               ).inserted_primary_key[0]
    ids = run_prepared(_INSERT_LAYERS, [{**layer, "codebook_id": codebook_id}
                                        for layer in layers]).scalars().all()
    connection = db.session().connection()
    if connection.dialect.name == "sqlite":
        # The labels as SQLite's driver takes them, their JSON written once per language:
        # binding a dozen typed values per label cost more than the insert.
        sql, rows = _sqlite_label_rows(language)
        connection.exec_driver_sql(sql, [(ids[index], *row) for index, row in rows])
    else:
        run_prepared(_INSERT_LABELS, [{**label, "layer_id": ids[index]}
                                      for index, label in labels])
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


@cache
def _sqlite_label_rows(language: str) -> tuple[str, tuple[tuple[int, tuple[Any, ...]], ...]]:
    """The label insert for SQLite's driver (layer_id, then _LABEL_COLUMNS) and the rows of
    the default codebook's labels as (layer index, values) in that order, JSON columns as
    the text SQLAlchemy's JSON type would bind."""
    table = Label.__table__
    columns = ("layer_id", *_LABEL_COLUMNS)
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    json_columns = {c.name for c in table.c if isinstance(c.type, sa.JSON)}
    rows = tuple((index, tuple(json.dumps(label[c]) if c in json_columns else label[c]
                               for c in _LABEL_COLUMNS))
                 for index, label in _default_rows(language)[2])
    return sql, rows


_LAYER_COLUMNS = ("key", "name", "position", "overlap", "max_depth", "shortcut", "attributes",
                  "groups")
_LABEL_COLUMNS = ("key", "name", "definition", "example", "example_file", "group", "shortcut",
                  "color", "position", "active", "maps_to", "requires")
