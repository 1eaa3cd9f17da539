"""Time where the class is: a project's time zone, the viewer's, and times shown in it.

A due date ends at the end of its day in the project's zone. Every time a page shows is
shown in the viewer's zone, named: the zone chosen on their account page, else their
browser's (a cookie app.js sets from Intl), else the project's, else UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from app.services.errors import Invalid

COOKIE = "tz"
DEFAULT = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this server knows, sorted (the zones a form may choose)."""
    names = {n for n in available_timezones() if "/" in n and not n.startswith(
        ("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    return tuple(sorted(names | {DEFAULT}))


def known(name: str | None) -> bool:
    return bool(name) and name in zone_names()


def check_zone(name: str | None, field: str = "time_zone") -> str:
    """The zone's name if this server knows it, or Invalid naming the field."""
    name = (name or "").strip()
    if not known(name):
        raise Invalid(f"Unknown time zone '{name[:64]}': choose one such as Asia/Almaty or "
                      "Europe/Berlin.", {field: "unknown time zone"})
    return name


def end_of_day(day: date, zone: str) -> datetime:
    """The last second of the day in the zone, as UTC (when work due that day falls due)."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def viewer_zone(project: Any = None) -> str:
    """The zone the current viewer reads times in (see the module's docstring)."""
    from flask import has_request_context, request
    from flask_login import current_user

    if has_request_context():
        chosen = getattr(current_user, "time_zone", "") if current_user else ""
        if known(chosen):
            return chosen
        browser = request.cookies.get(COOKIE, "")
        if known(browser):
            return browser
    project_zone = getattr(project, "time_zone", None)
    return project_zone if known(project_zone) else DEFAULT


def label(zone: str) -> str:
    """A zone as people name it: "Almaty", "New York", "UTC"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ") if zone != DEFAULT else DEFAULT


def show(moment: datetime | None, zone: str, style: str = "datetime",
         now: datetime | None = None) -> str:
    """A time in the zone, with the zone named: "5 Dec 2026, 17:05 (Almaty)"; style "date"
    drops the time of day. The year is left out when it is this year's."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    this_year = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).year
    text = f"{local.day} {local:%b}" + ("" if local.year == this_year else f" {local.year}")
    if style == "date":
        return f"{text} ({label(zone)})"
    return f"{text}, {local:%H:%M} ({label(zone)})"


def init_app(app: Any) -> None:
    """The `when` filter every template uses for times: `{{ moment|when }}`,
    `{{ moment|when('date') }}`; the viewer's zone comes from the page's `project`."""
    from jinja2 import pass_context

    @pass_context
    def when(context: Any, moment: datetime | None, style: str = "datetime") -> str:
        return show(moment, viewer_zone(context.get("project")), style)

    @pass_context
    def viewer_zone_label(context: Any) -> str:
        return label(viewer_zone(context.get("project")))

    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["viewer_zone_label"] = viewer_zone_label
