"""The best alignment is the exact optimum of the paper's 0/1 program: the dynamic program
over pruned candidates against the program over every unitary alignment (nothing pruned),
and against the program over the same candidates on larger continua."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import csc_array

from app.agreement import _kernels
from app.agreement._alignment import (
    Dissimilarity,
    _rank_by_end,
    best_alignment,
    candidates,
    make_continuum,
)
from app.agreement._program import solve_by_component


def random_continuum(rng, annotators, most_units, labels=3, width=120):
    owner, start, end, category = [], [], [], []
    for a in range(annotators):
        for _ in range(int(rng.integers(0, most_units + 1))):
            s = float(rng.integers(0, width))
            owner.append(a)
            start.append(s)
            end.append(s + float(rng.integers(1, 40)) + rng.random())
            category.append(int(rng.integers(0, labels)))
    if not owner:
        owner, start, end, category = [0], [0.0], [5.0], [0]
    continuum, _ = make_continuum(np.array(start), np.array(end), np.array(category),
                                  np.array(owner), annotators)
    return continuum


def random_dissimilarity(rng, labels=3):
    matrix = rng.random((labels, labels))
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 0.0)
    if rng.random() < 0.5:
        matrix = 1.0 - np.eye(labels)
    return Dissimilarity(float(rng.choice([0.5, 1.0, 2.0])), float(rng.choice([0.0, 0.5, 1.0])),
                         float(rng.choice([0.5, 1.0, 3.0])), matrix)


def disorder_by_definition(c, dis, row):
    """A unitary alignment's disorder straight from the paper's definition."""
    n = c.n_annotators
    total = 0.0
    for i, j in itertools.combinations(range(n), 2):
        u, v = row[i], row[j]
        if u < 0 or v < 0:
            total += dis.delta_empty
            continue
        position = (abs(c.start[u] - c.start[v]) + abs(c.end[u] - c.end[v])) / (
            c.end[u] - c.start[u] + c.end[v] - c.start[v])
        total += dis.delta_empty * (dis.alpha * position**2
                                    + dis.beta * dis.categorical[c.category[u], c.category[v]])
    return total / (n * (n - 1) // 2)


def optimum_over_every_unitary_alignment(c, dis):
    """The 0/1 program over all unitary alignments (HiGHS, zero gap): the sum of disorders."""
    per_annotator = [list(range(c.offsets[a], c.offsets[a + 1])) + [-1]
                     for a in range(c.n_annotators)]
    rows = [row for row in itertools.product(*per_annotator) if max(row) >= 0]
    costs = np.array([disorder_by_definition(c, dis, row) for row in rows])
    entries = [(u, j) for j, row in enumerate(rows) for u in row if u >= 0]
    matrix = csc_array((np.ones(len(entries)), tuple(np.array(entries).T)),
                       shape=(c.size, len(rows)))
    result = milp(costs, integrality=np.ones(len(rows)), bounds=(0, 1),
                  constraints=LinearConstraint(matrix, 1, 1), options={"mip_rel_gap": 0.0})
    return float(result.fun)


@pytest.mark.parametrize("seed", range(60))
def test_the_alignment_is_the_optimum_over_every_unitary_alignment(seed):
    rng = np.random.default_rng(seed)
    annotators = int(rng.integers(2, 6))
    c = random_continuum(rng, annotators, 4 if annotators < 5 else 3)
    dis = random_dissimilarity(rng)
    best = best_alignment(c, dis)
    assert abs(float(best.disorders.sum()) - optimum_over_every_unitary_alignment(c, dis)) < 1e-9
    covered = np.sort(best.members[best.members >= 0])
    assert covered.tolist() == list(range(c.size))
    for row, cost in zip(best.members.tolist(), best.disorders.tolist(), strict=True):
        assert cost == pytest.approx(disorder_by_definition(c, dis, row), abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_the_dynamic_program_matches_the_01_program_on_larger_continua(seed):
    rng = np.random.default_rng(100 + seed)
    annotators = int(rng.integers(3, 6))
    c = random_continuum(rng, annotators, 25, width=2000)
    dis = random_dissimilarity(rng)
    pairs = annotators * (annotators - 1) // 2
    members, totals, sizes = candidates(c, dis)
    costs = (totals + dis.delta_empty * (pairs - sizes * (sizes - 1) / 2.0)) / pairs
    chosen = _kernels.partition(members, costs, _rank_by_end(c), c.size)
    assert chosen.size > 0
    assert np.sort(members[chosen][members[chosen] >= 0]).tolist() == list(range(c.size))
    program = solve_by_component(members, costs, c.size)
    assert abs(costs[chosen].sum() - costs[program].sum()) < 1e-9


def test_candidates_reaching_far_in_the_order_of_units_fall_back_to_the_01_program():
    # One long unit over 70 short ones of another annotator: a candidate pairing it with the
    # first short unit spans more places (in order of end) than the dynamic program's masks hold.
    start = np.array([0.0, 900.0] + [float(12 * i) for i in range(70)])
    end = np.array([1000.0, 1000.0] + [float(12 * i + 2) for i in range(70)])
    owner = np.array([0, 1] + [2] * 70)
    c, _ = make_continuum(start, end, np.zeros(72, dtype=np.intp), owner, 3)
    dis = Dissimilarity(1.0, 1.0, 1.0, np.zeros((1, 1)))
    members, totals, sizes = candidates(c, dis)
    costs = (totals + 3 - sizes * (sizes - 1) / 2.0) / 3
    assert _kernels.partition(members, costs, _rank_by_end(c), c.size).size == 0
    best = best_alignment(c, dis)
    assert abs(float(best.disorders.sum()) - optimum_over_every_unitary_alignment(c, dis)) < 1e-9


def test_units_piled_on_one_passage_fall_back_to_the_01_program_with_the_same_optimum():
    # Five annotators with up to 25 units each in 900 characters: the states of the dynamic
    # program multiply past its budget, and the 0/1 program takes over.
    rng = np.random.default_rng(104)
    c = random_continuum(rng, 5, 25, width=900)
    dis = Dissimilarity(0.5, 1.0, 1.0, 1.0 - np.eye(3))
    members, totals, sizes = candidates(c, dis)
    costs = (totals + (10 - sizes * (sizes - 1) / 2.0)) / 10
    assert _kernels.partition(members, costs, _rank_by_end(c), c.size).size == 0
    best = best_alignment(c, dis)
    program = solve_by_component(members, costs, c.size)
    assert abs(float(best.disorders.sum()) - costs[program].sum()) < 1e-9
