"""Published reliability data sets used by the tests (one row per coder, None for missing)."""

from __future__ import annotations

N = None

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (A-D) x 12 units, values 1-5, with missing values. Published: nominal .743, ordinal .815,
# interval .849, ratio .797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., p. 120, shipped with irrCAC as
# `cac.raw4raters`: the same ratings as Krippendorff 2011 except that unit 12's single "3" is
# rater 3's. irrCAC gives percent agreement .818, Fleiss' kappa .761 (p_e .239), AC1 .775
# (p_e .190).
GWET_RAW_4_RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, N],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# irrCAC's `cac.raw5obser` (Gwet 2014): 5 observers x 15 units on a 0-3 scale. irrCAC: percent
# agreement .616, Fleiss' kappa .458, AC1 .497.
GWET_RAW_5_OBSERVERS = [
    [1, 1, 2, N, 0, 0, 1, 1, 2, 2, N, 0, 1, 3, 1],
    [1, 1, 3, 0, 0, 0, 0, N, 2, 1, 1, 0, 2, 3, 1],
    [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
    [N, 1, 3, N, N, N, N, 0, N, 1, 0, 0, 2, 2, N],
    [2, N, N, 0, 0, 0, 1, N, 2, N, N, N, N, 3, 1],
]

# irrCAC's `cac.ben.gerry`: 2 raters x 12 units, letter labels, one missing. irrCAC: percent
# agreement .727, Fleiss' kappa .649, AC1 .661.
GWET_BEN_GERRY = [
    ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"],
    ["b", "a", "b", "b", "b", "c", "c", "c", "e", N, "d", "d"],
]

# Fleiss (1971), "Measuring nominal scale agreement among many raters", Table 1: 30 patients,
# each diagnosed by 6 psychiatrists (1 depression, 2 personality disorder, 3 schizophrenia,
# 4 neurosis, 5 other), as the raw `diagnoses` data set of R's irr package (and statsmodels'
# tests) gives it. Column totals 26, 26, 30, 55, 43 (p_j = .144 .144 .167 .306 .239, as in
# the paper); kappa .430 (irr: 0.4302445).
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects x 14 raters, 5 categories, given as
# the number of raters per category. P-bar .378, P_e .213, kappa .210.
WIKIPEDIA_FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def transpose(subject_rows: list[list[int]]) -> list[list[int]]:
    """Subjects x raters into raters x subjects (reliability data)."""
    return [list(column) for column in zip(*subject_rows, strict=True)]


def from_count_table(table: list[list[int]]) -> list[list[int]]:
    """A subjects x categories count table into reliability data (raters x subjects).

    Rater j gets subject i's j-th rating; Fleiss' kappa does not depend on which rater gave
    which rating, only on the counts.
    """
    subjects = []
    for counts in table:
        subjects.append([k for k, count in enumerate(counts) for _ in range(count)])
    return transpose(subjects)
