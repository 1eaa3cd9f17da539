"""Compiled loops of the gamma alignment (Numba): candidate unitary alignments and the exact
partition of the units into them by dynamic programming along the continuum.

Both are plain loops over a few thousand candidates and states, which NumPy cannot vectorise
(each step depends on the one before) and which a linear-programming solver pays milliseconds
of set-up for. Numba compiles them on first use and caches the machine code next to this file.
"""

from __future__ import annotations

import numba
import numpy as np

# A candidate's units must lie within this many places of one another in the order of the
# dynamic program, so that the units ahead that are already covered fit in one 64-bit mask
# (with a bit to spare: a full mask would leave no uncovered unit to move to).
MAX_REACH = 62
# States of the dynamic program per candidate (plus a few) before it gives up and the caller
# solves the 0/1 program instead: where units pile up on one passage the states multiply
# while the relaxation of the program stays quick. Continua of spread-out spans need about
# two per candidate.
STATES_PER_CANDIDATE = 8

_jit = numba.njit(cache=True, nogil=True)


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
    capacity = 16 * size + 16
    target = np.empty(capacity, dtype=np.int64)
    value = np.empty(capacity)
    count = 0
    for u in range(size):
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
                            capacity *= 2
                            target = _grow_int(target, capacity)
                            value = _grow_float(value, capacity)
                        target[count] = v
                        value[count] = d
                        count += 1
            pointer[u * n + b + 1] = count
    return pointer, target[:count], value[:count]


@_jit
def _grow_int(array, capacity):
    grown = np.empty(capacity, dtype=array.dtype)
    grown[:array.shape[0]] = array
    return grown


@_jit
def _grow_float(array, capacity):
    grown = np.empty(capacity)
    grown[:array.shape[0]] = array
    return grown


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
    limit = delta * (pairs + n - 1)
    base = delta * pairs
    pointer, target, value = _neighbours(start, end, category, annotator, offsets, n,
                                         categorical, alpha, beta, delta, limit)
    capacity = 16 * size + 16
    members = np.full((capacity, n), -1, dtype=np.int64)
    totals = np.empty(capacity)
    sizes = np.empty(capacity, dtype=np.int64)
    found = 0
    unit = np.empty(n, dtype=np.int64)  # the set's units, in annotator order
    slot = np.empty(n, dtype=np.int64)  # their annotators
    sums = np.zeros(n)  # per unit, its dissimilarities to the others summed
    d = np.zeros((n, n))
    # Per depth (the number of units in the set): the annotator and the neighbour of the
    # anchor that the search for the next unit has reached.
    cursor = np.zeros(n + 1, dtype=np.int64)
    edge = np.zeros(n + 1, dtype=np.int64)
    for anchor in range(size):
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
                        capacity *= 2
                        grown = np.full((capacity, n), -1, dtype=np.int64)
                        grown[:found] = members[:found]
                        members = grown
                        totals = _grow_float(totals, capacity)
                        sizes = _grow_int(sizes, capacity)
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
    return members[:found], totals[:found], sizes[:found]


