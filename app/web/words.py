"""Template filters that turn keys into words: coefficients, readings, attribute values."""

from __future__ import annotations

from app.services.wording import humanise
from app.services.wording.attributes import VALUES
from app.services.wording.coefficients import coefficient_help, coefficient_name, reading_name
from app.web import bp


@bp.app_template_filter("coefficient")
def coefficient(key: str) -> str:
    """`fleiss_kappa` -> "Fleiss' κ (agreement beyond chance)"."""
    return coefficient_name(key)


@bp.app_template_filter("coefficient_help")
def coefficient_line(key: str) -> str:
    """What a coefficient measures, in one line."""
    return coefficient_help(key)


@bp.app_template_filter("reading")
def reading(key: str) -> str:
    """An α reading in the page's language."""
    return reading_name(key)


@bp.app_template_filter("key_words")
def key_words(key: str) -> str:
    """A stored value as words: `not_enough_info` -> "Not enough info"."""
    return str(VALUES[key]) if key in VALUES else humanise(key)
