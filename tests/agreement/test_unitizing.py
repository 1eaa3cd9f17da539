"""Krippendorff's u-alpha: published examples, hand-worked cases, and a literal reference."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.agreement import Undefined, unitizing_alpha, unitizing_disagreement

# Krippendorff (2004), Content Analysis, 2nd ed., p. 254 (the example DKPro Agreement's
# Krippendorff2004Test builds): observers i and j on the continuum [150, 450).
KRIPPENDORFF_2004 = [
    ("i", 225, 295, "c"),
    ("i", 370, 400, "c"),
    ("j", 220, 300, "c"),
    ("j", 355, 375, "c"),
    ("j", 400, 420, "c"),
    ("i", 180, 240, "k"),
    ("i", 300, 350, "k"),
    ("j", 180, 240, "k"),
    ("j", 300, 350, "k"),
]


def test_krippendorff_2004_example_gives_the_published_overall_and_category_values():
    assert unitizing_alpha(KRIPPENDORFF_2004, 150, 300) == pytest.approx(0.8591, abs=5e-4)
    d_o, d_e = unitizing_disagreement(KRIPPENDORFF_2004, 150, 300, "c")
    assert (d_o, d_e) == (pytest.approx(0.0144, abs=1e-4), pytest.approx(0.0532, abs=1e-4))
    assert unitizing_alpha(KRIPPENDORFF_2004, 150, 300, "c") == pytest.approx(0.7286, abs=1e-4)
    d_o, d_e = unitizing_disagreement(KRIPPENDORFF_2004, 150, 300, "k")
    assert (d_o, d_e) == (0.0, pytest.approx(0.0490, abs=1e-4))
    assert unitizing_alpha(KRIPPENDORFF_2004, 150, 300, "k") == 1.0


def test_krippendorff_2004_observed_disagreement_is_the_sum_of_the_worked_distances():
    # Category c: overlapping pairs (225-295 vs 220-300) 5^2 + 5^2 = 50 and
    # (370-400 vs 355-375) 15^2 + 25^2 = 850; j's 400-420 lies in i's gap: 20^2 = 400.
    # D_O = 2 * 1300 / (R (R - 1) L^2) = 2600 / (2 * 300^2).
    d_o, _ = unitizing_disagreement(KRIPPENDORFF_2004, 150, 300, "c")
    assert d_o == pytest.approx(2600 / (2 * 300**2), abs=1e-15)


def krippendorff_1995(stretch: int) -> list[tuple[int, int, int, str]]:
    """Krippendorff (1995), p. 57: four pairs of coders (A-D) on 24 positions, one category
    per pair, as DKPro Agreement's Krippendorff1995Test encodes it; scaled by `stretch`."""
    spans = {
        "A": [(0, 2, 8), (0, 14, 6), (1, 4, 4), (1, 15, 2)],
        "B": [(0, 0, 18), (1, 0, 2), (1, 2, 1), (1, 3, 1), (1, 4, 1), (1, 5, 1), (1, 6, 3),
              (1, 9, 1)],
        "C": [(0, 2, 6), (0, 10, 2), (0, 14, 4), (0, 20, 2), (1, 0, 2), (1, 4, 4), (1, 10, 4),
              (1, 16, 2), (1, 20, 2)],
        "D": [(0, 0, 2), (0, 2, 8), (0, 10, 4), (0, 14, 6), (0, 20, 4), (1, 0, 4), (1, 4, 4),
              (1, 8, 7), (1, 15, 2), (1, 17, 7)],
    }
    return [
        (coder, offset * stretch, (offset + length) * stretch, label)
        for label, units in spans.items()
        for coder, offset, length in units
    ]


@pytest.mark.parametrize(
    ("label", "observed"),
    [("A", 0.03125), ("B", 2.26736), ("C", 0.02777), ("D", 0.38715)],
)
def test_krippendorff_1995_example_gives_the_published_observed_disagreement(label, observed):
    d_o, _ = unitizing_disagreement(krippendorff_1995(1), 0, 24, label)
    assert d_o == pytest.approx(observed, abs=1e-5)


