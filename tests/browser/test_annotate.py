"""The annotation page in headless Chromium: exact offsets, keyboard tagging, editing,
conflicts between tabs, and saves that survive failures and reloads."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.services import accounts, projects
from app.services.documents import import_files

# Saves and reads back through the server: run on PostgreSQL too (see the Makefile).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]

PASSWORD = "browser-test-pw"
# Came in with CRLF; holds a ZWJ family emoji, an emoji outside the BMP and a combining accent.
RAW_TEXT = (
    "Family 👩\u200d👩\u200d👧 left Zhanaozen 🚓 at dawn.\r\n\r\n"
    "The mayor said: \u201cbandits\u201d did it. Cafe\u0301 owners disagreed.\r\n\r\n"
    "Officials said 14 people were killed.\r\n"
)

# Selects [start, end) given in code points, walking the page's own segments.
SELECT_JS = """([start, end]) => {
  function locate(point) {
    for (const seg of document.querySelectorAll('#passages [data-s]')) {
      const s = +seg.dataset.s, e = +seg.dataset.e;
      if (point < s || point > e) continue;
      const node = seg.firstChild, data = node.data;
      let units = 0;
      for (let n = 0; n < point - s; n++) {
        const c = data.charCodeAt(units);
        units += (c >= 0xd800 && c <= 0xdbff) ? 2 : 1;
      }
      return [node, units];
    }
    throw new Error('no segment holds ' + point);
  }
  const [a, ao] = locate(start), [b, bo] = locate(end);
  const range = document.createRange();
  range.setStart(a, ao); range.setEnd(b, bo);
  const selection = window.getSelection();
  selection.removeAllRanges(); selection.addRange(range);
  return selection.toString();
}"""


@dataclass(frozen=True)
class Setting:
    project_id: int
    document_id: int
    username: str
    text: str  # the canonical text

    @property
    def url(self) -> str:
        return f"/projects/{self.project_id}/documents/{self.document_id}/annotate"

    @property
    def api(self) -> str:
        return f"/api/v1/projects/{self.project_id}/documents/{self.document_id}"


@pytest.fixture
def setting(live_app: Flask) -> Setting:
    """A project holding the emoji/CRLF text, and a student of it (password PASSWORD)."""
    suffix = secrets.token_hex(3)
    with live_app.app_context():
        teacher = accounts.create_user(f"t-{suffix}", PASSWORD, "teacher")
        project = projects.create_project(teacher, f"Annotate {suffix}")
        (document,) = import_files(project, [("crlf.txt", RAW_TEXT.encode())],
                                   live_app.config["DOCUMENT_MAX_BYTES"], teacher)
        student = accounts.create_user(f"s-{suffix}", PASSWORD, "student")
        projects.add_member(project, student, "student")
        from app.extensions import db

        db.session.commit()
        return Setting(project.id, document.id, student.username, document.text)


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")


def open_document(page: Page, setting: Setting) -> None:
    page.goto(setting.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def select(page: Page, setting: Setting, needle: str) -> tuple[int, int]:
    start = setting.text.index(needle)
    end = start + len(needle)  # Python counts code points, as the server does
    assert page.evaluate(SELECT_JS, [start, end]) == needle
    return start, end


def saved(page: Page) -> None:
    expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=10_000)


def annotations(page: Page, setting: Setting) -> dict:
    response = page.request.get(setting.api + "/annotations")
    assert response.ok, response.text()
    return response.json()


def test_switching_layers_keeps_the_selection_for_the_label_key(page: Page, setting: Setting):
    """Select first, then switch to the layer by its key, then press the label's key."""
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+1")
    start, end = select(page, setting, "bandits")
    page.keyboard.press("Alt+2")  # rhetoric: the page draws the passages anew
    assert page.evaluate("() => window.getSelection().toString()") == "bandits"
    page.keyboard.press("l")
    saved(page)
    assert [(s["start"], s["end"], s["label"]) for s in annotations(page, setting)["spans"]] \
        == [(start, end, "loaded_language")]