@_jit
def partition(members, costs, rank, size):
    """Indices of the candidates of a minimum-cost partition of the units, or an empty array
    when a candidate's units lie more than MAX_REACH places apart in `rank` or the states
    outgrow STATES_PER_CANDIDATE per candidate.

    Units are taken in the order `rank` gives them (by end, so that candidates are short
    runs). A state is the first unit not yet covered and the set of units after it already
    covered, as a bit mask relative to it; from it, the first unit must be covered by a
    candidate whose first unit it is and that misses the covered ones. Every partition is
    reached this way exactly once (take its candidates in the order of their first units),
    so the cheapest way to the state with every unit covered is an optimal partition. A
    state's first unit only moves forward, so states are settled in the order of it.
    """
    count = costs.shape[0]
    n = members.shape[1]
    low = np.full(count, size, dtype=np.int64)
    for j in range(count):
        high = -1
        for a in range(n):
            u = members[j, a]
            if u >= 0:
                low[j] = min(low[j], rank[u])
                high = max(high, rank[u])
        if high - low[j] > MAX_REACH:
            return np.empty(0, dtype=np.int64)
    # Candidates grouped by their first unit, with their masks relative to it (bit 0 is the
    # first unit; masks stay below 2^63, so signed integers hold them).
    by_low = np.argsort(low, kind="mergesort")
    first = np.searchsorted(low[by_low], np.arange(size + 1))
    mask = np.zeros(count, dtype=np.int64)
    cost = np.empty(count)
    for t in range(count):
        j = by_low[t]
        bits = 0
        for a in range(n):
            u = members[j, a]
            if u >= 0:
                bits |= 1 << (rank[u] - low[j])
        mask[t] = bits
        cost[t] = costs[j]
    # States: first uncovered unit, mask of covered units from it, best cost, and how it was
    # reached (the state before and the candidate taken); states of one first unit are
    # chained for settling. An open-addressing table holds (mask, first unit << 32 | state),
    # kept small so that it stays in cache.
    most = STATES_PER_CANDIDATE * count + 4096
    capacity = min(most, 2 * count + 64)
    state_at = np.empty(capacity, dtype=np.int64)
    state_mask = np.empty(capacity, dtype=np.int64)
    state_cost = np.empty(capacity)
    state_from = np.empty(capacity, dtype=np.int64)
    state_via = np.empty(capacity, dtype=np.int64)
    chain = np.empty(capacity, dtype=np.int64)
    head = np.full(size + 1, -1, dtype=np.int64)
    slots = 1 << 10
    while 2 * slots < 3 * capacity:
        slots <<= 1
    table = np.full((slots, 2), -1, dtype=np.int64)
    states = 1
    state_at[0] = 0
    state_mask[0] = 0
    state_cost[0] = 0.0
    state_from[0] = -1
    state_via[0] = -1
    chain[0] = -1
    head[0] = 0
    h = _slot(0, 0, slots)
    table[h, 0] = 0
    table[h, 1] = 0
    for at in range(size):
        s = head[at]
        while s >= 0:
            covered = state_mask[s]
            base = state_cost[s]
            for t in range(first[at], first[at + 1]):
                if covered & mask[t]:
                    continue
                after = covered | mask[t]
                step = 0
                while after & 1:
                    after >>= 1
                    step += 1
                nxt = at + step
                value = base + cost[t]
                h = _slot(after, nxt, slots)
                key = nxt << 32
                while table[h, 1] >= 0 and (table[h, 0] != after
                                            or table[h, 1] >> 32 != nxt):
                    h = (h + 1) & (slots - 1)
                if table[h, 1] >= 0:
                    found = table[h, 1] - key
                    if value < state_cost[found]:
                        state_cost[found] = value
                        state_from[found] = s
                        state_via[found] = t
                    continue
                if states == most:
                    return np.empty(0, dtype=np.int64)
                if states == capacity:
                    capacity = min(most, 2 * capacity)
                    state_at = _grow_int(state_at, capacity)
                    state_mask = _grow_int(state_mask, capacity)
                    state_cost = _grow_float(state_cost, capacity)
                    state_from = _grow_int(state_from, capacity)
                    state_via = _grow_int(state_via, capacity)
                    chain = _grow_int(chain, capacity)
                    if 2 * slots < 3 * capacity:
                        slots *= 4
                        table = _rehash(state_at, state_mask, states, slots)
                        h = _slot(after, nxt, slots)
                        while table[h, 1] >= 0:
                            h = (h + 1) & (slots - 1)
                table[h, 0] = after
                table[h, 1] = key | states
                state_at[states] = nxt
                state_mask[states] = after
                state_cost[states] = value
                state_from[states] = s
                state_via[states] = t
                chain[states] = head[nxt]
                head[nxt] = states
                states += 1
            s = chain[s]
    # The state with every unit covered, and the way back from it.
    s = head[size]
    picked = np.empty(size, dtype=np.int64)
    taken = 0
    while state_via[s] >= 0:
        picked[taken] = by_low[state_via[s]]
        taken += 1
        s = state_from[s]
    return picked[:taken]


@_jit
def _slot(bits, at, slots):
    mixed = (bits + at * 0x2545F4914F6CDD1D) * -0x61C8864680B583EB
    return (mixed ^ (mixed >> 29)) & (slots - 1)


@_jit
def _rehash(state_at, state_mask, states, slots):
    table = np.full((slots, 2), -1, dtype=np.int64)
    for s in range(states):
        h = _slot(state_mask[s], state_at[s], slots)
        while table[h, 1] >= 0:
            h = (h + 1) & (slots - 1)
        table[h, 0] = state_mask[s]
        table[h, 1] = state_at[s] << 32 | s
    return table
