"""Figures over time: a student's scores against the key submission by submission, and the
class's submissions day by day up to the due dates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from app.services.charts.axis import WIDTH, Axis, anchor, number, spaced, ticks

LEFT, RIGHT, TOP, BOTTOM = 34, 14, 12, 30
PLOT = 150  # the plot's height
MARKERS = ("circle", "square", "triangle")  # one shape per series: colour is not alone
MAX_DAYS = 60


def _marker(shape: str, x: float, y: float) -> dict[str, Any]:
    """A marker's geometry: a circle's centre, a square's corner or a triangle's points."""
    if shape == "square":
        return {"shape": shape, "x": round(x - 4, 1), "y": round(y - 4, 1)}
    if shape == "triangle":
        return {"shape": shape, "points": f"{x},{round(y - 5, 1)} {round(x + 5, 1)},"
                f"{round(y + 4, 1)} {round(x - 5, 1)},{round(y + 4, 1)}"}
    return {"shape": "circle", "x": x, "y": y}


def _y_axis(high: float) -> tuple[Axis, list[dict[str, Any]]]:
    axis = Axis(0.0, high, TOP + PLOT, TOP)  # upwards: larger values higher
    return axis, [{"y": axis.at(v), "text": number(v) if high > 1 else f"{v:.1f}",
                   "value": v} for v in ticks(0.0, high, 5)]


def day_text(day: date) -> str:
    return f"{day.day}.{day.month:02d}"


def score_timeline(points: list[dict[str, Any]], series: list[tuple[str, str]],
                   label: Callable[[date], str] = day_text) -> dict[str, Any] | None:
    """Scores from 0 to 1 ({"when": datetime, "title", "values": {series key: value or
    None}}) in the order they were made, evenly spaced (two on one day stay apart), with a
    line per series broken where a value is missing. None when no value is defined."""
    points = sorted(points, key=lambda p: p["when"])
    if not any(v is not None for p in points for v in p["values"].values()):
        return None
    y, y_ticks = _y_axis(1.0)
    right = WIDTH - RIGHT
    step = (right - LEFT - 20) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + 10 + (i * step if len(points) > 1 else (right - LEFT - 20) / 2), 1)

    lines = []
    for n, (key, name) in enumerate(series):
        shape = MARKERS[n % len(MARKERS)]
        segments, current, marks = [], [], []
        for i, point in enumerate(points):
            value = point["values"].get(key)
            if value is None:
                if len(current) > 1:
                    segments.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(i)},{y.at(value)}")
            marks.append({**_marker(shape, x(i), y.at(value)), "value": value,
                          "title": point["title"], "day": label(point["when"].date())})
        if len(current) > 1:
            segments.append(" ".join(current))
        lines.append({"key": key, "name": name, "css": f"chart-series-{n % len(MARKERS)}",
                      "shape": shape, "segments": segments, "marks": marks,
                      "legend": _marker(shape, 8, 8)})
    days = [{"x": x(i), "text": label(p["when"].date())} for i, p in enumerate(points)]
    days = [{**d, "anchor": anchor(d["x"], d["text"])} for d in days]
    # One date per day: a second submission on a day keeps its place but not its label.
    firsts = [d for i, d in enumerate(days) if i == 0 or d["text"] != days[i - 1]["text"]]
    return {"width": WIDTH, "height": TOP + PLOT + BOTTOM, "left": LEFT, "right": right,
            "top": TOP, "bottom": TOP + PLOT, "ticks": y_ticks, "lines": lines,
            "days": [{**d, "y": TOP + PLOT + 18} for d in spaced(firsts)],
            "rows": [{"title": p["title"], "day": label(p["when"].date()),
                      "values": [p["values"].get(key) for key, _ in series]}
                     for p in points],
            "series": [name for _, name in series]}


def class_progress(submitted: list[date], assigned: int, due: list[date], today: date,
                   label: Callable[[date], str] = day_text) -> dict[str, Any] | None:
    """Documents submitted per day (bars) and in all (a line, up to today) against the
    documents assigned, over the days from the first submission or due date to the last
    due date or today (at least a week, at most MAX_DAYS: earlier submissions count from
    the first day drawn). Due days are marked. None when nothing is assigned."""
    if assigned <= 0:
        return None
    known = [*submitted, *due, today]
    first, last = min(known), max(known)
    first = min(first, last - timedelta(days=6))
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_day = Counter(day for day in submitted if day >= first)
    before = len(submitted) - sum(per_day.values())  # in the line, not in a day's bar
    high = max(assigned, len(submitted))
    y, y_ticks = _y_axis(high if high > 1 else 1)
    y_ticks = [t for t in y_ticks if float(t["value"]).is_integer()]
    right = WIDTH - RIGHT
    band = (right - LEFT) / len(days)
    bar = max(round(band * 0.6, 1), 1.0)
    due_days = set(due)
    bars, line, total = [], [], before
    for i, day in enumerate(days):
        mid = round(LEFT + band * (i + 0.5), 1)
        count = per_day.get(day, 0)
        total += count
        bars.append({"day": day, "text": label(day), "count": count, "total": total,
                     "x": round(mid - bar / 2, 1), "y": y.at(count),
                     "height": round(y.at(0) - y.at(count), 1), "mid": mid,
                     "due": day in due_days, "future": day > today})
        if day <= today:
            line.append(f"{mid},{y.at(total)}")
    # Label the due days first, then the last day, then whatever else fits without touching.
    marks = [{"x": b["mid"], "text": b["text"], "anchor": anchor(b["mid"], b["text"]),
              "due": b["due"]} for b in bars]
    order = sorted(marks, key=lambda m: (not m["due"], m["x"] != bars[-1]["mid"]))
    kept = spaced(order, ends_first=False)
    return {"width": WIDTH, "height": TOP + PLOT + BOTTOM, "left": LEFT, "right": right,
            "top": TOP, "bottom": TOP + PLOT, "ticks": y_ticks, "bars": bars,
            "bar": bar, "line": " ".join(line),
            "dots": [{"x": b["mid"], "y": y.at(b["total"])} for b in bars if not b["future"]],
            "assigned_y": y.at(assigned), "assigned": assigned, "submitted": total,
            "due": [{"x": round(b["mid"] + band / 2, 1), "day": b["text"]}
                    for b in bars if b["due"]],
            "days": [{**m, "y": TOP + PLOT + 18} for m in kept],
            "today": label(today), "first_due": label(min(due)) if due else None,
            "last_due": label(max(due)) if due else None,
            "busiest": max(bars, key=lambda b: b["count"]) if total else None}
