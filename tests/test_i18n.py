"""The interface's languages: catalogues complete and compiled, the language each request is
served in, and the switch in the header."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.i18n import catalogues
from tests import literals
from tests.conftest import csrf_token, login

LANGUAGES = ("ru", "kk")


@pytest.fixture(scope="module")
def template():
    return catalogues.extract()


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_of_the_code_is_translated(template, code):
    lacking = catalogues.missing(code, template)
    assert not lacking, (f"{code} lacks {len(lacking)} translations (run `flask translations "
                         f"extract`, translate, `flask translations compile`): {lacking[:10]}")


def test_compiled_catalogues_are_up_to_date():
    for path, content in catalogues.compiled().items():
        assert path.exists(), f"{path} is missing: run `flask translations compile`"
        assert path.read_bytes() == content, f"{path} is stale: run `flask translations compile`"


def test_russian_catalogue_has_three_plural_forms_for_the_browser():
    data = json.loads((catalogues.JS_DIR / "ru.json").read_text("utf-8"))
    assert data["plural"] == ["one", "few", "many"]
    kk = json.loads((catalogues.JS_DIR / "kk.json").read_text("utf-8"))
    assert kk["plural"] == ["one", "other"]


def _html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_browser_language_chooses_the_interface(client):
    html = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
                      ).get_data(as_text=True)
    assert _html_lang(html) == "ru"
    assert "Войти" in html and "Имя пользователя" in html
    html = client.get("/login", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert _html_lang(html) == "kk" and "Кіру" in html


def test_english_when_the_browser_asks_for_no_language_we_offer(client):
    html = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert _html_lang(html) == "en" and ">Sign in<" in html


def test_switch_sets_a_cookie_that_wins_over_the_browser(client):
    token = csrf_token(client, "/login")
    response = client.post("/language", data={"language": "kk", "next": "/join",
                                              "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/join")
    html = client.get("/join", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _html_lang(html) == "kk" and "Сыныпқа қосылу" in html


def test_switch_refuses_an_unknown_language_and_a_foreign_next(client):
    token = csrf_token(client, "/login")
    assert client.post("/language", data={"language": "xx", "csrf_token": token}
                       ).status_code == 400
    response = client.post("/language", data={"language": "ru", "next": "https://evil.example/",
                                              "csrf_token": token})
    assert "evil.example" not in response.headers["Location"]


def test_signed_in_users_choice_is_kept_on_the_account(client, make, login_as):
    user = make.user("dana")
    token = login_as(user)
    client.post("/language", data={"language": "ru", "next": "/projects", "csrf_token": token})
    db.session.refresh(user)
    assert user.locale == "ru"
    client.delete_cookie("sourcemark_lang")
    html = client.get("/projects", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _html_lang(html) == "ru" and "Мои проекты" in html


def test_flash_and_form_errors_are_translated(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": "nobody", "password": "wrong-password",
                                           "csrf_token": token},
                           headers={"Accept-Language": "ru"})
    assert "Неверное имя пользователя или пароль." in response.get_data(as_text=True)
    response = client.post("/join", data={"csrf_token": csrf_token(client, "/join")},
                           headers={"Accept-Language": "ru"})
    # WTForms' own messages come in the page's language too.
    assert "Обязательное поле." in response.get_data(as_text=True)


def test_project_language_when_the_browser_names_none_we_offer(client, make, login_as, app):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    project.language = "kk"
    db.session.commit()
    login_as(teacher)
    html = client.get(f"/projects/{project.id}", headers={"Accept-Language": "de"}
                      ).get_data(as_text=True)
    assert _html_lang(html) == "kk"


def test_responses_vary_on_the_language(client):
    response = client.get("/login")
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_login_still_works_in_every_language(client, make):
    make.user("erlan")
    for code in ("ru", "kk", "en"):
        client.set_cookie("sourcemark_lang", code)
        assert login(client, "erlan").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/projects")})


def test_commands_speak_their_lang_option_else_the_shells_language(runner, make, tmp_path,
                                                                     monkeypatch):
    project = make.project(title="7Б")
    text = tmp_path / "a.txt"
    text.write_bytes("Алматы.\n\nАстана.\n".encode())
    result = runner.invoke(args=["documents", "import", "--lang", "kk", str(project.id),
                                 str(text)])
    assert result.exit_code == 0, result.output
    assert "2 үзінді" in result.output and "«7Б» жобасына 1 құжат импортталды." in result.output
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = runner.invoke(args=["users", "create", "aidos", "--role", "student",
                                 "--password", "steppe-eagle-river"])
    assert "Создана учётная запись «aidos» (ученик)." in result.output, result.output
    result = runner.invoke(args=["users", "create", "aidos", "--password", "steppe-eagle-river"])
    assert result.exit_code != 0 and "уже занято" in result.output  # the service's error too
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    result = runner.invoke(args=["import", str(project.id), str(bad), "--format", "jsonl",
                                 "--lang", "kk"])
    assert "қате: bad.jsonl" in result.output and "Ештеңе импортталған жоқ" in result.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    result = runner.invoke(args=["documents", "import", str(project.id), str(text)])
    assert "Nothing was imported" in result.output  # English when the shell names none we have


# --- a document's language ------------------------------------------------------------------

KAZAKH = ("Жаңаөзендегі ереуіл 2011 жылдың көктемінде басталды. Мұнайшылар жалақыны "
          "көтеруді талап етті.\n\nЖелтоқсанда алаңда оқ атылды.\n")
RUSSIAN = ("Забастовка в Жанаозене началась весной 2011 года. Нефтяники требовали повысить "
           "зарплату.\n\nВ декабре на площади стреляли.\n")
ARABIC = ("بدأ الإضراب في جاناوزين في ربيع عام 2011 واستمر عدة أشهر. طالب عمال النفط "
          "برفع الأجور.\n\nفي ديسمبر أطلقت الشرطة النار في الساحة.\n")


def test_import_detects_the_language_of_each_text(make):
    project = make.project()
    assert make.document(project, KAZAKH, "kk.txt").language == "kk"
    assert make.document(project, RUSSIAN, "ru.txt").language == "ru"
    assert make.document(project, ARABIC, "ar.txt").language == "ar"
    assert make.document(project, "Hundreds of oil workers held a third day of protests "
                         "in western Kazakhstan.\n", "en.txt").language == "en"


def test_a_text_too_short_to_tell_has_no_language(make):
    assert make.document(make.project(), "14 died.\n", "short.txt").language == ""


def test_the_reading_page_gives_the_text_its_language_and_direction(client, make, login_as):
    teacher = make.user("nurlan", role="teacher")
    project = make.project(teacher)
    arabic = make.document(project, ARABIC, "ar.txt")
    short = make.document(project, "14 died.\n", "short.txt")
    login_as(teacher)
    html = client.get(f"/projects/{project.id}/documents/{arabic.id}").get_data(as_text=True)
    assert '<div class="passages" lang="ar" dir="rtl">' in html
    html = client.get(f"/projects/{project.id}/documents/{short.id}").get_data(as_text=True)
    assert '<div class="passages" dir="auto">' in html


def test_a_teacher_sets_or_clears_a_documents_language(client, make, login_as):
    teacher = make.user("saule", role="teacher")
    project = make.project(teacher)
    document = make.document(project, "14 died.\n", "short.txt")
    token = login_as(teacher)
    url = f"/projects/{project.id}/documents/{document.id}/edit"
    data = {"title": "Short", "language": "kk", "csrf_token": token}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(document)
    assert document.language == "kk"
    response = client.post(url, data={**data, "language": "not-a-language!"})
    assert response.status_code == 200
    db.session.refresh(document)
    assert document.language == "kk"


# --- the teacher's pages ----------------------------------------------------------------------

# Each page (its address on the demo project, `p` the project, `d` its first document) with a
# few of its template's English sentences that a Russian or Kazakh reader must not meet.
TEACHER_PAGES = {
    "project_form": ("/projects/{p}/edit", (
        "What students see of others", "Start another class from this one",
        "Show classmates anonymously", "Copy into a new project", ">Cancel<")),
    "tokens": ("/account/tokens", (
        "Your account", "API tokens", "Signed-in browsers", "this browser", "Create token",
        "Show times in", "Sign out everywhere else")),
    "password": ("/account/password", (
        "Change your password", "At least 8 characters", "New password again")),
    "member": ("/projects/{p}/members/{s}", (
        "A new password", "Move to another project", "Remove from the project",
        "Make them choose their own password", "stays under their name", "You are asked again")),
    "codebook": ("/projects/{p}/codebook", (
        "Every change raises the version", "Add a label to", "Add label", "Shortcut key",
        "What each value means", "Save poles", "Lowercase letters", ">Retire<", "Bring back",
        "A slant of", "annotations<", "Spans of this layer")),
    "rounds": ("/projects/{p}/rounds", (
        "A round is a set of documents", "Agreement by round", "Assign this round",
        "Delete the round", "A new round", "Save the round", "Starts (optional)")),
    "archive": ("/projects/{p}/archive", ("Archived documents", "Documents deleted while")),
    "history": ("/projects/{p}/documents/{d}/history", (
        "History of the annotations", "Every change to", "Nothing here can be changed",
        "When (UTC)", ">Show<")),
    "paste": ("/projects/{p}/documents/paste", (
        "Paste a text", "A blank line starts", "Title (the first line", "Add the document")),
    "curate_index": ("/projects/{p}/curate", (
        "The gold key", "Adjudicate each document", "Passages agreed", "Settled in the key")),
    "claims": ("/projects/{p}/claims", (
        "Group the claims of the corpus", "Agreement on verdicts", "Ask a question",
        "Claims answer with", "Add the question", "Download the board")),
    "label_passages": ("/projects/{p}/agreement/label?label=news_report", (
        "passages in dispute", "Passages someone tagged", ">Agreement<")),
    "datasets": ("/projects/{p}/data", (
        "Export and import", "none ticked", "The gold key only", "Download the export",
        "Import annotated documents", "Documents come with the annotations",
        "annotations marked ground truth")),
    "claims_board": ("/projects/{p}/claims/{q}", (
        "Claims on this board", "Who says it", "Save verdict", "Evidence (optional)",
        "Words in the claim", "not on this board", "different value", "not enough information")),
    "curate": ("/projects/{p}/documents/{d}/curate", (
        "Edit the key on the annotation page", "Hide names", "Source type per passage",
        "Take what", "Pre-merge into the gold key", "not in the key", ">Accept<")),
    "source_names": ("/projects/{p}/sources/names", (
        "Students name the speaker", "People and institutions", "Link a name",
        "Names written in the annotations", "Add the source", "Name as written")),
    "sources": ("/projects/{p}/sources", (
        "who was reliable", "Every source", "Words of text", "Unsupported claims / 1,000",
        "Rates count every annotator", "No source has rated", "person or institution")),
    "lti_configuration": ("/lti/config", (
        "Paste these values", "Initiate login URL", "Machine-readable")),
    "lti_not_ready": ("/lti/not-ready", ("This activity is not ready yet", "Try again later")),
    "agreement_rounds": ("/projects/{p}/agreement/rounds", (
        "Each round's figures come from", "The class over the rounds", "Every figure of this round",
        "Codebook changes since", "The same annotator on the same document", "All annotators")),
}


def _demo_project(runner):
    from app.models import Project

    assert "Demo annotations loaded" in runner.invoke(args=["demo", "load"]).output
    return db.session.scalar(db.select(Project))


def test_teacher_pages_have_no_english_left_in_russian_or_kazakh(client, runner, make):
    from app.models import ClaimQuestion, User

    project = _demo_project(runner)
    document = project.documents[0]
    student = db.session.scalar(db.select(User).where(User.username == "aigerim"))
    question = db.session.scalar(db.select(ClaimQuestion).where(
        ClaimQuestion.project_id == project.id))
    assert login(client, "teacher", "teacher-demo").status_code == 302
    token = csrf_token(client, "/projects")
    left = []
    for page, (url, english) in TEACHER_PAGES.items():
        address = url.format(p=project.id, d=document.id, s=student.id, q=question.id)
        for code in LANGUAGES:
            client.set_cookie("sourcemark_lang", code)
            response = client.get(address)
            assert response.status_code == 200, (page, code, response.status_code)
            html = response.get_data(as_text=True)
            assert _html_lang(html) == code
            left += [(page, code, text) for text in english if text in html]
    sources = client.get(f"/projects/{project.id}/sources").get_data(as_text=True)
    profile = re.search(r'href="([^"]*/sources/profile\?ref=[^"]+)"', sources).group(1)
    for code in LANGUAGES:
        client.set_cookie("sourcemark_lang", code)
        response = client.get(profile.replace("&amp;", "&"))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        left += [("source_profile", code, text) for text in (
            "How the class rated its documents", "Reliability (mean)", "attributed to",
            "Statements", "quoted voice") if text in html]
    for code in LANGUAGES:  # a new login slip is the answer to a post
        client.set_cookie("sourcemark_lang", code)
        response = client.post(f"/projects/{project.id}/members/{student.id}/password",
                               data={"csrf_token": token, "expire": "y"})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        left += [("slips", code, text) for text in (
            "A new login slip", "The password is changed", "Print or copy", "Username",
            "Back to the project", "You choose your own password") if text in html]
    client.post("/logout", data={"csrf_token": token})
    assert login(client, make.user("root", role="admin").username).status_code == 302
    for code in LANGUAGES:
        client.set_cookie("sourcemark_lang", code)
        html = client.get("/admin").get_data(as_text=True)
        left += [("admin", code, text) for text in (
            "Site settings", "Teacher invitations", "Teachers' accounts", "must change it",
            "Create an invitation link", "Teachers may create their own accounts") if text in html]
    assert not left, f"English left on translated pages: {left}"


def test_error_pages_speak_the_readers_language(client, make, login_as):
    login_as(make.user("asel", role="teacher"))
    for code, words in (("ru", "Не найдено"), ("kk", "Табылмады")):
        client.set_cookie("sourcemark_lang", code)
        response = client.get("/no-such-page")
        assert response.status_code == 404 and words in response.get_data(as_text=True)
    client.set_cookie("sourcemark_lang", "ru")
    response = client.post("/account/tokens", data={"name": "x"})  # no CSRF token
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


# --- the annotation page and its scripts ----------------------------------------------------

SCRIPTS = sorted((catalogues.ROOT / "app/static/js/annotate").glob("*.js")) + [
    catalogues.ROOT / "app/static/js" / name for name in ("app.js", "claims.js", "curate.js")]


def test_annotate_page_and_scripts_leave_no_english_outside_the_catalogue():
    left = {path.name: literals.js_untranslated(path.read_text("utf-8")) for path in SCRIPTS}
    # The page and the fragments it is put together from.
    pages = sorted((catalogues.ROOT / "app/templates/web").glob("*annotate*.html"))
    assert {"annotate.html", "_annotate_dialogs.html", "_annotate_side.html",
            "_annotate_end.html"} <= {page.name for page in pages}
    for page in pages:
        left[page.name] = literals.template_untranslated(page.read_text("utf-8"))
    left = {name: found for name, found in left.items() if found}
    assert not left, ("wrap these in t()/nt() (JS, a plain string with {placeholders}) or _() "
                      f"(template): {left}")


@pytest.mark.parametrize("source", [
    'announce("Undone");', "text = `Tag ${ids.length} passages as:`;",
    'node.textContent = done ? "Submitted ✓" : x;',
    "`${n} ${n === 1 ? \"claim needs\" : \"claims need\"}`",
    'label = `${words}, in ${names}`;', "t(`Marked ${words}`);", 'x = `${t("Source type:")} `;',
    'el("span", { text: "(deleted)" });'])
def test_the_scan_finds_english_a_reader_would_see(source):
    assert literals.js_untranslated(source), source


@pytest.mark.parametrize("source", [
    'if (event.key === "Escape" || event.code === "Slash") go();',
    'root.querySelector(`li[data-id="${id}"] button`);', 'q("input, select, textarea");',
    'el.className = "sr-only seg-name";', 't("Saving…"); nt("{n} span", "{n} spans", n);',
    'const re = /"[A-Z] b"/g; // "Not this either"', 'el("kbd", { text: "Alt+L" });',
    "style.top = `${y}px`;", 'fetch(`${api}/spans/${id}?version=${v}`);'])
def test_the_scan_leaves_code_alone(source):
    assert not literals.js_untranslated(source), source


def test_the_scan_finds_template_english_outside_gettext():
    found = literals.template_untranslated(
        '<button title="Undo the last action">{{ _("Undo") }}</button> <kbd>Enter</kbd>'
        "{{ 'Mark done' if x else _('Submit') }} <p>{{ ngettext('%(n)s a', '%(n)s b', n) }}</p>")
    assert found == ["{{ 'Mark done' }}", 'title="Undo the last action"']


def test_flashes_errors_and_forms_pass_no_english_outside_gettext():
    left = {}
    for path in sorted((catalogues.ROOT / "app").rglob("*.py")):
        found = literals.python_untranslated(path.read_text("utf-8"))
        if found:
            left[str(path.relative_to(catalogues.ROOT))] = found
    assert not left, ("wrap these in _()/ngettext() (lazy_gettext for a form's class "
                      f"attribute), with %(name)s placeholders: {left}")


# English prose the code may hold unwrapped, and why no reader of a page meets it.
PROSE_ALLOWED_IN = {
    "app/agreement/": "the statistics engine, a library: its errors are for the program calling it",
    "app/api/codebook.py": "the API's OpenAPI description, written for developers",
    "app/api/openapi.py": "the API's OpenAPI description, written for developers",
    "app/api/schemas.py": "the API's OpenAPI description, written for developers",
    "app/cli.py": "--help of the commands (what a command prints is translated)",
    "app/cli_agreement.py": "--help of the commands (what a command prints is translated)",
    "app/cli_data.py": "--help of the commands (what a command prints is translated)",
    "app/cli_import.py": "--help of the commands (what a command prints is translated)",
    "app/lti/cli.py": "--help of the commands (what a command prints is translated)",
    "app/i18n/cli.py": "the translators' own tool, which works on the English catalogue",
    "app/errors.py": "the databases' own error messages, recognised to answer 503",
    "app/services/datasets/": "the dataset card and the notes in export files: English beside "
                              "the data, for researchers (the README of an export is translated)",
    "app/services/agreement/methods.py": "citations, and the names of the interval methods "
                                         "that the report's JSON gives as data",
}
PROSE_ALLOWED = {
    ("app/jsonsafe.py", "nested deeper than the limit of "):
        "the JSON decoder's words for an API client's malformed body",
    ("app/services/codebooks/changes.py", "the rating form changed"):
        "the English words kept beside a change's data; pages put the data into words",
    ("app/services/demo.py", "Read each text and tag every passage with its source type: who "
                             "is speaking here? Then mark"):
        "the demo class's own content, English like the seed texts it is about",
    ("app/services/demo.py", "Emotionally charged words used to sway the reader rather than "
                             "describe. Mark the"):
        "the demo class's own content, English like the seed texts it is about",
    ("app/services/demo.py", "Round 2: after the discussion"):
        "the demo class's own content, English like the seed texts it is about",
    ("app/services/imports/batches.py", " text(s) stored meanwhile by another import"):
        "an exception caught inside the import, which then tells the reader in its own words",
    ("app/services/lti/client.py", "The platform's token endpoint gave no access_token."):
        "what the LMS answered, kept as it came for whoever mends the LMS's settings",
    ("app/services/lti/platforms.py", "Annotate texts by source type, rhetoric and "
                                      "unsupported claims."):
        "the tool's description in its registration with the LMS, one for every course",
    ("app/services/sources/corpus.py", "an unnamed voice"):
        "an internal name: the sources pages name such a speaker in the reader's language",
    ("app/services/sources/corpus.py", "the document itself"):
        "an internal name: the sources pages name such a speaker in the reader's language",
}


def test_no_english_prose_in_the_code_outside_gettext_but_what_no_reader_meets():
    """Whatever path a phrase takes to a page (a helper's argument, a form's choices, a value
    shown later), it is wrapped for translation, or it is one the lists above explain."""
    left = []
    for path in sorted((catalogues.ROOT / "app").rglob("*.py")):
        name = str(path.relative_to(catalogues.ROOT))
        if any(name.startswith(place) for place in PROSE_ALLOWED_IN):
            continue
        for line, text in literals.python_prose(path.read_text("utf-8")):
            if not any(name == file and text.startswith(start) for file, start in PROSE_ALLOWED):
                left.append(f"{name}:{line}: {text[:60]!r}")
    assert not left, ("wrap these in _()/ngettext()/lazy_gettext(), or say in PROSE_ALLOWED "
                      f"why no reader meets them: {left}")


@pytest.mark.parametrize("source", [
    'how = "the paragraphs of the Word file"', 'choices = [(0, "The whole project")]',
    'def bad(key):\n    return Invalid(f"{key}: a whole number from 1 to 7")',
    'SelectChoice("f1", "F1 of marked spans")'])
def test_the_prose_scan_finds_english_on_any_path(source):
    assert literals.python_prose(source), source


@pytest.mark.parametrize("source", [
    '"""A docstring of three words."""', 'x = _("Wrapped for the catalogue")',
    'raise ValueError("a bug in the caller")', 'logger.info("the job ran once")',
    'raise Invalid(_("No such thing here."), {"name": "not in project"})',
    'db.session.execute(sa.text("SELECT id FROM user"))', 'assert x, "the list is empty"',
    'key = "source_passages"', 'CSS = "sr-only seg-name"'])
def test_the_prose_scan_leaves_code_alone(source):
    assert not literals.python_prose(source), source


@pytest.mark.parametrize("source", [
    'flash("Saved.", "info")', 'flash(f"You joined {project.title}.", "info")',
    'raise Invalid("No such member.")', 'raise NotFound(message=f"No {x}.")',
    'abort(400, "Bad name")', 'api_error("bad", "Bad name " + x, 400)',
    'name = StringField("Name", validators=[Length(max=5, message="Too long")])',
    'raise Conflict(f"{n} thing{\'s\' if n != 1 else \'\'}")',
    'flash("Saved." if ok else _("Not saved."))',
    'problems.add(where, "text", "must be text")', 'raise _refuse(name, f"over {n:,} bytes")',
    '_GONE = "This import has expired."\nraise NotFound(_GONE)',
    'check.bad(field, "must be a list")', 'self.problem(f"unknown kind {ident}", number)'])
def test_the_python_scan_finds_english_a_reader_would_see(source):
    assert literals.python_untranslated(source), source


@pytest.mark.parametrize("source", [
    'flash(_("Saved."), "info")', 'flash(exc.message, "error")',
    'flash(f"{field.label.text}: {error}", "error")',
    'raise Invalid(_("No %(x)s.", x=x), {"x": "bad"})',
    'raise Invalid(ngettext("%(num)d a", "%(num)d b", n))', 'abort(404)',
    'api_error("not_found", message, 404)', 'name = StringField(_l("Name"))',
    'logger.info("Some words here")', 'self.members.add(user.id)', 'seen.add("some words")',
    'problems.add(where, "text", _("must be text"))', '_GONE = "gone"\nraise NotFound(_("Gone."))'])
def test_the_python_scan_leaves_code_alone(source):
    assert not literals.python_untranslated(source), source


def test_the_annotate_page_speaks_kazakh_and_russian(client, make, login_as):
    teacher = make.user("gulnar", role="teacher")
    project = make.project(teacher)
    document = make.document(project, KAZAKH, "kk.txt")
    login_as(teacher)
    for code, words in (("kk", ("Барлық өзгеріс сақталды", "Пернетақта", "Белгілер")),
                        ("ru", ("Все изменения сохранены", "Клавиатура", "Метки"))):
        client.set_cookie("sourcemark_lang", code)
        html = client.get(f"/projects/{project.id}/documents/{document.id}/annotate"
                          ).get_data(as_text=True)
        assert _html_lang(html) == code and all(word in html for word in words), code
        for english in ("All changes saved", "Keyboard", "Keep working", "Mark done", "Undo",
                        "Guidelines", " passages<", "move to the next"):
            assert english not in html, (code, english)