@pytest.mark.parametrize(
    ("label", "published"), [("A", 0.553), ("B", -0.926), ("C", 0.679), ("D", 0.066)]
)
def test_krippendorff_1995_example_approaches_the_published_alphas_when_finely_digitised(
    label, published
):
    # The 1995 values are for a continuum; the discrete formula approaches them as the
    # positions get finer (DKPro Agreement checks the same to within .02).
    stretch = 50_000
    value = unitizing_alpha(krippendorff_1995(stretch), 0, 24 * stretch, label)
    assert value == pytest.approx(published, abs=0.02)


def test_dkpro_agreement_example_gives_its_published_values():
    # DKPro Agreement's UnitizingAgreementTest: r0 -11111111-, r1 --1-1-1--- over 10 positions.
    units = [(0, 1, 9, "A"), (1, 2, 3, "A"), (1, 4, 5, "A"), (1, 6, 7, "A")]
    d_o, d_e = unitizing_disagreement(units, 0, 10, "A")
    assert d_o == pytest.approx(0.9100, abs=1e-4)
    assert d_e == pytest.approx(0.5351, abs=1e-4)
    assert unitizing_alpha(units, 0, 10, "A") == pytest.approx(-0.7003, abs=1e-4)


def test_hand_worked_case_gives_the_derived_value():
    # Continuum [0, 10), two coders, one label X: A marks [2, 6), B marks [3, 6).
    # Observed: the units overlap: (2 - 3)^2 + (6 - 6)^2 = 1; D_O = 2 * 1 / (2 * 1 * 10^2)
    #   = 1/100.
    # Expected: N = 2 units, lengths 4 and 3; sum l (l - 1) = 12 + 6 = 18.
    #   Gaps: A [0,2) = 2 and [6,10) = 4; B [0,3) = 3 and [6,10) = 4.
    #   l = 4: (N - 1)(2*64 - 3*16 + 4)/3 = 84/3 = 28; gaps >= 4: 4, 4 -> 16 * (1 + 1) = 32.
    #   l = 3: (2*27 - 3*9 + 3)/3 = 10; gaps >= 3: 4, 3, 4 -> 9 * (2 + 1 + 2) = 45.
    #   D_E = (2/10) * (28 + 32 + 10 + 45) / (2*10*(2*10 - 1) - 18) = 23 / 362.
    # alpha = 1 - (1/100) / (23/362) = 1 - 362/2300 = 969/1150.
    units = [("A", 2, 6, "X"), ("B", 3, 6, "X")]
    d_o, d_e = unitizing_disagreement(units, 0, 10)
    assert d_o == pytest.approx(1 / 100, abs=1e-15)
    assert d_e == pytest.approx(23 / 362, abs=1e-15)
    assert unitizing_alpha(units, 0, 10) == pytest.approx(969 / 1150, abs=1e-12)
    assert unitizing_alpha(units, 0, 10, "X") == pytest.approx(969 / 1150, abs=1e-12)


def test_identical_unitizations_give_one_overall_and_per_category():
    marks = [(2, 9, "claim"), (12, 20, "rhetoric"), (15, 18, "claim"), (30, 44, "claim")]
    units = [(coder, start, end, label) for coder in "abc" for start, end, label in marks]
    assert unitizing_alpha(units, 0, 50) == 1.0
    assert unitizing_alpha(units, 0, 50, "claim") == 1.0
    assert unitizing_alpha(units, 0, 50, "rhetoric") == 1.0


