"""The span rules hold whatever the timing: parallel requests against a real threaded server
never store crossing or duplicate source spans."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections.abc import Iterator
from itertools import combinations

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Span
from app.services import tokens

# One passage of 300 characters: room for ten pairs of spans twenty characters apart.
TEXT = " ".join(["word"] * 60)[:300] + "\n"
PARALLEL = 20


@pytest.fixture
def server(app: Flask) -> Iterator[int]:
    """The app served by werkzeug's threaded server (each request on its own thread)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@pytest.fixture
def setting(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT, name="words.txt")
    student = make.member(project, username="s1")
    _, secret = tokens.create_token(student, "test")
    db.session.commit()
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    return document, student, {"Authorization": f"Bearer {secret}",
                               "Content-Type": "application/json"}, base


def body(document, start: int, end: int) -> dict:
    return {"client_id": uuid.uuid4().hex, "layer": "source", "label": "testimony",
            "start": start, "end": end, "text": document.text[start:end]}


def all_at_once(port: int, headers: dict, requests: list[tuple[str, str, dict]]) -> list[int]:
    """Send the requests from one thread each, released together; returns the statuses."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(index: int, method: str, path: str, payload: dict) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.connect()
        barrier.wait()
        connection.request(method, path, json.dumps(payload), headers)
        response = connection.getresponse()
        response.read()
        statuses[index] = response.status
        connection.close()

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def stored_ranges(document, student) -> list[tuple[int, int]]:
    db.session.expire_all()
    return sorted((s, e) for s, e in db.session.execute(sa.select(Span.start, Span.end).where(
        Span.document_id == document.id, Span.user_id == student.id)).all())


def assert_valid(ranges: list[tuple[int, int]]) -> None:
    assert len(ranges) == len(set(ranges)), f"duplicate ranges stored: {ranges}"
    for (s1, e1), (s2, e2) in combinations(ranges, 2):
        nested = (s1 <= s2 and e2 <= e1) or (s2 <= s1 and e1 <= e2)
        apart = e1 <= s2 or e2 <= s1
        assert nested or apart, f"[{s1}, {e1}) and [{s2}, {e2}) cross"


def test_parallel_crossing_and_duplicate_creates_leave_a_valid_set(server, setting):
    document, student, headers, base = setting
    # Ten ranges that all cross one another, each sent twice: one span can be stored.
    requests = [("POST", base + "/spans", body(document, i, i + 20))
                for i in range(PARALLEL // 2) for _ in range(2)]
    statuses = all_at_once(server, headers, requests)
    assert sorted(set(statuses)) <= [201, 400, 409], statuses
    ranges = stored_ranges(document, student)
    assert_valid(ranges)
    assert len(ranges) == 1 and statuses.count(201) == 1


def test_parallel_boundary_edits_never_cross(server, setting, client):
    document, student, headers, base = setting
    pairs = []
    for k in range(PARALLEL // 2):
        spans = []
        for start in (20 * k, 20 * k + 10):
            response = client.post(base + "/spans", json=body(document, start, start + 2),
                                   headers=headers)
            assert response.status_code == 201, response.json
            spans.append(response.json)
        pairs.append(spans)
    # Each edit is fine alone; the two of a pair cross once both are stored.
    requests = []
    for first, second in pairs:
        for span, (start, end) in ((first, (first["start"], first["start"] + 8)),
                                   (second, (second["start"] - 5, second["end"]))):
            requests.append(("PATCH", f"{base}/spans/{span['id']}", {
                "version": 1, "start": start, "end": end, "text": document.text[start:end]}))
    statuses = all_at_once(server, headers, requests)
    assert sorted(set(statuses)) <= [200, 400], statuses
    assert_valid(stored_ranges(document, student))
    assert statuses.count(200) == PARALLEL // 2


def test_parallel_first_tags_of_a_passage_leave_one(server, setting):
    """The one-tag-per-passage rule is the database's own: a race ends in a 409, never two."""
    from app.models import Passage, PassageTag

    document, student, headers, base = setting
    passage_id = db.session.scalar(sa.select(Passage.id).where(
        Passage.document_id == document.id))
    labels = ["testimony", "news_report", "official_statement", "forum_post"]
    requests = [("PUT", f"{base}/passages/{passage_id}/tag", {"label": labels[i % 4]})
                for i in range(PARALLEL)]
    statuses = all_at_once(server, headers, requests)
    assert sorted(set(statuses)) <= [200, 409], statuses
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(PassageTag.id)).where(
        PassageTag.user_id == student.id)) == 1


def test_parallel_edits_of_one_version_keep_exactly_one(server, setting, client):
    """Twenty tabs change the same version of one span at once: one change is stored, every
    other is told the span changed meanwhile (409), none is overwritten without a word."""
    document, student, headers, base = setting
    span = client.post(base + "/spans", json=body(document, 0, 4), headers=headers).json
    requests = [("PATCH", f"{base}/spans/{span['id']}", {"version": 1, "note": f"tab {i}"})
                for i in range(PARALLEL)]
    statuses = all_at_once(server, headers, requests)
    assert sorted(set(statuses)) == [200, 409], statuses
    assert statuses.count(200) == 1
    db.session.expire_all()
    stored = db.session.get(Span, span["id"])
    assert stored.version == 2
    assert stored.note == f"tab {statuses.index(200)}"
