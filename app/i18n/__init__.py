"""The interface's languages: which one a request is served in, and the catalogues behind it.

The language comes from the signed-in user's choice, else the language cookie (set by the
switch in the header for someone not signed in), else the browser's Accept-Language, else the
project's language when the page belongs to a project, else English. The languages offered are
English and every catalogue under app/translations.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from babel import Locale
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale, lazy_gettext

from app.i18n import detect

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DEFAULT = "en"
COOKIE = "sourcemark_lang"
# Scripts written right to left (the interface's direction; a document has its own).
RTL = {"ar", "fa", "he", "ur", "ps", "yi", "dv", "ug"}

babel = Babel()


@cache
def languages() -> dict[str, str]:
    """Code -> the language's own name, English first, then the catalogues found."""
    codes = sorted(p.name for p in TRANSLATIONS.iterdir()
                   if (p / "LC_MESSAGES" / "messages.mo").is_file() and p.name != DEFAULT)
    return {code: Locale.parse(code).get_display_name(code).capitalize()
            for code in [DEFAULT, *codes]}


def supported(code: str | None) -> str | None:
    """The offered language `code` names (region dropped: `ru-KZ` -> `ru`), else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in languages() else None


def _project_language() -> str | None:
    project_id = (request.view_args or {}).get("project_id")
    if not isinstance(project_id, int):
        return None
    from app.extensions import db
    from app.models import Project

    project = db.session.get(Project, project_id)
    return supported(project.language) if project is not None else None


def select_locale() -> str:
    """The language of this request (see the module's docstring)."""
    from flask_login import current_user

    if not has_request_context():  # a command or a job: English unless it forces a language
        return DEFAULT
    if current_user and current_user.is_authenticated:
        chosen = supported(getattr(current_user, "locale", ""))
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    chosen = request.accept_languages.best_match(list(languages()))
    if chosen and request.accept_languages:
        return chosen
    return _project_language() or DEFAULT


def command_language(chosen: str | None = None) -> str:
    """The language of a command's output: `chosen` (its --lang), else the shell's locale
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them), else English."""
    if chosen:
        return supported(chosen) or DEFAULT
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        for part in value.split(":"):  # LANGUAGE lists several, in order of preference
            code = supported(part.split(".")[0].split("@")[0])
            if code:
                return code
    return DEFAULT


def current() -> str:
    """The current request's language code."""
    return str(get_locale() or DEFAULT)


def direction(code: str) -> str:
    """'rtl' or 'ltr' for a language code."""
    return "rtl" if code.split("-")[0] in RTL else "ltr"


def role_name(role: str) -> str:
    """A role as the interface says it."""
    names = {"admin": lazy_gettext("administrator"), "teacher": lazy_gettext("teacher"),
             "student": lazy_gettext("student"), "adjudicator": lazy_gettext("adjudicator"),
             "system": lazy_gettext("system")}
    return str(names.get(role, role))


def init_app(app: Flask) -> None:
    """Babel with our locale selector, and what every template needs to say its language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)

    from app.i18n.cli import translations_cli

    detect.listen()
    if app.config.get("PRODUCTION"):
        detect.warm()  # each server process, at its start: not a teacher's first import
    from app.i18n.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(translations_cli)

    @app.context_processor
    def language_context() -> dict:
        code = current()
        return {"ui_lang": code, "ui_dir": direction(code), "ui_languages": languages(),
                "role_name": role_name, "document_dir": detect.direction}

    @app.after_request
    def vary_on_language(response):
        # The same URL answers in another language for another Accept-Language or cookie;
        # static files are the same in every language, and stay cacheable as they are.
        if request.endpoint != "static":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