def test_overall_value_averages_observed_and_expected_disagreement_over_categories():
    d_o_c, d_e_c = unitizing_disagreement(KRIPPENDORFF_2004, 150, 300, "c")
    d_o_k, d_e_k = unitizing_disagreement(KRIPPENDORFF_2004, 150, 300, "k")
    overall = 1 - ((d_o_c + d_o_k) / 2) / ((d_e_c + d_e_k) / 2)
    assert unitizing_alpha(KRIPPENDORFF_2004, 150, 300) == pytest.approx(overall, abs=1e-15)


def test_moving_the_continuum_moves_nothing():
    moved = [(c, s + 1000, e + 1000, label) for c, s, e, label in KRIPPENDORFF_2004]
    assert unitizing_alpha(moved, 1150, 300) == pytest.approx(
        unitizing_alpha(KRIPPENDORFF_2004, 150, 300), abs=1e-15
    )


def test_a_coder_who_marked_nothing_counts_when_named():
    units = [("ann", 2, 6, "X"), ("bob", 3, 6, "X")]
    with_carl = unitizing_alpha(units, 0, 10, coders=["ann", "bob", "carl"])
    assert with_carl < unitizing_alpha(units, 0, 10)
    reference = _reference([(0, 2, 6, "X"), (1, 3, 6, "X")], 0, 10, 3)
    assert with_carl == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ([("a", 0, 5, "X"), ("a", 4, 8, "X"), ("b", 0, 5, "X")], "overlap"),
        ([("a", 0, 11, "X"), ("b", 0, 5, "X")], "inside the continuum"),
        ([("a", 3, 3, "X"), ("b", 0, 5, "X")], "empty"),
        ([("a", 0, 5), ("b", 0, 5, "X")], "tuple"),
        ([("a", 0.5, 5, "X"), ("b", 0, 5, "X")], "whole number"),
        ([("a", 0, 5, None), ("b", 0, 5, "X")], "no label"),
    ],
    ids=["overlap", "outside", "empty-unit", "short-tuple", "fraction", "no-label"],
)
def test_malformed_units_raise_value_error(units, message):
    with pytest.raises(ValueError, match=message) as caught:
        unitizing_alpha(units, 0, 10)
    assert not isinstance(caught.value, Undefined)


def test_units_of_different_labels_may_overlap_and_coders_must_be_listed_when_named():
    units = [("a", 0, 5, "X"), ("a", 2, 8, "Y"), ("b", 0, 5, "X"), ("b", 2, 8, "Y")]
    assert unitizing_alpha(units, 0, 10) == 1.0
    with pytest.raises(ValueError, match="not in `coders`"):
        unitizing_alpha(units, 0, 10, coders=["a"])
    with pytest.raises(ValueError, match="positive"):
        unitizing_alpha(units, 0, 0)


# --- a literal port of DKPro Agreement's sweep, in exact fractions, as the reference ----------


def _distance(o1, l1, c1, o2, l2, c2):
    begin_diff, length_diff = o1 - o2, l1 - l2
    if c1 is not None and c2 is not None and -l1 < begin_diff < l2:
        return begin_diff**2 + (begin_diff + length_diff) ** 2
    if c1 is not None and c2 is None and -length_diff >= begin_diff >= 0:
        return l1 * l1
    if c1 is None and c2 is not None and -length_diff <= begin_diff <= 0:
        return l2 * l2
    return 0


def _find_next(iterator, rater, category):
    for unit in iterator:
        if unit[3] == category and unit[0] == rater:
            return unit
    return None


