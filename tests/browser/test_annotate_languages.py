"""The annotation page in other languages: Russian and Kazakh interfaces (the page's own words,
what a screen reader hears) with a Cyrillic keyboard layout (keys by their physical place), and
an Arabic text laid out, selected and marked right to left; axe-core finds nothing in any of
them (valid-lang among its rules)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services import accounts, projects
from app.services.documents import import_files
from app.services.shortcuts import CYRILLIC
from tests.browser.test_annotate import PASSWORD, SELECT_JS, sign_in
from tests.browser.test_annotate_pointer import RECTS_JS
from tests.browser.test_axe import AXE, TAGS, describe

pytestmark = pytest.mark.browser

TEXTS = {
    "ru": ("Министр заявил, что цены вырастут в этом году.\n\n"
           "Жители назвали это заявление безответственным.\n\n"
           "Эксперты ожидают нового роста тарифов.\n"),
    "kk": ("Министр биыл бағалар өседі деп мәлімдеді.\n\n"
           "Тұрғындар бұл мәлімдемені жауапсыз деп атады.\n\n"
           "Сарапшылар тарифтердің тағы да өсуін күтеді.\n"),
    "ar": ("قال الوزير إن الأسعار سترتفع كثيرا هذا العام.\n\n"
           "ورفض السكان هذا التصريح بشدة في الشارع.\n"),
}
# What the word "marked" is in each text (a rhetoric span, loaded language).
LOADED = {"ru": "цены вырастут", "kk": "бағалар өседі"}
# The page's own words in each interface language: the toolbar, the palette, the side panel
# and what a screen reader hears ({name}: a label's name as the codebook gives it).
WORDS = {
    "ru": {"undo": "Отменить", "saved": "Все изменения сохранены", "guide": "Инструкция",
           "labels": "Метки: ", "mark": "Отметить «{words}» как:", "note": "Заметка",
           "tagged": "Фрагмент 1: тип источника «{name}»",
           "progress": "Тип источника указан: 2 из 3",
           "marked": "‘{words}’ отмечено как «{name}»"},
    "kk": {"undo": "Болдырмау", "saved": "Барлық өзгеріс сақталды", "guide": "Нұсқаулық",
           "labels": "Белгілер: ", "mark": "«{words}» бөлігін белгілеу:", "note": "Жазба",
           "tagged": "1-үзінді: дереккөз түрі «{name}»",
           "progress": "Дереккөз түрі берілген үзінділер: 2 / 3",
           "marked": "‘{words}’ «{name}» деп белгіленді"},
}
# Where each Cyrillic letter is: the layout the browser reports (getLayoutMap), as a Russian
# layout has the letter keys and a Kazakh one the digit row as well.
LAYOUT = {code: letter for letter, code in CYRILLIC.items()}
DIGIT_ROW = ("Digit", "Minus", "Equal")
LAYOUT_JS = """layout => {
  const map = new Map(Object.entries(layout));
  Object.defineProperty(navigator, 'keyboard', {configurable: true,
    value: {getLayoutMap: async () => map}});
}"""


@dataclass(frozen=True)
class Class:
    project_id: int
    document_id: int
    username: str
    text: str

    @property
    def url(self) -> str:
        return f"/projects/{self.project_id}/documents/{self.document_id}/annotate"

    @property
    def api(self) -> str:
        return f"/api/v1/projects/{self.project_id}/documents/{self.document_id}/annotations"


def make_class(app: Flask, language: str) -> Class:
    """A project in `language` holding its text, and a student of it."""
    suffix = secrets.token_hex(3)
    with app.app_context():
        teacher = accounts.create_user(f"t-{suffix}", PASSWORD, "teacher")
        project = projects.create_project(teacher, f"Lang {suffix}",
                                          language=language if language != "ar" else "en")
        (document,) = import_files(project, [(f"{language}.txt", TEXTS[language].encode())],
                                   app.config["DOCUMENT_MAX_BYTES"], teacher)
        document.language = language  # as detected; set here so the test does not hang on it
        student = accounts.create_user(f"s-{suffix}", PASSWORD, "student")
        projects.add_member(project, student, "student")
        db.session.commit()
        made = Class(project.id, document.id, student.username, document.text)
        db.session.remove()
        return made


def press(page: Page, key: str, code: str) -> None:
    """A key press as a Cyrillic layout sends it: the letter typed, and the physical key."""
    session = page.context.new_cdp_session(page)
    vk = ord(code[-1]) if code.startswith(("Key", "Digit")) else 0
    session.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "code": code,
                                            "text": key, "windowsVirtualKeyCode": vk})
    session.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                            "windowsVirtualKeyCode": vk})
    session.detach()


def axe_problems(page: Page, state: str) -> list[str]:
    """axe's WCAG 2.2 AA violations, after checking valid-lang applied to the text."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => ({"
        " passes: r.passes.map(p => p.id), violations: r.violations.map(v => ({id: v.id,"
        " impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target,"
        " summary: n.failureSummary}))}))}))", TAGS)
    problems = describe(state, found["violations"])
    if "valid-lang" not in found["passes"]:
        problems.append(f"{state}: valid-lang did not check the text's lang")
    return problems


def annotations(page: Page, made: Class) -> dict:
    response = page.request.get(made.api)
    assert response.ok, response.text()
    return response.json()


