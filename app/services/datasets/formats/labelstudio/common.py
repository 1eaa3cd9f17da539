"""What the Label Studio format's reading and writing share."""

from __future__ import annotations

from typing import Any

from app.services.datasets.core import ExportContext

NAME = "label-studio"
EXTENSION = ".json"
MEDIA_TYPE = "application/json"

TEXT = "text"  # the Text tag's name and the task data key holding the text
META_FIELDS = ("title", "publisher", "author", "published", "url", "source_name", "notes")
REGION_TYPES = {"textarea", "choices", "rating", "number"}


def form_key(ctx: ExportContext) -> str:
    return str(ctx.form.get("key") or "rating")


def as_rating(field: dict[str, Any]) -> bool:
    """An ordinal field Label Studio's `<Rating>` (stars 1..n) can hold."""
    scale = field.get("scale") or [1, 7]
    return field.get("type") == "ordinal" and scale[0] == 1 and not field.get("allow_value")
