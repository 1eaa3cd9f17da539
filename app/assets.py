"""Static files under a versioned URL: /static/<digest of every static file>/<path>.

A browser keeps them for a year without asking again (Cache-Control immutable), so a second
page open downloads only the page; a release that changes any file changes the digest, and
with it every URL. One digest for the whole folder, not one per file: the page's ES modules
import each other by relative paths, which then stay under the same versioned folder.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, send_from_directory

YEAR = 365 * 24 * 3600
# `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`, `import("./x.js")`.
_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}/[^"']+\.js)["']""")


def digest(folder: Path) -> str:
    """A short hash of every file's path and bytes under `folder`."""
    hasher = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hasher.update(path.relative_to(folder).as_posix().encode() + b"\0")
        hasher.update(path.read_bytes())
    return hasher.hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Serve app.static_folder at /static/<version>/ as the `static` endpoint."""
    app.config["STATIC_VERSION"] = digest(Path(app.static_folder or ""))
    app.add_url_rule("/static/<version>/<path:filename>", endpoint="static",
                     view_func=_static)

    app.add_template_global(module_imports)

    @app.url_defaults
    def _version(endpoint: str | None, values: dict) -> None:
        if endpoint == "static":
            values.setdefault("version", current_app.config["STATIC_VERSION"])


def _static(version: str, filename: str):
    app = current_app
    # Another version (a page from before a release, or one served by a server not yet
    # upgraded) gets today's file, checked again on each use; so does development, where
    # files change under a running server.
    fresh = version == app.config["STATIC_VERSION"] and not app.debug
    response = send_from_directory(app.static_folder or "", filename,
                                   max_age=YEAR if fresh else None)
    if fresh:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def module_imports(entry: str) -> list[str]:
    """Every module `entry` (a path under static/) imports, directly or not, in a stable
    order: the page names them all as modulepreload links, so the browser fetches them at
    once instead of discovering them one import level after another."""
    app = current_app
    return list(_imports(app.static_folder or "", entry, app.config["STATIC_VERSION"]))


@lru_cache(maxsize=64)
def _imports(folder: str, entry: str, version: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    pending = [entry]
    while pending:
        module = pending.pop(0)
        source = (Path(folder) / module).read_text(encoding="utf-8")
        for relative in _IMPORT.findall(source):
            found = posixpath.normpath(posixpath.join(posixpath.dirname(module), relative))
            if found != entry and found not in seen:
                seen[found] = None
                pending.append(found)
    return tuple(seen)
