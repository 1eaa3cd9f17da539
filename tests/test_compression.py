"""Text answers are compressed for clients that accept it; nothing else changes."""

from __future__ import annotations

import gzip

import brotli
import pytest
from backports import zstd

from app.extensions import db
from app.services import tokens

LONG_TEXT = "\n\n".join(f"Passage {n}: the reporter quotes an official at length." * 4
                        for n in range(60))
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}


@pytest.fixture
def page(app, client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, LONG_TEXT)
    login_as(teacher)
    return f"/projects/{project.id}/documents/{document.id}/annotate"


@pytest.mark.parametrize("accepted, chosen", [
    ("gzip", "gzip"), ("gzip, deflate, br", "br"), ("gzip, deflate, br, zstd", "zstd")])
def test_a_page_is_compressed_as_the_browser_accepts(client, page, accepted, chosen):
    plain = client.get(page)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get(page, headers={"Accept-Encoding": accepted})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == chosen
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    assert len(packed.data) * 3 < len(plain.data)
    # The same page, but for what changes per request (the CSRF token).
    assert DECODE[chosen](packed.data).count(b"Passage ") == plain.data.count(b"Passage ")


def test_api_json_is_compressed_too(app, client, make):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, LONG_TEXT)
    secret = tokens.create_token(teacher, "t")[1]
    db.session.commit()
    url = f"/api/v1/projects/{project.id}/documents/{document.id}"
    headers = {"Authorization": f"Bearer {secret}"}
    plain = client.get(url, headers=headers)
    packed = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data


def test_small_answers_and_clients_without_it_get_plain_bytes(client):
    assert "Content-Encoding" not in client.get("/login").headers
    small = client.get("/api/v1/me", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 401 and "Content-Encoding" not in small.headers
