"""The message catalogues: extracted from the code, kept per language as .po, compiled to the
.mo files Flask-Babel reads and the JSON files the browser's modules read.

Both compiled forms are committed beside their .po, so the app needs no build step; a test
checks that they are up to date.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from app.i18n import DEFAULT, TRANSLATIONS

ROOT = TRANSLATIONS.parent.parent
# Python and templates: gettext/ngettext/lazy_gettext and their short names; JS: t() and nt().
SERVER = ([("app/**.py", "python"), ("app/templates/**.html", "jinja2")],
          {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
           "lazy_ngettext": (1, 2)})
BROWSER = ([("app/static/js/**.js", "javascript")], {"t": None, "nt": (1, 2)})
OPTIONS = {"app/templates/**.html": {"extensions": "jinja2.ext.do"}}
JS_DIR = ROOT / "app" / "static" / "i18n"


def _wanted(path: str) -> bool:
    """Only the app's own folders (not the virtual environment, caches or vendored code)."""
    parts = Path(path).relative_to(ROOT).parts if Path(path).is_absolute() else Path(path).parts
    return not any(part.startswith(".") or part in {"__pycache__", "node_modules", "vendor"}
                   for part in parts) and (not parts or parts[0] == "app")


def po_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every translatable message of the code, with where it is used."""
    catalog = Catalog(project="Sourcemark", domain="messages", fuzzy=False)
    for methods, keywords in (SERVER, BROWSER):
        for filename, lineno, message, comments, context in extract_from_dir(
                str(ROOT), methods, OPTIONS, keywords, comment_tags=("Translators:",),
                strip_comment_tags=True, directory_filter=_wanted):
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                        context=context)
    return catalog


def read(code: str) -> Catalog:
    with po_path(code).open("rb") as handle:
        return read_po(handle, locale=code)


def write(code: str, catalog: Catalog) -> None:
    path = po_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True, include_previous=True)


def update(code: str, template: Catalog) -> Catalog:
    """The language's catalogue brought up to the code's messages (a new one when missing);
    messages no longer used are dropped, changed ones kept as fuzzy for a translator."""
    if po_path(code).exists():
        catalog = read(code)
    else:
        catalog = Catalog(locale=code, project="Sourcemark", domain="messages", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=False)
    catalog.obsolete.clear()
    return catalog


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _categories(code: str) -> list[str]:
    """The CLDR plural categories in the order of gettext's plural indices."""
    count = get_plural(code).num_plurals
    tags = [tag for tag in ("zero", "one", "two", "few", "many", "other")
            if tag in Locale.parse(code).plural_form.tags or tag == "other"]
    return tags[:count] if len(tags) >= count else tags + ["other"] * (count - len(tags))


def js_catalogue(code: str, catalog: Catalog) -> dict:
    """The messages the browser's modules use, for `app/static/js/i18n.js`."""
    messages: dict[str, str | list[str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if not any(str(path).startswith("app/static/js/") for path, _ in message.locations):
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        value = message.string
        if isinstance(value, tuple | list):
            if all(value):
                messages[key] = list(value)
        elif value:
            messages[key] = value
    return {"language": code, "plural": _categories(code), "messages": messages}


def js_bytes(code: str, catalog: Catalog) -> bytes:
    return (json.dumps(js_catalogue(code, catalog), ensure_ascii=False, sort_keys=True,
                       indent=0) + "\n").encode()


def codes() -> list[str]:
    """Every language with a catalogue (English, the messages' own language, has none)."""
    return sorted(p.name for p in TRANSLATIONS.iterdir() if po_path(p.name).is_file())


def compiled() -> dict[Path, bytes]:
    """What each catalogue compiles to: its .mo and its JSON (English: the JSON only)."""
    out = {JS_DIR / f"{DEFAULT}.json": js_bytes(DEFAULT, Catalog(locale=DEFAULT))}
    for code in codes():
        catalog = read(code)
        out[po_path(code).with_suffix(".mo")] = mo_bytes(catalog)
        out[JS_DIR / f"{code}.json"] = js_bytes(code, catalog)
    return out


def compile_all() -> list[Path]:
    """Write each catalogue's .mo and JSON; the paths written."""
    JS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for path, content in compiled().items():
        path.write_bytes(content)
        written.append(path)
    return written


def missing(code: str, template: Catalog) -> list[str]:
    """The code's messages the language's catalogue does not translate (or marks fuzzy)."""
    catalog = read(code)
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        if isinstance(strings, tuple | list):
            empty = not all(strings)
        else:
            empty = not strings
        if found is None or found.fuzzy or empty:
            out.append(message.id[0] if isinstance(message.id, tuple | list) else message.id)
    return out


__all__ = ["DEFAULT", "codes", "compile_all", "extract", "js_bytes", "missing", "mo_bytes",
           "read", "update", "write"]
