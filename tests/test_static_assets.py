"""Static files under a versioned URL, kept by browsers for a year; the annotation page names
its modules up front (modulepreload)."""

from __future__ import annotations

import re

from flask import url_for

from app.assets import digest
from app.services import tokens


def fetch(client, url: str):
    """GET a static file and close it (its file is streamed)."""
    response = client.get(url)
    response.close()
    return response


def test_static_urls_carry_the_digest_and_are_immutable(app, client):
    version = app.config["STATIC_VERSION"]
    with app.test_request_context():
        url = url_for("static", filename="js/annotate/main.js")
    assert url == f"/static/{version}/js/annotate/main.js"
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.cache_control.immutable and response.cache_control.public
    assert response.cache_control.max_age == 365 * 24 * 3600
    # A module's relative imports land under the same version, cached alike.
    imported = fetch(client, f"/static/{version}/js/annotate/store.js")
    assert imported.status_code == 200 and imported.cache_control.immutable
    # Another version (a page from before a release) gets today's file, asked for each time.
    stale = fetch(client, "/static/0123456789ab/js/annotate/main.js")
    assert stale.status_code == 200 and stale.cache_control.no_cache
    assert not stale.cache_control.immutable
    assert fetch(client, f"/static/{version}/js/nothing-here.js").status_code == 404


def test_the_digest_changes_with_any_file(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    before = digest(tmp_path)
    assert digest(tmp_path) == before
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    assert digest(tmp_path) != before


def test_annotation_page_preloads_every_module_it_imports(app, client, make):
    teacher = make.user("assets_t", role="teacher")
    project = make.project(teacher)
    document = make.document(project)
    student = make.member(project, username="assets_s")
    _, secret = tokens.create_token(student, "test")
    html = client.get(f"/projects/{project.id}/documents/{document.id}/annotate",
                      headers={"Authorization": f"Bearer {secret}"}).get_data(as_text=True)
    version = app.config["STATIC_VERSION"]
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    names = {url.rsplit("/", 1)[1] for url in preloaded}
    # main.js's own imports, theirs (ids.js through store.js), and the catalogue's i18n.js.
    assert {"store.js", "render.js", "ids.js", "payload.js", "i18n.js"} <= names
    assert "main.js" not in names
    assert all(url.startswith(f"/static/{version}/js/") for url in preloaded)
    assert all(fetch(client, url).status_code == 200 for url in preloaded)
