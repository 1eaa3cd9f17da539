"""Chart geometry (app.services.charts): values land where they should, intervals stay on
the axis, no two labels overlap or leave the drawing, and no data means no drawing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.services.charts import class_progress, interval_bars, number_line, score_timeline
from app.services.charts.axis import FONT, WIDTH, fit, spaced, text_width, ticks


def _box(label: dict) -> tuple[float, float]:
    width = text_width(label["text"])
    left = {"start": label["x"], "end": label["x"] - width}.get(label["anchor"],
                                                                label["x"] - width / 2)
    return left, left + width


def _apart(labels: list[dict]) -> bool:
    boxes = sorted(_box(label) for label in labels)
    return all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)) and all(
        0 <= left and right <= WIDTH for left, right in boxes)


def _rows_clear(chart: dict, text: str = "text") -> None:
    """Each row's name and value sit on their own line, apart and inside the drawing."""
    tops = [r["text_y"] for r in chart["rows"]]
    assert all(b - a >= FONT + 8 for a, b in zip(tops, tops[1:], strict=False))
    for r in chart["rows"]:
        name_right = chart["left"] + text_width(r[text])
        value_left = chart["right"] - text_width(r["value_text"])
        assert name_right < value_left and value_left >= 0 and chart["right"] <= WIDTH


def test_bars_put_values_where_the_axis_says():
    chart = interval_bars([{"label": "testimony", "value": 0.5, "low": 0.25, "high": 0.75},
                           {"label": "forum post", "value": 1.0, "low": None, "high": None}])
    left, right = chart["left"], chart["right"]
    half, full = chart["rows"]
    assert chart["zero"] == left  # nothing below 0: the axis starts there
    assert half["end_x"] == pytest.approx(left + (right - left) / 2, abs=0.1)
    assert half["x"] == left and half["width"] == pytest.approx((right - left) / 2, abs=0.1)
    assert half["whisker"]["x1"] == pytest.approx(left + (right - left) / 4, abs=0.1)
    assert half["whisker"]["x2"] == pytest.approx(left + 3 * (right - left) / 4, abs=0.1)
    assert full["end_x"] == right and full["whisker"] is None
    assert [g["value"] for g in chart["guides"]] == [0.667, 0.8]


def test_a_negative_value_widens_the_axis_and_runs_left_of_zero():
    chart = interval_bars([{"label": "a", "value": -0.25, "low": None, "high": None}])
    (row,) = chart["rows"]
    assert chart["ticks"][0]["value"] <= 0 and chart["zero"] > chart["left"]
    assert row["negative"] and row["x"] == row["end_x"] < chart["zero"]
    assert row["x"] + row["width"] == pytest.approx(chart["zero"], abs=0.2)


@pytest.mark.parametrize(("low", "high", "cut"), [
    (0.4, 1.3, (False, True)),      # a bootstrap end above 1
    (-1.6, 0.2, (True, False)),     # below alpha's floor of -1
    (-2.0, 3.0, (True, True)),
])
def test_intervals_are_clipped_to_the_axis_and_say_so(low, high, cut):
    chart = interval_bars([{"label": "x", "value": 0.3, "low": low, "high": high}])
    whisker = chart["rows"][0]["whisker"]
    assert chart["left"] <= whisker["x1"] <= whisker["x2"] <= chart["right"]
    assert (whisker["cut_low"], whisker["cut_high"]) == cut
    if cut[0]:
        assert whisker["x1"] == chart["left"]
    if cut[1]:
        assert whisker["x2"] == chart["right"]


def test_bar_names_never_overlap_their_values_however_long():
    rows = [{"label": "appeal to fear and prejudice " * 4, "value": 0.123456,
             "low": None, "high": None},
            {"label": "undefined one", "value": None},
            {"label": "ok", "value": -0.5, "low": -0.9, "high": 0.1}]
    chart = interval_bars(rows)
    _rows_clear(chart)
    assert chart["rows"][0]["text"].endswith("…")
    assert chart["rows"][0]["label"] == rows[0]["label"]  # the table keeps the whole name
    assert [r["label"] for r in chart["undefined"]] == ["undefined one"]
    assert _apart(chart["tick_labels"])


@pytest.mark.parametrize("build", [
    lambda: interval_bars([]),
    lambda: number_line([]),
    lambda: number_line([{"low": None, "high": None, "value": "", "who": "x"}]),
    lambda: score_timeline([], [("f1", "F1")]),
    lambda: score_timeline([{"when": datetime(2026, 12, 1, tzinfo=UTC), "title": "t",
                             "values": {"f1": None}}], [("f1", "F1")]),
    lambda: class_progress([], 0, [], date(2026, 12, 5)),
])
def test_no_data_draws_nothing(build):
    assert build() is None


def test_number_line_places_points_ranges_and_open_ends():
    rows = [{"low": 10, "high": 10, "value": "10", "who": "Police"},
            {"low": 14, "high": 15, "value": "14–15", "who": "Mayor's office"},
            {"low": 20, "high": None, "value": "at least 20", "who": "A witness",
             "contradicts": True},
            {"low": None, "high": 12, "value": "up to 12", "who": "Forum"}]
    chart = number_line(rows)
    point, span, at_least, up_to = chart["rows"]
    per_unit = (span["x1"] - point["x1"]) / 4
    assert per_unit > 0
    assert span["x2"] - span["x1"] == pytest.approx(per_unit, abs=0.2)
    assert at_least["x1"] - point["x1"] == pytest.approx(10 * per_unit, abs=0.3)
    assert point["point"] and not span["point"]
    assert at_least["open_high"] and at_least["x2"] == chart["right"]
    assert up_to["open_low"] and up_to["x1"] == chart["left"]
    assert at_least["value_text"].startswith("≠") and at_least["contradicts"]
    _rows_clear(chart)
    assert _apart(chart["tick_labels"])