def test_selected_text_is_labelled_and_found_at_the_same_characters_after_reload(
        page: Page, setting: Setting):
    assert "\r" not in setting.text  # the CRLF file was made canonical at import
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+2")  # rhetoric
    expect(page.locator('.layer-button[data-layer="rhetoric"]')).to_have_attribute(
        "aria-checked", "true")

    cafe = select(page, setting, "Café")
    page.keyboard.press("l")  # loaded language, by its shortcut
    family = select(page, setting, "👩\u200d👩\u200d👧")
    palette = page.get_by_role("toolbar", name=re.compile("Labels"))
    expect(palette.locator("#palette-target")).to_contain_text("👩\u200d👩\u200d👧")
    palette.get_by_role("button", name=re.compile("Exaggeration")).click()
    saved(page)

    stored = {(s["start"], s["end"], s["label"], s["text"])
              for s in annotations(page, setting)["spans"]}
    assert stored == {(*cafe, "loaded_language", "Café"),
                      (*family, "exaggeration", "👩\u200d👩\u200d👧")}

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    for (start, end), text in ((cafe, "Café"), (family, "👩\u200d👩\u200d👧")):
        segment = page.locator(f'#passages .seg[data-s="{start}"][data-e="{end}"]')
        expect(segment).to_have_text(text)


def test_passages_are_tagged_by_keyboard_alone(page: Page, setting: Setting):
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+1")  # source type
    page.keyboard.press("j")  # first passage
    page.keyboard.press("n")  # news reporting
    page.keyboard.press("j")
    page.keyboard.press("o")  # official statement
    page.keyboard.press("j")
    page.keyboard.press("t")  # testimony
    page.keyboard.press("Backspace")  # changed my mind: untag the third
    page.keyboard.press("Control+z")  # … and undo that
    saved(page)
    expect(page.locator("#progress-text")).to_contain_text("3 of 3 passages tagged")
    expect(page.locator("#p1")).to_have_attribute("data-tag", "official_statement")

    tags = {t["passage_id"]: t["label"] for t in annotations(page, setting)["passage_tags"]}
    ids = page.eval_on_selector_all("#passages .passage",
                                    "els => els.map(e => +e.dataset.passageId)")
    assert tags == dict(zip(ids, ["news_report", "official_statement", "testimony"],
                            strict=True))


def test_span_is_edited_and_deleted_in_the_panel(page: Page, setting: Setting):
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+2")
    start, end = select(page, setting, "bandits")
    page.keyboard.press("n")  # name calling; the panel opens on the new span
    form = page.locator("#span-form")
    expect(form).to_be_visible()
    form.locator("#span-label").select_option("loaded_language")
    form.locator("#span-note").fill("dehumanising label")
    saved(page)
    # Take in the quotation marks: one character earlier, one later.
    form.get_by_role("button", name="◂ start").click()
    form.get_by_role("button", name="end ▸").click()
    saved(page)

    (span,) = annotations(page, setting)["spans"]
    assert (span["label"], span["note"]) == ("loaded_language", "dehumanising label")
    assert (span["start"], span["end"]) == (start - 1, end + 1)
    assert span["text"] == "\u201cbandits\u201d"
    expect(page.locator(f'#passages .seg[data-s="{start - 1}"]')).to_have_text(
        "\u201cbandits\u201d")

    form.get_by_role("button", name="Delete span").click()
    saved(page)
    assert annotations(page, setting)["spans"] == []
    page.keyboard.press("Control+z")  # undo brings it back
    saved(page)
    (again,) = annotations(page, setting)["spans"]
    assert (again["start"], again["end"], again["note"]) == (start - 1, end + 1,
                                                             "dehumanising label")


