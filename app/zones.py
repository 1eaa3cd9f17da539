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

from babel.dates import format_date, format_time, get_timezone, get_timezone_location
from flask_babel import gettext as _

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
        raise Invalid(_("Unknown time zone '%(value)s': choose one such as Asia/Almaty or "
                        "Europe/Berlin.", value=name[:64]), {field: "unknown time zone"})
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


def _locale() -> str:
    """The page's language (Flask-Babel's choice), English outside a request."""
    try:
        from flask_babel import get_locale

        return str(get_locale() or "en")
    except (RuntimeError, KeyError):  # no request or app context
        return "en"


def label(zone: str, locale: str | None = None) -> str:
    """A zone as people name it, in their language: "Almaty" / "Алматы", "New York", "UTC"."""
    if zone == DEFAULT:
        return DEFAULT
    try:
        return get_timezone_location(get_timezone(zone), locale=locale or _locale(),
                                     return_city=True)
    except LookupError:  # a zone Babel's data does not know
        return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def zone_labels(locale: str) -> tuple[tuple[str, str], ...]:
    """Every zone with the name people give it in `locale`: ("Asia/Almaty", "Алматы")."""
    return tuple((zone, label(zone, locale)) for zone in zone_names())


def show(moment: datetime | None, zone: str, style: str = "datetime",
         now: datetime | None = None, locale: str | None = None) -> str:
    """A time in the zone, with the zone named, in the page's language: "5 Dec 2026, 17:05
    (Almaty)", "5 дек. 2026, 17:05 (Алматы)"; style "date" drops the time of day. The year
    is left out when it is this year's."""
    if moment is None:
        return ""
    locale = locale or _locale()
    local = moment.astimezone(ZoneInfo(zone))
    this_year = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).year
    text = format_date(local, "d MMM" if local.year == this_year else "d MMM y", locale=locale)
    if style == "date":
        return f"{text} ({label(zone, locale)})"
    return f"{text}, {format_time(local, 'HH:mm', locale=locale)} ({label(zone, locale)})"


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
