"""What every chart shares: the drawing's size, a linear axis that clips what falls off it,
round tick values, and text widths, so that no label overlaps another or leaves the SVG."""

from __future__ import annotations

import math
from dataclasses import dataclass

# A narrow drawing scaled to its box: at 390 px wide the 13-unit text stays about 11 px;
# CSS caps the box so that on a wide screen it is not blown up (app.css, .chart-figure).
WIDTH = 360
FONT = 13
CHAR = 0.62  # a wide glyph of the system sans, as a share of the font size


def text_width(text: str, size: float = FONT) -> float:
    """The width `text` takes at `size`, estimated on the wide side."""
    return len(text) * size * CHAR


def fit(text: str, width: float, size: float = FONT) -> str:
    """`text` cut with an ellipsis so that it takes at most `width`."""
    room = int(width / (size * CHAR) + 1e-6)  # a text measured to fit exactly does fit
    if len(text) <= room:
        return text
    return text[:max(room - 1, 0)].rstrip() + "…" if room > 0 else ""


@dataclass(frozen=True)
class Axis:
    """A linear scale from [low, high] onto [start, end] drawing units."""

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        """Where `value` goes, held to the axis (a value off it sits on its edge)."""
        value = min(max(value, self.low), self.high)
        span = self.high - self.low or 1.0
        return round(self.start + (value - self.low) / span * (self.end - self.start), 1)

    def off(self, value: float) -> bool:
        return value < self.low - 1e-9 or value > self.high + 1e-9


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` ticks."""
    if span <= 0:
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from `low` to `high` inclusive, about `count` of them."""
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    out, value = [], first
    while value <= high + 1e-9:
        out.append(round(value, 10))
        value += step
    return out


def spaced(labels: list[dict], *, gap: float = 6, size: float = FONT,
           start: float = 0, end: float = WIDTH, ends_first: bool = True) -> list[dict]:
    """The labels ({"x", "text", "anchor"}) that fit side by side on one line, left to
    right: each kept label's box stays inside [start, end] and clear of those kept before
    it. Labels are tried in the order given, the first and last before the rest when
    `ends_first` (an axis keeps its ends)."""
    def box(label: dict) -> tuple[float, float]:
        w = text_width(label["text"], size)
        left = {"start": label["x"], "end": label["x"] - w}.get(label.get("anchor"),
                                                                 label["x"] - w / 2)
        return left, left + w

    order = list(range(len(labels)))
    if ends_first:
        order.sort(key=lambda i: i not in (0, len(labels) - 1))
    kept: list[dict] = []
    boxes: list[tuple[float, float]] = []
    for i in order:
        left, right = box(labels[i])
        if left < start - 0.5 or right > end + 0.5:
            continue
        if all(right + gap <= b[0] or b[1] + gap <= left for b in boxes):
            kept.append(labels[i])
            boxes.append((left, right))
    return sorted(kept, key=lambda label: label["x"])


def anchor(x: float, text: str, size: float = FONT) -> str:
    """How to anchor a label centred on x: at its end near the right edge, at its start
    near the left, so that it is not cut off."""
    half = text_width(text, size) / 2
    if x + half > WIDTH:
        return "end"
    if x - half < 0:
        return "start"
    return "middle"


def number(value: float) -> str:
    """A tick value as short as it reads: 10, 2.5, 0.25, 1,500."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"
