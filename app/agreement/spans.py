"""Pairwise span precision, recall and F1 between two annotators.

References: the exact-match span F1 of the CoNLL shared tasks (Tjong Kim Sang & De Meulder
2003, "Introduction to the CoNLL-2003 shared task") and its use as a pairwise inter-annotator
agreement measure for span annotation (Hripcsak & Rothschild 2005, "Agreement, the F-measure,
and reliability in information retrieval", JAMIA 12: 296-298), with a relaxed (overlap) match
as in the MUC/SemEval partial-match schemes.
"""

from __future__ import annotations

import heapq
import numbers
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.agreement._errors import Undefined

__all__ = ["SpanScores", "maximum_interval_matching", "overlap_pairs", "pairwise_span_f1",
           "span_f1"]

MODES = ("exact", "overlap")

Span = tuple[int, int, Hashable]


@dataclass(frozen=True)
class SpanScores:
    """Span precision, recall and F1 of `predicted` spans against `gold` spans.

    true_positives: matched spans; predicted, gold: the number of spans on each side.
    precision = true_positives / predicted and recall = true_positives / gold (0.0 when that
    side has no spans: none of its spans is correct); f1 = 2 tp / (predicted + gold).
    """

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    gold: int


def span_f1(
    units_a: Iterable[Any], units_b: Iterable[Any], mode: str = "exact"
) -> SpanScores:
    """Pairwise span precision, recall and F1 (Hripcsak & Rothschild 2005; CoNLL span F1).

    `units_a` is the reference ("gold") and `units_b` is scored against it ("predicted"):
    swapping them swaps precision and recall; F1 is symmetric. Spans are (start, end, label)
    with half-open offsets, or (coder, start, end, label) with the coder ignored.
    mode="exact": a match has the same start, end and label (each span matches at most once).
    mode="overlap": a match has the same label and overlapping ranges; spans are paired one
    to one, as many pairs as possible (a maximum matching, so the result does not depend on
    the order of the spans; `overlap_pairs` gives the pairs).
    Raises `Undefined` when neither side has a span, ValueError for malformed spans or an
    unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    return _scores(_spans(units_a, "units_a"), _spans(units_b, "units_b"), mode)


def pairwise_span_f1(units_by_coder: Mapping[Hashable, Iterable[Any]], mode: str = "exact"
                     ) -> dict[tuple[Hashable, Hashable], SpanScores | Undefined]:
    """`span_f1` (Hripcsak & Rothschild 2005) for every pair of coders, in the mapping's
    order with the first of a pair as the reference.

    Each coder's spans are read once, so a class of 30 costs 30 reads, not 870. A pair
    whose scores are undefined maps to the `Undefined` exception that says why.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    parsed = {coder: _spans(units, f"units of {coder!r}")
              for coder, units in units_by_coder.items()}
    coders = list(parsed)
    groups = {coder: _groups(spans) for coder, spans in parsed.items()} if mode != "exact" \
        else {}
    out: dict[tuple[Hashable, Hashable], SpanScores | Undefined] = {}
    for i, a in enumerate(coders):
        for b in coders[i + 1:]:
            try:
                grouped = (groups[a], groups[b]) if groups else None
                out[(a, b)] = _scores(parsed[a], parsed[b], mode, grouped)
            except Undefined as exc:
                out[(a, b)] = exc
    return out


def _scores(gold: list[Span], predicted: list[Span], mode: str,
            grouped: tuple[dict, dict] | None = None) -> SpanScores:
    if not gold and not predicted:
        raise Undefined("no_spans")
    if mode == "exact":
        matched = sum((Counter(gold) & Counter(predicted)).values())
    else:
        matched = _overlap_matches(gold, predicted, grouped)
    precision = matched / len(predicted) if predicted else 0.0
    recall = matched / len(gold) if gold else 0.0
    f1 = 2.0 * matched / (len(predicted) + len(gold))
    return SpanScores(precision, recall, f1, matched, len(predicted), len(gold))


def _spans(units: Iterable[Any], name: str) -> list[Span]:
    spans: list[Span] = []
    for number, unit in enumerate(units):
        if not isinstance(unit, tuple | list) or len(unit) not in (3, 4):
            raise ValueError(
                f"{name}[{number}] is {unit!r}: expected (start, end, label) or "
                "(coder, start, end, label)"
            )
        start, end, label = unit[-3:]
        for what, value in (("start", start), ("end", end)):
            # `type is int` first: the ABC check is slow and this runs for every span.
            if type(value) is not int and (
                    isinstance(value, bool) or not isinstance(value, numbers.Integral)):
                raise ValueError(f"{name}[{number}]: {what} {value!r} is not an integer")
        if not start < end:
            raise ValueError(f"{name}[{number}] spans [{start}, {end}), which is empty")
        spans.append((int(start), int(end), label))
    return spans


