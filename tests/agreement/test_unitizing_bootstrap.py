"""Document-level bootstrap interval for u-alpha (resampling documents, Field & Welsh 2007)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.agreement import Interval, Undefined, bootstrap_unitizing_alpha, unitizing_alpha
from app.agreement.unitizing_bootstrap import resampled_continuum, unitizing_replicates


def study(n_docs: int = 12, n_coders: int = 5, spans: int = 4, labels: str = "abc",
          seed: int = 1, longest: int = 40, length: int = 300):
    """Coders who mark most of a document's true spans, each boundary a few characters off,
    now and then missing one or skipping a document's label altogether."""
    rng = np.random.default_rng(seed)
    documents = []
    for _ in range(n_docs):
        size = int(rng.integers(length // 2, length))
        truth = []
        for _ in range(spans):
            start = int(rng.integers(0, size - longest))
            truth.append((start, start + int(rng.integers(1, longest)),
                          labels[int(rng.integers(len(labels)))]))
        units = []
        for coder in range(n_coders):
            if rng.random() < 0.15:
                continue
            taken: dict[str, list[tuple[int, int]]] = {}
            for start, end, label in truth:
                if rng.random() < 0.2:
                    continue
                s = max(0, start + int(rng.integers(-3, 4)))
                e = min(size, max(s + 1, end + int(rng.integers(-3, 4))))
                if any(s < b and a < e for a, b in taken.get(label, [])):
                    continue
                taken.setdefault(label, []).append((s, e))
                units.append((f"c{coder}", s, e, label))
        documents.append((size, units))
    return documents, [f"c{coder}" for coder in range(n_coders)]


def direct(documents, coders, copies, label=None):
    units, length = resampled_continuum(documents, copies)
    try:
        return unitizing_alpha(units, 0, length, label, coders=coders)
    except Undefined:
        return math.nan


def assert_fast_path_is_exact(documents, coders, weights):
    labels, fast = unitizing_replicates(documents, coders, weights)
    for row, copies in zip(fast, weights.astype(int), strict=True):
        for value, label in zip(row, [None, *labels], strict=True):
            expected = direct(documents, coders, copies, label)
            if math.isnan(expected):
                assert math.isnan(value), (copies, label)
            else:
                assert value == pytest.approx(expected, abs=1e-9), (copies, label)


def test_a_hand_checkable_resample_is_u_alpha_over_the_drawn_documents():
    # Two one-line documents; the resample draws the second twice and the first not at all,
    # so its continuum is "bbbbbbbbbb" + "bbbbbbbbbb": x marks [2, 5) and [12, 15), y marks
    # [3, 5) and [13, 15).
    documents = [(10, [("x", 0, 4, "L"), ("y", 0, 3, "L")]),
                 (10, [("x", 2, 5, "L"), ("y", 3, 5, "L")])]
    labels, fast = unitizing_replicates(documents, ["x", "y"], np.array([[0.0, 2.0]]))
    by_hand = unitizing_alpha([("x", 2, 5, "L"), ("y", 3, 5, "L"), ("x", 12, 15, "L"),
                               ("y", 13, 15, "L")], 0, 20, coders=["x", "y"])
    assert labels == ["L"]
    assert fast[0, 0] == pytest.approx(by_hand, abs=1e-12)
    assert fast[0, 1] == pytest.approx(by_hand, abs=1e-12)


def test_every_resample_equals_the_direct_computation():
    documents, coders = study()
    rng = np.random.default_rng(3)
    weights = rng.multinomial(len(documents), np.full(len(documents), 1 / len(documents)),
                              size=40).astype(float)
    assert_fast_path_is_exact(documents, coders, np.vstack([np.ones(len(documents)), weights]))


def test_edges_equal_the_direct_computation():
    # Units at a document's first and last character, units that touch, empty documents,
    # a coder who marked nothing, a label only one coder used, documents drawn many times:
    # the gaps that join documents are the part of the fast path that depends on the draw.
    documents = [(10, [("x", 0, 3, "a"), ("x", 3, 10, "a"), ("y", 0, 10, "a"),
                       ("y", 2, 4, "b")]),
                 (0, []), (5, []),
                 (8, [("x", 7, 8, "b"), ("z", 0, 8, "b"), ("y", 1, 2, "a")]),
                 (3, [("z", 0, 1, "a"), ("z", 2, 3, "a"), ("x", 0, 3, "c")])]
    weights = np.array([[1, 1, 1, 1, 1], [2, 0, 1, 1, 1], [0, 3, 0, 1, 1], [1, 0, 0, 3, 1],
                        [5, 0, 0, 0, 0], [0, 1, 3, 0, 1], [0, 0, 0, 0, 5], [0, 1, 0, 0, 4],
                        [3, 0, 0, 2, 0]], dtype=float)
    assert_fast_path_is_exact(documents, ["x", "y", "z", "w"], weights)


def test_long_units_and_short_documents_equal_the_direct_computation():
    # Units as long as the documents make every joining gap shorter than the longest unit.
    documents, coders = study(n_docs=8, spans=3, longest=30, length=70, seed=5)
    rng = np.random.default_rng(9)
    weights = rng.multinomial(8, np.full(8, 1 / 8), size=30).astype(float)
    assert_fast_path_is_exact(documents, coders, weights)


def test_the_seed_makes_it_repeatable():
    documents, coders = study(n_docs=30)
    first = bootstrap_unitizing_alpha(documents, coders, samples=200, seed=4)
    assert first == bootstrap_unitizing_alpha(documents, coders, samples=200, seed=4)
    other = bootstrap_unitizing_alpha(documents, coders, samples=200, seed=5)
    assert first[None] != other[None]


def test_a_realistic_study_brackets_its_estimate_overall_and_per_label():
    documents, coders = study(n_docs=40, n_coders=8, spans=8)
    intervals = bootstrap_unitizing_alpha(documents, coders, samples=500, seed=1)
    units = [(c, s, e, lab) for c, s, e, lab in resampled_continuum(
        documents, [1] * len(documents))[0]]
    length = sum(size for size, _ in documents)
    assert set(intervals) == {None, "a", "b", "c"}
    for key, interval in intervals.items():
        assert isinstance(interval, Interval)
        assert interval.estimate == pytest.approx(
            unitizing_alpha(units, 0, length, key, coders=coders), abs=1e-12)
        assert interval.low < interval.estimate < interval.high
        assert interval.high - interval.low < 0.3
        assert (interval.samples + interval.skipped, interval.level) == (500, 0.95)


def test_more_documents_give_a_narrower_interval():
    documents, coders = study(n_docs=160, seed=2)
    widths = []
    for n in (30, 160):
        interval = bootstrap_unitizing_alpha(documents[:n], coders, samples=300, seed=1)[None]
        widths.append(interval.high - interval.low)
    assert widths[1] < 0.7 * widths[0]


def test_a_label_no_resample_defines_is_undefined_and_the_others_stand():
    # Only x ever marks "b": the label's alpha exists (x against y's gap), but with one coder
    # of two marking, the bootstrap still gives an interval; a study with no unit has none.
    documents = [(10, [("x", 0, 4, "a"), ("y", 1, 4, "a"), ("x", 6, 8, "b")])] * 3
    intervals = bootstrap_unitizing_alpha(documents, ["x", "y"], samples=50, seed=1)
    assert isinstance(intervals["b"], Interval)
    with pytest.raises(Undefined):
        bootstrap_unitizing_alpha([(10, [])], ["x", "y"], samples=10)


@pytest.mark.parametrize("bad", [
    {"samples": 0}, {"samples": True}, {"confidence": 1.0},
    {"documents": [(5, [("x", 3, 7, "a")])]}, {"documents": [(5, [("x", 1, 2)])]},
])
def test_bad_input_is_refused(bad):
    arguments = {"documents": [(5, [("x", 0, 2, "a"), ("y", 1, 2, "a")])], "samples": 10,
                 **bad}
    with pytest.raises(ValueError):
        bootstrap_unitizing_alpha(arguments.pop("documents"), ["x", "y"], **arguments)
