"""Mathet's gamma: the paper's definitions worked by hand, the alignment, and its inputs."""

from __future__ import annotations

import importlib
import threading

import numpy as np
import pytest

from app.agreement import GammaResult, Undefined, gamma

# The module, which the package's function of the same name hides.
gamma_module = importlib.import_module("app.agreement.gamma")


def test_two_overlapping_units_align_with_the_papers_positional_dissimilarity():
    # d_pos = ((|0 - 5| + |10 - 15|) / (10 + 10))^2 = 0.25, same label: d = 0.25. Two
    # annotators have one pair, so the unitary disorder is 0.25; one unit each: divided by 1.
    result = gamma([("a", 0, 10, "x"), ("b", 5, 15, "x")], seed=0)
    assert result.observed_disorder == pytest.approx(0.25)
    assert [u.units for u in result.alignment] == [(0, 1)]


def test_units_too_far_apart_stay_alone_each_against_the_empty_unit():
    # d = ((20 + 20) / 20)^2 = 4: pairing costs 4, two singletons 1 + 1 (delta_empty each).
    result = gamma([("a", 0, 10, "x"), ("b", 20, 30, "x")], seed=0)
    assert result.observed_disorder == pytest.approx(2.0)
    assert {u.units for u in result.alignment} == {(0, None), (None, 1)}
    assert all(u.disorder == pytest.approx(1.0) for u in result.alignment)


def test_a_label_difference_adds_beta_and_a_matrix_can_soften_it():
    units = [("a", 0, 10, "claim"), ("b", 0, 10, "opinion")]
    assert gamma(units, seed=0).observed_disorder == pytest.approx(1.0)
    matrix = (["claim", "opinion"], [[0.0, 0.5], [0.5, 0.0]])
    assert gamma(units, categorical=matrix, seed=0).observed_disorder == pytest.approx(0.5)
    assert gamma(units, beta=0.0, seed=0).observed_disorder == 0.0


def test_three_annotators_average_over_all_three_pairs_empty_pairs_included():
    # a and b mark the same unit, c marks nothing: pairs (a, b) = 0, (a, c) = (b, c) = 1;
    # disorder 2/3 over 2/3 units per annotator = 1.
    result = gamma([("a", 0, 10, "x"), ("b", 0, 10, "x")], annotators=["a", "b", "c"], seed=0)
    assert result.annotators == ("a", "b", "c")
    assert result.observed_disorder == pytest.approx(1.0)


def test_identical_annotations_give_one():
    units = [(coder, s, s + 7, label) for coder in "abc"
             for s, label in ((0, "x"), (20, "y"), (50, "x"))]
    result = gamma(units, seed=1)
    assert result.gamma == 1.0 and result.observed_disorder == 0.0
    assert result.expected_disorder > 0


def test_the_alignment_covers_every_unit_once_and_its_disorders_add_up():
    rng = np.random.default_rng(5)
    units = [(f"c{c}", int(s), int(s) + int(rng.integers(2, 30)), f"l{rng.integers(0, 3)}")
             for c in range(4) for s in rng.integers(0, 300, 8)]
    result = gamma(units, seed=2)
    seen = sorted(i for u in result.alignment for i in u.units if i is not None)
    assert seen == list(range(len(units)))
    for u in result.alignment:
        for position, index in enumerate(u.units):
            assert index is None or units[index][0] == result.annotators[position]
    per_annotator = len(units) / 4
    total = sum(u.disorder for u in result.alignment)
    assert result.observed_disorder == pytest.approx(total / per_annotator)


def test_the_seed_makes_the_expected_disorder_reproducible():
    units = [("a", 0, 10, "x"), ("a", 30, 45, "y"), ("b", 2, 11, "x"), ("b", 60, 70, "y")]
    first, again = gamma(units, seed=7), gamma(units, seed=7)
    assert isinstance(first, GammaResult)
    assert first == again
    assert gamma(units, seed=8).expected_disorder != first.expected_disorder


def test_the_sample_size_follows_the_precision_asked_for():
    units = [("a", 0, 10, "x"), ("a", 30, 45, "y"), ("b", 2, 11, "x"), ("b", 60, 70, "y")]
    loose = gamma(units, precision=0.5, seed=3)
    tight = gamma(units, precision=0.02, max_samples=5000, seed=3)
    assert loose.samples == 30
    assert tight.samples > loose.samples and tight.precision <= 0.02
    capped = gamma(units, precision=0.001, max_samples=40, seed=3)
    assert capped.samples == 40 and capped.precision > 0.001


