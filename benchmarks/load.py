"""Load without loss: 50 simulated annotators against `make serve`, on SQLite and PostgreSQL.

Each annotator signs in with an API token and, for the whole run, creates, edits and deletes
spans and tags passages on a seed document, pausing a random moment between actions (0.5 s
on average: ten times a quick human). A 503 (the database was busy) is retried after its
Retry-After, as the page does; anything else that is not the expected answer is an error.

Then the database is checked against the log of acknowledged writes: every span and passage
tag the server acknowledged is there exactly as last acknowledged (nothing lost), there is
nothing else (nothing duplicated), and the annotation log holds one event per
acknowledged change.

Prints, per database, `name: value unit` lines (medians over --runs): throughput,
p50/p95/p99 latency of the requests, errors, retried 503s, lost and duplicated writes.
Targets: no error but retried 503s, nothing lost, p95 under 100 ms on PostgreSQL.

Run: .venv/bin/python benchmarks/load.py [--runs 3] [--duration 120] [--annotators 50]
     [--database sqlite|postgresql|both]
PostgreSQL: the one of `make test` (.ci/postgres.sh starts it on 127.0.0.1:54329), or
LOAD_PG_URL=postgresql+psycopg://user@host:port/ (a throwaway database is made and dropped).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets as secrets_module
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("LOAD_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:54329/")
PASSWORD = "load-password"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the database ----------------------------------------------------------------------------

def make_database(kind: str, folder: Path) -> tuple[str, str | None]:
    """A new, empty database; returns its URL and (PostgreSQL) its name to drop after."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'load.db'}", None
    import sqlalchemy as sa

    subprocess.run(["sh", str(ROOT / ".ci" / "postgres.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    name = f"sm_load_{secrets_module.token_hex(4)}"
    server = sa.create_engine(PG_URL + "postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    return PG_URL + name, name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import sqlalchemy as sa

    server = sa.create_engine(PG_URL + "postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.dispose()


def prepare(url: str, folder: Path, annotators: int) -> dict:
    """The schema, a class project with the seed texts, and `annotators` students with
    API tokens, each given one of the documents."""
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import accounts, projects, tokens
    from app.services.documents import import_seeds
    from app.services.vocabulary import vocabulary

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load"})
    with app.app_context():
        upgrade()
        teacher = accounts.create_user("loadteacher", PASSWORD, "teacher")
        project = projects.create_project(teacher, "Load")
        documents = import_seeds(project, ROOT / "seeds", app.config["DOCUMENT_MAX_BYTES"],
                                 teacher)
        words = vocabulary(project.id)
        rhetoric = sorted(info.key for (layer, _), info in words.labels.items()
                          if layer == "rhetoric" and info.active)
        sources = sorted(info.key for (layer, _), info in words.labels.items()
                         if layer == "source" and info.active)
        docs = [{"id": d.id, "text": d.text,
                 "bounds": [m.span() for m in re.finditer(r"\w+(?:\W+\w+){0,4}", d.text)],
                 "passages": [p.id for p in d.passages]} for d in documents]
        people = []
        for n in range(annotators):
            user = accounts.create_user(f"annotator{n:02d}", PASSWORD, "student")
            projects.add_member(project, user, "student")
            db.session.commit()
            people.append({"id": user.id, "token": tokens.create_token(user, "load")[1],
                           "document": n % len(docs)})
        info = {"project": project.id, "documents": docs, "people": people,
                "rhetoric": rhetoric, "sources": sources}
        db.session.remove()
        db.engine.dispose()
    return info


# --- the server: make serve ------------------------------------------------------------------

def start_server(url: str, folder: Path) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = folder / "serve.log"
    env = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"),
               DATABASE_URL=url, SECRET_KEY=secrets_module.token_hex(32))
    with log.open("wb") as out:
        process = subprocess.Popen(["make", "-s", "serve", f"BIND=127.0.0.1:{port}"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("make serve stopped:\n" + log.read_text()[-2000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/openapi.json")
            answered = connection.getresponse().status == 200
            connection.close()
        except (OSError, http.client.HTTPException):
            answered = False
        if answered:
            # The socket listens before every worker has loaded the app: give the others
            # the moment they need, so the run measures serving, not starting.
            time.sleep(3)
            return process, port, log
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("make serve did not start")


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# --- the annotators --------------------------------------------------------------------------

@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    acknowledged: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    retried_503: int = 0
    retried_other: int = 0


class Annotator:
    def __init__(self, n: int, person: dict, info: dict, port: int, tally: Tally,
                 lock: threading.Lock, think: float):
        self.rng = random.Random(n)
        self.person, self.info, self.port = person, info, port
        self.document = info["documents"][person["document"]]
        self.base = (f"/api/v1/projects/{info['project']}/documents/"
                     f"{self.document['id']}")
        self.headers = {"Authorization": f"Bearer {person['token']}",
                        "Content-Type": "application/json"}
        self.tally, self.lock, self.think = tally, lock, think
        self.connection: http.client.HTTPConnection | None = None
        # The log of acknowledged writes: the state the server said it stored.
        self.spans: dict[str, dict] = {}       # client_id -> span as last acknowledged
        self.tags: dict[int, dict] = {}        # passage id -> {"label", "version"}
        self.latencies: list[float] = []
        self.counts: Counter = Counter()

    def request(self, method: str, path: str, body: dict | None = None
                ) -> tuple[int, dict | None]:
        """One write, retried after a 503 (Retry-After) or a dropped connection."""
        payload = json.dumps(body) if body is not None else None
        for attempt in range(20):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=30)
            started = time.perf_counter()
            try:
                self.connection.request(method, self.base + path, body=payload,
                                        headers=self.headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                with self.lock:
                    self.tally.retried_other += 1
                time.sleep(0.05 * (attempt + 1))
                continue
            self.latencies.append((time.perf_counter() - started) * 1000)
            if response.status == 503:
                with self.lock:
                    self.tally.retried_503 += 1
                time.sleep(min(float(response.getheader("Retry-After") or 1), 2.0))
                continue
            return response.status, (json.loads(raw) if raw else None)
        return 0, None

    def error(self, what: str, status: int, body: dict | None) -> None:
        with self.lock:
            self.tally.errors.append(f"{what}: {status} {json.dumps(body)[:200]}")

    def create(self) -> None:
        start, end = self.rng.choice(self.document["bounds"])
        body = {"client_id": uuid.uuid4().hex, "layer": "rhetoric",
                "label": self.rng.choice(self.info["rhetoric"]), "start": start, "end": end,
                "text": self.document["text"][start:end]}
        status, answer = self.request("POST", "/spans", body)
        if status in (200, 201):
            self.spans[body["client_id"]] = answer
            self.counts["create"] += 1
        else:
            self.error("create", status, answer)

    def update(self) -> None:
        client_id = self.rng.choice(list(self.spans))
        span = self.spans[client_id]
        body = {"version": span["version"], "label": self.rng.choice(self.info["rhetoric"]),
                "note": f"note {self.rng.randrange(10**6)}"}
        status, answer = self.request("PATCH", f"/spans/{span['id']}", body)
        if status == 200:
            self.spans[client_id] = answer
            self.counts["update"] += 1
        else:
            self.error("update", status, answer)

    def delete(self) -> None:
        client_id = self.rng.choice(list(self.spans))
        span = self.spans[client_id]
        status, answer = self.request("DELETE", f"/spans/{span['id']}?version={span['version']}")
        if status == 204:
            del self.spans[client_id]
            self.counts["delete"] += 1
        else:
            self.error("delete", status, answer)

    def tag(self) -> None:
        passage = self.rng.choice(self.document["passages"])
        known = self.tags.get(passage)
        labels = [k for k in self.info["sources"] if not known or k != known["label"]]
        body = {"label": self.rng.choice(labels)}
        if known:
            body["version"] = known["version"]
        status, answer = self.request("PUT", f"/passages/{passage}/tag", body)
        if status == 200:
            self.tags[passage] = {"label": answer["label"], "version": answer["version"]}
            self.counts["tag"] += 1
        else:
            self.error("tag", status, answer)

    def run(self, until: float) -> None:
        time.sleep(self.rng.random() * self.think)  # not all at once
        while time.perf_counter() < until:
            roll = self.rng.random()
            if not self.spans or roll < 0.40:
                self.create()
            elif roll < 0.60:
                self.update()
            elif roll < 0.75:
                self.delete()
            else:
                self.tag()
            time.sleep(self.rng.expovariate(1 / self.think))
        if self.connection is not None:
            self.connection.close()
        with self.lock:
            self.tally.latencies.extend(self.latencies)
            self.tally.acknowledged.update(self.counts)


# --- the check -------------------------------------------------------------------------------

def verify(url: str, folder: Path, annotators: list[Annotator]) -> dict[str, int]:
    """Compare the database with the acknowledged writes."""
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.models import AnnotationEvent, Label, PassageTag, Span

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load"})
    lost = duplicated = log_gaps = 0
    with app.app_context():
        keys = dict(db.session.execute(sa.select(Label.id, Label.key)).all())
        for annotator in annotators:
            user = annotator.person["id"]
            stored = db.session.execute(sa.select(
                Span.client_id, Span.id, Span.start, Span.end, Span.label_id, Span.note,
                Span.version).where(Span.user_id == user)).all()
            by_client = Counter(row.client_id for row in stored)
            duplicated += sum(n - 1 for n in by_client.values() if n > 1)
            rows = {row.client_id: row for row in stored}
            for client_id, span in annotator.spans.items():
                row = rows.get(client_id)
                if row is None or (row.id, row.start, row.end, keys[row.label_id], row.note,
                                   row.version) != (span["id"], span["start"], span["end"],
                                                    span["label"], span["note"],
                                                    span["version"]):
                    lost += 1
            duplicated += len(set(rows) - set(annotator.spans))
            tags = {passage: (keys[label], version) for passage, label, version in
                    db.session.execute(sa.select(PassageTag.passage_id, PassageTag.label_id,
                                                 PassageTag.version)
                                       .where(PassageTag.user_id == user)).all()}
            for passage, known in annotator.tags.items():
                if tags.get(passage) != (known["label"], known["version"]):
                    lost += 1
            duplicated += len(set(tags) - set(annotator.tags))
            # The annotation log: one event per acknowledged change.
            logged = Counter(dict(db.session.execute(
                sa.select(AnnotationEvent.kind + ":" + AnnotationEvent.action,
                          sa.func.count(AnnotationEvent.id))
                .where(AnnotationEvent.owner_id == user)
                .group_by(AnnotationEvent.kind, AnnotationEvent.action)).all()))
            expected = {"span:create": annotator.counts["create"],
                        "span:update": annotator.counts["update"],
                        "span:delete": annotator.counts["delete"]}
            log_gaps += sum(abs(logged[k] - n) for k, n in expected.items())
            tag_events = sum(logged[f"passage_tag:{a}"] for a in ("create", "update"))
            log_gaps += abs(tag_events - annotator.counts["tag"])
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "duplicated": duplicated, "log_gaps": log_gaps}


def slow_share(latencies: list[float], limit: float) -> float:
    return 100 * sum(1 for v in latencies if v > limit) / max(1, len(latencies))


def one_run(kind: str, annotators: int, duration: float, think: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sourcemark-load-") as tmp:
        folder = Path(tmp)
        url, name = make_database(kind, folder)
        try:
            info = prepare(url, folder, annotators)
            server, port, log = start_server(url, folder)
            try:
                tally, lock = Tally(), threading.Lock()
                crowd = [Annotator(n, person, info, port, tally, lock, think)
                         for n, person in enumerate(info["people"])]
                started = time.perf_counter()
                until = started + duration
                threads = [threading.Thread(target=a.run, args=(until,)) for a in crowd]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - started
            finally:
                stop_server(server)
            if os.environ.get("LOAD_KEEP_LOG"):
                import shutil
                shutil.copy(log, os.environ["LOAD_KEEP_LOG"])
            checked = verify(url, folder, crowd)
        finally:
            drop_database(name)
    if os.environ.get("LOAD_DEBUG"):
        top = sorted(tally.latencies)[-40:]
        print(f"# slowest: {[round(v) for v in top]}", file=sys.stderr)
    if tally.errors:
        print(f"# {kind}: {len(tally.errors)} errors, e.g. {tally.errors[:3]}", file=sys.stderr)
    return {
        "throughput": len(tally.latencies) / elapsed,
        "latency_p50": percentile(tally.latencies, 50),
        "latency_p95": percentile(tally.latencies, 95),
        "latency_p99": percentile(tally.latencies, 99),
        "acknowledged_writes": sum(tally.acknowledged.values()),
        "errors": len(tally.errors),
        "retried_503": tally.retried_503,
        "retried_dropped": tally.retried_other,
        "lost_writes": checked["lost"],
        "duplicated_writes": checked["duplicated"],
        "log_mismatches": checked["log_gaps"],
    }


UNITS = {"throughput": "req/s", "latency_p50": "ms", "latency_p95": "ms", "latency_p99": "ms"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per run")
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause between an annotator's actions (s)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"),
                        default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(f"# {args.annotators} annotators, {args.duration:.0f} s per run, "
          f"{args.runs} runs, mean pause {args.think} s, make serve "
          f"({os.cpu_count()} workers)")
    for kind in kinds:
        results = [one_run(kind, args.annotators, args.duration, args.think)
                   for _ in range(args.runs)]
        for key in results[0]:
            value = statistics.median(r[key] for r in results)
            unit = UNITS.get(key, "count")
            shown = f"{value:.1f}" if unit != "count" else f"{value:.0f}"
            print(f"load_{kind}_{key}: {shown} {unit}", flush=True)


if __name__ == "__main__":
    main()
