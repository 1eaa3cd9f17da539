"""The most common value of a count, the same whatever order the values were counted in.

`Counter.most_common` breaks ties by first insertion, which follows the order a query's rows
arrive in; databases do not promise one. Here a tie goes to the smallest value."""

from __future__ import annotations

from collections import Counter
from typing import Any


def commonest(counts: Counter) -> Any:
    """The value counted most often; of values tied for most, the smallest."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
