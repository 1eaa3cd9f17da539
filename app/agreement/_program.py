"""The best partition of units into candidate unitary alignments as a 0/1 linear program.

A set partitioning problem over the candidates (SciPy's HiGHS): the linear relaxation first,
then reduced-cost fixing against a rounded partition, each connected group of units solved on
its own (small groups by recursion, large ones by the 0/1 program with a zero gap). The
dynamic program of `_kernels.partition` is faster on continua whose candidates are short runs
of units; this is what `_alignment.best_alignment` falls back on for the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Up to this many units, the partition is found by recursion over the sets of units left (a
# solver call would cost more than the whole search).
_SMALL = 14
# A relaxed value this close to 0 or 1 counts as integral.
_INTEGRAL = 1e-7
# Tolerance on reduced costs, against rounding in the LP solver.
_SLACK = 1e-6


def solve_by_component(members: np.ndarray, costs: np.ndarray, size: int,
                        relax: bool = True) -> np.ndarray:
    """`_solve` on each connected group of units (units are connected when a candidate holds
    both): no candidate straddles two groups, so their best partitions are independent."""
    if size <= _SMALL:
        return _solve(members, costs, size, relax)
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    present = members >= 0
    first = members.max(axis=1)  # any member links the others to it
    rows = np.broadcast_to(first[:, None], members.shape)[present]
    graph = coo_array((np.ones(rows.size), (rows, members[present])), shape=(size, size))
    count, group = connected_components(graph, directed=False)
    if count == 1:
        return _solve(members, costs, size, relax)
    unit_counts = np.bincount(group, minlength=count)
    # Small groups by recursion, one by one; the large ones together in one program (a
    # solver call has a fixed cost).
    large = unit_counts[group] > _SMALL
    local = np.empty(size, dtype=np.intp)
    key = np.where(large, -1, group)
    by_key = np.argsort(key, kind="stable")
    sizes = np.bincount(key[by_key] + 1)
    local[by_key] = np.arange(size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    column_key = key[first]
    order = np.argsort(column_key, kind="stable")
    keys, starts = np.unique(column_key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    chosen = []
    for k, lo, hi in zip(keys.tolist(), starts.tolist(), ends.tolist(), strict=True):
        columns = order[lo:hi]
        sub = np.where(members[columns] >= 0, local[np.maximum(members[columns], 0)], -1)
        units = int(large.sum()) if k < 0 else int(unit_counts[k])
        chosen.append(columns[_solve(sub, costs[columns], units, relax)])
    return np.concatenate(chosen)


def _solve(members: np.ndarray, costs: np.ndarray, size: int, relax: bool = True
           ) -> np.ndarray:
    """Indices of the candidates of an exact minimum-cost partition of the units.

    The linear relaxation comes first (HiGHS); when it is integral it is optimal. Otherwise its
    duals y bound any partition using candidate S by LP + (c_S - y(S)), so the candidates whose
    reduced cost exceeds the gap between a feasible partition (rounded from the relaxation)
    and the LP value cannot be in an optimal partition. The candidates left fall apart into
    small groups of units, each solved by recursion or, if large, by the 0/1 program
    (`relax=False`: straight to it, the relaxation being known).
    """
    if size <= _SMALL:
        return _solve_small(members, costs, size)
    from scipy.optimize import linprog
    from scipy.sparse import csc_array

    rows_of, columns = np.nonzero(members.T >= 0)  # (annotator, candidate) pairs
    units = members.T[rows_of, columns]
    matrix = csc_array((np.ones(len(units)), (units, columns)), shape=(size, len(costs)))
    if not relax:
        return _milp(costs, matrix)
    # x <= 1 follows from the equalities; leaving it out keeps every reduced cost >= 0.
    # Dual simplex without presolve: a third faster on these programs (presolve finds little
    # to remove in a set partitioning problem whose columns are all distinct).
    relaxed = linprog(costs, A_eq=matrix, b_eq=np.ones(size), bounds=(0, None),
                      method="highs-ds", options={"presolve": False})
    if relaxed.x is None:  # pragma: no cover - singletons make the program always feasible
        raise RuntimeError(f"the alignment program failed: {relaxed.message}")
    x = relaxed.x
    if np.all((x < _INTEGRAL) | (x > 1.0 - _INTEGRAL)):
        return np.flatnonzero(x > 0.5)
    upper = float(costs[_round(members, costs, x, size)].sum())
    reduced = costs - matrix.T @ relaxed.eqlin.marginals
    # The optimal partitions lie among the kept candidates, so they still cover every unit.
    keep = np.flatnonzero(reduced <= upper - relaxed.fun + _SLACK)
    return keep[solve_by_component(members[keep], costs[keep], size, relax=False)]


def _solve_small(members: np.ndarray, costs: np.ndarray, size: int) -> np.ndarray:
    """Exact minimum-cost partition by recursion on the units left: the lowest one left must
    be covered by a candidate containing it that uses only units left."""
    masks = [sum(1 << int(u) for u in row if u >= 0) for row in members.tolist()]
    by_unit: list[list[int]] = [[] for _ in range(size)]
    for column, mask in enumerate(masks):
        by_unit[(mask & -mask).bit_length() - 1].append(column)
    cost_list = costs.tolist()
    best: dict[int, tuple[float, int]] = {0: (0.0, -1)}

    def solve(left: int) -> float:
        known = best.get(left)
        if known is not None:
            return known[0]
        value, pick = float("inf"), -1
        # Candidates are indexed by their lowest unit, so with units below `low` gone, those
        # of `low` are the ones that can cover it.
        low = (left & -left).bit_length() - 1
        for column in by_unit[low]:
            mask = masks[column]
            if mask & left == mask:
                total = cost_list[column] + solve(left & ~mask)
                if total < value:
                    value, pick = total, column
        best[left] = (value, pick)
        return value

    left = (1 << size) - 1
    solve(left)
    chosen = []
    while left:
        column = best[left][1]
        chosen.append(column)
        left &= ~masks[column]
    return np.array(chosen, dtype=np.intp)


def _milp(costs: np.ndarray, matrix: Any) -> np.ndarray:
    """Indices of the columns of an exact 0/1 partition of least cost."""
    from scipy.optimize import LinearConstraint, milp

    result = milp(costs, integrality=np.ones(len(costs)), bounds=(0, 1),
                  constraints=LinearConstraint(matrix, 1, 1), options={"mip_rel_gap": 0.0})
    if result.x is None:  # pragma: no cover - singletons make the program always feasible
        raise RuntimeError(f"the alignment program failed: {result.message}")
    return np.flatnonzero(result.x > 0.5)


def _round(members: np.ndarray, costs: np.ndarray, x: np.ndarray, size: int) -> np.ndarray:
    """A good partition (candidate indices): the candidates the relaxation takes whole, and
    the best partition of the units left over."""
    whole = np.flatnonzero(x > 1.0 - _INTEGRAL)
    covered = np.zeros(size, dtype=bool)
    covered[members[whole][members[whole] >= 0]] = True
    clash = (covered[np.maximum(members, 0)] & (members >= 0)).any(axis=1)
    rest = np.flatnonzero(~clash)
    local = np.cumsum(~covered) - 1
    sub = np.where(members[rest] >= 0, local[np.maximum(members[rest], 0)], -1)
    left = int((~covered).sum())
    return np.concatenate((whole, rest[solve_by_component(sub, costs[rest], left, False)]))
