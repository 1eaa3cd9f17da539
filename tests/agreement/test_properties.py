"""Property tests: the `krippendorff` package as an oracle, and identities between coefficients."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.agreement import (
    Undefined,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Whole numbers take the fast path; fractional values go through np.unique.
VALUE_SETS = [
    [0, 1, 2, 3, 4],
    [1, 2, 3, 4, 5, 6, 7],
    [0.5, 1.25, 2.0, 3.75, 10.0],
    [0, 2, 3, 100],
]


@st.composite
def reliability_data(draw, values=None, missing=True):
    """A coders x items float matrix with NaN for missing values."""
    n_coders = draw(st.integers(2, 6))
    n_items = draw(st.integers(1, 25))
    domain = values or draw(st.sampled_from(VALUE_SETS))
    cell = st.sampled_from(domain)
    if missing:
        cell = st.one_of(cell, st.none()) if draw(st.booleans()) else cell
    rows = draw(
        st.lists(
            st.lists(cell, min_size=n_items, max_size=n_items),
            min_size=n_coders,
            max_size=n_coders,
        )
    )
    return np.array([[math.nan if v is None else v for v in row] for row in rows], dtype=float)


def _pairable_values(data: np.ndarray) -> set[float]:
    values: set[float] = set()
    for column in data.T:
        present = column[~np.isnan(column)]
        if present.size >= 2:
            values.update(present.tolist())
    return values


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@SETTINGS
@given(data=st.data())
def test_alpha_equals_the_krippendorff_package_on_random_data_with_missing_values(level, data):
    matrix = data.draw(reliability_data())
    if len(_pairable_values(matrix)) < 2:
        # No pairable values, or no variation among them: undefined, and said so.
        with pytest.raises(Undefined):
            krippendorff_alpha(matrix, level)
        return
    ours = krippendorff_alpha(matrix, level)
    oracle = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    assert ours == pytest.approx(oracle, abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@SETTINGS
@given(data=st.data())
def test_alpha_from_lists_with_none_equals_alpha_from_the_nan_array(level, data):
    matrix = data.draw(reliability_data())
    if len(_pairable_values(matrix)) < 2:
        return
    rows = [[None if math.isnan(v) else v for v in row] for row in matrix.tolist()]
    assert krippendorff_alpha(rows, level) == pytest.approx(
        krippendorff_alpha(matrix, level), abs=1e-12
    )


@SETTINGS
@given(data=st.data())
def test_scott_pi_equals_fleiss_kappa_for_two_coders_without_missing_data(data):
    matrix = data.draw(reliability_data(values=[1, 2, 3, 4], missing=False))
    pair = matrix[:2]
    if len(np.unique(pair)) < 2:
        return
    assert scott_pi(pair) == pytest.approx(fleiss_kappa(pair), abs=1e-12)


@SETTINGS
@given(data=st.data())
def test_nominal_alpha_is_scott_pi_corrected_for_sample_size(data):
    # For two coders and n items without missing data, with N = 2n values:
    # D_o = 1 - p_o and D_e = (1 - p_e) N / (N - 1), so alpha = 1 - (1 - pi)(2n - 1)/(2n).
    matrix = data.draw(reliability_data(values=[1, 2, 3], missing=False))
    pair = matrix[:2]
    if len(np.unique(pair)) < 2:
        return
    n = pair.shape[1]
    pi = scott_pi(pair)
    assert krippendorff_alpha(pair) == pytest.approx(
        1 - (1 - pi) * (2 * n - 1) / (2 * n), abs=1e-12
    )


@SETTINGS
@given(data=st.data())
def test_percent_agreement_lies_between_zero_and_one(data):
    matrix = data.draw(reliability_data())
    if not (np.sum(~np.isnan(matrix), axis=0) >= 2).any():
        return
    assert 0.0 <= percent_agreement(matrix) <= 1.0