def _reference_category(units, begin, length, raters, category):
    ordered = sorted(units, key=lambda u: (u[1], u[2] - u[1], u[0]))
    b, size, r = begin, length, raters
    observed = 0
    for r1 in range(r):
        for r2 in range(r1 + 1, r):
            it1, it2 = iter(ordered), iter(ordered)
            next1, next2 = _find_next(it1, r1, category), _find_next(it2, r2, category)
            off1 = off2 = b
            len1 = len2 = 0
            cat1 = cat2 = None
            pos = b
            while pos < b + size and (next1 is not None or next2 is not None):
                if pos == off1 + len1:
                    if next1 is not None and pos == next1[1]:
                        len1, cat1 = next1[2] - next1[1], next1[3]
                        next1 = _find_next(it1, r1, category)
                    else:
                        len1, cat1 = (next1[1] if next1 is not None else b + size) - pos, None
                    off1 = pos
                if pos == off2 + len2:
                    if next2 is not None and pos == next2[1]:
                        len2, cat2 = next2[2] - next2[1], next2[3]
                        next2 = _find_next(it2, r2, category)
                    else:
                        len2, cat2 = (next2[1] if next2 is not None else b + size) - pos, None
                    off2 = pos
                observed += _distance(off1, len1, cat1, off2, len2, cat2)
                pos = min(off1 + len1, off2 + len2)
    d_o = Fraction(2 * observed, r * (r - 1) * size * size)
    mine = [u for u in ordered if u[3] == category]
    count = len(mine)
    squared = sum((u[2] - u[1]) * (u[2] - u[1] - 1) for u in mine)
    gaps = []
    for rater in range(r):
        iterator = iter(ordered)
        upcoming = _find_next(iterator, rater, category)
        offset, stretch, pos = b, 0, b
        while pos < b + size:
            if pos == offset + stretch:
                if upcoming is not None and pos == upcoming[1]:
                    stretch = upcoming[2] - upcoming[1]
                    upcoming = _find_next(iterator, rater, category)
                else:
                    stretch = (upcoming[1] if upcoming is not None else b + size) - pos
                    gaps.append(stretch)
                offset = pos
            pos = offset + stretch
    total = Fraction(0)
    for unit in mine:
        l = unit[2] - unit[1]  # noqa: E741
        total += Fraction((count - 1) * (2 * l**3 - 3 * l**2 + l), 3)
        total += l * l * sum(g - l + 1 for g in gaps if g >= l)
    d_e = total * Fraction(2, size) / (r * size * (r * size - 1) - squared)
    return d_o, d_e


def _reference(units, begin, length, raters, category=None):
    labels = sorted({u[3] for u in units})
    pairs = [_reference_category(units, begin, length, raters, c) for c in labels]
    if category is not None:
        d_o, d_e = pairs[labels.index(category)]
    else:
        d_o = sum(p[0] for p in pairs) / len(pairs)
        d_e = sum(p[1] for p in pairs) / len(pairs)
    return float(1 - d_o / d_e)


@st.composite
def unitizations(draw):
    size = draw(st.integers(4, 40))
    begin = draw(st.integers(-5, 5))
    raters = draw(st.integers(2, 4))
    units = []
    for rater in range(raters):
        for label in ("a", "b"):
            cuts = sorted(set(draw(st.lists(st.integers(1, size - 1), max_size=6))))
            bounds = [0, *cuts, size]
            for start, end in zip(bounds, bounds[1:], strict=False):
                if draw(st.booleans()):
                    units.append((rater, begin + start, begin + end, label))
    return units, begin, size, raters


@settings(max_examples=200, deadline=None)
@given(study=unitizations())
def test_vectorised_u_alpha_equals_a_literal_port_of_dkpro_on_random_unitizations(study):
    units, begin, size, raters = study
    if not units:
        return
    coders = list(range(raters))
    assert unitizing_alpha(units, begin, size, coders=coders) == pytest.approx(
        _reference(units, begin, size, raters), abs=1e-9
    )
    for label in {u[3] for u in units}:
        assert unitizing_alpha(units, begin, size, label, coders=coders) == pytest.approx(
            _reference(units, begin, size, raters, label), abs=1e-9
        )


def test_reference_port_reproduces_the_krippendorff_2004_example():
    units = [({"i": 0, "j": 1}[c], s, e, label) for c, s, e, label in KRIPPENDORFF_2004]
    assert _reference(units, 150, 300, 2) == pytest.approx(
        unitizing_alpha(KRIPPENDORFF_2004, 150, 300), abs=1e-12
    )
