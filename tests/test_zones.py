"""Time where the class is: due dates end at midnight in the project's zone, and every time
is shown in the viewer's zone (their setting, else their browser's, else the project's)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app import zones
from app.extensions import db
from app.models import Assignment, Project
from app.services.errors import Invalid


@pytest.fixture
def almaty(make, login_as):
    """A class in Almaty's zone with a document and a student; its teacher signed in."""
    teacher = make.user("teacher", role="teacher")
    project = make.project(teacher, "Almaty class")
    project.time_zone = "Asia/Almaty"
    db.session.commit()
    make.document(project)
    make.member(project, username="dana")
    return project, login_as(teacher)


def test_a_due_date_ends_at_midnight_in_the_zone():
    assert zones.end_of_day(date(2031, 5, 1), "Asia/Almaty") == datetime(
        2031, 5, 1, 18, 59, 59, tzinfo=UTC)
    assert zones.end_of_day(date(2031, 5, 1), "UTC") == datetime(
        2031, 5, 1, 23, 59, 59, tzinfo=UTC)
    # Across a daylight-saving change: New York is UTC-4 in July.
    assert zones.end_of_day(date(2031, 7, 1), "America/New_York") == datetime(
        2031, 7, 2, 3, 59, 59, tzinfo=UTC)


def test_times_are_shown_in_the_zone_with_its_name():
    moment = datetime(2031, 5, 1, 18, 59, 59, tzinfo=UTC)
    now = datetime(2031, 3, 1, tzinfo=UTC)
    assert zones.show(moment, "Asia/Almaty", now=now) == "1 May, 23:59 (Almaty)"
    assert zones.show(moment, "UTC", now=now) == "1 May, 18:59 (UTC)"
    assert zones.show(moment, "America/New_York", "date", now=now) == "1 May (New York)"
    assert zones.show(moment, "UTC", "date", now=datetime(2030, 1, 1, tzinfo=UTC)) \
        == "1 May 2031 (UTC)"


def test_times_are_shown_in_the_pages_language():
    moment = datetime(2031, 5, 1, 18, 59, 59, tzinfo=UTC)
    now = datetime(2031, 3, 1, tzinfo=UTC)
    assert zones.show(moment, "Asia/Almaty", now=now, locale="ru") == "1 мая, 23:59 (Алматы)"
    assert zones.show(moment, "America/New_York", "date", now=now, locale="kk") \
        == "1 мам. (Нью-Йорк)"


def test_a_russian_page_shows_its_due_dates_in_russian(client, almaty):
    project, token = almaty
    russian = {"Accept-Language": "ru"}
    client.post(f"/projects/{project.id}/assignments", headers=russian, data={
        "mode": "all", "due": "2031-05-01", "csrf_token": token})
    page = client.get(f"/projects/{project.id}", headers=russian)
    text = page.get_data(as_text=True)
    assert "1 мая 2031, 23:59" in text and "(Алматы)" in text and "1 May" not in text


@pytest.mark.parametrize("bad", ["", "Mars/Olympus", "Asia/Almaty; drop", "x" * 300])
def test_unknown_zones_are_refused_naming_the_field(bad):
    with pytest.raises(Invalid) as refused:
        zones.check_zone(bad)
    assert refused.value.fields == {"time_zone": "unknown time zone"}


def test_a_new_project_takes_the_zone_of_the_form(client, make, login_as):
    login_as(make.user("teacher", role="teacher"))
    token = client.get("/projects/new").get_data(as_text=True)
    assert 'data-browser-zone="fill"' in token
    from tests.conftest import csrf_token

    csrf = csrf_token(client, "/projects/new")
    bad = client.post("/projects/new", data={"title": "Almaty class",
                                             "time_zone": "Mars/Olympus", "csrf_token": csrf})
    assert bad.status_code == 400 and "Unknown time zone" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    ok = client.post("/projects/new", data={"title": "Almaty class",
                                            "time_zone": "Asia/Almaty", "csrf_token": csrf})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(Project.time_zone)) == "Asia/Almaty"


def test_due_dates_end_at_midnight_in_the_projects_zone(client, almaty):
    project, token = almaty
    response = client.post(f"/projects/{project.id}/assignments", data={
        "mode": "all", "due": "2031-05-01", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Assignment.due_at)) == datetime(
        2031, 5, 1, 18, 59, 59, tzinfo=UTC)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Due 1 May 2031, 23:59 (Almaty)" in page  # the viewer has no zone: the project's
    assert 'value="2031-05-01"' in page  # the form shows the day in the project's zone


def test_the_viewers_zone_is_their_setting_else_their_browser_else_the_project(client, almaty):
    project, token = almaty
    client.post(f"/projects/{project.id}/assignments", data={
        "mode": "all", "due": "2031-05-01", "csrf_token": token})
    client.set_cookie("tz", "Europe/Berlin")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Due 1 May 2031, 20:59 (Berlin)" in page
    client.set_cookie("tz", "Not/AZone")  # a junk cookie is ignored
    assert "23:59 (Almaty)" in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert client.post("/account/time-zone", data={"time_zone": "America/New_York",
                                                   "csrf_token": token}).status_code == 302
    client.set_cookie("tz", "Europe/Berlin")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Due 1 May 2031, 14:59 (New York)" in page
    bad = client.post("/account/time-zone", data={"time_zone": "Mars/Olympus",
                                                  "csrf_token": token})
    assert bad.status_code == 400 and "time zone" in bad.get_data(as_text=True)


def test_the_api_reads_and_sets_a_projects_zone(client, make, login_as):
    teacher = make.user("teacher", role="teacher")
    token = login_as(teacher)
    headers = {"X-CSRFToken": token}
    made = client.post("/api/v1/projects", json={"title": "Almaty", "time_zone": "Asia/Almaty"},
                       headers=headers)
    assert made.status_code == 201 and made.get_json()["time_zone"] == "Asia/Almaty"
    project_id = made.get_json()["id"]
    bad = client.patch(f"/api/v1/projects/{project_id}", json={"time_zone": "Mars/Olympus"},
                       headers=headers)
    assert bad.status_code == 400
    assert bad.get_json()["error"]["fields"] == {"time_zone": "unknown time zone"}
    assert db.session.get(Project, project_id).time_zone == "Asia/Almaty"