def test_stale_edit_from_a_second_tab_asks_which_version_to_keep(page: Page, setting: Setting,
                                                                 browser_errors):
    browser_errors.allow(r"status of 409")  # the server's answer to the stale write
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+2")
    select(page, setting, "bandits")
    page.keyboard.press("n")
    saved(page)
    (span,) = annotations(page, setting)["spans"]

    other = page.context.new_page()  # a second tab, same student
    open_document(other, setting)
    seg = f'#passages .seg[data-s="{span["start"]}"]'
    other.locator(seg).click()
    other.locator("#span-note").fill("second tab's note")
    saved(other)

    page.locator("#span-note").fill("first tab's note")  # this tab still has version 1
    dialog = page.locator("#conflict")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(page.locator("#conflict-theirs")).to_contain_text("second tab's note")
    expect(page.locator("#conflict-mine")).to_contain_text("first tab's note")
    page.get_by_role("button", name="Keep mine").click()
    saved(page)
    (kept,) = annotations(page, setting)["spans"]
    assert kept["note"] == "first tab's note" and kept["version"] == 3

    # Now the second tab is stale: it keeps the stored version instead.
    other.locator("#span-label").select_option("loaded_language")
    expect(other.locator("#conflict")).to_be_visible(timeout=10_000)
    other.get_by_role("button", name="Keep the stored one").click()
    saved(other)
    # The label it let go of is listed as not saved, not dropped without a word.
    expect(other.locator("#not-saved li")).to_contain_text("Loaded language")
    (final,) = annotations(page, setting)["spans"]
    assert (final["label"], final["note"]) == ("name_calling", "first tab's note")
    expect(other.locator("#span-label")).to_have_value("name_calling")
    other.close()


def test_failed_saves_are_retried_and_survive_a_reload_without_duplicates(
        page: Page, setting: Setting, browser_errors):
    browser_errors.allow(r"Failed to load resource|ERR_FAILED|503")
    sign_in(page, setting.username)
    open_document(page, setting)

    def unavailable(route):
        route.fulfill(status=503, content_type="application/json",
                      body=json.dumps({"error": {"code": "busy", "message": "busy",
                                                 "fields": {}}}))

    page.route("**/spans", unavailable)
    page.keyboard.press("Alt+3")  # claims
    select(page, setting, "14 people were killed")
    page.keyboard.press("u")  # unverifiable number
    expect(page.locator("#save-state")).to_contain_text("retrying", timeout=10_000)
    assert annotations(page, setting)["spans"] == []

    page.unroute("**/spans")
    page.reload()  # the queued create is still in this browser and is sent again
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    saved(page)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    saved(page)
    spans = annotations(page, setting)["spans"]
    assert [(s["label"], s["text"]) for s in spans] == [
        ("claim.unverifiable_number", "14 people were killed")]


def test_a_save_whose_answer_was_lost_and_a_later_edit_survive_a_reload_as_one_span(
        page: Page, setting: Setting, browser_errors):
    """The server stored the span but its answer never came back, and the note typed next
    waits behind it. After a reload the page, which names saved spans by their ids, matches
    the queued changes to the stored span by its client id: one span, with the note."""
    browser_errors.allow(r"Failed to load resource|ERR_FAILED")
    sign_in(page, setting.username)
    open_document(page, setting)

    def stored_but_unanswered(route):
        if route.request.method == "POST":
            route.fetch()  # the server stores it …
        route.abort()  # … and the answer is lost on the way back

    page.route("**/spans", stored_but_unanswered)
    page.keyboard.press("Alt+2")
    start, end = select(page, setting, "bandits")
    page.keyboard.press("n")
    page.locator("#span-note").fill("said of strikers")
    expect(page.locator("#save-state")).to_contain_text("retrying", timeout=10_000)
    (stored,) = annotations(page, setting)["spans"]
    assert stored["note"] == ""

    page.unroute("**/spans")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    saved(page)
    (span,) = annotations(page, setting)["spans"]
    assert (span["id"], span["note"]) == (stored["id"], "said of strikers")
    expect(page.locator(f'#passages .seg[data-s="{start}"]')).to_have_count(1)
    page.locator(f'#passages .seg[data-s="{start}"]').click()
    expect(page.locator("#span-note")).to_have_value("said of strikers")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    saved(page)
    assert len(annotations(page, setting)["spans"]) == 1
    expect(page.locator(f'#passages .seg[data-s="{start}"]')).to_have_count(1)


