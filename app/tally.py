"""The most common value of a count, the same whatever order the values were counted in.

`Counter.most_common` breaks ties by first insertion, which follows the order a query's rows
arrive in; databases do not promise one. Here a tie goes to the smallest value."""

from __future__ import annotations

from collections import Counter
from typing import Any


def _most_first(item: tuple[Any, int]) -> tuple[int, Any]:
    return -item[1], item[0]


def ranked(counts: Counter) -> list[tuple[Any, int]]:
    """(value, count) from the most counted down; values tied on a count, smallest first."""
    return sorted(counts.items(), key=_most_first)


def commonest(counts: Counter) -> Any:
    """The value counted most often; of values tied for most, the smallest."""
    return min(counts.items(), key=_most_first)[0]
