"""One figure of the report (a coefficient with its counts, reading and interval, or why it
is undefined) and the nominal block shared by passages and verdict-like layers."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
from flask_babel import format_percent, ngettext
from flask_babel import gettext as _

from app import agreement as engine
from app.services.agreement import reasons

FEW_PAIRABLE = 20  # below this many pairable values a coefficient says little
DOMINANT_SHARE = 0.8  # one value this common makes chance-corrected figures fragile
BOOTSTRAP_SAMPLES = 1000
CONFIDENCE = 0.95
SEED = 20111216  # the bootstrap is repeatable: the same data give the same interval
# A unit-level percentile bootstrap covers the true alpha about 93-95% of the time from
# about 30 units, 87% with 10 and 72% with 5 (simulated, 300 studies per size): below this
# many units with two or more values the report gives no interval.
MIN_INTERVAL_UNITS = 30


def figure(name: str, compute: Callable[[], float], *, n_items: int, n_pairable: int,
           n_coders: int, interval: Callable[[], Any] | None = None, n_units: int = 0,
           units: str = "items") -> dict[str, Any]:
    """One coefficient with its counts and reading, or the reason it is undefined.

    With `interval`, a bootstrap interval when `n_units` (the units the bootstrap resamples:
    items with two or more values) reaches MIN_INTERVAL_UNITS; below that `ci` is None and
    `ci_withheld` says why, naming the units ("documents", "passages"). Reasons are in the
    current language, with their codes (`undefined_code`, `ci_withheld_code`) for programs.
    """
    out: dict[str, Any] = {"name": name, "value": None, "undefined": None,
                           "undefined_code": None, "n_items": n_items,
                           "n_pairable": n_pairable, "n_coders": n_coders}
    try:
        value = float(compute())
    except engine.Undefined as exc:
        out.update(reasons.undefined(exc.code, **exc.params))
        return out
    out["value"] = value
    if name.startswith("alpha") or name.startswith("u_alpha"):
        out["reading"] = engine.interpret_alpha(value)
    if interval is not None:
        out["ci"] = None
        if n_units < MIN_INTERVAL_UNITS:
            out["ci_withheld"] = reasons.reason("too_few_units", units=units, count=n_units,
                                                needed=MIN_INTERVAL_UNITS)
            out["ci_withheld_code"] = "too_few_units"
            return out
        try:
            ci = interval()
            out["ci"] = [float(ci.low), float(ci.high)]
        except engine.Undefined as exc:
            out["ci_withheld"], out["ci_withheld_code"] = reasons.why(exc), exc.code
    return out


def counts(matrix: np.ndarray) -> dict[str, int]:
    """Items with a value, pairable values (in items with two or more values), coders with a
    value."""
    present = ~np.isnan(matrix)
    per_item = present.sum(axis=0)
    return {"n_items": int((per_item > 0).sum()),
            "n_pairable": int(per_item[per_item >= 2].sum()),
            "n_coders": int(present.any(axis=1).sum())}


def paired_items(matrix: np.ndarray) -> int:
    """Items with values from two or more coders: the units a bootstrap resamples."""
    return int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())


def warnings(matrix: np.ndarray, n_pairable: int) -> list[str]:
    """Notes on figures that rest on few values or on one dominant value."""
    notes = []
    if n_pairable < FEW_PAIRABLE:
        notes.append(ngettext("Only %(num)d pairable value: read these figures as a first "
                              "impression, not a measurement.",
                              "Only %(num)d pairable values: read these figures as a first "
                              "impression, not a measurement.", n_pairable))
    values = matrix[~np.isnan(matrix)]
    if values.size:
        share = np.unique(values, return_counts=True)[1].max() / values.size
        if share >= DOMINANT_SHARE:
            notes.append(_("One value makes up %(share)s of all codes: chance-corrected "
                           "coefficients can be low even where coders mostly agree (the "
                           "prevalence paradox); compare them with percent agreement.",
                           share=format_percent(share)))
    return notes


def alpha_with_interval(matrix: np.ndarray, level: str, units: str) -> dict[str, Any]:
    """Krippendorff's alpha at `level` with its bootstrap interval where units suffice."""
    return figure(f"alpha_{level}", lambda: engine.krippendorff_alpha(matrix, level),
                  **counts(matrix), n_units=paired_items(matrix), units=units,
                  interval=lambda: engine.bootstrap_alpha(
                      matrix, level, samples=BOOTSTRAP_SAMPLES, seed=SEED,
                      confidence=CONFIDENCE))


def nominal_block(matrix: np.ndarray, coders: list[str], labels: list[str], offered: int,
                  units: str = "items") -> dict[str, Any]:
    """Nominal coefficients of a coders × items matrix of label codes (NaN for missing):
    the overall figures, Cohen's kappa per pair, and alpha per label (one against the rest).
    `offered` is the number of labels the coders could choose from (AC1's q)."""
    tally = counts(matrix)
    used = len(np.unique(matrix[~np.isnan(matrix)]))
    block: dict[str, Any] = {
        "coefficients": [
            alpha_with_interval(matrix, "nominal", units),
            figure("fleiss_kappa", lambda: engine.fleiss_kappa(matrix), **tally),
            figure("gwet_ac1", lambda: engine.gwet_ac1(matrix, categories=max(offered, used)),
                   **tally),
            figure("gwet_ac1_used", lambda: engine.gwet_ac1(matrix), **tally),
            figure("percent_agreement", lambda: engine.percent_agreement(matrix), **tally),
        ],
        "categories": {"offered": max(offered, used), "used": used},
        "warnings": warnings(matrix, tally["n_pairable"]),
        "pairs": [],
        "labels": [],
    }
    for a, b in combinations(range(len(coders)), 2):
        pair = matrix[[a, b]]
        both = int((~np.isnan(pair)).all(axis=0).sum())
        block["pairs"].append({"coders": [coders[a], coders[b]], **figure(
            "cohen_kappa", lambda pair=pair: engine.cohen_kappa(pair),
            n_items=both, n_pairable=2 * both, n_coders=2)})
    for code, label in enumerate(labels):
        binary = np.where(np.isnan(matrix), np.nan, (matrix == code).astype(float))
        if not np.nansum(binary):
            continue
        # Each label's alpha gets its own interval (one bootstrap of a 0/1 matrix, about
        # 60 ms for 30 coders x 300 passages), so the chart can draw its whisker.
        block["labels"].append({"label": label, **figure(
            "alpha_nominal", lambda binary=binary: engine.krippendorff_alpha(binary, "nominal"),
            **tally, n_units=paired_items(binary), units=units,
            interval=lambda binary=binary: engine.bootstrap_alpha(
                binary, "nominal", samples=BOOTSTRAP_SAMPLES, seed=SEED,
                confidence=CONFIDENCE))})
    return block
