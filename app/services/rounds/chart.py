"""A line chart of figures over rounds, as geometry for a server-rendered SVG (no script, no
inline style: colours come from each line's CSS class)."""

from __future__ import annotations

import math
from typing import Any

from app.services.charts.axis import fit, text_width

# A narrow drawing scaled to its box, as the other charts (app.services.charts.axis): on a
# 390 px phone its 12-unit text stays about 11 px; CSS caps the box on a wide screen.
WIDTH, HEIGHT = 360, 236
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 50
PALETTE = 8  # line classes chart-line-0 … chart-line-7
TICK_FONT = 12  # .chart-tick in app.css
GAP = 8  # between two round names


def wrap(name: str, room: float, lines: int = 2) -> list[str]:
    """`name` in at most `lines` lines of `room` width, broken between words; only what
    still does not fit is cut (the table under the chart has every name whole)."""
    out: list[str] = []
    words = name.split()
    while words and len(out) < lines:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", TICK_FONT) <= room:
            line = f"{line} {words.pop(0)}"
        out.append(line)
    if words:
        out[-1] = f"{out[-1]} {' '.join(words)}"
    return [fit(line, room, TICK_FONT) for line in out]


def _room(i: int, count: int, step: float, inner_w: float) -> float:
    """The width a round's name may take under its point: the whole axis for one round;
    for the two ends (anchored inward) up to the next name; a step for the others."""
    if count == 1:
        return inner_w
    if i in (0, count - 1):
        return (step if count == 2 else step / 2) - GAP
    return step - GAP


def line_chart(rounds: list[str], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Points, segments and axes of `lines` ({"name", "values": one per round, None where
    a figure is undefined}) on a y axis from the lowest value (at most 0) to 1."""
    values = [v for line in lines for v in line["values"] if v is not None]
    low = math.floor(min([0.0, *values]) * 10) / 10  # down to a tenth: alpha can be < 0
    span = 1.0 - low or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(rounds) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (i * step if len(rounds) > 1 else inner_w / 2), 1)

    def y(v: float) -> float:
        return round(TOP + (1.0 - v) / span * inner_h, 1)

    out_lines = []
    for n, line in enumerate(lines):
        points = [(x(i), y(v), v, rounds[i]) for i, v in enumerate(line["values"])
                  if v is not None]
        # A round without a value breaks the line rather than bridging it.
        segments, current = [], []
        for i, v in enumerate(line["values"]):
            if v is None:
                if len(current) > 1:
                    segments.append(" ".join(current))
                current = []
            else:
                current.append(f"{x(i)},{y(v)}")
        if len(current) > 1:
            segments.append(" ".join(current))
        out_lines.append({"name": line["name"], "css": f"chart-line-{n % PALETTE}",
                          "segments": segments,
                          "points": [{"x": px, "y": py, "value": v, "round": r}
                                     for px, py, v, r in points]})
    ticks = []
    tick = 1.0
    while tick >= low - 1e-9:
        ticks.append({"y": y(tick), "label": f"{tick:.1f}"})
        tick = round(tick - (0.2 if span > 0.6 else 0.1), 1)
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
            "top": TOP, "bottom": HEIGHT - BOTTOM, "zero": y(0.0),
            # The end labels are anchored inward so that a long round name is not cut off.
            "rounds": [{"x": x(i), "name": name,
                        "lines": wrap(name, _room(i, len(rounds), step, inner_w)),
                        "anchor": "middle" if len(rounds) == 1 else "start" if i == 0
                        else "end" if i == len(rounds) - 1 else "middle"}
                       for i, name in enumerate(rounds)],
            "ticks": ticks, "lines": out_lines}


def most_moved(lines: list[dict[str, Any]], limit: int = PALETTE) -> list[dict[str, Any]]:
    """The lines with a value in two or more rounds, those that moved most first (first to
    last value), at most `limit`: more lines than colours cannot be told apart."""
    def moved(line: dict[str, Any]) -> float:
        values = [v for v in line["values"] if v is not None]
        return abs(values[-1] - values[0])

    drawn = [line for line in lines if sum(v is not None for v in line["values"]) >= 2]
    return sorted(drawn, key=moved, reverse=True)[:limit]
