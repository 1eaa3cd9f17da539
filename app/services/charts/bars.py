"""Horizontal bars with interval whiskers: agreement per label, one row each, the name on
its own line above the bar so that names never overlap and never run into the plot."""

from __future__ import annotations

import math
from typing import Any

from app.services.charts.axis import FONT, WIDTH, Axis, fit, number, spaced, text_width, ticks

LEFT, RIGHT, TOP, BOTTOM = 8, 12, 8, 28
ROW = 36           # a row: its text line, then the bar
BAR = 12           # the bar's thickness
GUIDES = (0.667, 0.8)  # Krippendorff's lines: tentative, reliable


def interval_bars(rows: list[dict[str, Any]], *, floor: float = -1.0,
                  ceiling: float = 1.0) -> dict[str, Any] | None:
    """Geometry of one bar per row ({"label", "value", "low", "high"}; value None when
    undefined) on an axis from 0 or the lowest value or interval end (down to a tenth, not
    below `floor`) to `ceiling`. Intervals are clipped to the axis and say so. None when
    there are no rows."""
    if not rows:
        return None
    seen = [v for r in rows for v in (r.get("value"), r.get("low")) if v is not None]
    low = max(floor, min(0.0, math.floor(min(seen, default=0.0) * 10) / 10))
    axis = Axis(low, ceiling, LEFT, WIDTH - RIGHT)
    zero = axis.at(0.0)
    out = []
    for i, row in enumerate(rows):
        top = TOP + i * ROW
        value = row.get("value")
        shown = "—" if value is None else f"{value:.2f}"
        room = axis.end - axis.start - text_width(shown) - 8
        item: dict[str, Any] = {
            "label": row["label"], "text": fit(row["label"], room), "value": value,
            "value_text": shown, "text_y": top + FONT, "bar_y": top + FONT + 6,
            "mid_y": top + FONT + 6 + BAR / 2, "low": row.get("low"), "high": row.get("high"),
            "whisker": None}
        if value is not None:
            x = axis.at(value)
            item.update(x=min(x, zero), width=round(abs(x - zero), 1), end_x=x,
                        negative=value < 0)
            if row.get("low") is not None and row.get("high") is not None:
                item["whisker"] = {"x1": axis.at(row["low"]), "x2": axis.at(row["high"]),
                                   "cut_low": axis.off(row["low"]),
                                   "cut_high": axis.off(row["high"])}
        out.append(item)
    bottom = TOP + len(rows) * ROW
    tick_values = ticks(low, ceiling, 5)
    labels = spaced([{"x": axis.at(v), "text": number(v), "anchor": "middle"}
                     for v in tick_values], start=0, end=WIDTH)
    return {
        "width": WIDTH, "height": bottom + BOTTOM, "left": axis.start, "right": axis.end,
        "top": TOP, "bottom": bottom, "zero": zero, "bar": BAR, "rows": out,
        "ticks": [{"x": axis.at(v), "value": v} for v in tick_values],
        "tick_labels": [{**t, "y": bottom + 16} for t in labels],
        "guides": [{"x": axis.at(g), "value": g} for g in GUIDES if low <= g <= ceiling],
        "defined": [r for r in out if r["value"] is not None],
        "undefined": [r for r in out if r["value"] is None],
    }
