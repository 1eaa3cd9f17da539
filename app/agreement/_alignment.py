"""The best alignment of a continuum for Mathet's gamma, solved exactly.

A continuum is a set of units (start, end, category) each marked by one of n annotators. A
unitary alignment S holds at most one unit of each annotator (the others contribute the empty
unit); an alignment partitions all units into unitary alignments. With C = n (n - 1) / 2 pairs
of annotators, the disorder of S is the mean dissimilarity over all C pairs, a pair involving
an empty unit counting delta_empty (Mathet et al. 2015, section 4; as pygamma-agreement does):

    disorder(S) = (D(S) + delta_empty (C - k (k - 1) / 2)) / C,   k = |S|, D(S) = sum of d(u, v)
                                                                   over the pairs of S.

The best alignment minimises the sum of the disorders of its unitary alignments: a set
partitioning problem, solved as a 0/1 linear program (SciPy's HiGHS `milp`) over candidate
unitary alignments. Every singleton is a candidate, so the program is always feasible.

Pruning (exact: a pruned candidate never changes the optimum). For a split of S into nonempty
A and B, disorder(A) + disorder(B) - disorder(S) = (delta_empty (C + |A| |B|) - cross(A, B)) / C,
where cross sums d over the pairs with one unit in A and one in B. So when
cross(A, B) >= delta_empty (C + |A| |B|) the split costs no more than S, and S can be dropped:
by induction on |S| an optimal alignment made of kept candidates remains (singletons are always
kept). In particular every unit u of a kept S has sum_{v in S - u} d(u, v) < delta_empty
(C + |S| - 1) <= delta_empty (C + n - 1); that bound grows only with the units still to add,
so it prunes the enumeration as it goes, and each pair of S is an edge with
d < delta_empty (C + n - 1). Candidates are enumerated annotator by annotator as n-partite
cliques of that edge graph, vectorised over all partial candidates at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

# Splits of candidates of more than this many annotators are checked only unit against rest
# (the full check costs 2^n per candidate; it only shrinks the program, never changes it).
_MAX_SPLIT_CHECK = 8
# Up to this many units, the partition is found by recursion over the sets of units left (a
# solver call would cost more than the whole search).
_SMALL = 14
# A relaxed value this close to 0 or 1 counts as integral.
_INTEGRAL = 1e-7
# Tolerance on reduced costs, against rounding in the LP solver.
_SLACK = 1e-6


@dataclass(frozen=True, eq=False)
class Continuum:
    """Units sorted by annotator, then start, end and category.

    start, end: float64 positions; category: intp codes; annotator: intp in [0, n);
    offsets: the first unit of each annotator (length n + 1).
    """

    start: np.ndarray
    end: np.ndarray
    category: np.ndarray
    annotator: np.ndarray
    offsets: np.ndarray
    n_annotators: int

    @property
    def size(self) -> int:
        return int(self.start.shape[0])


@dataclass(frozen=True, eq=False)
class Dissimilarity:
    """The combined dissimilarity: delta_empty (alpha d_pos + beta d_cat), where
    d_pos = ((|s1 - s2| + |e1 - e2|) / (l1 + l2))^2 and d_cat comes from `categorical`
    (a square matrix over category codes, 0 on the diagonal)."""

    alpha: float
    beta: float
    delta_empty: float
    categorical: np.ndarray

    def between(self, c: Continuum, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """d(u, v) for arrays of unit indices of the same shape."""
        spread = np.abs(c.start[u] - c.start[v]) + np.abs(c.end[u] - c.end[v])
        position = spread / ((c.end[u] - c.start[u]) + (c.end[v] - c.start[v]))
        category = self.categorical[c.category[u], c.category[v]]
        return self.delta_empty * (self.alpha * position * position + self.beta * category)


def make_continuum(
    start: np.ndarray, end: np.ndarray, category: np.ndarray, annotator: np.ndarray, n: int
) -> tuple[Continuum, np.ndarray]:
    """A sorted Continuum from unit columns, and the order that sorted them."""
    order = np.lexsort((category, end, start, annotator))
    counts = np.bincount(annotator, minlength=n)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.intp)
    continuum = Continuum(
        start[order].astype(np.float64), end[order].astype(np.float64),
        category[order].astype(np.intp), annotator[order].astype(np.intp), offsets, n)
    return continuum, order


@dataclass(frozen=True, eq=False)
class Alignment:
    """The best alignment: its unitary alignments as rows of unit indices (-1 for empty),
    one column per annotator, their disorders, and the alignment's disorder."""

    members: np.ndarray
    disorders: np.ndarray
    disorder: float


