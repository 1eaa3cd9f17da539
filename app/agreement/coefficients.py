"""Percent agreement and the kappa family for nominal data.

References:
- Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics (ch. 2
  and 4: percent agreement and the generalisation of Fleiss' kappa and AC1 to missing ratings,
  as implemented in Gwet's R package irrCAC: `pa.coeff.raw`, `fleiss.kappa.raw`,
  `gwet.ac1.raw`).
- Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
  Psychological Measurement 20: 37-46.
- Scott, W. A. (1955). Reliability of content analysis: the case of nominal scale coding.
  Public Opinion Quarterly 19: 321-325.
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
  Bulletin 76: 378-382.
- Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of
  high agreement. British Journal of Mathematical and Statistical Psychology 61: 29-48.

Notation (Gwet 2014): r_ik is the number of raters who put item i in category k,
r_i = sum_k r_ik, n the number of items rated at least once, q the number of categories (in use,
or offered, for AC1: see `gwet_ac1`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.agreement._data import Ratings, coerce_ratings, used_counts
from app.agreement._errors import Undefined

__all__ = ["cohen_kappa", "fleiss_kappa", "gwet_ac1", "percent_agreement", "scott_pi"]


def percent_agreement(data: Any) -> float:
    """Percent agreement, Gwet's definition (Handbook of Inter-Rater Reliability, 2014, ch. 2).

    The mean, over items with at least two ratings, of the share of agreeing rater pairs:
    p_a = mean_i sum_k r_ik (r_ik - 1) / (r_i (r_i - 1)). Not chance-corrected. Items with a
    single rating are ignored. Raises `Undefined` when the study is empty or no item has two
    ratings.
    """
    counts, _ = _counts(data)
    return _gwet_pa(counts)


def cohen_kappa(data: Any) -> float:
    """Cohen's kappa for exactly two coders (Cohen 1960).

    kappa = (p_o - p_e) / (1 - p_e), with p_o the share of items on which both coders agree
    and p_e = sum_k p_1k p_2k from each coder's own category shares. Items where either coder
    is missing are dropped. Raises ValueError unless there are exactly two coder rows, and
    `Undefined` when no item has both ratings or both coders used one and the same category
    (p_e = 1, so kappa is 0/0).
    """
    table = _two_coder_table(data, "Cohen's kappa")
    n = float(table.sum())
    first, second = table.sum(axis=1), table.sum(axis=0)
    chance = float(first @ second)  # n^2 p_e
    if chance >= n * n:
        raise Undefined("single_category_kappa")
    agreed = float(np.trace(table))  # n p_o
    return (n * agreed - chance) / (n * n - chance)


def scott_pi(data: Any) -> float:
    """Scott's pi for exactly two coders (Scott 1955).

    pi = (p_o - p_e) / (1 - p_e), with p_e = sum_k pi_k^2 from the category shares pi_k of
    both coders pooled. Items where either coder is missing are dropped. Raises ValueError
    unless there are exactly two coder rows, and `Undefined` when no item has both ratings or
    a single category is in use (p_e = 1).
    """
    table = _two_coder_table(data, "Scott's pi")
    n = float(table.sum())
    pooled = table.sum(axis=1) + table.sum(axis=0)  # 2n pi_k
    chance = float(pooled @ pooled)  # 4 n^2 p_e
    if chance >= 4.0 * n * n:
        raise Undefined("single_category_pi")
    agreed = float(np.trace(table))
    return (4.0 * n * agreed - chance) / (4.0 * n * n - chance)


def fleiss_kappa(data: Any) -> float:
    """Fleiss' kappa (Fleiss 1971) for any number of coders, missing ratings allowed.

    Uses the generalisation to a varying number of raters per item in Gwet's Handbook of
    Inter-Rater Reliability (2014, ch. 2), as irrCAC's `fleiss.kappa.raw` computes it:
    p_a = mean over items with r_i >= 2 of sum_k r_ik (r_ik - 1) / (r_i (r_i - 1));
    pi_k = mean over all n items rated at least once of r_ik / r_i;
    p_e = sum_k pi_k^2; kappa = (p_a - p_e) / (1 - p_e). With every item rated by the same
    number of raters this is Fleiss' (1971) kappa. Raises `Undefined` when the study is empty,
    no item has two ratings, or a single category is in use.
    """
    counts, _ = _counts(data)
    agreement = _gwet_pa(counts)
    shares = _category_shares(counts, "Fleiss' kappa")
    chance = float(shares @ shares)
    return (agreement - chance) / (1.0 - chance)


def gwet_ac1(data: Any, categories: int | None = None) -> float:
    """Gwet's AC1 for nominal data (Gwet 2008; Handbook of Inter-Rater Reliability, 2014).

    AC1 = (p_a - p_e) / (1 - p_e) with p_a as in `fleiss_kappa` and
    p_e = 1 / (q - 1) * sum_k pi_k (1 - pi_k), pi_k the mean over items rated at least once
    of r_ik / r_i: the same missing-data handling as irrCAC's `gwet.ac1.raw`. q is
    `categories`, the number of categories the coders could choose from (Gwet's definition,
    irrCAC's `categ` argument), or, when None, the number of categories in use (irrCAC's
    default without `categ`). Raises `Undefined` when the study is empty, no item has two
    ratings, or q = 1; ValueError when `categories` is fewer than the categories in use.
    """
    counts, _ = _counts(data)
    agreement = _gwet_pa(counts)
    if categories is None:
        shares = _category_shares(counts, "Gwet's AC1")
        q = len(shares)
    else:
        if isinstance(categories, bool) or not isinstance(categories, int | np.integer):
            raise ValueError(f"categories must be a whole number; got {categories!r}")
        q = int(categories)
        if q < counts.shape[1]:
            raise ValueError(f"categories is {q}, but the data use {counts.shape[1]} "
                             "categories: q counts every category a coder could choose")
        if q < 2:
            raise Undefined("single_category_offered")
        shares = _shares(counts)
    chance = float(shares @ (1.0 - shares)) / (q - 1)
    return (agreement - chance) / (1.0 - chance)


def _counts(data: Any) -> tuple[np.ndarray, Ratings]:
    ratings = coerce_ratings(data)
    ratings.require_nonempty()
    counts, _ = used_counts(ratings)
    return counts, ratings


def _gwet_pa(counts: np.ndarray) -> float:
    totals = counts.sum(axis=1)
    keep = totals >= 2
    if not keep.any():
        raise Undefined("no_rater_pairs")
    rows, totals = counts[keep].astype(np.float64), totals[keep].astype(np.float64)
    agreeing = (rows * (rows - 1.0)).sum(axis=1)
    return float(np.mean(agreeing / (totals * (totals - 1.0))))


def _category_shares(counts: np.ndarray, name: str) -> np.ndarray:
    """pi_k: the mean over items rated at least once of r_ik / r_i (irrCAC's pi.vec)."""
    if counts.shape[1] < 2:
        raise Undefined("single_category", name=name)
    return _shares(counts)


def _shares(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1)
    rated = totals >= 1
    return (counts[rated] / totals[rated, np.newaxis]).mean(axis=0)


def _two_coder_table(data: Any, name: str) -> np.ndarray:
    """The q x q contingency table of two coders over the items both rated."""
    ratings = coerce_ratings(data)
    ratings.require_nonempty()
    if ratings.n_coders != 2:
        raise ValueError(
            f"{name} compares exactly two coders; got {ratings.n_coders} coder rows "
            "(use fleiss_kappa, gwet_ac1 or krippendorff_alpha for more)"
        )
    first, second = ratings.codes
    both = (first >= 0) & (second >= 0)
    if not both.any():
        raise Undefined("no_shared_items", name=name)
    size = len(ratings.values)
    keys = first[both] * size + second[both]
    return np.bincount(keys, minlength=size * size).reshape(size, size)
