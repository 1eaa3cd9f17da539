"""Compiled enumeration of the candidate unitary alignments of the gamma alignment (Numba):
the pairs of units close enough to share a candidate, then the candidates grown from them
(see `_alignment` for the pruning rule and why it keeps an optimum).

Plain loops each step of which depends on the one before, which NumPy cannot vectorise.
Numba compiles them on first use and caches the machine code next to this file. No array
is reassigned inside a loop (the callers grow them between calls): Numba would otherwise
update its reference count atomically at every access, which once took half the time.
"""

from __future__ import annotations

import numpy as np

from app.agreement._kernels import _grow_float, _grow_int, _jit


@_jit
def _dissimilarity(start, end, category, categorical, alpha, beta, delta, u, v):
    spread = abs(start[u] - start[v]) + abs(end[u] - end[v])
    position = spread / ((end[u] - start[u]) + (end[v] - start[v]))
    return delta * (alpha * position * position
                    + beta * categorical[category[u], category[v]])


@_jit
def _neighbours(start, end, category, annotator, offsets, n, categorical, alpha, beta, delta,
                limit):
    """Per unit u and later annotator b, the units v of b with d(u, v) < limit, as a CSR
    (pointer over u * n + b, targets, dissimilarities)."""
    size = start.shape[0]
    # delta alpha rho^2 <= d < limit bounds rho = (|ds| + |de|) / (l1 + l2), and
    # |ds| <= rho (l1 + l2): only units starting that close can be neighbours.
    reach = np.sqrt(limit / (delta * alpha))
    longest = np.zeros(n)
    for u in range(size):
        longest[annotator[u]] = max(longest[annotator[u]], end[u] - start[u])
    pointer = np.zeros(size * n + 1, dtype=np.int64)
    target = np.empty(16 * size + 16, dtype=np.int64)
    value = np.empty(target.shape[0])
    u, count = _scan(0, 0, start, end, category, annotator, offsets, n, categorical, alpha,
                     beta, delta, limit, reach, longest, pointer, target, value)
    while u < size:  # full: grown, and the scan taken up again at unit u
        target = _grow_int(target[:count], 2 * target.shape[0])
        value = _grow_float(value[:count], target.shape[0])
        u, count = _scan(u, count, start, end, category, annotator, offsets, n, categorical,
                         alpha, beta, delta, limit, reach, longest, pointer, target, value)
    return pointer, target[:count], value[:count]


@_jit
def _scan(first, count, start, end, category, annotator, offsets, n, categorical, alpha, beta,
          delta, limit, reach, longest, pointer, target, value):
    """`_neighbours` from unit `first` on, its edges from place `count`: (units, edges) when
    done, or (the unit to start again from, its first place) when `target` is full. (Arrays
    are grown by the caller: reassigned in a loop, they would cost an atomic reference count
    update per access.)"""
    size = start.shape[0]
    capacity = target.shape[0]
    for u in range(first, size):
        begin = count
        for b in range(n):
            if b > annotator[u] and offsets[b + 1] > offsets[b]:
                window = reach * (end[u] - start[u] + longest[b])
                lo = offsets[b] + np.searchsorted(start[offsets[b]:offsets[b + 1]],
                                                  start[u] - window)
                for v in range(lo, offsets[b + 1]):
                    if start[v] > start[u] + window:
                        break
                    d = _dissimilarity(start, end, category, categorical, alpha, beta,
                                       delta, u, v)
                    if d < limit:
                        if count == capacity:
                            return u, begin
                        target[count] = v
                        value[count] = d
                        count += 1
            pointer[u * n + b + 1] = count
    return size, count


@_jit
def _survives_splits(k, d, base, delta):
    """No split of the k units of a set into A | B, both of two units or more, has
    cross(A, B) >= delta_empty (C + |A| |B|) (`base` is delta_empty C; d[i, j] is the
    dissimilarity of its i-th and j-th unit)."""
    # Masks with the last unit on side B, so that each split is seen once.
    for mask in range(1, 1 << (k - 1)):
        size_a = 0
        for i in range(k):
            size_a += (mask >> i) & 1
        size_b = k - size_a
        if size_a < 2 or size_b < 2:
            continue
        cross = 0.0
        for i in range(k):
            if (mask >> i) & 1:
                for j in range(k):
                    if not (mask >> j) & 1:
                        cross += d[i, j]
        if cross >= base + delta * size_a * size_b:
            return False
    return True


