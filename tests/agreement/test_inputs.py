"""Input forms give the same results; malformed input raises a clear ValueError."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import krippendorff
import numpy as np
import pytest

import app.agreement as agreement
from app.agreement import (
    Undefined,
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    interpret_alpha,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from app.agreement._data import coerce_ratings, value_counts
from app.agreement.alpha import alpha_from_counts
from tests.agreement.datasets import KRIPPENDORFF_2011

N = None
NOMINAL = [percent_agreement, fleiss_kappa, gwet_ac1, krippendorff_alpha]
TWO_CODERS = [cohen_kappa, scott_pi]
LABELS = {1: "low", 2: "mid", 3: "high", 4: "peak", 5: "max"}


def as_nan_array(rows):
    return np.array([[math.nan if v is None else v for v in row] for row in rows], dtype=float)


def as_labels(rows):
    return [[None if v is None else LABELS[v] for v in row] for row in rows]


@pytest.mark.parametrize("coefficient", NOMINAL)
def test_lists_with_none_nan_arrays_and_string_labels_give_the_same_result(coefficient):
    from_lists = coefficient(KRIPPENDORFF_2011)
    assert coefficient(as_nan_array(KRIPPENDORFF_2011)) == pytest.approx(from_lists, abs=1e-12)
    assert coefficient(as_labels(KRIPPENDORFF_2011)) == pytest.approx(from_lists, abs=1e-12)


@pytest.mark.parametrize("coefficient", TWO_CODERS)
def test_two_coder_coefficients_accept_every_input_form_alike(coefficient):
    rows = [KRIPPENDORFF_2011[1], KRIPPENDORFF_2011[3]]
    from_lists = coefficient(rows)
    assert coefficient(as_nan_array(rows)) == pytest.approx(from_lists, abs=1e-12)
    assert coefficient(as_labels(rows)) == pytest.approx(from_lists, abs=1e-12)


def test_tuples_integer_arrays_string_arrays_and_generators_are_accepted():
    full = [[1, 2, 3, 3, 2], [1, 2, 3, 3, 1], [2, 2, 3, 3, 1]]
    expected = krippendorff_alpha(full)
    assert krippendorff_alpha(tuple(tuple(row) for row in full)) == pytest.approx(expected)
    assert krippendorff_alpha(np.array(full)) == pytest.approx(expected)
    assert krippendorff_alpha(np.array(full, dtype=np.int8)) == pytest.approx(expected)
    assert krippendorff_alpha(np.array(as_labels(full))) == pytest.approx(expected)
    assert krippendorff_alpha(row for row in full) == pytest.approx(expected)
    assert krippendorff_alpha(np.array(full, dtype=object)) == pytest.approx(expected)


def test_nan_inside_lists_counts_as_missing():
    rows = [[1.0, 2.0, math.nan, 3.0], [1.0, 2.0, 2.0, N], [1.0, 3.0, 2.0, 3.0]]
    with_none = [[N if isinstance(v, float) and math.isnan(v) else v for v in r] for r in rows]
    assert krippendorff_alpha(rows, "interval") == krippendorff_alpha(with_none, "interval")


def test_fractional_and_wide_ranging_values_are_coded_by_value():
    rows = [[0.5, 1.25, 100000.0, N], [0.5, 1.5, 100000.0, 7.0], [0.5, 1.25, 99999.5, 7.0]]
    shifted = [[N if v is None else v * 2 for v in row] for row in rows]
    # The interval metric is scale-free; nominal only looks at equality.
    assert krippendorff_alpha(rows, "interval") == pytest.approx(
        krippendorff_alpha(shifted, "interval"), abs=1e-12
    )
    assert krippendorff_alpha(rows) == pytest.approx(krippendorff_alpha(shifted), abs=1e-12)


def test_ragged_rows_raise_value_error():
    with pytest.raises(ValueError, match="ragged"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])


@pytest.mark.parametrize(
    "data",
    [[1, 2, 3], np.array([1.0, 2.0]), np.zeros((2, 2, 2)), [[[1], [2]], [[1], [2]]], "abc", 5],
    ids=["flat-list", "1-d-array", "3-d-array", "nested-lists", "string", "scalar"],
)
def test_wrong_dimension_raises_value_error(data):
    with pytest.raises(ValueError, match="2-D|sequence") as caught:
        krippendorff_alpha(data)
    assert not isinstance(caught.value, Undefined)


@pytest.mark.parametrize("level", ["categorical", "NOMINAL", "", None])
def test_unknown_level_raises_value_error(level):
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(KRIPPENDORFF_2011, level)
    with pytest.raises(ValueError, match="unknown level"):
        bootstrap_alpha(KRIPPENDORFF_2011, level)


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_string_labels_at_a_numeric_level_raise_value_error(level):
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(as_labels(KRIPPENDORFF_2011), level)


def test_mixing_numbers_and_strings_raises_value_error():
    with pytest.raises(ValueError, match="mixes numbers and strings"):
        krippendorff_alpha([[1, "a"], [1, "a"]])


def test_unsupported_values_raise_value_error():
    with pytest.raises(ValueError, match="unsupported value"):
        krippendorff_alpha([[1, {"x": 1}], [1, 2]])
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha([[1, math.inf], [1, 2]])
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha(np.array([[1.0, np.inf], [1.0, 2.0]]))


def test_negative_values_at_the_ratio_level_raise_value_error():
    with pytest.raises(ValueError, match=">= 0"):
        krippendorff_alpha([[-1, 2, 3], [-1, 2, 4]], "ratio")


@pytest.mark.parametrize("coefficient", TWO_CODERS)
def test_two_coder_coefficients_reject_three_coders_with_a_value_error(coefficient):
    with pytest.raises(ValueError, match="exactly two coders") as caught:
        coefficient(KRIPPENDORFF_2011[:3])
    assert not isinstance(caught.value, Undefined)


def test_two_coder_coefficients_drop_items_where_either_coder_is_missing():
    with_gaps = [[1, 2, N, 2, 1, 3], [1, 2, 3, 1, N, 3]]
    complete = [[1, 2, 2, 3], [1, 2, 1, 3]]
    assert cohen_kappa(with_gaps) == pytest.approx(cohen_kappa(complete), abs=1e-12)
    assert scott_pi(with_gaps) == pytest.approx(scott_pi(complete), abs=1e-12)


@pytest.mark.parametrize(
    ("value", "reading"),
    [(1.0, "reliable"), (0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"),
     (0.6669, "unreliable"), (0.0, "unreliable"), (-0.5, "unreliable")],
)
def test_interpret_alpha_gives_krippendorffs_reading(value, reading):
    assert interpret_alpha(value) == reading


def test_interpret_alpha_rejects_nan():
    with pytest.raises(ValueError):
        interpret_alpha(math.nan)


def test_the_package_imports_only_numpy_scipy_numba_the_standard_library_and_itself():
    # SciPy and Numba only for gamma's alignment: an exact 0/1 program (HiGHS) and the
    # compiled candidates and dynamic program; os and concurrent for the threads that align
    # its random continua; threading for the lock on the bootstrap's kept draws.
    folder = Path(agreement.__file__).parent
    allowed_roots = {"numpy", "scipy", "numba", "__future__", "math", "numbers", "bisect", "heapq",
                     "collections", "dataclasses", "itertools", "typing", "os", "concurrent",
                     "threading", "contextlib"}
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.startswith("app.agreement") or name.split(".")[0] in allowed_roots, (
                    f"{path.name} imports {name}"
                )


def test_every_public_function_has_a_docstring_naming_its_reference():
    for name in agreement.__all__:
        obj = getattr(agreement, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert any(str(year) in doc for year in range(1950, 2030)), name


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_the_blockwise_fast_path_agrees_with_the_general_path_across_blocks(level):
    # 3 coders x 70,000 items: several blocks of the fast path, with different value ranges
    # per block, a block of nothing but NaN, and (second run) a fractional value at the end.
    rng = np.random.default_rng(0)
    data = np.full((3, 70_000), np.nan)
    data[:, :20_000] = rng.integers(1, 4, (3, 20_000))
    data[:, 45_000:] = rng.integers(5, 10, (3, 25_000))
    data[rng.random(data.shape) < 0.2] = np.nan
    general = alpha_from_counts(value_counts(coerce_ratings(data)), np.arange(1.0, 10.0), level)
    assert krippendorff_alpha(data, level) == pytest.approx(general, abs=1e-12)
    data[0, -1], data[1, -1] = 7.5, 7.5
    oracle = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    assert krippendorff_alpha(data, level) == pytest.approx(oracle, abs=1e-9)


def test_a_float_array_of_few_values_far_apart_counts_only_the_values_in_use():
    # {0, 4095} once made a column for each of the 4,096 values between: 38 s and 1.1 GiB
    # at 3 x 10,000. Only the two values in use get a column now, on every path.
    from app.agreement._data import count_matrix

    rng = np.random.default_rng(1)
    data = rng.choice([0.0, 4095.0], size=(3, 1_000))
    data[0, :7] = np.nan
    counts, _, values, _ = count_matrix(data)
    assert counts.shape == (1_000, 2) and list(values) == [0.0, 4095.0]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        oracle = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
        assert krippendorff_alpha(data, level) == pytest.approx(oracle, abs=1e-12)
        assert krippendorff_alpha(data.tolist(), level) == pytest.approx(oracle, abs=1e-12)


def test_unused_values_inside_a_narrow_range_do_not_change_alpha():
    data = np.array([[1.0, 1.0, 9.0, 9.0, np.nan], [1.0, 9.0, 9.0, 9.0, 1.0]])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        oracle = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
        assert krippendorff_alpha(data, level) == pytest.approx(oracle, abs=1e-12)