def test_number_line_of_one_value_still_has_an_axis():
    chart = number_line([{"low": 7, "high": 7, "value": "7", "who": "x"}] * 3)
    assert chart["left"] < chart["rows"][0]["x1"] < chart["right"]


def test_number_line_draws_at_most_forty_rows():
    rows = [{"low": i, "high": i, "value": str(i), "who": f"speaker {i}"} for i in range(55)]
    chart = number_line(rows)
    assert len(chart["rows"]) == 40 and chart["left_off"] == 15


def test_score_timeline_spaces_submissions_and_breaks_lines_at_gaps():
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    points = [{"when": start + timedelta(hours=h), "title": f"doc {h}",
               "values": {"f1": v, "share": 0.5}}
              for h, v in [(0, 0.2), (1, None), (2, 0.6), (30, 1.0)]]
    chart = score_timeline(points, [("f1", "F1"), ("share", "Share")])
    f1, share = chart["lines"]
    xs = [m["x"] for m in share["marks"]]
    assert xs == sorted(xs) and len(set(xs)) == 4  # two on one day stay apart
    assert len(f1["segments"]) == 1 and len(f1["marks"]) == 3  # broken at the gap
    assert f1["marks"][0]["y"] == pytest.approx(chart["bottom"] - 0.2 * (
        chart["bottom"] - chart["top"]), abs=0.2)
    assert f1["marks"][-1]["y"] == chart["top"]
    assert f1["shape"] != share["shape"]  # not colour alone
    assert [d["text"] for d in chart["days"]] == ["1.12", "2.12"]  # one label per day


def test_day_labels_never_overlap_over_many_days():
    today = date(2026, 12, 5)
    submitted = [today - timedelta(days=i % 70) for i in range(300)]
    chart = class_progress(submitted, 400, [today + timedelta(days=9)], today,
                           label=lambda d: d.strftime("%d %B"))
    assert len(chart["bars"]) == 60  # at most MAX_DAYS, ending on the due day
    assert chart["bars"][0]["total"] > chart["bars"][0]["count"] > 0  # earlier ones count
    assert _apart(chart["days"])
    assert any(d["due"] for d in chart["days"])  # the due day keeps its label


def test_class_progress_counts_days_totals_and_due_dates():
    today = date(2026, 12, 5)
    chart = class_progress([date(2026, 12, 2), date(2026, 12, 4), date(2026, 12, 4)], 6,
                           [date(2026, 12, 8)], today)
    days = {b["day"]: b for b in chart["bars"]}
    assert days[date(2026, 12, 4)]["count"] == 2 and days[date(2026, 12, 4)]["total"] == 3
    assert chart["bars"][-1]["day"] == date(2026, 12, 8) and chart["bars"][-1]["due"]
    assert len(chart["bars"]) >= 7 and chart["submitted"] == 3
    assert len(chart["dots"]) == sum(1 for b in chart["bars"] if b["day"] <= today)
    (due,) = chart["due"]
    assert due["x"] <= chart["right"]
    assert chart["assigned_y"] == chart["top"]  # six assigned tops the scale
    assert chart["busiest"]["day"] == date(2026, 12, 4)


def test_ticks_are_round_and_fit_text_cuts_with_an_ellipsis():
    assert ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert ticks(-0.3, 1, 5)[0] == 0
    assert fit("short", 200) == "short"
    assert fit("≠ at least 17", text_width("≠ at least 17")) == "≠ at least 17"
    assert text_width(fit("a very long name indeed " * 5, 100)) <= 100
    labels = [{"x": x, "text": "12 Dec", "anchor": "middle"} for x in range(0, 361, 10)]
    kept = spaced(labels)
    assert _apart(kept) and 3 < len(kept) < len(labels)


def test_round_names_under_the_rounds_chart_wrap_rather_than_cut():
    from app.services.rounds.chart import line_chart

    chart = line_chart(["Round 1: calibration", "Round 2: after the discussion"],
                       [{"name": "alpha", "values": [0.5, 0.7]}])
    assert [" ".join(r["lines"]) for r in chart["rounds"]] == [
        "Round 1: calibration", "Round 2: after the discussion"]


def test_round_names_under_the_rounds_chart_never_overlap():
    from app.services.charts.axis import text_width
    from app.services.rounds.chart import TICK_FONT, line_chart

    names = [f"Round {n}: after the long discussion of week {n}" for n in range(1, 7)]
    chart = line_chart(names, [{"name": "alpha", "values": [0.5] * 6}])
    extents = []
    for r in chart["rounds"]:
        width = max(text_width(line, TICK_FONT) for line in r["lines"])
        assert len(r["lines"]) <= 2
        left = {"start": r["x"], "end": r["x"] - width, "middle": r["x"] - width / 2}[r["anchor"]]
        extents.append((left, left + width))
        assert 0 <= left and left + width <= chart["width"]
    for (_, right), (left, _) in zip(extents, extents[1:], strict=False):
        assert right < left
