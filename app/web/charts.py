"""The charts' page side: template globals that turn what a page already holds (an agreement
layer, a feedback report, a claims board, the progress board) into chart geometry, so that
each page draws its chart with one include (templates under web/charts/)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, gettext

from app import zones
from app.models import utcnow
from app.services import charts
from app.web import bp
from app.web.words import key_words


def _day(day: date) -> str:
    """A day as short as the viewer's language writes it: "5 Dec", "5 дек."."""
    return format_date(day, "d MMM")


@bp.app_template_global()
def label_agreement_chart(labels: list[dict[str, Any]], names: dict[str, str] | None = None
                          ) -> dict[str, Any] | None:
    """Bars of each label's agreement with its interval (an agreement layer's `labels`),
    each named as the codebook names it (`names`: key -> name)."""
    names = names or {}
    return charts.interval_bars([
        {"label": names.get(f["label"]) or key_words(str(f["label"])), "value": f["value"],
         "low": (f.get("ci") or [None, None])[0], "high": (f.get("ci") or [None, None])[1]}
        for f in labels])


@bp.app_template_global()
def student_scores_chart(report: dict[str, Any], project: Any) -> dict[str, Any] | None:
    """A student's scores against the key on each submitted document with a key, in the
    order submitted (a feedback report's rows)."""
    zone = zones.viewer_zone(project)
    points = []
    for row in report["rows"]:
        feedback = row.get("feedback")
        if not row.get("counted") or not feedback or not feedback.get("submitted_at"):
            continue
        layers = feedback.get("layers", {})
        points.append({
            "when": feedback["submitted_at"].astimezone(ZoneInfo(zone)),
            "title": row["title"],
            "values": {"share": feedback["passages"].get("share"),
                       "rhetoric": (layers.get("rhetoric") or {}).get("f1"),
                       "claim": (layers.get("claim") or {}).get("f1")}})
    return charts.score_timeline(points, [
        ("share", gettext("Source types as the key")), ("rhetoric", gettext("Rhetoric F1")),
        ("claim", gettext("Unsupported claims F1"))], label=_day)


def _date_bounds(text: str) -> tuple[float | None, float | None]:
    """A claimed date (YYYY-MM-DD, or YYYY-MM for the whole month) as day numbers."""
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1]
            return (date(parts[0], parts[1], 1).toordinal(),
                    date(parts[0], parts[1], last).toordinal())
        day = date(*parts).toordinal()
        return day, day
    except (TypeError, ValueError):
        return None, None


@bp.app_template_global()
def claims_number_line(board: dict[str, Any]) -> dict[str, Any] | None:
    """The claims board's numbers or dates on one line, with who says each (None for a
    board of text values: words have no order to draw)."""
    kind = board["question"].value_kind
    if kind not in ("number", "date"):
        return None
    rows = []
    for row in board["rows"]:
        link = row["link"]
        low, high = (_date_bounds(link.value_date) if kind == "date"
                     else (link.value_low, link.value_high))
        rows.append({"low": low, "high": high, "value": row["value"],
                     "who": row["speaker"] or row["publisher"] or gettext("unknown"),
                     "contradicts": bool(row["contradicts"])})
    if kind != "date":
        return charts.number_line(rows)
    bounds = [v for r in rows for v in (r["low"], r["high"]) if v is not None]
    # Dates years apart are told apart by month and year, close ones by day and month.
    style = "MMM y" if bounds and max(bounds) - min(bounds) > 180 else "d MMM"
    return charts.number_line(rows, tick_text=lambda v: format_date(
        date.fromordinal(int(round(v))), style))


@bp.app_template_global()
def class_progress_chart(board: dict[str, Any], project: Any) -> dict[str, Any] | None:
    """Submissions per day and in all, up to the due dates (the progress board's cells)."""
    zone = zones.viewer_zone(project)
    submitted, due, assigned = [], set(), 0
    for row in board["rows"]:
        for cell in row["cells"]:
            if not cell["assigned"]:
                continue
            assigned += 1
            if cell.get("submitted_at") is not None and cell["status"] == "submitted":
                submitted.append(zones.local_date(cell["submitted_at"], zone))
            if cell["due"] is not None:
                due.add(zones.local_date(cell["due"], zone))
    today = zones.local_date(utcnow(), zone)
    return charts.class_progress(submitted, assigned, sorted(due), today, label=_day)