def _by_label(spans: list[Span]) -> dict[Hashable, list[tuple[int, int]]]:
    out: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
    for start, end, label in spans:
        out[label].append((start, end))
    return out


def _groups(spans: list[Span]) -> dict[Hashable, list[tuple[int, int]]]:
    """One coder's spans by label, each label's sorted by start (read once per coder)."""
    return {label: sorted(members) for label, members in _by_label(spans).items()}


def _overlap_matches(gold: list[Span], predicted: list[Span],
                     grouped: tuple[dict, dict] | None = None) -> int:
    left_groups, right_groups = grouped or (_groups(gold), _groups(predicted))
    return sum(maximum_interval_matching(left, right_groups[label])
               for label, left in left_groups.items() if label in right_groups)


def maximum_interval_matching(left: list[tuple[int, int]], right: list[tuple[int, int]]
                              ) -> int:
    """The size of a maximum one-to-one matching of overlapping half-open intervals.

    Sweeps all intervals by end; an unmatched interval takes the overlapping unmatched
    interval of the other side that ends first. Exact: the interval x ending first has only
    neighbours ending no earlier, and if an optimal matching pairs x with y' and x's
    first-ending neighbour y with x', then x' overlaps y' too (s(x') < e(y) <= e(y') and
    s(y') < e(x) <= e(x')), so swapping keeps it optimal. O(n log n) with a heap per side;
    the result does not depend on the input order.
    """
    sides = (sorted(left), sorted(right))  # by start, to activate in order
    events = sorted([(end, side, i) for side, spans in enumerate(sides)
                     for i, (_, end) in enumerate(spans)])
    matched = (bytearray(len(sides[0])), bytearray(len(sides[1])))
    heaps: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
    cursor = [0, 0]
    count = 0
    for end, side, i in events:
        if matched[side][i]:
            continue
        matched[side][i] = 1  # done with: an unmatched interval here stays unmatched
        other = 1 - side
        spans, heap = sides[other], heaps[other]
        # Every interval of the other side starting before `end` may overlap this one.
        while cursor[other] < len(spans) and spans[cursor[other]][0] < end:
            j = cursor[other]
            heapq.heappush(heap, (spans[j][1], j))
            cursor[other] += 1
        while heap and matched[other][heap[0][1]]:
            heapq.heappop(heap)
        # The rest of the heap ends at or after `end`: all of them overlap this interval.
        if heap:
            _, j = heapq.heappop(heap)
            matched[other][j] = 1
            count += 1
    return count


def overlap_pairs(gold: list[Span], predicted: list[Span]) -> list[tuple[int, int]]:
    """Index pairs (gold, predicted) of a maximum one-to-one matching of overlapping spans
    with the same label: the largest overlaps paired first, then augmenting paths (Berge)
    until no pair can be added (Berge 1957: a matching is maximum when no augmenting path
    is left), so the count is `span_f1`'s true positives in overlap mode.
    """
    edges: dict[int, list[int]] = defaultdict(list)
    candidates = []
    for i, (start, end, label) in enumerate(gold):
        for j, (other_start, other_end, other_label) in enumerate(predicted):
            overlap = min(end, other_end) - max(start, other_start)
            if label == other_label and overlap > 0:
                edges[i].append(j)
                candidates.append((-overlap, i, j))
    partner_of_left: dict[int, int] = {}
    partner_of_right: dict[int, int] = {}
    for _, i, j in sorted(candidates):
        if i not in partner_of_left and j not in partner_of_right:
            partner_of_left[i], partner_of_right[j] = j, i

    def augment(root: int, seen: set[int]) -> bool:
        """Search an augmenting path from `root` depth first (iteratively: paths can be
        long) and flip it if one is found."""
        stack = [(root, iter(edges[root]))]
        trail: list[tuple[int, int]] = []  # the edges taken to reach each frame but the root
        while stack:
            i, untried = stack[-1]
            for j in untried:
                if j in seen:
                    continue
                seen.add(j)
                trail.append((i, j))
                if j not in partner_of_right:
                    for a, b in trail:
                        partner_of_left[a], partner_of_right[b] = b, a
                    return True
                stack.append((partner_of_right[j], iter(edges[partner_of_right[j]])))
                break
            else:
                stack.pop()
                if trail:
                    trail.pop()
        return False

    seen: set[int] = set()  # kept across failed searches: they cannot succeed later
    for i in list(edges):
        if i not in partner_of_left and augment(i, seen):
            seen = set()
    return sorted(partner_of_left.items())
