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
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from app.agreement._errors import Undefined

__all__ = ["SpanScores", "span_f1"]

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
    gold = _spans(units_a, "units_a")
    predicted = _spans(units_b, "units_b")
    if not gold and not predicted:
        raise Undefined("neither side has a span, so precision, recall and F1 are 0/0")
    if mode == "exact":
        matched = sum((Counter(gold) & Counter(predicted)).values())
    else:
        matched = _overlap_matches(gold, predicted)
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
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"{name}[{number}]: {what} {value!r} is not an integer")
        if not start < end:
            raise ValueError(f"{name}[{number}] spans [{start}, {end}), which is empty")
        spans.append((int(start), int(end), label))
    return spans


def _overlap_matches(gold: list[Span], predicted: list[Span]) -> int:
    by_label: dict[Hashable, tuple[list[Span], list[Span]]] = defaultdict(lambda: ([], []))
    for span in gold:
        by_label[span[2]][0].append(span)
    for span in predicted:
        by_label[span[2]][1].append(span)
    matched = 0
    for left, right in by_label.values():
        if not left or not right:
            continue
        order = sorted(range(len(right)), key=lambda j: right[j][0])
        starts = [right[j][0] for j in order]
        candidates: list[tuple[int, int, int]] = []
        for i, (start, end, _) in enumerate(left):
            for j in order[: bisect.bisect_left(starts, end)]:
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
