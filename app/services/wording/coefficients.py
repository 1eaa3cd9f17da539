"""Agreement coefficients by name, each with a line saying what it measures, for the pages
students and teachers read (the report and the API keep their keys)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.wording import humanise

COEFFICIENTS = {
    "alpha_nominal": (
        _l("Krippendorff's α (agreement beyond chance)"),
        _l("1 is full agreement, 0 no better than chance; .800 or more counts as reliable.")),
    "alpha_interval": (
        _l("Krippendorff's α, scale as numbers"),
        _l("Agreement beyond chance where a near miss on the scale counts as nearly agreeing.")),
    "alpha_ordinal": (
        _l("Krippendorff's α, scale as ordered steps"),
        _l("Agreement beyond chance where only the order of the scale's steps matters.")),
    "fleiss_kappa": (
        _l("Fleiss' κ (agreement beyond chance)"),
        _l("How much more often annotators chose the same label than chance would give.")),
    "gwet_ac1": (
        _l("Gwet's AC1 (agreement beyond chance)"),
        _l("Like κ, but steadier when one label is far more common than the others.")),
    "gwet_ac1_used": (
        _l("Gwet's AC1, labels in use only"),
        _l("Gwet's AC1 counting only the labels somebody used, not every label offered.")),
    "percent_agreement": (
        _l("Percent agreement"),
        _l("How often two annotators chose the same label, with no allowance for chance.")),
    "u_alpha": (
        _l("Krippendorff's uα (span agreement)"),
        _l("Agreement beyond chance on which words were marked, and with which label.")),
    "gamma": (
        _l("Mathet's γ (span agreement)"),
        _l("Agreement on spans that forgives a small slip at a span's start or end.")),
    "cohen_kappa": (
        _l("Cohen's κ (two annotators)"),
        _l("Agreement of two annotators beyond chance: 1 is full agreement, 0 is chance.")),
}
READINGS = {"reliable": _l("reliable"), "tentative": _l("tentative"),
            "unreliable": _l("unreliable")}


def coefficient_name(key: str) -> str:
    """A coefficient's name as the pages say it."""
    found = COEFFICIENTS.get(key)
    return str(found[0]) if found else humanise(key)


def coefficient_help(key: str) -> str:
    """One line on what the coefficient measures ('' for one we do not know)."""
    found = COEFFICIENTS.get(key)
    return str(found[1]) if found else ""


def reading_name(reading: str) -> str:
    """Krippendorff's reading of an α value (reliable, tentative, unreliable) in words."""
    return str(READINGS.get(reading, reading))
