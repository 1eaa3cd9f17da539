"""Annotating a document: spans, passage source types, the rating form and "done".

Every write checks what it is given against the canonical text and the project's codebook,
and names the version it changes: a stale version is refused with the current state, so no
work is ever silently overwritten.
"""

from app.services.annotations.checks import MAX_NOTE, SOURCE_LAYER, check_range
from app.services.annotations.marks import (
    clear_passage_tag,
    save_rating,
    set_done,
    set_passage_tag,
)
from app.services.annotations.reading import (
    PAGE_SPAN_FIELDS,
    my_annotations,
    page_spans,
    progress_by_document,
    rating_dict,
    span_dict,
    tag_dict,
)
from app.services.annotations.spans import create_span, delete_span, update_span

__all__ = [
    "MAX_NOTE", "PAGE_SPAN_FIELDS", "SOURCE_LAYER", "check_range", "clear_passage_tag",
    "create_span", "delete_span", "my_annotations", "page_spans", "progress_by_document",
    "rating_dict", "save_rating", "set_done", "set_passage_tag", "span_dict", "tag_dict",
    "update_span",
]
