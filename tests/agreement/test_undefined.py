"""Undefined coefficients raise `Undefined` with the reason in words, never 1.0 or NaN."""

from __future__ import annotations

import numpy as np
import pytest

from app.agreement import (
    Undefined,
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
    span_f1,
    unitizing_alpha,
)

N = None
CHANCE_CORRECTED = [cohen_kappa, scott_pi, fleiss_kappa, gwet_ac1, krippendorff_alpha]
ALL = [percent_agreement, *CHANCE_CORRECTED, bootstrap_alpha]
MULTI_RATER = [percent_agreement, fleiss_kappa, gwet_ac1, krippendorff_alpha, bootstrap_alpha]


def test_undefined_is_a_value_error():
    assert issubclass(Undefined, ValueError)


@pytest.mark.parametrize("coefficient", [*CHANCE_CORRECTED, bootstrap_alpha])
def test_one_category_used_raises_undefined_for_chance_corrected_coefficients(coefficient):
    with pytest.raises(Undefined, match="single"):
        coefficient([[2, 2, 2, N], [2, 2, 2, 2]])


def test_one_category_used_leaves_percent_agreement_at_a_true_one():
    # Not chance-corrected: every pair agrees, and that is a real 1.0.
    assert percent_agreement([[2, 2, 2], [2, 2, 2]]) == 1.0


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_one_value_among_pairable_values_raises_undefined_at_every_level(level):
    # Value 9 appears only in an item nobody else rated: the pairable values are all 1.
    with pytest.raises(Undefined, match="single value"):
        krippendorff_alpha([[1, 1, 9], [1, 1, N]], level)


@pytest.mark.parametrize("coefficient", MULTI_RATER)
def test_no_pairable_values_raises_undefined(coefficient):
    with pytest.raises(Undefined, match="two"):
        coefficient([[1, N, 3], [N, 2, N]])


@pytest.mark.parametrize("coefficient", [cohen_kappa, scott_pi])
def test_no_item_rated_by_both_coders_raises_undefined(coefficient):
    with pytest.raises(Undefined, match="both coders"):
        coefficient([[1, N, 3], [N, 2, N]])


@pytest.mark.parametrize("coefficient", ALL)
@pytest.mark.parametrize(
    "empty", [[], [[], []], np.empty((0, 0)), np.empty((3, 0))], ids=["[]", "[[],[]]", "0x0", "3x0"]
)
def test_empty_data_raises_undefined(coefficient, empty):
    with pytest.raises(Undefined, match="empty"):
        coefficient(empty)


@pytest.mark.parametrize("coefficient", MULTI_RATER)
def test_all_items_single_rated_raises_undefined(coefficient):
    with pytest.raises(Undefined, match="at least two"):
        coefficient([[1, N, 3, N], [N, 2, N, 4], [N, N, N, N]])


@pytest.mark.parametrize("coefficient", MULTI_RATER)
def test_a_single_coder_raises_undefined(coefficient):
    with pytest.raises(Undefined):
        coefficient([[1, 2, 3, 4]])


def test_all_values_missing_in_a_nan_array_raises_undefined():
    with pytest.raises(Undefined, match="pairable"):
        krippendorff_alpha(np.full((3, 4), np.nan))


def test_unitizing_with_one_coder_raises_undefined():
    with pytest.raises(Undefined, match="two coders"):
        unitizing_alpha([("ann", 0, 4, "claim")], 0, 10)


def test_unitizing_with_no_units_raises_undefined():
    with pytest.raises(Undefined, match="empty"):
        unitizing_alpha([], 0, 10, coders=["ann", "bob"])


def test_unitizing_for_a_label_nobody_used_raises_undefined():
    units = [("ann", 0, 4, "claim"), ("bob", 1, 4, "claim")]
    with pytest.raises(Undefined, match="rhetoric"):
        unitizing_alpha(units, 0, 10, "rhetoric")


def test_span_f1_with_no_spans_on_either_side_raises_undefined():
    with pytest.raises(Undefined, match="neither side"):
        span_f1([], [])
