"""axe-core on every page of the app, as teacher and as student, on laptop and phone: WCAG 2.2 AA.

The pages are found by following links from the project list of the demo (so query strings such
as a confusion cell's come from the pages themselves); a check makes sure every HTML page of the
URL map was reached. axe runs from the vendored file (tests/browser/vendor), injected through the
DevTools protocol, which the page's Content-Security-Policy does not apply to.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import Project
from app.services import demo
from tests.browser.test_annotate import PASSWORD, SELECT_JS
from tests.browser.test_annotate_pointer import Seeded, open_page, seeded  # noqa: F401
from tests.browser.test_lti import lms  # noqa: F401  (the simulated LMS fixture)
from tests.browser.test_pages import STUDENT, TEACHER, sign_in, sign_out
from tests.lti_platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"laptop": (1366, 900), "phone": (390, 844)}
# GET endpoints that are not HTML pages (downloads), or that only redirect.
NOT_PAGES = {
    "web.index", "web.claims_export", "web.export_download", "web.feedback_gradebook",
    "web.sources_export", "web.export_card", "web.export_label_studio_config", "static",
    "lti.login", "lti.jwks", "lti.configuration_json", "lti.canvas_json",
}
# Pages an LMS launch leads to, walked by test_lti_pages_have_no_wcag_violations.
LTI_PAGES = {"lti.configuration", "lti.admin", "lti.link", "lti.deep_link", "lti.not_ready"}
# Pages a role cannot open (the access matrix in tests/test_access.py says so), or that need
# an account state the demo does not have (an admin).
# An import preview exists only after an upload: test_import_pages_have_no_wcag_violations;
# so does an upload's who-is-who page: tests/browser/test_import_people.py runs axe on it.
ROLE_PAGES_MISSING = {
    "teacher": {"web.admin", "auth.login", "auth.join", "auth.signup", "web.reveal",
                "web.import_preview", "web.import_people"},
    "student": {
        "web.admin", "auth.login", "auth.join", "auth.signup", "web.new_project",
        "web.import_preview", "web.import_people", "web.paste_document",
        "web.edit_project", "web.edit_document", "web.delete_document", "web.datasets",
        "web.progress", "web.curate_index", "web.curate", "web.compare", "web.feedback_index",
        "web.feedback_student", "web.feedback_document",
        "web.document_archive", "web.agreement", "web.confusion", "web.confusion_cell",
        "web.label_passages", "web.span_confusion", "web.span_confusion_cell",
        "web.span_differences", "web.reveal", "web.sources_page", "web.source_profile",
        "web.member",
        "web.rounds_page", "web.round_edit", "web.agreement_rounds",
    },
}
SIGNED_OUT_PAGES = ["/login", "/join", "/signup"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def crawl(page: Page, app: Flask, start: str, limit: int = 400) -> dict[str, str]:
    """Endpoint -> the first URL of it reached by links from `start` (HTML pages only)."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, str] = {}
    fetched: dict[str, int] = {}
    queue, seen = [start], {start}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        try:
            endpoint, _ = adapter.match(urlsplit(url).path, method="GET")
        except HTTPException:
            continue
        # A few pages of each kind: the links to some (a confusion cell) are on a second one.
        if fetched.get(endpoint, 0) >= 3 or endpoint in NOT_PAGES:
            continue
        fetched[endpoint] = fetched.get(endpoint, 0) + 1
        response = page.request.get(url, max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers["content-type"]:
            continue
        found.setdefault(endpoint, url)
        parser = _Links()
        parser.feed(response.text())
        for href in parser.hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc and parts.netloc != urlsplit(page.url).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target.startswith("/static/") or "logout" in target or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return found


@pytest.fixture(scope="module")
def demo_work(live_app: Flask, demo_project) -> None:
    """The demo's annotations and claims board, as `make run` loads them (once per server)."""
    with live_app.app_context():
        project = db.session.get(Project, demo_project.id)
        demo.load_demo_annotations(project, Path(live_app.config["DEMO_ANNOTATIONS"]))
        demo.load_demo_board(project, Path(live_app.config["DEMO_BOARD"]))


def run_axe(page: Page) -> list[dict]:
    """axe's violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id,"
        " impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target,"
        " summary: n.failureSummary}))})))", TAGS)


def describe(state: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{state}: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())[:200]
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return lines


def check_pages(page: Page, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if page.locator("body[data-ready]").count() or "/annotate" in url:
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
        problems += describe(url, run_axe(page))
        # Wide tables scroll inside their card: the page itself never scrolls sideways
        # (WCAG 1.4.10 reflow).
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if sideways > 1:
            problems.append(f"{url}: the page scrolls sideways by {sideways} px")
    return problems


def test_the_vendored_axe_is_the_pinned_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("role", ["teacher", "student"])
def test_every_page_has_no_wcag_violations(page: Page, live_app: Flask, demo_project, demo_work,
                                           role: str, size: str):
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    problems = check_pages(page, SIGNED_OUT_PAGES) if role == "student" else []
    sign_in(page, *(TEACHER if role == "teacher" else STUDENT))
    found = crawl(page, live_app, f"/projects/{demo_project.id}")
    found.setdefault("web.projects", "/projects")
    found.setdefault("web.api_tokens", "/account/tokens")
    pages = {r.endpoint for r in live_app.url_map.iter_rules()
             if "GET" in (r.methods or ()) and not r.rule.startswith("/api/")}
    unreached = sorted(pages - NOT_PAGES - LTI_PAGES - ROLE_PAGES_MISSING[role] - set(found))
    assert unreached == [], f"pages no link leads to as {role}: {unreached}"
    problems += check_pages(page, sorted(found.values()))
    sign_out(page)  # a page with a flash message
    problems += describe("/login after signing out", run_axe(page))
    assert not problems, "WCAG 2.2 AA violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_annotate_page_states_have_no_wcag_violations(page: Page, demo_project, demo_work,
                                                      size: str):
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    sign_in(page, *STUDENT)
    project = page.request.get(f"/projects/{demo_project.id}").text()
    (url,) = re.findall(r'href="([^"]*/annotate)"', project)[:1]
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    problems = []
    if page.locator("#locked-note").is_visible():  # the demo student submitted it
        problems += describe("annotate, submitted (read-only)", run_axe(page))
    for key, layer in (("Alt+1", "source"), ("Alt+2", "rhetoric"), ("Alt+3", "claims")):
        page.keyboard.press(key)
        problems += describe(f"annotate, layer {layer}", run_axe(page))
    page.keyboard.press("Alt+2")
    first_span = page.locator("#passages .seg.active-layer").first
    if first_span.count():
        first_span.click()
        expect(page.locator("#span-form")).to_be_visible()
        problems += describe("annotate, span editor (a bottom sheet on a phone)", run_axe(page))
        page.keyboard.press("Escape")
    page.get_by_role("tab", name="All spans").click()
    expect(page.locator("#span-list li").first).to_be_visible()
    problems += describe("annotate, span list", run_axe(page))
    page.locator("#passages .passage").first.focus()
    page.keyboard.press("ArrowRight")  # the word caret
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("/")  # find a word
    expect(page.locator("#word-find")).to_be_visible()
    page.keyboard.type("the")
    problems += describe("annotate, caret and word find", run_axe(page))
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Rating").click()
    expect(page.locator("#rating-panel")).to_be_visible()
    problems += describe("annotate, rating tab", run_axe(page))
    toggle = page.locator("#help-toggle")
    toggle.click()
    help_dialog = page.get_by_role("dialog", name="Keyboard")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_be_focused()
    problems += describe("annotate, help", run_axe(page))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the dialog is modal: focus stays inside it
    expect(help_dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_annotate_page_while_working_has_no_wcag_violations(page: Page, seeded: Seeded,  # noqa: F811
                                                            size: str):
    """A document not yet submitted: the palette with passages picked and with focus, a
    quoted voice offered, the span editor (a bottom sheet on a phone), the submit dialog."""
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    sign_in(page, seeded.username, PASSWORD)
    open_page(page, seeded)
    problems = []
    page.keyboard.press("Alt+1")
    page.locator("#passages .passage").nth(1).click()
    page.locator("#passages .passage").nth(3).click(modifiers=["Shift"])
    page.keyboard.press("Alt+L")
    expect(page.locator("#palette-labels button").first).to_be_focused()
    problems += describe("annotate, palette focused, passages picked", run_axe(page))
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Mark a quoted voice").click()
    start = seeded.text.index("We are not looters!")
    page.evaluate(SELECT_JS, [start, start + len("We are not looters!")])
    expect(page.locator("#palette-target")).to_contain_text("quoted voice")
    problems += describe("annotate, a quoted voice offered", run_axe(page))
    page.locator("#palette-labels button").nth(2).click()
    page.keyboard.press("Escape")
    page.locator(f'#passages .seg[data-s="{start}"]').click()
    expect(page.locator("#span-form")).to_be_visible()
    problems += describe("annotate, span editor open", run_axe(page))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Submit to teacher").click()
    submit = page.get_by_role("dialog", name="Submit to your teacher?")
    expect(submit).to_be_visible()
    problems += describe("annotate, submit dialog", run_axe(page))
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_rounds_states_have_no_wcag_violations(page: Page, demo_project, demo_work,
                                               browser_errors, size: str):
    browser_errors.allow("status of 400")  # the form with errors answers 400, as it should
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    sign_in(page, *TEACHER)
    problems = []
    page.goto(f"/projects/{demo_project.id}/agreement/rounds")
    for summary in page.locator("details > summary").all():
        summary.click()  # every chart's table and every round's figures open
    problems += describe("agreement by round, everything open", run_axe(page))
    page.goto(f"/projects/{demo_project.id}/rounds")
    page.get_by_label("Name", exact=True).fill("Round 1: calibration")
    page.get_by_role("button", name="Save the round").click()
    expect(page.locator(".has-error").first).to_be_visible()
    problems += describe("rounds, the form with errors", run_axe(page))
    sign_out(page)
    sign_in(page, *STUDENT)
    page.goto(f"/projects/{demo_project.id}/feedback")
    expect(page.locator("#rounds svg")).to_be_visible()
    page.locator("#rounds details > summary").click()
    problems += describe("feedback over rounds, table open", run_axe(page))
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_import_pages_have_no_wcag_violations(page: Page, demo_project, browser_errors,
                                              size: str):
    """The import preview of a page, a PDF and a cp1251 text, and the paste form with its
    errors shown (the walk above reaches the paste form only empty)."""
    browser_errors.allow(r"status of 400")  # the paste form's answer to a bad date
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    sign_in(page, *TEACHER)
    page.goto(f"/projects/{demo_project.id}")
    page.locator("#card-documents").get_by_role("link", name="Add documents").click()
    files = Path(__file__).parent.parent / "files"
    page.locator("#files").set_input_files(
        [files / n for n in ("saved_article.html", "article.pdf", "zhanaozen_cp1251.txt")])
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/documents/preview/*")
    problems = describe("import preview", run_axe(page))
    page.get_by_role("button", name="Cancel").click()  # the demo keeps its five texts
    page.wait_for_url(f"**/projects/{demo_project.id}")
    page.goto(f"/projects/{demo_project.id}/documents/paste")
    page.get_by_label("Published").fill("last week")
    page.get_by_label("Text", exact=True).fill("A witness said the square was empty.")
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator("#published-error")).to_be_visible()
    problems += describe("paste, with errors", run_axe(page))
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)


def _lti_launch(page: Page, platform, user: str, url_ends: str) -> None:
    """A launch from the simulated LMS, at the top level (the iframe case has its own test)."""
    page.goto(f"{platform.tool_login_url}?iss={platform.issuer}&login_hint={user}"
              f"&client_id={platform.client_id}")
    page.wait_for_url(f"**{url_ends}")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_lti_pages_have_no_wcag_violations(page: Page, live_app: Flask, lms,  # noqa: F811
                                           browser_errors, size: str):
    import secrets

    from app.services import accounts

    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    tool = lms.tool_login_url.removesuffix("/lti/login")
    problems = []
    page.goto(f"{tool}/lti/config")
    problems += describe("LTI configuration", run_axe(page))
    browser_errors.allow(r"status of 400 .*/lti/login\?iss=https://unknown")
    response = page.goto(f"{tool}/lti/login?iss=https://unknown.example&login_hint=x")
    assert response is not None and response.status == 400
    problems += describe("LTI launch refused", run_axe(page))
    lms.custom = {}  # a course link no project is chosen for yet
    lms.resource_link_id = f"unlinked-{secrets.token_hex(3)}"
    lms.next_launch = {"roles": [LEARNER]}
    _lti_launch(page, lms, "learner-x", "/lti/not-ready")
    problems += describe("LTI not ready", run_axe(page))
    lms.next_launch = {"roles": [INSTRUCTOR]}
    _lti_launch(page, lms, "instructor-x", "/lti/links/*")
    problems += describe("LTI course link", run_axe(page))
    lms.next_launch = {"roles": [INSTRUCTOR], "message_type": "LtiDeepLinkingRequest"}
    _lti_launch(page, lms, "instructor-x", "/lti/deep-link")
    problems += describe("LTI deep linking", run_axe(page))
    name = f"admin-{secrets.token_hex(3)}"
    with live_app.app_context():
        accounts.create_user(name, "correct horse battery", "admin")
        db.session.remove()
    sign_out(page)
    page.goto(f"{tool}/login")
    page.get_by_label("Username", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")
    page.goto(f"{tool}/lti/admin")
    problems += describe("LTI admin", run_axe(page))
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)
