"""A student opens Sourcemark from a course page of the simulated LMS: inside its iframe
(another site), annotates, submits, and the LMS gradebook gets the score and comment."""

from __future__ import annotations

import secrets
import time

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services import accounts, projects
from app.services.documents import import_files
from app.services.lti import people, platforms
from tests.lti_platform import Served, SimulatedPlatform

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]


@pytest.fixture
def lms(live_app: Flask, live_server: str):
    # "localhost" and 127.0.0.1 are different sites: the tool runs in a third-party iframe.
    # The tool is "localhost", where Chromium takes Secure cookies over plain http.
    served = Served(SimulatedPlatform(host="127.0.0.1",
                                      client_id=f"client-{secrets.token_hex(4)}"))
    tool = live_server.replace("127.0.0.1", "localhost")
    platform = served.platform
    platform.tool_login_url = f"{tool}/lti/login"
    platform.tool_jwks_url = f"{tool}/lti/jwks"
    with live_app.app_context():
        platforms.register(
            {"issuer": platform.issuer, "client_id": platform.client_id,
             "auth_login_url": f"{platform.base}/auth",
             "auth_token_url": f"{platform.base}/token", "jwks_url": f"{platform.base}/jwks"},
            [platform.deployment_id])
        teacher = accounts.create_user(f"lti-t-{secrets.token_hex(3)}",
                                       "correct horse battery", "teacher")
        project = projects.create_project(teacher, "LMS class")
        (document,) = import_files(project, [("news.txt", b"A first passage.\n\nA second "
                                              b"one.\n")], 2 * 1024 * 1024)
        platform.custom = {"sourcemark": people.resource_token(project.id, document.id)}
        db.session.remove()
    yield platform
    served.close()


def test_a_student_launches_in_the_lms_iframe_annotates_submits_and_is_graded(
        page: Page, lms: SimulatedPlatform):
    page.goto(f"{lms.base}/course?user=student-{secrets.token_hex(3)}")
    tool = page.frame_locator("#tool")
    expect(tool.locator("body")).to_have_attribute("data-ready", "true")
    expect(tool.get_by_role("heading", level=1)).to_have_text("A first passage.")
    tool.locator(".passage").first.click()
    page.keyboard.press("Alt+1")
    page.keyboard.press("n")  # news reporting
    expect(tool.locator("#save-state")).to_have_text("All changes saved", timeout=10_000)
    tool.get_by_role("tab", name="Rating").click()
    tool.locator('input[name="rating-reliability"][value="4"]').check()
    tool.locator('input[name="rating-slant"][value="cannot_tell"]').check()
    tool.locator('select[data-field="genre"]').select_option("reporting")
    expect(tool.locator("#save-state")).to_have_text("All changes saved", timeout=10_000)
    tool.locator("#done-toggle").click()  # "Submit to teacher", then confirm in the dialog
    tool.locator("#submit-confirm").click()
    expect(tool.locator("#done-toggle")).to_have_text("Submitted ✓")
    deadline = time.monotonic() + 10
    while not lms.scores and time.monotonic() < deadline:
        time.sleep(0.1)
    (score,) = lms.scores
    assert score["userId"].startswith("student-")
    assert score["scoreGiven"] == 100.0 and score["gradingProgress"] == "FullyGraded"
    assert score["comment"]
