"""Coefficients against values published with their data."""

from __future__ import annotations

import pytest

from app.agreement import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from tests.agreement.datasets import (
    FLEISS_1971_DIAGNOSES,
    GWET_BEN_GERRY,
    GWET_RAW_4_RATERS,
    GWET_RAW_5_OBSERVERS,
    KRIPPENDORFF_2011,
    WIKIPEDIA_FLEISS_TABLE,
    from_count_table,
    transpose,
)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example_gives_the_published_alpha_at_each_level(level, published):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == published


def test_krippendorff_2011_nominal_alpha_is_the_exact_fraction_of_the_paper():
    # The paper's nominal computation: n = 40 pairable values with n_c = 9, 13, 10, 5, 3 and
    # the diagonal of the coincidence matrix summing to 32, so
    # alpha = [(n - 1) sum o_cc - sum n_c (n_c - 1)] / [n (n - 1) - sum n_c (n_c - 1)]
    #       = (39 * 32 - (72 + 156 + 90 + 20 + 6)) / (40 * 39 - 344) = 904 / 1216 = .743
    assert krippendorff_alpha(KRIPPENDORFF_2011) == pytest.approx(904 / 1216, abs=1e-12)


def test_fleiss_1971_table_1_gives_kappa_430():
    data = transpose(FLEISS_1971_DIAGNOSES)  # 6 raters x 30 subjects
    kappa = fleiss_kappa(data)
    assert round(kappa, 3) == 0.430
    assert kappa == pytest.approx(0.4302445, abs=1e-7)  # R irr::kappam.fleiss(diagnoses)


def test_wikipedia_fleiss_worked_example_gives_kappa_210():
    assert round(fleiss_kappa(from_count_table(WIKIPEDIA_FLEISS_TABLE)), 3) == 0.210


@pytest.mark.parametrize(
    ("data", "pa", "fleiss", "ac1"),
    [
        (GWET_RAW_4_RATERS, 0.818, 0.761, 0.775),
        (GWET_RAW_5_OBSERVERS, 0.616, 0.458, 0.497),
        (GWET_BEN_GERRY, 0.727, 0.649, 0.661),
    ],
    ids=["raw4raters", "raw5obser", "ben_gerry"],
)
def test_irrcac_examples_with_missing_ratings_give_gwets_published_values(data, pa, fleiss, ac1):
    assert round(percent_agreement(data), 3) == pa
    assert round(fleiss_kappa(data), 3) == fleiss
    assert round(gwet_ac1(data), 3) == ac1


def test_gwet_ac1_matches_a_hand_computation():
    # 3 raters, 4 items, categories a/b; item 4 has a single rating.
    #   item 1: a a a   r = (3, 0), r_i = 3: agreeing pairs 3*2/(3*2) = 1
    #   item 2: a a b   r = (2, 1):          (2*1 + 0)/(3*2) = 1/3
    #   item 3: b b -   r = (0, 2):          2*1/(2*1) = 1
    #   item 4: a - -   single rating: not in p_a
    # p_a = (1 + 1/3 + 1) / 3 = 7/9
    # pi_a = mean over the 4 rated items of r_ia / r_i = (1 + 2/3 + 0 + 1) / 4 = 2/3
    # pi_b = 1/3; q = 2: p_e = (2/3 * 1/3 + 1/3 * 2/3) / (2 - 1) = 4/9
    # AC1 = (7/9 - 4/9) / (1 - 4/9) = (3/9) / (5/9) = 3/5
    data = [["a", "a", "b", "a"], ["a", "a", "b", None], ["a", "b", None, None]]
    assert gwet_ac1(data) == pytest.approx(3 / 5, abs=1e-12)
    # Fleiss with the same pi: p_e = 4/9 + 1/9 = 5/9, kappa = (7/9 - 5/9) / (4/9) = 1/2.
    assert fleiss_kappa(data) == pytest.approx(1 / 2, abs=1e-12)
    assert percent_agreement(data) == pytest.approx(7 / 9, abs=1e-12)


def test_cohen_kappa_textbook_two_by_two_gives_040():
    # Wikipedia "Cohen's kappa", 50 grant proposals: both yes 20, A yes/B no 5, A no/B yes 10,
    # both no 15. p_o = 35/50 = .7; A says yes 25/50, B 30/50: p_e = .5*.6 + .5*.4 = .5;
    # kappa = (.7 - .5) / (1 - .5) = 0.4.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa([a, b]) == pytest.approx(0.4, abs=1e-12)
    # Scott's pi pools the shares: yes = 55/100, p_e = .55^2 + .45^2 = .505,
    # pi = (.7 - .505) / (1 - .505) = .195 / .495.
    assert scott_pi([a, b]) == pytest.approx(0.195 / 0.495, abs=1e-12)


# Krippendorff (1995), "On the reliability of unitizing contiguous data", p. 57, example A:
# Bertha's and Bill's unitizations digitised into 24 binary units. Published: Cohen's kappa
# .385, Scott's pi .314, alpha .329 (the same figures DKPro Agreement tests against).
BERTHA = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
BILL = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_krippendorff_1995_digitised_example_gives_published_kappa_pi_and_alpha():
    data = [BERTHA, BILL]
    assert round(cohen_kappa(data), 3) == 0.385
    assert round(scott_pi(data), 3) == 0.314
    assert round(krippendorff_alpha(data), 3) == 0.329


def test_gwet_ac1_counts_the_categories_offered_when_given():
    # 3 coders, 10 items, 2 of 6 categories in use (Gwet 2008: q is the number of
    # categories to choose from): p_a = 13/15 either way, p_e = 2 pi (1 - pi) / (q - 1).
    data = [[0, 0, 0, 1, 0, 0, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 1, 1, 0, 0, 0]]
    pi = 8 / 30
    for q, expected in ((None, 0.781), (2, 0.781), (6, 0.855)):
        chance = 2 * pi * (1 - pi) / ((q or 2) - 1)
        value = gwet_ac1(data, categories=q)
        assert value == pytest.approx((13 / 15 - chance) / (1 - chance), abs=1e-12)
        assert round(value, 3) == expected
    # One category in use out of three offered: chance agreement is 0, AC1 = p_a.
    assert gwet_ac1([[1, 1, 1], [1, 1, 1]], categories=3) == 1.0
    with pytest.raises(ValueError, match="categories"):
        gwet_ac1(data, categories=1)
