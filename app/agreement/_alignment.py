"""The best alignment of a continuum for Mathet's gamma, solved exactly.

A continuum is a set of units (start, end, category) each marked by one of n annotators. A
unitary alignment S holds at most one unit of each annotator (the others contribute the empty
unit); an alignment partitions all units into unitary alignments. With C = n (n - 1) / 2 pairs
of annotators, the disorder of S is the mean dissimilarity over all C pairs, a pair involving
an empty unit counting delta_empty (Mathet et al. 2015, section 4; as pygamma-agreement does):

    disorder(S) = (D(S) + delta_empty (C - k (k - 1) / 2)) / C,   k = |S|, D(S) = sum of d(u, v)
                                                                   over the pairs of S.

The best alignment minimises the sum of the disorders of its unitary alignments: a set
partitioning problem (the paper's 0/1 program) over candidate unitary alignments. Every
singleton is a candidate, so a partition always exists.

Pruning (exact: a pruned candidate never changes the optimum). For a split of S into nonempty
A and B, disorder(A) + disorder(B) - disorder(S) = (delta_empty (C + |A| |B|) - cross(A, B)) / C,
where cross sums d over the pairs with one unit in A and one in B. So when
cross(A, B) >= delta_empty (C + |A| |B|) the split costs no more than S, and S can be dropped:
by induction on |S| an optimal alignment made of kept candidates remains (singletons are always
kept). In particular every unit u of a kept S has sum_{v in S - u} d(u, v) < delta_empty
(C + |S| - 1) <= delta_empty (C + n - 1); that bound grows only with the units still to add,
so it prunes the enumeration as it goes, and each pair of S is an edge with
d < delta_empty (C + n - 1). Candidates are enumerated from each unit through its neighbours
in the later annotators (`_candidates.candidates`).

Solving (exact). Units are ordered by end; a candidate then covers a short run of them,
because its units lie within the distance the bound above allows. The dynamic program of
`_kernels.partition` walks that order: its state is the first unit not yet covered and which
of the next units are, and it tries every candidate that begins at that unit. Each partition
into candidates is one path (its candidates taken by first unit), so the cheapest path is an
optimum of the 0/1 program, not an approximation; it is checked against the program itself
on random continua in the tests. When candidates reach too far in that order or the states
grow too many (units piled up on one passage), the 0/1 program is solved instead
(`_program`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.agreement._program import solve_by_component

# Splits of candidates of more than this many annotators are checked only unit against rest
# (the full check costs 2^n per candidate; it only shrinks the program, never changes it).
_MAX_SPLIT_CHECK = 8


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
    from app.agreement import _kernels  # Numba takes a second to import: only when used

    n = c.n_annotators
    pairs = n * (n - 1) // 2
    members, totals, sizes = candidates(c, dis)
    costs = (totals + dis.delta_empty * (pairs - sizes * (sizes - 1) / 2.0)) / pairs
    chosen = _kernels.partition(members, costs, _rank_by_end(c), c.size)
    if chosen.size == 0 and c.size > 0:
        chosen = solve_by_component(members, costs, c.size)
    disorders = costs[chosen]
    per_annotator = c.size / n
    return Alignment(members[chosen], disorders, float(disorders.sum() / per_annotator))


def candidates(c: Continuum, dis: Dissimilarity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate unitary alignments (rows of unit indices, -1 for empty), the sum D of their
    pairwise dissimilarities and their number of units."""
    from app.agreement import _candidates

    return _candidates.candidates(
        c.start, c.end, c.category.astype(np.int64), c.annotator.astype(np.int64),
        c.offsets.astype(np.int64), c.n_annotators, np.ascontiguousarray(dis.categorical),
        dis.alpha, dis.beta, dis.delta_empty, c.n_annotators <= _MAX_SPLIT_CHECK)


def _rank_by_end(c: Continuum) -> np.ndarray:
    """Each unit's place when all units are ordered by end, then start (on spread-out spans
    the dynamic program meets about a quarter fewer states than in order of start)."""
    order = np.lexsort((c.start, c.end))
    rank = np.empty(c.size, dtype=np.int64)
    rank[order] = np.arange(c.size)
    return rank
