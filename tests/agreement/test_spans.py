"""Pairwise span precision, recall and F1."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.agreement import SpanScores, Undefined, overlap_pairs, span_f1


def test_exact_mode_needs_the_same_start_end_and_label():
    gold = [(0, 5, "claim"), (10, 20, "rhetoric"), (30, 35, "claim")]
    predicted = [(0, 5, "claim"), (10, 19, "rhetoric"), (30, 35, "rhetoric")]
    scores = span_f1(gold, predicted)
    assert scores == SpanScores(
        precision=1 / 3, recall=1 / 3, f1=1 / 3, true_positives=1, predicted=3, gold=3
    )


def test_overlap_mode_needs_the_same_label_and_overlapping_ranges():
    gold = [(0, 5, "claim"), (10, 20, "rhetoric"), (30, 35, "claim")]
    predicted = [(0, 5, "claim"), (10, 19, "rhetoric"), (30, 35, "rhetoric")]
    scores = span_f1(gold, predicted, mode="overlap")
    assert scores.true_positives == 2
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)


def test_touching_half_open_spans_do_not_overlap():
    assert span_f1([(0, 5, "x")], [(5, 9, "x")], mode="overlap").true_positives == 0


def test_overlap_matching_is_one_to_one():
    # Gold [0, 10) overlaps predicted [0, 3) and [2, 10): one of them is matched.
    scores = span_f1([(0, 10, "x")], [(0, 3, "x"), (2, 10, "x")], mode="overlap")
    assert (scores.true_positives, scores.precision, scores.recall) == (1, 0.5, 1.0)
    assert scores.f1 == pytest.approx(2 / 3)
    scores = span_f1([(0, 10, "x"), (8, 12, "x")], [(5, 11, "x")], mode="overlap")
    assert scores.true_positives == 1


def test_overlap_matching_finds_the_most_pairs_not_the_largest_overlap_first():
    # [1, 10) overlaps gold [0, 10) most (9), but it is the only span [9, 12) overlaps:
    # pairing by largest overlap first finds one match, a maximum matching two.
    gold = [(0, 10, "x"), (9, 12, "x")]
    predicted = [(1, 10, "x"), (0, 2, "x")]
    assert span_f1(gold, predicted, mode="overlap").true_positives == 2
    assert span_f1(predicted, gold, mode="overlap").true_positives == 2
    assert sorted(overlap_pairs(gold, predicted)) == [(0, 1), (1, 0)]


def _maximum_matching_by_search(gold, predicted):
    """Kuhn's augmenting paths over every overlapping same-label pair: the oracle."""
    edges = [[j for j, b in enumerate(predicted) if a[2] == b[2] and a[0] < b[1] and b[0] < a[1]]
             for a in gold]
    partner: dict[int, int] = {}

    def augment(i, seen):
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in partner or augment(partner[j], seen):
                    partner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(gold)))


span_lists = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from("xy"))
                      .map(lambda t: (t[0], t[0] + t[1], t[2])), max_size=9)


@settings(max_examples=400, deadline=None)
@given(span_lists, span_lists, st.randoms())
def test_overlap_matching_is_maximum_and_independent_of_order(gold, predicted, random):
    if not gold and not predicted:
        return
    expected = _maximum_matching_by_search(gold, predicted)
    assert span_f1(gold, predicted, mode="overlap").true_positives == expected
    shuffled_gold, shuffled_predicted = list(gold), list(predicted)
    random.shuffle(shuffled_gold)
    random.shuffle(shuffled_predicted)
    assert span_f1(shuffled_gold, shuffled_predicted, "overlap").true_positives == expected
    pairs = overlap_pairs(gold, predicted)
    assert len(pairs) == expected
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
    for i, j in pairs:
        a, b = gold[i], predicted[j]
        assert a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def test_exact_duplicates_match_at_most_once_each():
    scores = span_f1([(0, 5, "x"), (0, 5, "x")], [(0, 5, "x")])
    assert (scores.true_positives, scores.precision, scores.recall) == (1, 1.0, 0.5)


def test_four_tuples_with_a_coder_first_are_accepted_and_the_coder_ignored():
    three = span_f1([(0, 5, "x"), (7, 9, "y")], [(0, 5, "x")])
    four = span_f1([("ann", 0, 5, "x"), ("ann", 7, 9, "y")], [("bob", 0, 5, "x")])
    assert three == four


def test_one_empty_side_scores_zero():
    scores = span_f1([(0, 5, "x")], [])
    assert scores == SpanScores(0.0, 0.0, 0.0, 0, 0, 1)


def test_scores_are_a_frozen_dataclass():
    scores = span_f1([(0, 5, "x")], [(0, 5, "x")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        scores.f1 = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("units", "message"),
    [([(0, 5)], "expected"), ([(5, 5, "x")], "empty"), ([(0.5, 5, "x")], "integer"),
     (["span"], "expected")],
)
def test_malformed_spans_raise_value_error(units, message):
    with pytest.raises(ValueError, match=message):
        span_f1(units, [(0, 5, "x")])


def test_unknown_mode_raises_value_error():
    with pytest.raises(ValueError, match="unknown mode"):
        span_f1([(0, 5, "x")], [(0, 5, "x")], mode="fuzzy")


def test_no_spans_on_either_side_raises_undefined():
    with pytest.raises(Undefined):
        span_f1([], [], mode="overlap")


spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from("xy")).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(a=spans, b=spans, mode=st.sampled_from(["exact", "overlap"]))
def test_swapping_sides_swaps_precision_and_recall_and_keeps_f1(a, b, mode):
    if not a and not b:
        return
    forward, backward = span_f1(a, b, mode), span_f1(b, a, mode)
    assert forward.true_positives == backward.true_positives
    assert (forward.precision, forward.recall) == (backward.recall, backward.precision)
    assert forward.f1 == pytest.approx(backward.f1)
    assert 0.0 <= forward.f1 <= 1.0
    assert span_f1(a, b, "exact").true_positives <= span_f1(a, b, "overlap").true_positives


def test_pairwise_span_f1_equals_span_f1_for_every_pair():
    from app.agreement import Undefined, pairwise_span_f1

    coders = {"a": [(0, 5, "x"), (10, 20, "y")], "b": [(0, 5, "x"), (12, 20, "y")], "c": []}
    for mode in ("exact", "overlap"):
        pairs = pairwise_span_f1(coders, mode)
        assert set(pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
        for (first, second), scores in pairs.items():
            if coders[first] or coders[second]:
                assert scores == span_f1(coders[first], coders[second], mode)
            else:
                assert isinstance(scores, Undefined)
