"""Krippendorff's alpha for coded items, by the coincidence matrix.

Reference: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
for Communication, University of Pennsylvania (and Content Analysis, 2004, ch. 11).

With n_uv the number of coders who gave item u value v and m_u = sum_v n_uv, only items with
m_u >= 2 ("pairable" values) count. The coincidence matrix is

    o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1),

its marginals n_c = sum_k o_ck, n = sum_c n_c, and

    alpha = 1 - (n - 1) * sum_ck o_ck d2(c, k) / sum_ck n_c n_k d2(c, k)

with the metric d2 of the level of measurement: nominal [c != k]; ordinal
(sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 (Krippendorff's ordinal metric on the coincidence
marginals, not rank weights); interval (c - k)^2; ratio ((c - k) / (c + k))^2.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.agreement._data import check_level, count_matrix
from app.agreement._errors import Undefined

__all__ = ["interpret_alpha", "krippendorff_alpha"]


def krippendorff_alpha(data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").

    `data` is one row per coder and one column per item: a sequence of sequences with None for
    a missing value, or a 2-D numpy array with NaN for missing (the fast path). `level` is one
    of "nominal", "ordinal", "interval", "ratio"; the last three need numeric values, nominal
    data may be string labels. Missing values are allowed; items with fewer than two values
    are not pairable and do not count. The ordinal metric is Krippendorff's (built on the
    coincidence marginals), the same as the `krippendorff` package's.

    Raises `Undefined` when the study is empty, when no item has two values to pair, or when
    the pairable values show a single value (no variation, so expected disagreement is 0).
    Raises ValueError for malformed data, an unknown level, labels at a numeric level, or a
    negative value at the ratio level.
    """
    check_level(level)
    counts, ratings, values, numeric = count_matrix(data)
    if ratings is not None:
        ratings.require_nonempty()
    check_values_for_level(values, numeric, level)
    return alpha_from_counts(counts, values, level)


def interpret_alpha(value: float) -> str:
    """Krippendorff's reading of an alpha (Content Analysis, 2004, p. 241; 2011).

    "reliable" for alpha >= .800, "tentative" (conclusions only tentatively drawn) for
    alpha >= .667, "unreliable" below .667.
    """
    value = float(value)
    if math.isnan(value):
        raise ValueError("alpha is NaN: there is nothing to interpret")
    if value >= 0.800:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "unreliable"


def check_values_for_level(values: np.ndarray, numeric: bool, level: str) -> None:
    """Raise ValueError when the values do not suit the level of measurement."""
    if level == "nominal":
        return
    if not numeric:
        raise ValueError(
            f"the {level} level needs numeric values; string labels only work at the "
            "nominal level"
        )
    if level == "ratio" and len(values) and float(np.min(values)) < 0:
        raise ValueError("the ratio level needs values >= 0 (a ratio scale has a true zero)")


def pairable(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of a count matrix with at least two values, and their totals m_u."""
    totals = counts.sum(axis=1)
    keep = totals >= 2
    if not keep.any():
        raise _no_pairs()
    return counts[keep], totals[keep]


def _no_pairs() -> Undefined:
    return Undefined("no_pairable_values")


def coincidences(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coincidence matrix o_ck (Krippendorff 2011, section C) and its marginals n_c.

    Items with fewer than two values get weight 0 rather than being copied out, which keeps
    this to a few BLAS calls on large studies.
    """
    values = counts.astype(np.float64)
    totals = values @ np.ones(values.shape[1])
    keep = totals >= 2.0
    if not keep.any():
        raise _no_pairs()
    weight = np.divide(1.0, totals - 1.0, out=np.zeros_like(totals), where=keep)
    weighted = values * weight[:, np.newaxis]
    matrix = values.T @ weighted
    matrix[np.diag_indices_from(matrix)] -= weight @ values
    marginals = keep.astype(np.float64) @ values
    return matrix, marginals


def distance_matrix(level: str, values: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """The squared-difference matrix d2(c, k) of a level (Krippendorff 2011, section E)."""
    size = len(marginals)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        position = ordinal_positions(marginals)
        return (position[:, np.newaxis] - position[np.newaxis, :]) ** 2
    v = values.astype(np.float64)
    if level == "interval":
        return (v[:, np.newaxis] - v[np.newaxis, :]) ** 2
    total = v[:, np.newaxis] + v[np.newaxis, :]
    difference = v[:, np.newaxis] - v[np.newaxis, :]
    ratio = np.divide(difference, total, out=np.zeros_like(difference), where=total != 0)
    return ratio**2


def ordinal_positions(marginals: np.ndarray) -> np.ndarray:
    """Mid-point positions t_c = n_1 + ... + n_c - n_c / 2 of the ordered values.

    Krippendorff's ordinal metric (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 equals (t_k - t_c)^2:
    an interval metric on these positions. Works on a stack of marginals (last axis).
    """
    marginals = np.asarray(marginals, dtype=np.float64)
    return np.cumsum(marginals, axis=-1) - marginals / 2.0


def alpha_from_counts(counts: np.ndarray, values: np.ndarray, level: str) -> float:
    """Alpha from an items x values count matrix (any items with < 2 values are ignored)."""
    observed_matrix, marginals = coincidences(counts)
    n = float(marginals.sum())
    if np.count_nonzero(marginals) < 2:
        raise Undefined("no_variation")
    d2 = distance_matrix(level, values, marginals)
    expected = float(marginals @ d2 @ marginals)
    observed = float((observed_matrix * d2).sum())
    return 1.0 - (n - 1.0) * observed / expected
