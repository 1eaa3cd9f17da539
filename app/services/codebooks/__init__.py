"""Codebooks: the default one shipped with the app, copied into each new project, and the
teacher's edits to a project's copy."""

from app.services.codebooks.defaults import (
    DEFAULT_PATH,
    build_codebook,
    codebook_languages,
    default_codebook,
    install_default_codebook,
    warm,
)
from app.services.codebooks.editing import (
    add_label,
    delete_label,
    edit_label,
    move_label,
    set_label_active,
    set_poles,
    shift_label,
    update_label,
)
from app.services.codebooks.reading import (
    SLANT_FIELD,
    codebook_as_dict,
    get_label,
    get_layer,
    label_in_use,
    slant_field,
    usage_counts,
)
from app.services.codebooks.validation import (
    COLOR_PATTERN,
    DEFAULT_COLOR,
    KEY_PATTERN,
    MAX_DEFINITION,
    MAX_EXAMPLE,
    MAX_NAME,
    MAX_POLE,
)

__all__ = [
    "COLOR_PATTERN", "DEFAULT_COLOR", "DEFAULT_PATH", "KEY_PATTERN", "MAX_DEFINITION",
    "MAX_EXAMPLE", "MAX_NAME", "MAX_POLE", "SLANT_FIELD", "add_label", "build_codebook",
    "codebook_as_dict", "codebook_languages", "default_codebook", "delete_label", "edit_label",
    "get_label", "get_layer", "install_default_codebook", "label_in_use", "move_label",
    "set_label_active", "set_poles", "shift_label", "slant_field", "update_label",
    "usage_counts", "warm",
]
