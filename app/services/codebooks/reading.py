"""A project's codebook read: layers and labels looked up, their use counted, JSON-ready data."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Codebook, CodebookLayer, Label, PassageTag, Span
from app.services import shortcuts
from app.services.errors import NotFound

SLANT_FIELD = "slant"


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

def slant_field(codebook: Codebook) -> dict[str, Any] | None:
    """The rating form's slant field (with its poles), if the form has one."""
    fields = (codebook.document_form or {}).get("fields") or []
    return next((f for f in fields if f.get("key") == SLANT_FIELD), None)
