"""Codebooks: the default one shipped with the app, copied into each new project."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.extensions import db
from app.models import Codebook, CodebookLayer, Label, Project

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "codebook" / "default.yaml"


@cache
def _default() -> dict[str, Any]:
    with DEFAULT_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["codebook"]


def default_codebook() -> dict[str, Any]:
    """A fresh copy of the default codebook as a plain dict."""
    return copy.deepcopy(_default())


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


def install_default_codebook(project: Project) -> Codebook:
    """Give a project its own copy of the default codebook (not committed)."""
    codebook = build_codebook(default_codebook())
    project.codebook = codebook
    db.session.add(codebook)
    return codebook


def codebook_as_dict(codebook: Codebook) -> dict[str, Any]:
    """A project's codebook as JSON-ready data (for the API and the guidelines panel)."""
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
                        "key": label.key,
                        "name": label.name,
                        "definition": label.definition,
                        "example": label.example,
                        "example_file": label.example_file,
                        "group": label.group,
                        "shortcut": label.shortcut,
                        "color": label.color,
                        "active": label.active,
                    }
                    for label in layer.labels
                ],
            }
            for layer in codebook.layers
        ],
        "document_form": codebook.document_form,
    }
