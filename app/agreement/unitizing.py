"""Krippendorff's alpha for unitizing (u-alpha) over one continuum.

References:
- Krippendorff, K. (1995). On the reliability of unitizing contiguous data. Sociological
  Methodology 25: 47-76.
- Krippendorff, K. (2004). Measuring the reliability of qualitative text analysis data.
  Quality & Quantity 38: 787-800; and Content Analysis, 2nd ed. (2004), section 12.4.
- DKPro Agreement's `KrippendorffAlphaUnitizingAgreement` (Meyer, Mieskes, Stab & Gurevych
  2014), whose formulation this follows term by term, vectorised.

Each coder's units of a category c, and the gaps between them ("not a unit" segments), tile the
continuum [begin, begin + length). With L the length and R the number of coders:

Observed disagreement of c sums, over pairs of coders, d2 of every pair of their segments that
intersect: two overlapping units differ by (b_1 - b_2)^2 + (e_1 - e_2)^2 (squared differences
of beginnings and ends); a unit lying wholly inside the other coder's gap counts its squared
length l^2; anything else (gap against gap, a unit against a gap it sticks out of) counts 0.
D_O(c) = 2 * sum / (R (R - 1) L^2).

Expected disagreement of c comes from all N_c units of c and all gaps g of every coder (a coder
without units of c has one gap of length L):
D_E(c) = (2 / L) * sum_units [(N_c - 1)(2 l^3 - 3 l^2 + l) / 3 + l^2 sum_{g >= l} (g - l + 1)]
         / (R L (R L - 1) - sum_units l (l - 1)).

alpha_c = 1 - D_O(c) / D_E(c); the overall value averages D_O and D_E over the categories in
use: alpha = 1 - mean_c D_O(c) / mean_c D_E(c).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from app.agreement._errors import Undefined

__all__ = ["unitizing_alpha", "unitizing_disagreement"]


def unitizing_alpha(
    units: Iterable[tuple[Hashable, int, int, Hashable]],
    begin: int,
    length: int,
    category: Hashable | None = None,
    *,
    coders: Iterable[Hashable] | None = None,
) -> float:
    """Krippendorff's u-alpha (Krippendorff 2004, as DKPro Agreement implements it).

    `units` is an iterable of (coder, start, end, label) with half-open integer offsets
    begin <= start < end <= begin + length over one continuum (one document). The stretches a
    coder left unmarked count as "not a unit" gaps. `category=None` gives the overall value
    (observed and expected disagreement averaged over the labels in use); a label gives that
    category's alpha. The coders are those named in `units`, or `coders` when given (so that a
    coder who marked nothing still counts). A coder's units of one label must not overlap.

    Raises `Undefined` with fewer than two coders, with no units, or for a label no unit has;
    ValueError for malformed units (bad tuple, offsets outside the continuum, overlaps).
    """
    observed, expected, labels = _category_disagreements(units, begin, length, coders)
    if category is None:
        d_o, d_e = float(observed.mean()), float(expected.mean())
    else:
        index = _label_index(labels, category)
        d_o, d_e = float(observed[index]), float(expected[index])
    if d_e <= 0.0:
        raise Undefined("u_alpha_no_expected")
    return 1.0 - d_o / d_e


def unitizing_disagreement(
    units: Iterable[tuple[Hashable, int, int, Hashable]],
    begin: int,
    length: int,
    category: Hashable | None = None,
    *,
    coders: Iterable[Hashable] | None = None,
) -> tuple[float, float]:
    """Observed and expected disagreement (D_O, D_E) behind `unitizing_alpha` (Krippendorff
    2004; DKPro Agreement), for one category or averaged over all, with the same arguments."""
    observed, expected, labels = _category_disagreements(units, begin, length, coders)
    if category is None:
        return float(observed.mean()), float(expected.mean())
    index = _label_index(labels, category)
    return float(observed[index]), float(expected[index])


def _label_index(labels: list[Hashable], category: Hashable) -> int:
    for index, label in enumerate(labels):
        if label == category:
            return index
    raise Undefined("u_alpha_label_unused", label=category)


def _offset(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} {value!r} is not a whole number")
    if not isinstance(value, numbers.Integral) and not float(value).is_integer():
        raise ValueError(f"{what} {value!r} is not a whole number")
    return int(value)


def _positions(column: Sequence[Any], what: str) -> np.ndarray:
    """Integer offsets as int64, checked as a whole (one unit at a time only on error)."""
    array = np.asarray(column)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.floor(array)).all():
        return array.astype(np.int64)
    return np.array(
        [_offset(value, f"unit {number}: {what}") for number, value in enumerate(column)],
        dtype=np.int64,
    )


def _parse(
    units: Iterable[Any], begin: int, length: int, coders: Iterable[Hashable] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Hashable], int]:
    begin = _offset(begin, "begin")
    length = _offset(length, "length")
    if length <= 0:
        raise ValueError(f"the continuum length must be positive; got {length}")
    coder_index: dict[Hashable, int] = {}
    closed = coders is not None
    if coders is not None:
        for coder in coders:
            coder_index.setdefault(coder, len(coder_index))
    rows = list(units)
    for number, unit in enumerate(rows):
        if not isinstance(unit, tuple | list) or len(unit) != 4:
            raise ValueError(
                f"unit {number} is {unit!r}: expected a (coder, start, end, label) tuple"
            )
    coder_col, start_col, end_col, label_col = zip(*rows, strict=True) if rows else ([],) * 4
    start = _positions(start_col, "start") - begin
    end = _positions(end_col, "end") - begin
    outside = np.flatnonzero(~((start >= 0) & (start < end) & (end <= length)))
    if outside.size:
        number = int(outside[0])
        raise ValueError(
            f"unit {number} spans [{start[number] + begin}, {end[number] + begin}), which is "
            f"empty or not inside the continuum [{begin}, {begin + length})"
        )
    label_index: dict[Hashable, int] = {}
    try:
        label_codes = [label_index.setdefault(label, len(label_index)) for label in label_col]
    except TypeError:
        raise ValueError("unit labels must be hashable (strings, numbers, ...)") from None
    if None in label_index:
        number = list(label_col).index(None)
        raise ValueError(f"unit {number} has no label (None stands for the gaps)")
    if closed:
        coder_codes = [coder_index.get(name, -1) for name in coder_col]
        if -1 in coder_codes:
            number = coder_codes.index(-1)
            raise ValueError(f"unit {number} names coder {coder_col[number]!r}, not in `coders`")
    else:
        coder_codes = [coder_index.setdefault(name, len(coder_index)) for name in coder_col]
    n_coders = len(coder_index)
    if n_coders < 2:
        raise Undefined("u_alpha_too_few_coders", n=n_coders)
    if not rows:
        raise Undefined("no_units")
    cat_array = np.array(label_codes, dtype=np.int64)
    coder_array = np.array(coder_codes, dtype=np.int64)
    order = np.lexsort((start, coder_array, cat_array))
    cat, coder, start, end = cat_array[order], coder_array[order], start[order], end[order]
    same = (cat[1:] == cat[:-1]) & (coder[1:] == coder[:-1])
    clash = np.flatnonzero(same & (start[1:] < end[:-1]))
    if clash.size:
        i = int(clash[0])
        names = {v: k for k, v in coder_index.items()}
        labels = list(label_index)
        raise ValueError(
            f"coder {names[int(coder[i])]!r} has overlapping units of label "
            f"{labels[int(cat[i])]!r} at [{start[i] + begin}, {end[i] + begin}) and "
            f"[{start[i + 1] + begin}, {end[i + 1] + begin}): a coder's units of one label "
            "must not overlap"
        )
    return cat, coder, start, end, list(label_index), n_coders


def _category_disagreements(
    units: Iterable[Any], begin: int, length: int, coders: Iterable[Hashable] | None
) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    cat, coder, start, end, labels, n_coders = _parse(units, begin, length, coders)
    size = _offset(length, "length")
    observed = _observed(cat, coder, start, end, len(labels), n_coders, size)
    expected = _expected(cat, coder, start, end, len(labels), n_coders, size)
    return observed, expected, labels


def _observed(
    cat: np.ndarray,
    coder: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    n_labels: int,
    n_coders: int,
    size: int,
) -> np.ndarray:
    """D_O per category. Units are sorted by (category, coder, start) and do not overlap
    within a (category, coder) block, so both starts and ends are sorted inside a block and
    the units of coder b overlapping a unit x form one run, found by two binary searches."""
    stride = size + 1
    block = cat * n_coders + coder
    start_key = block * stride + start
    end_key = block * stride + end
    count_units = len(start)
    query = np.repeat(np.arange(count_units), n_coders)
    other = np.tile(np.arange(n_coders), count_units)
    keep = other != coder[query]
    query, other = query[keep], other[keep]
    target = (cat[query] * n_coders + other) * stride
    low = np.searchsorted(end_key, target + start[query], side="right")
    high = np.searchsorted(start_key, target + end[query], side="left")
    overlaps = high - low
    lengths = (end - start).astype(np.float64)
    # A unit that overlaps none of the other coder's units lies inside one of their gaps.
    alone = overlaps == 0
    total = np.zeros(n_labels)
    total += np.bincount(cat[query[alone]], weights=lengths[query[alone]] ** 2, minlength=n_labels)
    # Overlapping unit pairs, each unordered coder pair once (coder < other).
    pick = (overlaps > 0) & (other > coder[query])
    runs, first = overlaps[pick], low[pick]
    if runs.size:
        left = np.repeat(query[pick], runs)
        steps = np.arange(int(runs.sum())) - np.repeat(np.cumsum(runs) - runs, runs)
        right = np.repeat(first, runs) + steps
        d2 = (start[left] - start[right]).astype(np.float64) ** 2
        d2 += (end[left] - end[right]).astype(np.float64) ** 2
        total += np.bincount(cat[left], weights=d2, minlength=n_labels)
    return 2.0 * total / (n_coders * (n_coders - 1) * float(size) ** 2)


def _expected(
    cat: np.ndarray,
    coder: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    n_labels: int,
    n_coders: int,
    size: int,
) -> np.ndarray:
    """D_E per category, from all units of the category and every coder's gaps."""
    stride = size + 1
    lengths = end - start
    same = (cat[1:] == cat[:-1]) & (coder[1:] == coder[:-1])
    first = np.concatenate(([True], ~same))
    last = np.concatenate((~same, [True]))
    gap_length = np.concatenate(((start[1:] - end[:-1])[same], start[first], size - end[last]))
    gap_cat = np.concatenate((cat[1:][same], cat[first], cat[last]))
    positive = gap_length > 0
    gap_length, gap_cat = gap_length[positive], gap_cat[positive]
    # Coders with no unit of a category have one gap as long as the continuum.
    absent = n_coders - np.bincount(cat[first], minlength=n_labels)
    gap_key = gap_cat * stride + gap_length
    order = np.argsort(gap_key, kind="stable")
    gap_key = gap_key[order]
    cumulative = np.concatenate(([0.0], np.cumsum(gap_length[order], dtype=np.float64)))
    low = np.searchsorted(gap_key, cat * stride + lengths, side="left")
    high = np.searchsorted(gap_key, (cat + 1) * stride, side="left")
    l = lengths.astype(np.float64)  # noqa: E741 - the paper's l
    fitting = (cumulative[high] - cumulative[low]) - (l - 1.0) * (high - low)
    fitting += absent[cat] * (size - l + 1.0)
    per_category = np.bincount(cat, minlength=n_labels).astype(np.float64)
    term = (per_category[cat] - 1.0) * (2.0 * l**3 - 3.0 * l**2 + l) / 3.0 + l**2 * fitting
    numerator = np.bincount(cat, weights=term, minlength=n_labels) * (2.0 / size)
    squared = np.bincount(cat, weights=l * (l - 1.0), minlength=n_labels)
    all_positions = float(n_coders) * size
    return numerator / (all_positions * (all_positions - 1.0) - squared)