def test_threads_give_the_same_gamma_as_one_thread(monkeypatch):
    rng = np.random.default_rng(11)
    units = [(f"c{c}", int(s), int(s) + int(rng.integers(5, 60)), f"l{rng.integers(0, 3)}")
             for c in range(4) for s in rng.integers(0, 2000, 25)]
    serial = gamma(units, seed=4, precision=0.01, workers=1)
    # Every call goes through a barrier until two threads have met at it: were the continua
    # aligned on one thread only, it would break instead of passing.
    threads, lock = set(), threading.Lock()
    met = threading.Barrier(2, timeout=30)
    aligned = gamma_module.best_alignment

    def on_two_threads(*args):
        with lock:
            first = threading.get_ident() not in threads and len(threads) < 2
            threads.add(threading.get_ident())
        if first:
            met.wait()
        return aligned(*args)

    monkeypatch.setattr(gamma_module, "best_alignment", on_two_threads)
    parallel = gamma(units, seed=4, precision=0.01, workers=2)
    assert len(threads) == 2 and serial.samples > 30
    assert parallel.samples == serial.samples
    assert parallel.expected_disorder == pytest.approx(serial.expected_disorder, abs=1e-12)
    assert parallel.gamma == pytest.approx(serial.gamma, abs=1e-12)
    assert parallel.alignment == serial.alignment


def test_float_offsets_and_overlapping_units_of_one_annotator_are_allowed():
    result = gamma([("a", 0.5, 10.25, "x"), ("a", 5, 12, "y"), ("b", 0.5, 10.25, "x")], seed=0)
    assert 0 < result.observed_disorder


@pytest.mark.parametrize(
    ("units", "annotators", "reason"),
    [
        ([("a", 0, 10, "x"), ("a", 20, 30, "x")], None, "two annotators"),
        ([], ["a", "b"], "empty"),
        ([], None, "two annotators"),
    ],
)
def test_gamma_is_undefined_without_two_annotators_or_units(units, annotators, reason):
    with pytest.raises(Undefined, match=reason):
        gamma(units, annotators=annotators)


@pytest.mark.parametrize(
    ("units", "kwargs", "message"),
    [
        ([("a", 5, 5, "x"), ("b", 0, 1, "x")], {}, "start must be before its end"),
        ([("a", 0, "1", "x"), ("b", 0, 1, "x")], {}, "not a finite number"),
        ([("a", 0, float("inf"), "x"), ("b", 0, 1, "x")], {}, "not a finite number"),
        ([("a", 0, 1), ("b", 0, 1, "x")], {}, "tuple"),
        ([("a", 0, 1, None), ("b", 0, 1, "x")], {}, "no label"),
        ([("a", 0, 1, "x"), ("z", 0, 1, "x")], {"annotators": ["a", "b"]}, "not in"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"alpha": 0}, "positive"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"beta": -1}, "negative"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"precision": 1.5}, "precision"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"min_samples": 1}, "min_samples"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"min_samples": 50, "max_samples": 40},
         "below"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "y")], {"categorical": (["x"], [[0.0]])},
         "not in the categorical"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "y")],
         {"categorical": (["x", "y"], [[0.0, 0.5], [0.4, 0.0]])}, "symmetric"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "y")],
         {"categorical": (["x", "y"], [[0.0, 2.0], [2.0, 0.0]])}, r"\[0, 1\]"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "y")], {"categorical": (["x", "y"], [[0.0]])},
         "labels were named"),
        ([("a", 0, 1, "x"), ("b", 0, 1, "x")], {"workers": 0}, "workers"),
    ],
)
def test_malformed_input_is_a_value_error_naming_the_problem(units, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gamma(units, **kwargs)


def test_a_given_executor_aligns_the_same_and_is_left_open():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    units = [(f"c{c}", int(s), int(s) + int(rng.integers(5, 40)), "x")
             for c in range(3) for s in rng.integers(0, 800, 12)]
    own = gamma(units, seed=2, workers=1)
    with ThreadPoolExecutor(2) as pool:
        lent = gamma(units, seed=2, executor=pool)
        assert pool.submit(lambda: 41 + 1).result(timeout=5) == 42  # still open
    assert lent.gamma == pytest.approx(own.gamma, abs=1e-12) and lent.samples == own.samples
