"""Pairwise span precision, recall and F1 between two annotators.

References: the exact-match span F1 of the CoNLL shared tasks (Tjong Kim Sang & De Meulder
2003, "Introduction to the CoNLL-2003 shared task") and its use as a pairwise inter-annotator
agreement measure for span annotation (Hripcsak & Rothschild 2005, "Agreement, the F-measure,
and reliability in information retrieval", JAMIA 12: 296-298), with a relaxed (overlap) match
as in the MUC/SemEval partial-match schemes.
"""

from __future__ import annotations

import bisect
import numbers
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.agreement._errors import Undefined

__all__ = ["SpanScores", "pairwise_span_f1", "span_f1"]

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
    to one, greedily by largest overlap (ties by input order).
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
        raise Undefined("neither side has a span, so precision, recall and F1 are 0/0")
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


@dataclass(frozen=True)
class _Group:
    """One coder's spans of one label, in input order, indexed by start for overlap search."""

    spans: list[Span]
    order: list[int]
    starts: list[int]
    longest: int


def _groups(spans: list[Span]) -> dict[Hashable, _Group]:
    by_label: dict[Hashable, list[Span]] = defaultdict(list)
    for span in spans:
        by_label[span[2]].append(span)
    out = {}
    for label, members in by_label.items():
        order = sorted(range(len(members)), key=lambda j: members[j][0])
        out[label] = _Group(members, order, [members[j][0] for j in order],
                            max(m[1] - m[0] for m in members))
    return out


def _overlap_matches(gold: list[Span], predicted: list[Span],
                     grouped: tuple[dict, dict] | None = None) -> int:
    left_groups, right_groups = grouped or (_groups(gold), _groups(predicted))
    matched = 0
    for label, left_group in left_groups.items():
        right_group = right_groups.get(label)
        if right_group is None:
            continue
        left, right = left_group.spans, right_group.spans
        order, starts, longest = right_group.order, right_group.starts, right_group.longest
        # A span starting more than the longest span's length before `start` ends before it:
        # only the window between those two bounds can overlap.
        candidates: list[tuple[int, int, int]] = []
        for i, (start, end, _) in enumerate(left):
            low = bisect.bisect_right(starts, start - longest)
            for j in order[low: bisect.bisect_left(starts, end)]:
                overlap = min(end, right[j][1]) - max(start, right[j][0])
                if overlap > 0:
                    candidates.append((-overlap, i, j))
        candidates.sort()
        used_left: set[int] = set()
        used_right: set[int] = set()
        for _, i, j in candidates:
            if i not in used_left and j not in used_right:
                used_left.add(i)
                used_right.add(j)
                matched += 1
    return matched
