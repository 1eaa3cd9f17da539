"""Input coercion: reliability data into a matrix of integer codes.

Reliability data is "a sequence of coder rows, each a sequence of item values, None for missing;
a 2-D numpy array with NaN for missing is accepted too (and is the fast path)". `coerce_ratings`
turns it into a `Ratings`: a (coders x items) matrix of integer codes, -1 where a value is
missing, and the value each code stands for (numbers in ascending order, or string labels in
sorted order). Codes follow the order of the values, so ordinal, interval and ratio metrics can
use them directly. The items x values count matrix of the multi-coder coefficients comes from one
np.bincount (`value_counts`); a float array of whole numbers skips the codes and is counted
block by block (`count_matrix`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.agreement._errors import Undefined

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Integer-valued numeric data whose values span at most this many steps is coded by shifting,
# without sorting (the fast path); wider or fractional data goes through np.unique.
_DIRECT_SPAN = 4096
# A domain with unused values is compacted when it is wider than this.
_COMPACT_SPAN = 256
# The fast path's count matrix stays below this many entries (400 MB of int64).
_MAX_FAST_ENTRIES = 50_000_000
# Entries of one block of the float fast path (512 KiB of float64: stays in cache).
_BLOCK_ENTRIES = 1 << 16


@dataclass(frozen=True, eq=False)
class Ratings:
    """Reliability data as codes.

    codes: (coders, items) array of intp, -1 for a missing value.
    values: the value of each code: float64 for numeric data, object (str) for labels. It may
        hold values that no rating uses (harmless: they get zero counts).
    numeric: whether the values are numbers (required by the ordinal, interval and ratio levels).
    """

    codes: np.ndarray
    values: np.ndarray
    numeric: bool

    @property
    def n_coders(self) -> int:
        return int(self.codes.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.codes.shape[1])

    def require_nonempty(self) -> None:
        """Raise Undefined for a study with no coders or no items."""
        if self.n_coders == 0 or self.n_items == 0:
            raise Undefined("empty_study", coders=self.n_coders, items=self.n_items)


def check_level(level: str) -> str:
    """Return `level` if it is one of LEVELS, else raise ValueError naming them."""
    if not isinstance(level, str) or level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    return level


def coerce_ratings(data: Any) -> Ratings:
    """Turn reliability data (coder rows x item columns) into `Ratings`, validating it."""
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ValueError(
                f"reliability data must be 2-D (one row per coder, one column per item); "
                f"got an array with {data.ndim} dimension(s)"
            )
        kind = data.dtype.kind
        if kind in "biuf":
            return _from_numeric_array(data)
        if kind in "US":
            return _from_label_array(data)
        if kind == "O":
            return _from_rows(data.tolist())
        raise ValueError(f"unsupported array dtype {data.dtype}: use numbers or strings")
    if isinstance(data, str | bytes) or not isinstance(data, Sequence | np.ndarray):
        if data is None or isinstance(data, str | bytes | numbers.Number):
            raise ValueError(
                "reliability data must be a sequence of coder rows (each a sequence of item "
                f"values), not {type(data).__name__}"
            )
        data = list(data)  # any other iterable of rows, e.g. a generator
    return _from_rows(list(data))


def _from_rows(rows: list[Any]) -> Ratings:
    width: int | None = None
    numeric: list[list[float]] = []
    labels: list[list[str | None]] = []
    seen_number = seen_label = False
    for i, row in enumerate(rows):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
            raise ValueError(
                f"coder row {i} is {type(row).__name__}, not a sequence of item values: "
                "reliability data is 2-D, one row per coder and one value per item"
            )
        cells = list(row)
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise ValueError(
                f"ragged rows: coder row 0 has {width} items but coder row {i} has {len(cells)}; "
                "every coder row needs one entry per item (None for missing)"
            )
        num_row: list[float] = []
        lab_row: list[str | None] = []
        for j, value in enumerate(cells):
            if value is None:
                num_row.append(math.nan)
                lab_row.append(None)
            elif isinstance(value, str):
                seen_label = True
                lab_row.append(value)
            elif isinstance(value, numbers.Real):
                as_float = float(value)
                if math.isnan(as_float):
                    num_row.append(math.nan)
                    lab_row.append(None)
                    continue
                if math.isinf(as_float):
                    raise ValueError(f"infinite value at coder row {i}, item {j}")
                seen_number = True
                num_row.append(as_float)
            elif isinstance(value, Sequence | np.ndarray):
                raise ValueError(
                    f"coder row {i}, item {j} is a sequence: reliability data must be 2-D "
                    "(coder rows of single values), not deeper"
                )
            else:
                raise ValueError(
                    f"unsupported value {value!r} at coder row {i}, item {j}: "
                    "use numbers, strings or None"
                )
            if seen_number and seen_label:
                raise ValueError(
                    f"coder row {i}, item {j}: the data mixes numbers and strings; "
                    "use one kind of value throughout"
                )
        numeric.append(num_row)
        labels.append(lab_row)
    width = width or 0
    if seen_label:
        return _code_labels(labels, len(rows), width)
    array = np.array(numeric, dtype=np.float64).reshape(len(rows), width)
    return _from_numeric_array(array)


def _code_labels(rows: list[list[str | None]], n_coders: int, n_items: int) -> Ratings:
    distinct = sorted({v for row in rows for v in row if v is not None})
    index = {label: code for code, label in enumerate(distinct)}
    codes = np.array(
        [[-1 if v is None else index[v] for v in row] for row in rows], dtype=np.intp
    ).reshape(n_coders, n_items)
    values = np.empty(len(distinct), dtype=object)
    values[:] = distinct
    return Ratings(codes, values, numeric=False)


def _from_label_array(array: np.ndarray) -> Ratings:
    distinct, inverse = np.unique(array, return_inverse=True)
    values = np.empty(len(distinct), dtype=object)
    values[:] = [str(v) if not isinstance(v, bytes) else v.decode() for v in distinct.tolist()]
    return Ratings(inverse.reshape(array.shape).astype(np.intp), values, numeric=False)


def _from_numeric_array(array: np.ndarray) -> Ratings:
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    if array.size == 0:
        return Ratings(np.full(array.shape, -1, dtype=np.intp), np.empty(0), numeric=True)
    if array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        if high - low < _DIRECT_SPAN:
            codes = (array - low).astype(np.intp)
            values = np.arange(low, high + 1, dtype=np.float64)
            return _compact(Ratings(codes, values, numeric=True))
        return _unique_codes(array.astype(np.float64), np.ones(array.shape, dtype=bool))
    x = np.asarray(array, dtype=np.float64)
    low = float(np.fmin.reduce(x, axis=None))
    high = float(np.fmax.reduce(x, axis=None))
    if math.isnan(low):  # every value missing
        return Ratings(np.full(x.shape, -1, dtype=np.intp), np.empty(0), numeric=True)
    if math.isinf(low) or math.isinf(high):
        raise ValueError("reliability data contains an infinite value; use NaN for missing")
    if low.is_integer() and high.is_integer() and high - low < _DIRECT_SPAN:
        shifted = x - low
        np.nan_to_num(shifted, copy=False, nan=-1.0)
        codes = shifted.astype(np.intp)
        if np.array_equal(codes, shifted):  # every value is a whole number
            values = np.arange(low, high + 1, dtype=np.float64)
            return _compact(Ratings(codes, values, numeric=True))
    return _unique_codes(x, ~np.isnan(x))


def _unique_codes(x: np.ndarray, valid: np.ndarray) -> Ratings:
    values, inverse = np.unique(x[valid], return_inverse=True)
    codes = np.full(x.shape, -1, dtype=np.intp)
    codes[valid] = inverse.ravel()
    return Ratings(codes, values.astype(np.float64), numeric=True)


def _compact(ratings: Ratings) -> Ratings:
    """Drop unused values from a wide domain so that count matrices stay small."""
    if len(ratings.values) <= _COMPACT_SPAN:
        return ratings
    codes = ratings.codes
    valid = codes >= 0
    used = np.bincount(codes[valid], minlength=len(ratings.values)) > 0
    lookup = np.cumsum(used) - 1
    compacted = np.where(valid, lookup[np.where(valid, codes, 0)], -1)
    return Ratings(compacted.astype(np.intp), ratings.values[used], numeric=True)


def value_counts(ratings: Ratings) -> np.ndarray:
    """The items x values count matrix: entry (u, v) counts the coders giving item u value v.

    Built with one np.bincount over the flattened codes (no Python loop over items).
    """
    n_coders, n_items = ratings.codes.shape
    n_values = len(ratings.values)
    if n_coders == 0 or n_items == 0 or n_values == 0:
        return np.zeros((n_items, n_values), dtype=np.int64)
    codes = ratings.codes
    keys = codes + (np.arange(n_items, dtype=np.intp) * n_values)[np.newaxis, :]
    overflow = n_items * n_values  # one extra bin collects the missing values
    keys = np.where(codes >= 0, keys, overflow)
    counts = np.bincount(keys.ravel(), minlength=overflow + 1)[:overflow]
    return counts.reshape(n_items, n_values)


def count_matrix(data: Any) -> tuple[np.ndarray, Ratings | None, np.ndarray, bool]:
    """The items x values count matrix of reliability data, with its values.

    Returns (counts, ratings, values, numeric). For a float array of whole numbers in a
    narrow range (the common case: codes with NaN for missing) the counts come straight from
    the array in a few vectorised passes and `ratings` is None; otherwise the data goes
    through `coerce_ratings` and `value_counts`.
    """
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind == "f":
        fast = _float_counts(data)
        if fast is not None:
            counts, values = fast
            used = counts.any(axis=0)
            if not used.all():
                # Unused values change no level's alpha (an ordinal position adds nothing for
                # them) but would cost a row and a column in every matrix product.
                counts, values = counts[:, used], values[used]
            return counts, None, values, True
    ratings = coerce_ratings(data)
    return value_counts(ratings), ratings, ratings.values, ratings.numeric


def _float_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts of a float array of whole numbers spanning a narrow range, else None.

    Only for at most _COMPACT_SPAN consecutive values: the count matrix has a column for
    every value in the range, used or not, so a wider range (say {0, 4095}) goes through
    `coerce_ratings`, which keeps only the values in use. The range is checked on the whole
    array before anything is allocated. Works through blocks of items small enough to stay
    in cache: per block, the values are shifted into per-item bins (NaN goes to an overflow
    bin via np.fmin) and counted with one np.bincount; the blocks' count matrices are then
    placed into the overall value range.
    """
    n_coders, n_items = x.shape
    if x.size == 0:
        return None
    low_all = float(np.fmin.reduce(x, axis=None))
    high_all = float(np.fmax.reduce(x, axis=None))
    if math.isnan(low_all) or not (math.isfinite(low_all) and math.isfinite(high_all)):
        return None
    if not (low_all.is_integer() and high_all.is_integer()):
        return None
    span = int(high_all - low_all) + 1
    if span > _COMPACT_SPAN or n_items * span > _MAX_FAST_ENTRIES:
        return None
    # A block's bins (items x values) stay within _BLOCK_ENTRIES too.
    step = max(1, min(_BLOCK_ENTRIES // n_coders, _BLOCK_ENTRIES // span))
    result = np.zeros((n_items, span), dtype=np.int64)
    for first in range(0, n_items, step):
        block = x[:, first : first + step]
        low = float(np.fmin.reduce(block, axis=None))
        high = float(np.fmax.reduce(block, axis=None))
        if math.isnan(low):  # nothing but missing values here
            continue
        width, block_span = block.shape[1], int(high - low) + 1
        overflow = width * block_span  # one extra bin collects the missing values
        keys = np.add(block, (np.arange(width, dtype=np.float64) * block_span - low)[np.newaxis, :])
        np.fmin(keys, float(overflow), out=keys)  # NaN becomes the overflow bin
        whole = keys.astype(np.intp)
        if not np.array_equal(whole, keys):  # some value is not a whole number
            return None
        counts = np.bincount(whole.ravel(), minlength=overflow + 1)[:overflow]
        shift = int(low - low_all)
        result[first : first + width, shift : shift + block_span] = counts.reshape(
            width, block_span)
    return result, np.arange(low_all, high_all + 1.0)


def used_counts(ratings: Ratings) -> tuple[np.ndarray, np.ndarray]:
    """The count matrix restricted to values in use, and the codes of those values."""
    counts = value_counts(ratings)
    used = np.flatnonzero(counts.sum(axis=0))
    return counts[:, used], used