@_jit
def candidates(start, end, category, annotator, offsets, n, categorical, alpha, beta, delta,
               split_check):
    """Candidate unitary alignments: rows of unit indices per annotator (-1 for empty), the
    sum D of their pairwise dissimilarities and their number of units.

    Kept are the sets S of units of distinct annotators in which every unit u has
    sum_{v in S - u} d(u, v) < delta_empty (C + |S| - 1) and (with `split_check`) no split
    into two parts of two units or more is at least as good (see `_alignment`). Sets grow
    annotator by annotator from their first unit (the anchor) through its neighbours, depth
    first; partial sums only grow, so a set whose sum for some unit reaches
    delta_empty (C + the most units it can still have - 1) has no kept superset.
    """
    size = start.shape[0]
    pairs = n * (n - 1) // 2
    pointer, target, value = _neighbours(start, end, category, annotator, offsets, n,
                                         categorical, alpha, beta, delta,
                                         delta * (pairs + n - 1))
    members = np.full((16 * size + 16, n), -1, dtype=np.int64)
    totals = np.empty(members.shape[0])
    sizes = np.empty(members.shape[0], dtype=np.int64)
    anchor, found = _enumerate(0, 0, start, end, category, annotator, n, categorical, alpha,
                               beta, delta, split_check, pointer, target, value, members,
                               totals, sizes)
    while anchor < size:  # full: grown, and the enumeration taken up again at `anchor`
        grown = np.full((2 * members.shape[0], n), -1, dtype=np.int64)
        grown[:found] = members[:found]
        members = grown
        totals = _grow_float(totals[:found], members.shape[0])
        sizes = _grow_int(sizes[:found], members.shape[0])
        anchor, found = _enumerate(anchor, found, start, end, category, annotator, n,
                                   categorical, alpha, beta, delta, split_check, pointer,
                                   target, value, members, totals, sizes)
    return members[:found], totals[:found], sizes[:found]


@_jit
def _enumerate(first, found, start, end, category, annotator, n, categorical, alpha, beta,
               delta, split_check, pointer, target, value, members, totals, sizes):
    """`candidates` from anchor `first` on, written from row `found` (rows not written are
    -1): (units, rows) when done, or (the anchor to start again from, its first row) when
    the rows are full."""
    size = start.shape[0]
    capacity = totals.shape[0]
    pairs = n * (n - 1) // 2
    base = delta * pairs
    unit = np.empty(n, dtype=np.int64)  # the set's units, in annotator order
    slot = np.empty(n, dtype=np.int64)  # their annotators
    sums = np.zeros(n)  # per unit, its dissimilarities to the others summed
    d = np.zeros((n, n))
    # Per depth (the number of units in the set): the annotator and the neighbour of the
    # anchor that the search for the next unit has reached.
    cursor = np.zeros(n + 1, dtype=np.int64)
    edge = np.zeros(n + 1, dtype=np.int64)
    for anchor in range(first, size):
        begin = found
        unit[0] = anchor
        slot[0] = annotator[anchor]
        sums[0] = 0.0
        depth = 1
        emit = True
        cursor[1] = slot[0] + 1
        if cursor[1] < n:
            edge[1] = pointer[anchor * n + cursor[1]]
        while True:
            if emit:
                emit = False
                ok = True
                for i in range(depth):
                    if sums[i] >= delta * (pairs + depth - 1):
                        ok = False
                        break
                if ok and split_check and depth >= 4:
                    ok = _survives_splits(depth, d, base, delta)
                if ok:
                    if found == capacity:
                        return anchor, begin
                    total = 0.0
                    for i in range(depth):
                        members[found, slot[i]] = unit[i]
                        total += sums[i]
                    totals[found] = total / 2.0
                    sizes[found] = depth
                    found += 1
            b = cursor[depth]
            if depth == n or b >= n:
                # This depth is exhausted: drop the last unit and go back to the one before.
                last = depth - 1
                if last == 0:
                    break
                for i in range(last):
                    sums[i] -= d[last, i]
                depth = last
                continue
            if edge[depth] >= pointer[anchor * n + b + 1]:
                cursor[depth] = b + 1
                if b + 1 < n:
                    edge[depth] = pointer[anchor * n + b + 1]
                continue
            at = edge[depth]
            edge[depth] = at + 1
            v = target[at]
            # With v the set could still grow by one unit per annotator after b; no sum may
            # reach the bound for that many.
            bound = delta * (pairs + depth + n - 1 - b)
            added = 0.0
            ok = True
            for i in range(depth):
                if i == 0:
                    dv = value[at]
                else:
                    dv = _dissimilarity(start, end, category, categorical, alpha, beta,
                                        delta, unit[i], v)
                if sums[i] + dv >= bound:
                    ok = False
                    break
                d[depth, i] = dv
                d[i, depth] = dv
                added += dv
            if not ok or added >= bound:
                continue
            for i in range(depth):
                sums[i] += d[depth, i]
            unit[depth] = v
            slot[depth] = b
            sums[depth] = added
            depth += 1
            emit = True
            cursor[depth] = b + 1
            if b + 1 < n:
                edge[depth] = pointer[anchor * n + b + 1]
    return size, found
