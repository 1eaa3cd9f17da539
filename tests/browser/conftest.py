"""Fixtures for browser tests: the app on a live server, headless Chromium, a page per test.

The server is shared by the whole session (the demo is loaded once), so tests make their own
users and projects with unique names and never change the demo project's documents.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Project
from app.services.demo import DEMO_TITLE, load_demo
from tests.conftest import ROOT, drop_database, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass(frozen=True)
class DemoProject:
    id: int
    title: str
    join_code: str


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a file SQLite database holding the demo; its instance folder is temporary."""
    tmp = tmp_path_factory.mktemp("live")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp / "instance"))
        app = make_app(tmp, keep_database=True)
        with app.app_context():
            db.create_all()
            load_demo(Path(app.config["SEEDS_DIR"]), app.config["DOCUMENT_MAX_BYTES"])
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture(scope="session")
def demo_project(live_app: Flask) -> DemoProject:
    with live_app.app_context():
        project = db.session.scalar(sa.select(Project).where(Project.title == DEMO_TITLE))
        assert project is not None, "the demo was not loaded"
        return DemoProject(project.id, project.title, project.join_code)


def closing_on_abandon(app: Flask):
    """The app, with each response closed even when the server gives up on it half-way.

    werkzeug's development server skips a response's `close()` when the browser drops the
    connection mid-response (a page navigated away while its favicon was still being sent), and
    the static file's handle is then left for the garbage collector, which warns. Here every
    response is handed out through a generator whose `finally` closes it: when the server drops
    the generator, the file is closed at once.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            yield from response
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL of the app served by werkzeug in a daemon thread."""
    server = make_server("127.0.0.1", 0, closing_on_abandon(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}, which does not exist")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserErrors:
    """Console errors and uncaught page errors of a test's page (CSP violations among them).

    A test that expects an error (say a 404 it navigates to) declares it with `allow`.
    """

    messages: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_") + ".png"


@pytest.fixture
def page(browser, live_server: str, browser_errors: BrowserErrors,
         request: pytest.FixtureRequest):
    """A page in a fresh context; fails the test at teardown on any console or page error."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_console(message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        browser_errors.messages.append(f"console error: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: browser_errors.messages.append(f"page error: {exc}"))
    try:
        yield page
    finally:
        try:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / _artifact_name(request.node.nodeid)))
        finally:
            context.close()
    unexpected = browser_errors.unexpected()
    if unexpected:
        pytest.fail("the browser reported errors:\n" + "\n".join(unexpected), pytrace=False)


@contextmanager
def page_in_almaty(browser, live_server: str, **options) -> Iterator:
    """A page whose browser is in Almaty (Intl reports Asia/Almaty), 15 s to wait for
    anything; `options` for the context (viewport, touch). Fails on any script error."""
    context = browser.new_context(base_url=live_server, timezone_id="Asia/Almaty", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors
