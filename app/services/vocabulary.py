"""A project's codebook as plain, read-only data, cached per codebook version.

Every annotation write checks its layer and label; loading the codebook's rows for each
write would cost more than the write. The cache key includes the codebook's version, which
every edit bumps, and its last-change time (a restored or recreated database may reuse an id
and a version number, never the time as well), so an edited codebook is never served stale,
in any process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.extensions import db, run_prepared
from app.models import Codebook, CodebookLayer
from app.services.errors import Invalid, NotFound

_CACHE: dict[tuple, Vocabulary] = {}
_PAGES: dict[tuple, dict[str, Any]] = {}
_CACHE_SIZE = 256
_LOCK = threading.Lock()


@dataclass(frozen=True)
class LayerInfo:
    id: int
    key: str
    name: str
    overlap: str
    max_depth: int | None
    attributes: list[dict[str, Any]]


@dataclass(frozen=True)
class LabelInfo:
    id: int
    key: str
    name: str
    layer_key: str
    active: bool
    color: str


@dataclass(frozen=True)
class Vocabulary:
    """Layers and labels of one version of a codebook, looked up by key or id."""

    codebook_id: int
    version: int
    document_form: dict[str, Any]
    layers: dict[str, LayerInfo]
    labels: dict[tuple[str, str], LabelInfo]
    label_by_id: dict[int, LabelInfo] = field(repr=False)
    layer_by_id: dict[int, LayerInfo] = field(repr=False)

    def layer(self, key: Any) -> LayerInfo:
        layer = self.layers.get(key) if isinstance(key, str) else None
        if layer is None:
            raise Invalid(_("Unknown layer '%(key)s'.", key=key), {"layer": "unknown layer"})
        return layer

    def label(self, layer: LayerInfo, key: Any, *, for_new: bool = True) -> LabelInfo:
        label = self.labels.get((layer.key, key)) if isinstance(key, str) else None
        if label is None:
            raise Invalid(_("The layer '%(key)s' has no label '%(label)s'.",
                            key=layer.key, label=key),
                          {"label": "unknown label"})
        if for_new and not label.active:
            raise Invalid(_("The label '%(name)s' is retired; choose another.", name=label.name),
                          {"label": "retired"})
        return label


def page_codebook(project_id: int) -> dict[str, Any]:
    """The project's codebook as the annotation page reads it (codebook_as_dict without the
    usage counts), cached per version like the vocabulary: shared, so only read it."""
    key = run_prepared(_CURRENT, {"project": project_id}).first()
    if key is None or key[0] is None:
        raise NotFound(_("This project has no codebook."))
    key = ("page", *key)
    cached = _PAGES.get(key)
    if cached is None:
        from app.services.codebooks import codebook_as_dict

        cached = codebook_as_dict(db.session.get(Codebook, key[1]), with_usage=False)
        with _LOCK:
            if len(_PAGES) >= _CACHE_SIZE:
                _PAGES.clear()
            _PAGES[key] = cached
    return cached


def _build(codebook: Codebook) -> Vocabulary:
    layers, labels = {}, {}
    for row in codebook.layers:
        layers[row.key] = LayerInfo(row.id, row.key, row.name, row.overlap, row.max_depth,
                                    list(row.attributes or []))
        for label in row.labels:
            labels[(row.key, label.key)] = LabelInfo(label.id, label.key, label.name, row.key,
                                                     label.active, label.color)
    return Vocabulary(
        codebook_id=codebook.id, version=codebook.version,
        document_form=dict(codebook.document_form or {}), layers=layers, labels=labels,
        label_by_id={info.id: info for info in labels.values()},
        layer_by_id={info.id: info for info in layers.values()},
    )


# Asked before every annotation write, so built once (bound parameter, cached compilation).
_CURRENT = sa.select(Codebook.id, Codebook.version, Codebook.updated_at).where(
    Codebook.project_id == sa.bindparam("project"))


def vocabulary(project_id: int, current: tuple[Any, ...] | None = None) -> Vocabulary:
    """The project's current codebook: one small query when the version is cached, none
    when the caller read `current`, the codebook's (id, version, updated_at), already."""
    key = current if current is not None else run_prepared(
        _CURRENT, {"project": project_id}).first()
    if key is None or key[0] is None:
        raise NotFound(_("This project has no codebook."))
    key = tuple(key)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    codebook = db.session.scalar(
        sa.select(Codebook).where(Codebook.id == key[0])
        .options(selectinload(Codebook.layers).selectinload(CodebookLayer.labels))
    )
    words = _build(codebook)
    with _LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = words
    return words
