"""Compiled loops of the gamma alignment (Numba): the exact partition of the units into
candidate unitary alignments (`_candidates`) by dynamic programming along the continuum.

A plain loop over a few thousand candidates and states, which NumPy cannot vectorise (each
step depends on the one before) and which a linear-programming solver pays milliseconds of
set-up for. Numba compiles it on first use and caches the machine code next to this file. No
array is reassigned inside a loop (the caller grows them between calls): Numba would otherwise
update its reference count atomically at every access, which once took half the time.
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
    # A counting sort by first unit, stable (ties keep the order of the candidates).
    first = np.zeros(size + 2, dtype=np.int64)
    for j in range(count):
        first[low[j] + 2] += 1
    for at in range(2, size + 2):
        first[at] += first[at - 1]
    by_low = np.empty(count, dtype=np.int64)
    for j in range(count):
        by_low[first[low[j] + 1]] = j
        first[low[j] + 1] += 1
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
    at, states = _settle(0, states, first, mask, cost, head, chain, table, state_at,
                         state_mask, state_cost, state_from, state_via)
    while at < size:  # out of room: grown, and the states of `at` settled again
        if capacity == most:
            return np.empty(0, dtype=np.int64)
        capacity = min(most, 2 * capacity)
        state_at = _grow_int(state_at[:states], capacity)
        state_mask = _grow_int(state_mask[:states], capacity)
        state_cost = _grow_float(state_cost[:states], capacity)
        state_from = _grow_int(state_from[:states], capacity)
        state_via = _grow_int(state_via[:states], capacity)
        chain = _grow_int(chain[:states], capacity)
        if 2 * slots < 3 * capacity:
            slots *= 4
            table = _rehash(state_at, state_mask, states, slots)
        at, states = _settle(at, states, first, mask, cost, head, chain, table, state_at,
                             state_mask, state_cost, state_from, state_via)
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
def _settle(first_at, states, first, mask, cost, head, chain, table, state_at, state_mask,
            state_cost, state_from, state_via):
    """The dynamic program of `partition` from the states of unit `first_at` on, `states`
    of them so far: (units, states) when done, or (the unit whose states to settle again,
    states) when the state arrays are full. Settling a unit's states again changes nothing
    already done (a state only takes a strictly cheaper way), so the caller grows the arrays
    and takes it up from there. (Arrays are grown by the caller: reassigned in a loop, they
    would cost an atomic reference count update per access.)"""
    size = head.shape[0] - 1
    capacity = state_at.shape[0]
    slots = table.shape[0]
    for at in range(first_at, size):
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
                if states == capacity:
                    return at, states
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
    return size, states


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
