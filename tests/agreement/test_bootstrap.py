"""Bootstrap interval for alpha (Hayes & Krippendorff 2007)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.agreement import Interval, Undefined, bootstrap_alpha, krippendorff_alpha
from app.agreement._data import count_matrix
from app.agreement.alpha import alpha_from_counts, pairable
from app.agreement.bootstrap import resampled_alphas
from tests.agreement.datasets import KRIPPENDORFF_2011

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def study(n_coders: int = 30, n_items: int = 100, seed: int = 7) -> np.ndarray:
    """Coders who mostly agree on a 1-5 scale, with 10% missing values."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_items)
    data = np.tile(truth, (n_coders, 1)).astype(float)
    noise = rng.random(data.shape) < 0.3
    data[noise] = rng.integers(1, 6, noise.sum())
    data[rng.random(data.shape) < 0.1] = np.nan
    return data


@pytest.mark.parametrize("level", LEVELS)
def test_estimate_is_alpha_and_the_interval_brackets_it(level):
    data = study()
    interval = bootstrap_alpha(data, level, samples=500, seed=1)
    assert interval.estimate == krippendorff_alpha(data, level)
    assert interval.low <= interval.estimate <= interval.high
    assert interval.high - interval.low < 0.2
    assert (interval.samples, interval.skipped, interval.level) == (500, 0, 0.95)


@pytest.mark.parametrize("level", LEVELS)
def test_each_resampled_alpha_equals_alpha_recomputed_on_the_resampled_units(level):
    counts, _, values, _ = count_matrix(np.array(KRIPPENDORFF_2011, dtype=float))
    units, totals = pairable(counts)
    rng = np.random.default_rng(3)
    weights = rng.multinomial(len(units), np.full(len(units), 1 / len(units)), size=40)
    fast = resampled_alphas(units, totals, values, level, weights)
    for row, value in zip(weights, fast, strict=True):
        resampled = np.repeat(units, row, axis=0)
        try:
            direct = alpha_from_counts(resampled, values, level)
        except Undefined:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(direct, abs=1e-9)


def test_same_seed_gives_the_same_interval_and_another_seed_another():
    data = study(seed=11)
    first = bootstrap_alpha(data, "ordinal", samples=300, seed=42)
    assert bootstrap_alpha(data, "ordinal", samples=300, seed=42) == first
    assert bootstrap_alpha(data, "ordinal", samples=300, seed=43) != first


def test_confidence_level_sets_the_percentiles():
    data = study(seed=5)
    wide = bootstrap_alpha(data, samples=400, seed=0, confidence=0.99)
    narrow = bootstrap_alpha(data, samples=400, seed=0, confidence=0.5)
    assert wide.level == 0.99 and narrow.level == 0.5
    assert wide.low <= narrow.low <= narrow.high <= wide.high


def test_resamples_with_undefined_alpha_are_skipped_and_counted():
    # Three pairable units: two agree on 1, one on 2. A resample drawing only the "1" units
    # (or only the "2" unit) shows a single value: alpha is undefined there.
    data = [[1, 1, 2], [1, 1, 2]]
    interval = bootstrap_alpha(data, samples=1000, seed=0)
    assert interval.estimate == 1.0
    assert interval.skipped > 0
    assert interval.samples + interval.skipped == 1000
    # (2/3)^3 + (1/3)^3 = 1/3 of the resamples are undefined.
    assert interval.skipped == pytest.approx(1000 / 3, abs=60)


def test_interval_is_a_frozen_dataclass():
    interval = bootstrap_alpha(KRIPPENDORFF_2011, samples=50)
    assert isinstance(interval, Interval)
    with pytest.raises(dataclasses.FrozenInstanceError):
        interval.low = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0}, "samples"),
        ({"samples": 2.5}, "samples"),
        ({"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_alpha(KRIPPENDORFF_2011, **kwargs)