def test_rating_form_and_done(page: Page, setting: Setting):
    sign_in(page, setting.username)
    open_document(page, setting)
    page.get_by_role("button", name="Submit to teacher").click()
    dialog = page.get_by_role("dialog", name="Submit to your teacher?")
    expect(dialog).to_contain_text("The rating form needs: Reliability")
    expect(dialog.get_by_role("button", name=re.compile("Submit"))).to_be_disabled()
    dialog.get_by_role("button", name="Open the rating form").click()
    expect(page.locator("#rating-panel")).to_be_visible()
    page.locator('input[name="rating-reliability"][value="5"]').check()
    page.locator('input[name="rating-slant"][value="cannot_tell"]').check()
    page.locator('select[data-field="genre"]').select_option("reporting")
    saved(page)
    page.get_by_role("button", name="Submit to teacher").click()
    dialog.get_by_role("button", name="Submit anyway").click()  # passages are untagged
    saved(page)
    # A student's submission locks the document until a teacher reopens it.
    submitted = page.get_by_role("button", name=re.compile("Submitted"))
    expect(submitted).to_be_disabled()
    expect(page.locator("#locked-note")).to_be_visible()
    body = annotations(page, setting)
    assert body["done"] is True
    assert body["rating"]["values"] == {"reliability": 5, "slant": "cannot_tell",
                                        "genre": "reporting"}


def test_a_span_is_copied_and_pasted_as_evidence_of_a_claim(page: Page, setting: Setting):
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+2")
    source = select(page, setting, "Zhanaozen")
    page.keyboard.press("l")
    page.get_by_role("button", name="Copy as evidence").click()
    page.keyboard.press("Alt+3")
    select(page, setting, "14 people were killed")
    page.keyboard.press("c")  # contradicted by another source: it needs evidence
    expect(page.locator("#span-needs")).to_be_visible()
    paste = page.locator("#paste-evidence")
    expect(paste).to_contain_text("Zhanaozen")
    paste.click()
    saved(page)
    expect(page.locator(".evidence-spans li")).to_have_count(1)
    expect(page.locator("#span-needs")).to_be_hidden()
    claim = next(s for s in annotations(page, setting)["spans"] if s["layer"] == "claim")
    assert claim["attributes"]["evidence"] == [{
        "kind": "span", "document_id": setting.document_id, "start": source[0],
        "end": source[1], "title": "Zhanaozen"}]
    # In words: the quote and its document's title, the codebook's names for attributes and
    # values, the span saved in words; no offsets, ids or keys. Again after a reload, when the
    # words come from the server rather than the copy.
    title = page.locator("article.document").get_attribute("data-title")
    for reloaded in (False, True):
        if reloaded:
            page.reload()
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            page.keyboard.press("Alt+3")
            page.get_by_role("tab", name="All spans").click()
            page.get_by_role("button", name="Edit “14 people were killed”").click()
        panel = page.locator("#span-form")
        expect(page.locator(".evidence-spans li")).to_contain_text(f"“Zhanaozen” in “{title}”")
        expect(panel.get_by_label("Verdict")).to_be_visible()
        expect(panel.locator("#attr-verdict option", has_text="Not enough info")).to_have_count(1)
        expect(page.locator("#span-meta")).to_contain_text(
            "saved · marked under codebook version 1" if reloaded else "saved")
        words = panel.inner_text()
        for raw in ("(document", "not_enough_info", "[", "verdict "):
            assert raw not in words, raw


def test_text_is_selected_and_labelled_by_keyboard_alone(page: Page, setting: Setting):
    sign_in(page, setting.username)
    open_document(page, setting)
    page.keyboard.press("Alt+2")
    page.keyboard.press("j")  # focus the first passage: "Family 👩‍👩‍👧 left …"
    page.keyboard.press("Control+Shift+ArrowRight")  # "Family"
    page.keyboard.press("l")
    saved(page)
    (span,) = annotations(page, setting)["spans"]
    assert (span["start"], span["text"]) == (0, "Family")