def best_alignment(c: Continuum, dis: Dissimilarity) -> Alignment:
    """The alignment of least disorder (exact), with its disorder: the sum of the unitary
    disorders divided by the mean number of units per annotator."""
    n = c.n_annotators
    pairs = n * (n - 1) // 2
    members, totals, sizes = _candidates(c, dis)
    costs = (totals + dis.delta_empty * (pairs - sizes * (sizes - 1) / 2.0)) / pairs
    chosen = _solve_by_component(members, costs, c.size)
    disorders = costs[chosen]
    per_annotator = c.size / n
    return Alignment(members[chosen], disorders, float(disorders.sum() / per_annotator))


def _edges(c: Continuum, dis: Dissimilarity, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys u * N + v (u of a lower annotator than v) of the unit pairs with
    d(u, v) < limit, and their dissimilarities."""
    size = c.size
    # delta_empty alpha rho^2 <= d < limit bounds rho = (|ds| + |de|) / (l1 + l2), and
    # |ds| <= rho (l1 + l2): only units starting that close can be neighbours.
    reach = np.sqrt(limit / (dis.delta_empty * dis.alpha))
    length = c.end - c.start
    keys, values = [], []
    for a in range(c.n_annotators):
        lo_a, hi_a = c.offsets[a], c.offsets[a + 1]
        if lo_a == hi_a:
            continue
        us = np.arange(lo_a, hi_a)
        for b in range(a + 1, c.n_annotators):
            lo_b, hi_b = c.offsets[b], c.offsets[b + 1]
            if lo_b == hi_b:
                continue
            starts = c.start[lo_b:hi_b]
            window = reach * (length[us] + length[lo_b:hi_b].max())
            first = np.searchsorted(starts, c.start[us] - window, side="left")
            last = np.searchsorted(starts, c.start[us] + window, side="right")
            counts = last - first
            u = np.repeat(us, counts)
            v = lo_b + np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(
                int(counts.sum()))
            d = dis.between(c, u, v)
            near = d < limit
            keys.append(u[near] * size + v[near])
            values.append(d[near])
    if not keys:
        return np.empty(0, dtype=np.intp), np.empty(0)
    key, value = np.concatenate(keys), np.concatenate(values)
    order = np.argsort(key, kind="stable")
    return key[order], value[order]


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Dissimilarities of the wanted keys, and which of them are edges."""
    at = np.searchsorted(keys, wanted)
    at = np.minimum(at, max(len(keys) - 1, 0))
    if len(keys) == 0:
        return np.zeros(wanted.shape), np.zeros(wanted.shape, dtype=bool)
    return values[at], keys[at] == wanted


def _candidates(c: Continuum, dis: Dissimilarity
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate unitary alignments (rows of unit indices, -1 for empty), the sum D of their
    pairwise dissimilarities and their number of units."""
    n, size, delta = c.n_annotators, c.size, dis.delta_empty
    pairs = n * (n - 1) // 2
    keys, values = _edges(c, dis, delta * (pairs + n - 1))
    # Neighbours of each unit in each later annotator: the keys are sorted by u, then v, and
    # v's annotator increases with v, so each (u, annotator of v) run is contiguous.
    neighbour_u, neighbour_v = keys // size, keys % size
    run_key = neighbour_u * n + c.annotator[neighbour_v]
    run_start = np.searchsorted(run_key, np.arange(size * n), side="left")
    run_end = np.searchsorted(run_key, np.arange(size * n), side="right")

    members = np.full((1, n), -1, dtype=np.intp)
    sums = np.zeros((1, n))
    count = np.zeros(1, dtype=np.intp)
    anchor = np.full(1, -1, dtype=np.intp)
    for b in range(n):
        lo_b, hi_b = c.offsets[b], c.offsets[b + 1]
        grown_members, grown_sums, grown_count, grown_anchor = [members], [sums], [count], [anchor]
        if hi_b > lo_b:
            # Units of b opening a candidate.
            fresh = np.full((hi_b - lo_b, n), -1, dtype=np.intp)
            fresh[:, b] = np.arange(lo_b, hi_b)
            grown_members.append(fresh)
            grown_sums.append(np.zeros((hi_b - lo_b, n)))
            grown_count.append(np.ones(hi_b - lo_b, dtype=np.intp))
            grown_anchor.append(np.arange(lo_b, hi_b))
            # Units of b joining a candidate: neighbours of its first unit, then checked
            # against the others.
            open_rows = np.flatnonzero(count > 0)
            runs = anchor[open_rows] * n + b
            first, last = run_start[runs], run_end[runs]
            width = last - first
            rows = np.repeat(open_rows, width)
            edge = np.repeat(first - np.cumsum(width) + width, width) + np.arange(int(width.sum()))
            joiner = neighbour_v[edge]
            new_members = members[rows]
            new_sums = sums[rows]
            keep = np.ones(len(rows), dtype=bool)
            added = np.zeros(len(rows))
            for j in range(b):
                present = new_members[:, j] >= 0
                d, found = _lookup(keys, values, new_members[:, j] * size + joiner)
                keep &= found | ~present
                d = np.where(present, d, 0.0)
                new_sums[:, j] += d
                added += d
            new_members[:, b] = joiner
            new_sums[:, b] = added
            new_count = count[rows] + 1
            remaining = n - b - 1
            bound = delta * (pairs + new_count + remaining - 1)
            keep &= (new_sums < bound[:, None]).all(axis=1)
            grown_members.append(new_members[keep])
            grown_sums.append(new_sums[keep])
            grown_count.append(new_count[keep])
            grown_anchor.append(anchor[rows][keep])
        members = np.concatenate(grown_members)
        sums = np.concatenate(grown_sums)
        count = np.concatenate(grown_count)
        anchor = np.concatenate(grown_anchor)
    real = count > 0
    members, sums, count = members[real], sums[real], count[real]
    # Each unit against the rest, with the candidate's final size.
    keep = (sums < (delta * (pairs + count - 1))[:, None]).all(axis=1)
    members, sums, count = members[keep], sums[keep], count[keep]
    totals = sums.sum(axis=1) / 2.0
    if n <= _MAX_SPLIT_CHECK:
        keep = _survives_splits(members, count, keys, values, size, delta * pairs)
        members, totals, count = members[keep], totals[keep], count[keep]
    return members, totals, count


def _survives_splits(members: np.ndarray, count: np.ndarray, keys: np.ndarray,
                     values: np.ndarray, size: int, base: float) -> np.ndarray:
    """Whether each candidate has no split A | B (both of at least two units) with
    cross(A, B) >= delta_empty (C + |A| |B|) (`base` is delta_empty C)."""
    keep = np.ones(len(members), dtype=bool)
    big = np.flatnonzero(count >= 4)
    if big.size == 0:
        return keep
    rows = members[big]
    n = rows.shape[1]
    present = rows >= 0
    pair_d = np.zeros((len(big), n, n))
    for i, j in combinations(range(n), 2):
        both = present[:, i] & present[:, j]
        d, _ = _lookup(keys, values, rows[:, i] * size + rows[:, j])
        pair_d[:, i, j] = pair_d[:, j, i] = np.where(both, d, 0.0)
    delta_empty = base / (n * (n - 1) // 2)
    ok = np.ones(len(big), dtype=bool)
    # Masks with the last annotator on side B, so each split is seen once.
    for mask in range(1, 1 << (n - 1)):
        side = np.array([(mask >> i) & 1 for i in range(n)], dtype=bool)
        in_a = present & side
        in_b = present & ~side
        size_a, size_b = in_a.sum(axis=1), in_b.sum(axis=1)
        relevant = (size_a >= 2) & (size_b >= 2)
        if not relevant.any():
            continue
        cross = np.einsum("ri,rij,rj->r", in_a.astype(float), pair_d, in_b.astype(float))
        ok &= ~(relevant & (cross >= base + delta_empty * size_a * size_b))
    keep[big] = ok
    return keep


def _solve_by_component(members: np.ndarray, costs: np.ndarray, size: int,
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
    return keep[_solve_by_component(members[keep], costs[keep], size, relax=False)]


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
    return np.concatenate((whole, rest[_solve_by_component(sub, costs[rest], left, False)]))
