"""The most common value does not depend on the order values were counted in."""

from collections import Counter

from app.tally import commonest


def test_a_tie_goes_to_the_smallest_value_in_any_counting_order():
    assert commonest(Counter(["b", "a"])) == commonest(Counter(["a", "b"])) == "a"
    assert commonest(Counter([(5, 9), (1, 4), (5, 9), (1, 4)])) == (1, 4)


def test_the_most_counted_value_wins_over_a_smaller_one():
    assert commonest(Counter(["b", "a", "b"])) == "b"
