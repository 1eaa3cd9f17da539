"""Charts as geometry for server-rendered SVG: pure functions from figures to positions,
labels and ticks (no Flask, no database, no drawing). Templates in web/charts/ draw them
with CSS classes only (the CSP allows no inline style), each beside a table of the same
numbers. A builder given nothing to draw returns None, and the page says so in words."""

from app.services.charts.bars import interval_bars
from app.services.charts.numberline import number_line
from app.services.charts.timeline import class_progress, score_timeline

__all__ = ["class_progress", "interval_bars", "number_line", "score_timeline"]
