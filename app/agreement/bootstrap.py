"""Bootstrap confidence interval for Krippendorff's alpha.

Reference: Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard
reliability measure for coding data. Communication Methods and Measures 1(1): 77-89.

Hayes & Krippendorff bootstrap alpha's sampling distribution to give a confidence interval. Here
the resampled entities are the pairable units (items with at least two values), drawn with
replacement, and alpha is recomputed on each resample (a unit-level bootstrap). A resample's
alpha depends only on how often each unit was drawn, so with W the (samples x units) matrix of
multiplicities every resample is evaluated at once:

    marginals n_c = W @ n_uc,  observed = W @ s_u,  s_u = sum_ck o^u_ck d2(c, k),

where o^u is unit u's contribution to the coincidence matrix. For the ordinal metric, whose
d2 depends on each resample's marginals, d2(c, k) = (t_k - t_c)^2 with mid-point positions
t_c = n_1 + ... + n_c - n_c / 2, and sum_ck o^u_ck (t_c - t_k)^2 expands into products of
W with per-unit terms.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.agreement._data import check_level, count_matrix
from app.agreement._errors import Undefined
from app.agreement.alpha import (
    alpha_from_counts,
    check_values_for_level,
    distance_matrix,
    ordinal_positions,
    pairable,
)

__all__ = ["Interval", "bootstrap_alpha"]

# Bound on the number of float64 entries of one batch of resamples (samples x units).
_BATCH_ENTRIES = 2_000_000


@dataclass(frozen=True)
class Interval:
    """A bootstrap interval for alpha.

    estimate: alpha on the data as given; low, high: the percentile interval bounds;
    samples: the number of resamples with a defined alpha (the ones the interval is read
    from); level: the confidence level; skipped: resamples whose alpha was undefined (all
    pairable values alike) and that were left out.
    """

    estimate: float
    low: float
    high: float
    samples: int
    level: float = 0.95
    skipped: int = 0


def bootstrap_alpha(
    data: Any,
    level: str = "nominal",
    samples: int = 1000,
    seed: int | None = 0,
    *,
    confidence: float = 0.95,
) -> Interval:
    """Percentile bootstrap interval for Krippendorff's alpha (Hayes & Krippendorff 2007).

    Resamples the pairable units (items with at least two values) with replacement `samples`
    times, recomputes alpha at `level` (nominal, ordinal, interval or ratio) on each, and
    returns the `confidence` (default 95%) percentile interval around the estimate on the
    data as given. Resamples whose alpha is undefined are skipped and counted in `skipped`.
    Deterministic for a given integer `seed` (None draws fresh entropy).

    Raises `Undefined` when alpha itself is undefined for the data or for every resample, and
    ValueError for bad data, an unknown level, samples < 1 or a confidence outside (0, 1).
    """
    check_level(level)
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise ValueError(f"samples must be a positive integer; got {samples!r}")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence!r}")
    counts, ratings, values, numeric = count_matrix(data)
    if ratings is not None:
        ratings.require_nonempty()
    check_values_for_level(values, numeric, level)
    estimate = alpha_from_counts(counts, values, level)
    units, totals = pairable(counts)
    # Draws that fit in one batch (16 MB) are kept for the next bootstrap of the same size.
    cached = isinstance(seed, int | np.integer) and len(units) * samples <= _BATCH_ENTRIES
    draws = (_draws(int(seed), len(units), int(samples)) if cached
             else _draw(np.random.default_rng(seed), len(units), int(samples)))
    alphas = np.concatenate([resampled_alphas(units, totals, values, level, weights)
                             for weights in draws])
    defined = alphas[~np.isnan(alphas)]
    if defined.size == 0:
        raise Undefined("alpha_no_interval")
    tail = (1.0 - float(confidence)) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return Interval(
        estimate=estimate,
        low=float(low),
        high=float(high),
        samples=int(defined.size),
        level=float(confidence),
        skipped=int(alphas.size - defined.size),
    )


def _draw(rng: np.random.Generator, n_units: int, samples: int) -> tuple[np.ndarray, ...]:
    """`samples` resamples of `n_units` units with replacement, as batches of unit counts."""
    batch = max(1, min(samples, _BATCH_ENTRIES // max(n_units, 1)))
    uniform = np.full(n_units, 1.0 / n_units)
    parts = []
    remaining = samples
    while remaining:
        size = min(batch, remaining)
        parts.append(rng.multinomial(n_units, uniform, size=size).astype(np.float64))
        remaining -= size
    for part in parts:
        part.flags.writeable = False
    return tuple(parts)


_KEPT: OrderedDict[tuple[int, int, int], tuple[np.ndarray, ...]] = OrderedDict()
_KEEP = 4
_KEPT_LOCK = threading.Lock()


def _draws(seed: int, n_units: int, samples: int) -> tuple[np.ndarray, ...]:
    """The same draws for the same seed and size, computed once (the last few are kept):
    the per-label alphas of a report resample the same units (a label's 0/1 matrix has the
    data's gaps), and drawing is most of a bootstrap's time."""
    key = (seed, n_units, samples)
    # The app server's threads share the cache: one's eviction must not pull a key from
    # under another's look-up.
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
            return kept
    draws = _draw(np.random.default_rng(seed), n_units, samples)
    with _KEPT_LOCK:
        _KEPT[key] = draws
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    return draws


def resampled_alphas(
    units: np.ndarray,
    totals: np.ndarray,
    values: np.ndarray,
    level: str,
    weights: np.ndarray,
) -> np.ndarray:
    """Alpha of each resample given as a row of unit multiplicities; NaN where undefined.

    `units` is the pairable units x values count matrix, `totals` its row sums m_u, and
    `weights` a (resamples x units) matrix: row b says how often each unit was drawn.
    """
    units = units.astype(np.float64)
    weights = weights.astype(np.float64, copy=False)
    inverse = 1.0 / (totals - 1.0)
    marginals = weights @ units  # n_c per resample
    n = marginals.sum(axis=1)
    if level == "ordinal":
        position = ordinal_positions(marginals)  # t_c per resample
        # sum_ck o^u_ck (t_c - t_k)^2 = 2 [m_u/(m_u-1) sum_c n_uc t_c^2 - (n_u . t)^2/(m_u-1)]
        spread = (weights @ (units * (totals * inverse)[:, np.newaxis]) * position**2).sum(1)
        projected = position @ units.T  # (n_u . t) per resample and unit
        cross = (weights * projected**2) @ inverse
        observed = 2.0 * (spread - cross)
        first = (marginals * position).sum(axis=1)
        expected = 2.0 * (n * (marginals * position**2).sum(axis=1) - first**2)
    else:
        d2 = distance_matrix(level, values, units.sum(axis=0))
        per_unit = ((units @ d2) * units).sum(axis=1) * inverse
        observed = weights @ per_unit
        expected = np.einsum("bi,ij,bj->b", marginals, d2, marginals)
    result = np.full(len(weights), np.nan)
    # Expected disagreement is zero exactly when a resample shows fewer than two values.
    ok = (marginals > 0).sum(axis=1) >= 2
    result[ok] = 1.0 - (n[ok] - 1.0) * observed[ok] / expected[ok]
    return result
