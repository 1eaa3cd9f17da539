"""The write paths in process: span create and project create, per request, wall and CPU.

Drives the production app (SOURCEMARK_ENV=production, a fresh SQLite file in WAL mode with
synchronous=FULL, as `make serve` runs it) through Flask's WSGI test client, with an API
token as benchmarks/peers.py sends it, and prints per request, medians over --requests:

    span_create_wall / _cpu        POST one span of the forum thread (rhetoric layer)
    span_create_statements         SQL statements the request runs
    project_create_wall / _cpu     POST /api/v1/projects (the default codebook: 20+ labels)
    project_create_first_wall      the first project create of the process (one request)
    project_create_statements
    sqlite_insert_commit_wall      the floor: a bare INSERT and COMMIT on the same disk with
                                   the same pragmas (WAL, synchronous=FULL: one fsync)

CPU time is the process's (time.process_time), steady where wall time is not on a shared
machine; the wall time less the floor is the request's own cost. --profile NAME prints a
cProfile of that request (span or project), by cumulative time.
Run: .venv/bin/python benchmarks/writes.py [--requests 300] [--profile span|project]
     [--sort tottime] [--rows 45]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORUM = ROOT / "seeds" / "002_58f5ba6ad2df0acd.txt"


def _app(folder: Path):
    os.environ.update(SOURCEMARK_INSTANCE_PATH=str(folder), SOURCEMARK_ENV="production",
                      DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
                      SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
                      SOURCEMARK_SECURE_COOKIES="0")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def _accounts(app) -> dict[str, str]:
    from app.extensions import db
    from app.services import accounts, tokens

    with app.app_context():
        teacher = accounts.create_user("benchteacher", "bench-password-long", "teacher")
        student = accounts.create_user("benchstudent", "bench-password-long", "student")
        db.session.commit()
        return {"teacher": tokens.create_token(teacher, "bench")[1],
                "student": tokens.create_token(student, "bench")[1]}


class Counter:
    """Counts the SQL statements the engine runs."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args) -> None:
        self.n += 1


def _timed(call, n: int, counter: Counter) -> dict[str, float]:
    walls, cpus, counts = [], [], []
    for i in range(n):
        before = counter.n
        cpu, wall = time.process_time(), time.perf_counter()
        call(i)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        counts.append(counter.n - before)
    return {"wall": statistics.median(walls) * 1000, "cpu": statistics.median(cpus) * 1000,
            "statements": statistics.median(counts)}


def floor(folder: Path, n: int) -> float:
    """A bare INSERT+COMMIT with the app's pragmas (WAL, synchronous=FULL), median ms."""
    connection = sqlite3.connect(folder / "floor.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)")
    times = []
    for i in range(n):
        began = time.perf_counter()
        connection.execute("BEGIN")
        connection.execute("INSERT INTO t (a, b) VALUES (?, ?)", (uuid.uuid4().hex, i))
        connection.execute("COMMIT")
        times.append(time.perf_counter() - began)
    connection.close()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("span", "project"))
    parser.add_argument("--sort", default="cumulative", help="the profile's order (tottime…)")
    parser.add_argument("--rows", type=int, default=45, help="the profile's rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sm-writes-") as tmp:
        folder = Path(tmp)
        app = _app(folder)
        keys = _accounts(app)
        from sqlalchemy import event

        from app.extensions import db

        client = app.test_client()
        teacher = {"Authorization": f"Bearer {keys['teacher']}"}
        student = {"Authorization": f"Bearer {keys['student']}"}
        began = time.perf_counter()  # the process's first new project: what start-up left
        project = client.post("/api/v1/projects", json={"title": "Bench"}, headers=teacher).json
        first = (time.perf_counter() - began) * 1000
        text = FORUM.read_text(encoding="utf-8")
        documents = client.post(f"/api/v1/projects/{project['id']}/documents",
                                json={"documents": [{"text": text, "title": "forum"}]},
                                headers=teacher).json["documents"]
        response = client.post("/api/v1/projects/join", json={"code": project["join_code"]},
                               headers=student)
        assert response.status_code == 200, response.data
        url = f"/api/v1/projects/{project['id']}/documents/{documents[0]['id']}/spans"
        labels = client.get(f"/api/v1/projects/{project['id']}/codebook", headers=student).json
        rhetoric = [label["key"] for layer in labels["layers"] if layer["key"] == "rhetoric"
                    for label in layer["labels"] if label.get("active", True)]
        with app.app_context():
            engine = db.engine
        counter = Counter()
        event.listen(engine, "before_cursor_execute", counter)

        def span(i: int) -> None:
            start = (i * 37) % (len(text) - 40)
            response = client.post(url, headers=student, json={
                "client_id": uuid.uuid4().hex, "layer": "rhetoric",
                "label": rhetoric[i % len(rhetoric)], "start": start, "end": start + 20,
                "text": text[start:start + 20]})
            assert response.status_code == 201, response.data

        def create(i: int) -> None:
            response = client.post("/api/v1/projects", json={"title": f"Bench {i}"},
                                   headers=teacher)
            assert response.status_code == 201, response.data

        for call in (span, create):  # warm: the first requests build the statement caches
            for i in range(5):
                call(10_000 + i)
        if args.profile:
            call = span if args.profile == "span" else create
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.requests):
                call(20_000 + i)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.rows)
            return
        spans = _timed(span, args.requests, counter)
        projects = _timed(create, max(args.requests // 3, 20), counter)
        bare = floor(folder, args.requests)
        print(f"span_create_wall: {spans['wall']:.2f} ms")
        print(f"span_create_cpu: {spans['cpu']:.2f} ms")
        print(f"span_create_statements: {spans['statements']:.0f}")
        print(f"project_create_wall: {projects['wall']:.2f} ms")
        print(f"project_create_cpu: {projects['cpu']:.2f} ms")
        print(f"project_create_first_wall: {first:.2f} ms")
        print(f"project_create_statements: {projects['statements']:.0f}")
        print(f"sqlite_insert_commit_wall: {bare:.3f} ms")
        print(f"span_create_wall_over_floor: {spans['wall'] - bare:.2f} ms")


if __name__ == "__main__":
    main()