def saved(page: Page) -> None:
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved",
                                                          timeout=10_000)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_cyrillic_layout_tags_and_marks_by_the_keys_physical_place(page: Page, live_app,
                                                                     language: str):
    made = make_class(live_app, language)
    layout = {code: letter for code, letter in LAYOUT.items()
              if language == "kk" or not code.startswith(DIGIT_ROW)}
    page.add_init_script(f"({LAYOUT_JS})({layout!r})")
    sign_in(page, made.username)
    page.goto(made.url)
    # The interface's language from the switch in the header; the page comes back in it.
    page.locator("#language-choice").select_option(language)
    page.locator(".language-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#passages")).to_have_attribute("lang", language)

    # The keys are shown as the layout types them: n is the "т" key, j the "о" key.
    news = page.locator('#palette-labels button[data-label="news_report"]')
    expect(news.locator("kbd")).to_have_text("т")
    expect(news).to_have_attribute("aria-keyshortcuts", "т")
    expect(page.locator('#help kbd[data-key="j"]')).to_have_text("о")
    # The toolbar, the palette and the panel speak the interface's language.
    words = WORDS[language]
    expect(page.locator("#undo")).to_have_text(words["undo"])
    expect(page.locator("#save-state")).to_have_text(words["saved"])
    expect(page.get_by_role("tab", name=words["guide"])).to_be_visible()

    page.keyboard.press("Alt+1")  # the source-type layer
    expect(page.locator("#palette")).to_have_attribute("aria-label", re.compile(words["labels"]))
    press(page, "о", "KeyJ")  # j: the first passage
    press(page, "т", "KeyN")  # n: news reporting
    name = news.locator(".palette-name").inner_text()
    expect(page.locator("#announcer")).to_have_text(words["tagged"].format(name=name))
    press(page, "о", "KeyJ")
    press(page, "щ", "KeyO")  # o: official statement
    expect(page.locator("#progress-text")).to_contain_text(words["progress"])
    page.keyboard.press("Alt+2")  # rhetoric
    start = made.text.index(LOADED[language])
    end = start + len(LOADED[language])
    assert page.evaluate(SELECT_JS, [start, end]) == LOADED[language]
    expect(page.locator("#palette-target")).to_have_text(words["mark"].format(words=LOADED[language]))
    press(page, "д", "KeyL")  # l: loaded language
    loaded = page.locator('#palette-labels button[data-label="loaded_language"] .palette-name')
    expect(page.locator("#announcer")).to_have_text(
        words["marked"].format(words=LOADED[language], name=loaded.inner_text()))
    expect(page.locator("#span-form")).to_contain_text(words["note"])
    saved(page)
    # Typing in a field is text: the letter lands in the note, no label fires.
    page.locator("#span-note").focus()
    press(page, "т", "KeyN")
    expect(page.locator("#span-note")).to_have_value("т")
    saved(page)

    stored = annotations(page, made)
    ids = page.eval_on_selector_all("#passages .passage",
                                    "els => els.map(e => +e.dataset.passageId)")
    assert {t["passage_id"]: t["label"] for t in stored["passage_tags"]} == {
        ids[0]: "news_report", ids[1]: "official_statement"}
    assert [(s["label"], s["start"], s["end"], s["text"], s["note"]) for s in stored["spans"]] == [
        ("loaded_language", start, end, LOADED[language], "т")]

    problems = axe_problems(page, f"annotate in {language}")
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)


def test_an_arabic_text_is_laid_out_selected_and_marked_right_to_left(page: Page, live_app):
    made = make_class(live_app, "ar")
    sign_in(page, made.username)
    page.goto(made.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#passages")).to_have_attribute("lang", "ar")
    expect(page.locator("#p0")).to_have_attribute("dir", "rtl")

    # The word caret: ← is the next word in reading order (the way the arrow points), → back.
    page.keyboard.press("Alt+2")
    page.keyboard.press("j")
    for key in ("ArrowLeft", "Shift+ArrowLeft", "Shift+ArrowLeft", "Shift+ArrowRight"):
        page.keyboard.press(key)
    page.keyboard.press("l")  # loaded language
    # By mouse: press at the first word's start (its right edge), drag left past the second.
    words = "الأسعار سترتفع"
    start = made.text.index(words)
    x1, y1, x2, y2 = page.evaluate(RECTS_JS.replace("first.left", "first.right")
                                   .replace("last.right", "last.left"),
                                   [start, start + len(words)])
    assert x2 < x1, "the second word is to the left of the first"
    page.mouse.move(x1 - 1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, y1, steps=4)
    page.mouse.move(x2 + 1, y2, steps=4)
    page.mouse.up()
    assert page.evaluate("() => window.getSelection().toString()") == words
    page.keyboard.press("e")  # exaggeration
    saved(page)

    spans = sorted((s["start"], s["end"], s["text"], s["label"])
                   for s in annotations(page, made)["spans"])
    assert spans == [(0, len("قال الوزير"), "قال الوزير", "loaded_language"),
                     (start, start + len(words), words, "exaggeration")]
    # Each highlight is on its words, and the first span starts at the passage's right edge.
    for s_start, s_end, text, _ in spans:
        segment = page.locator(f'#passages .seg[data-s="{s_start}"][data-e="{s_end}"]')
        expect(segment).to_have_text(text)
        expect(segment).to_have_attribute("data-ids", re.compile(r"\S"))
    right = page.evaluate("""() => {
      const seg = document.querySelector('#passages .seg[data-s="0"]').getBoundingClientRect();
      const p = document.querySelector('#p0'), style = getComputedStyle(p);
      return [seg.right, p.getBoundingClientRect().right - parseFloat(style.paddingRight)];
    }""")
    assert abs(right[0] - right[1]) < 2, right

    problems = axe_problems(page, "annotate, an Arabic text")
    assert not problems, "axe found WCAG 2.2 AA violations:\n" + "\n".join(problems)
