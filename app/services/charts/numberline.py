"""Claims' values on one number line, a row per claim with who says it: a point for a
value, a bar for a range, a bar running off the axis for "at least" or "up to"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.services.charts.axis import FONT, WIDTH, Axis, fit, number, spaced, text_width, ticks

LEFT, RIGHT, TOP, BOTTOM = 10, 14, 8, 28
ROW = 32
MAX_ROWS = 40  # more rows than a phone can scroll past usefully: the table has them all


def number_line(rows: list[dict[str, Any]], *,
                tick_text: Callable[[float], str] = number) -> dict[str, Any] | None:
    """Geometry of claims ({"low", "high": numbers, None where open; "value": as written;
    "who"; "contradicts": bool}) on an axis over every finite bound with a little room at
    each end. Rows without any bound are left off (the table lists them). None when no
    row has a bound."""
    drawn = [r for r in rows if r.get("low") is not None or r.get("high") is not None]
    if not drawn:
        return None
    shown = drawn[:MAX_ROWS]
    bounds = [v for r in shown for v in (r.get("low"), r.get("high")) if v is not None]
    low, high = min(bounds), max(bounds)
    pad = (high - low) * 0.06 or max(abs(low) * 0.1, 1.0)
    low, high = low - pad, high + pad
    axis = Axis(low, high, LEFT, WIDTH - RIGHT)
    out = []
    for i, row in enumerate(shown):
        top = TOP + i * ROW
        value = ("≠ " if row.get("contradicts") else "") + row["value"]
        value_room = min(text_width(value), (axis.end - axis.start) / 2)
        value = fit(value, value_room)
        x1 = axis.start if row.get("low") is None else axis.at(row["low"])
        x2 = axis.end if row.get("high") is None else axis.at(row["high"])
        out.append({
            "who": row["who"], "value": row["value"], "contradicts": bool(row.get("contradicts")),
            "text": fit(row["who"], axis.end - axis.start - text_width(value) - 10),
            "value_text": value, "text_y": top + FONT, "y": top + FONT + 11,
            "x1": x1, "x2": x2, "point": x1 == x2 and row.get("low") is not None
            and row.get("high") is not None,
            "open_low": row.get("low") is None, "open_high": row.get("high") is None})
    bottom = TOP + len(shown) * ROW
    values = ticks(low, high, 4)
    labels = spaced([{"x": axis.at(v), "text": tick_text(v), "anchor": "middle"}
                     for v in values], start=0, end=WIDTH)
    return {"width": WIDTH, "height": bottom + BOTTOM, "left": axis.start, "right": axis.end,
            "top": TOP, "bottom": bottom, "rows": out,
            "ticks": [{"x": axis.at(v)} for v in values],
            "tick_labels": [{**t, "y": bottom + 16} for t in labels],
            "left_off": len(drawn) - len(shown), "unplaced": len(rows) - len(drawn)}