def stored_spans(live_app: Flask, setting: Setting) -> list[tuple[int, int, str]]:
    """The student's spans as the database holds them (not as any page shows them)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Span, User

    with live_app.app_context():
        rows = db.session.execute(
            sa.select(Span.start, Span.end, Span.client_id).join(User, User.id == Span.user_id)
            .where(Span.document_id == setting.document_id,
                   User.username == setting.username)).all()
        db.session.remove()
    return [(start, end, client_id) for start, end, client_id in rows]


def test_a_change_made_while_signed_out_is_saved_after_signing_in_again(
        page: Page, setting: Setting, live_app: Flask, browser_errors):
    # The send while signed out (401) and the first resend with the old session's token (400).
    browser_errors.allow(r"status of (401|400)")
    sign_in(page, setting.username)
    open_document(page, setting)
    other = page.context.new_page()  # another tab of the same browser
    other.goto("/projects")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login")

    page.keyboard.press("Alt+2")
    start, end = select(page, setting, "bandits")
    page.keyboard.press("l")
    expect(page.locator("#save-state")).to_contain_text(re.compile("signed out", re.I),
                                                        timeout=10_000)
    notice = page.locator("#signed-out")
    expect(notice).to_be_visible()
    link = notice.get_by_role("link", name=re.compile("Sign in again"))
    expect(link).to_have_attribute("target", "_blank")
    queued = page.evaluate("() => Object.entries(localStorage)"
                           ".filter(([k]) => k.startsWith('sourcemark:outbox:'))"
                           ".map(([, v]) => JSON.parse(v))")
    assert [[op["kind"] for op in ops] for ops in queued] == [["create"]]
    assert stored_spans(live_app, setting) == []

    sign_in(other, setting.username)
    saved(page)  # resent with the new session's CSRF token
    expect(notice).to_be_hidden()
    assert [(s, e) for s, e, _ in stored_spans(live_app, setting)] == [(start, end)]
    expect(page.locator("#not-saved")).to_be_hidden()
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator(f'#passages .seg[data-s="{start}"][data-e="{end}"]')).to_have_text(
        "bandits")
    other.close()


def test_changes_kept_while_signed_out_wait_for_their_author(
        page: Page, setting: Setting, live_app: Flask, browser_errors):
    """Another user signing in on the same browser never gets the queue sent as theirs."""
    browser_errors.allow(r"status of (401|400)")
    with live_app.app_context():
        from app.extensions import db
        from app.models import Project

        classmate = accounts.create_user(f"c-{secrets.token_hex(3)}", PASSWORD, "student")
        projects.add_member(db.session.get(Project, setting.project_id), classmate, "student")
        db.session.commit()
        classmate_name = classmate.username
        db.session.remove()
    sign_in(page, setting.username)
    open_document(page, setting)
    other = page.context.new_page()
    other.goto("/projects")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login")
    page.keyboard.press("Alt+2")
    select(page, setting, "bandits")
    page.keyboard.press("l")
    expect(page.locator("#signed-out")).to_be_visible(timeout=10_000)

    sign_in(other, classmate_name)
    expect(page.locator("#signed-out-text")).to_contain_text(
        f"sign in as {setting.username}", timeout=10_000)
    with live_app.app_context():
        import sqlalchemy as sa

        from app.models import Span

        assert db.session.scalar(sa.select(sa.func.count(Span.id)).where(
            Span.document_id == setting.document_id)) == 0  # nobody's, the classmate's neither
        db.session.remove()
    other.goto("/projects")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login")
    sign_in(other, setting.username)
    saved(page)
    assert len(stored_spans(live_app, setting)) == 1
    other.close()


def test_a_refused_change_is_shown_with_its_content_until_dismissed(
        page: Page, setting: Setting, browser_errors):
    browser_errors.allow(r"status of (403|503)")
    sign_in(page, setting.username)
    open_document(page, setting)
    answer = {"status": 503, "code": "busy", "message": "busy"}

    def refuse(route):
        route.fulfill(status=answer["status"], content_type="application/json", body=json.dumps(
            {"error": {"code": answer["code"], "message": answer["message"], "fields": {}}}))

    page.route("**/spans", refuse)  # busy first, so the note is typed before the refusal
    page.keyboard.press("Alt+2")
    select(page, setting, "bandits")
    page.keyboard.press("l")
    page.locator("#span-note").fill("dehumanising")
    page.locator("#span-note").blur()
    answer.update(status=403, code="forbidden", message="You left this class.")
    box = page.locator("#not-saved")
    expect(box).to_be_visible(timeout=10_000)
    item = box.locator("li")
    expect(item).to_have_count(1)
    for words in ("bandits", "Loaded language", "dehumanising", "You left this class."):
        expect(item).to_contain_text(words)
    page.unroute("**/spans")
    page.reload()  # the list is kept in the browser
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#not-saved li")).to_contain_text("bandits")
    page.locator("#not-saved").get_by_role("button", name="Dismiss").click()
    expect(page.locator("#not-saved")).to_be_hidden()
    assert annotations(page, setting)["spans"] == []
