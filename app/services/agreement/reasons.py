"""Why a figure is undefined, in the reader's language: one catalogue message per reason code
of the engine (app.agreement.REASONS) and of the report built on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from app import agreement as engine


def _name(name: str) -> str:
    """A coefficient's name as the engine gives it, as the interface writes it."""
    names = {"Cohen's kappa": _("Cohen's κ"), "Scott's pi": _("Scott's π"),
             "Fleiss' kappa": _("Fleiss' κ"), "Gwet's AC1": _("Gwet's AC1")}
    return names.get(name, name)


def _too_few_units(units: str = "items", count: int = 0, needed: int = 0) -> str:
    message = {
        "documents": _("too few documents for an interval: %(count)s with two or more "
                       "values, %(needed)s needed"),
        "passages": _("too few passages for an interval: %(count)s with two or more "
                      "values, %(needed)s needed")}.get(units) or _(
        "too few items for an interval: %(count)s with two or more values, %(needed)s "
        "needed")
    return message % {"count": format_number(count), "needed": format_number(needed)}


# Each takes the reason's parameters (as the engine names them) and returns the words.
MESSAGES: dict[str, Callable[..., str]] = {
    "empty_study": lambda coders=0, items=0: _(
        "the study is empty (coders: %(coders)s, items: %(items)s): there is nothing to "
        "compare", coders=format_number(coders), items=format_number(items)),
    "no_pairable_values": lambda: _(
        "no item has values from at least two coders, so there are no pairable values to "
        "compare"),
    "no_variation": lambda: _(
        "the pairable values all take a single value, so there is no variation and expected "
        "disagreement is 0: alpha is 0/0"),
    "no_rater_pairs": lambda: _(
        "no item has at least two ratings, so there are no rater pairs to compare"),
    "no_shared_items": lambda name="": _(
        "no item was rated by both coders, so %(name)s has nothing to compare",
        name=_name(name)),
    "single_category": lambda name="": _(
        "a single category is in use, so chance agreement is 1 and %(name)s is 0/0",
        name=_name(name)),
    "single_category_kappa": lambda: _(
        "both coders used a single, identical category on the items they share, so chance "
        "agreement is 1 and Cohen's κ is 0/0"),
    "single_category_pi": lambda: _(
        "a single category is in use on the items both coders rated, so chance agreement "
        "is 1 and Scott's π is 0/0"),
    "single_category_offered": lambda: _(
        "a single category to choose from, so Gwet's AC1 is 0/0"),
    "alpha_no_interval": lambda: _(
        "alpha is undefined in every resample (each showed a single value), so there is no "
        "interval"),
    "u_alpha_too_few_coders": lambda n=0: ngettext(
        "u-alpha compares at least two annotators; only %(num)d annotator has marked the text",
        "u-alpha compares at least two annotators; only %(num)d annotators have marked the "
        "text", n),
    "u_alpha_no_expected": lambda: _("expected disagreement is 0, so u-alpha is 0/0"),
    "u_alpha_label_unused": lambda label="": _(
        "no span has the label “%(label)s”, so it has no u-alpha", label=label),
    "u_alpha_no_interval": lambda: _(
        "u-alpha is undefined in every resample of the documents, so there is no interval"),
    "no_units": lambda: _("no coder marked any unit: the study is empty"),
    "no_text": lambda: _("no text to compare: the documents are empty or none chosen"),
    "no_spans": lambda: _("neither side has a span, so precision, recall and F1 are 0/0"),
    "gamma_too_few_annotators": lambda n=0: ngettext(
        "gamma compares at least two annotators; only %(num)d annotator has marked the text",
        "gamma compares at least two annotators; only %(num)d annotators have marked the text",
        n),
    "gamma_too_many_annotators": lambda limit=0, n=0: ngettext(
        "gamma is computed for up to %(limit)s annotators (its exact alignment grows too "
        "fast beyond that); here there is %(num)d annotator",
        "gamma is computed for up to %(limit)s annotators (its exact alignment grows too "
        "fast beyond that); here there are %(num)d annotators", n, limit=format_number(limit)),
    "gamma_no_units": lambda: _("no annotator marked any unit: the study is empty"),
    "gamma_no_expected_disorder": lambda: _(
        "the expected disorder is 0 (every random continuum aligns perfectly)"),
    # The report's own reasons, beyond the engine's.
    "no_shared_documents": lambda: _("no document both annotators worked on"),
    "too_few_units": _too_few_units,
}


def reason(code: str, **params: Any) -> str:
    """The words for reason `code` with its parameters, in the current language."""
    return MESSAGES[code](**params)


def why(exc: engine.Undefined) -> str:
    """Why the engine could not compute a figure, in the current language."""
    return reason(exc.code, **exc.params)


def undefined(code: str, **params: Any) -> dict[str, str]:
    """The `undefined` and `undefined_code` entries of a figure that has no value."""
    return {"undefined": reason(code, **params), "undefined_code": code}
