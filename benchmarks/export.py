"""Export speed and memory at a million spans.

Builds a SQLite database with the demo codebook, 200 documents (the seed texts, varied)
and 1,000,000 spans by five annotators plus their passage tags, then exports it as `jsonl`
and as `csv`, each in a fresh process that reports its own peak resident memory. Prints
one line per figure, `name: value unit`, each the median of several runs:

    export_jsonl_spans_per_s, export_jsonl_peak_rss, export_csv_spans_per_s, ...

Target: peak RSS under 300 MB for both formats.

--served also exports the jsonl through the server, as `make serve` runs it (gunicorn, one
synchronous worker per core, production settings): `export_jsonl_served_seconds` from the
request to the last byte, and `export_jsonl_served_peak_rss`, the highest peak resident
memory (VmHWM) of a worker, which stays flat when the export streams.
--formats picks the formats of the in-process exports (none: `--formats ""`).

Run: .venv/bin/python benchmarks/export.py [--runs 3] [--spans 1000000] [--served]
     [--formats jsonl,csv]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCUMENTS = 200
ANNOTATORS = 5


def build_database(folder: Path, total_spans: int) -> dict:
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Document, Passage, PassageTag, Span, utcnow
    from app.services import accounts, projects
    from app.services.documents import seed_drafts
    from app.services.texts import sha256_hex, split_passages
    from app.services.vocabulary import vocabulary

    url = f"sqlite:///{folder / 'export.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        teacher = accounts.create_user("teacher", "bench-password", "teacher")
        project = projects.create_project(teacher, "Export benchmark")
        users = []
        for n in range(ANNOTATORS):
            user = accounts.create_user(f"student{n}", "bench-password", "student")
            projects.add_member(project, user, "student")
            users.append(user.id)
        db.session.commit()
        words = vocabulary(project.id)
        rhetoric = [i for (layer, _), i in words.labels.items() if layer == "rhetoric"]
        claims = [i for (layer, _), i in words.labels.items() if layer == "claim"]
        sources = [i for (layer, _), i in words.labels.items() if layer == "source"]
        drafts = seed_drafts(ROOT / "seeds", 10_000_000)
        rng = random.Random(11)
        now = utcnow()
        per_document = total_spans // (DOCUMENTS * ANNOTATORS)
        for d in range(DOCUMENTS):
            draft = drafts[d % len(drafts)]
            text = f"{draft.text}\n\nCopy {d} of {draft.title}."
            document = Document(project_id=project.id, title=f"{draft.title} ({d})", text=text,
                                text_sha256=sha256_hex(text), char_count=len(text),
                                publisher=draft.publisher, source_name=draft.source_name,
                                position=d)
            bounds = split_passages(text)
            document.passages = [Passage(index=i, start=s, end=e)
                                 for i, (s, e) in enumerate(bounds)]
            db.session.add(document)
            db.session.flush()
            spans, tags = [], []
            for user_id in users:
                for _ in range(per_document):
                    start = rng.randrange(0, len(text) - 40)
                    end = start + rng.randrange(3, 40)
                    label = rng.choice(rhetoric if rng.random() < 0.8 else claims)
                    spans.append({"document_id": document.id, "user_id": user_id,
                                  "layer_id": words.layers[label.layer_key].id,
                                  "label_id": label.id, "client_id": uuid.uuid4().hex,
                                  "start": start, "end": end, "note": "", "attributes": {},
                                  "codebook_version": 1, "created_at": now, "updated_at": now})
                for passage in document.passages:
                    tags.append({"passage_id": passage.id, "document_id": document.id,
                                 "user_id": user_id, "label_id": rng.choice(sources).id,
                                 "codebook_version": 1, "updated_at": now})
            db.session.execute(sa.insert(Span), spans)
            db.session.execute(sa.insert(PassageTag), tags)
            db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count(Span.id)))
        info = {"url": url, "project": project.id, "spans": count}
        db.engine.dispose()
    return info


CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
from app import create_app
from app.extensions import db
from app.models import Project
from app.services.datasets import export
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "bench"}})
with app.app_context():
    project = db.session.get(Project, {project})
    started = time.perf_counter()
    with open({out!r}, "wb") as out:
        export.export(project, {fmt!r}, out)
    seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "peak_mb": peak_kb / 1024,
                  "bytes": os.path.getsize({out!r})}}))
"""


def run_export(info: dict, folder: Path, fmt: str) -> dict:
    out = folder / f"out.{fmt}"
    code = CHILD.format(root=str(ROOT), url=info["url"], project=info["project"],
                        out=str(out), fmt=fmt)
    env = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the {fmt} export failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


SERVED_SETUP = """
import sys
sys.path.insert(0, {root!r})
from app import create_app
from app.extensions import db
from app.models import User
from app.services import tokens
import sqlalchemy as sa
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "bench"}})
with app.app_context():
    teacher = db.session.scalar(sa.select(User).where(User.username == "teacher"))
    print(tokens.create_token(teacher, "export benchmark")[1])
    db.session.commit()
"""


def worker_peak_mb(master: int) -> float:
    """The highest peak resident memory (VmHWM) among the master's worker processes."""
    peak = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]) / 1024)
    return peak


def run_served(info: dict, folder: Path) -> dict:
    """The jsonl export over HTTP from gunicorn as `make serve` runs it."""
    import socket

    import requests

    env = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"),
               DATABASE_URL=info["url"], SECRET_KEY="bench-" + uuid.uuid4().hex,
               SOURCEMARK_ENV="production", SOURCEMARK_SECURE_COOKIES="0")
    setup = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"))
    token = subprocess.run([sys.executable, "-c", SERVED_SETUP.format(root=str(ROOT),
                                                                       url=info["url"])],
                           capture_output=True, text=True, env=setup, check=True
                           ).stdout.split()[-1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(os.cpu_count() or 2),
         "--worker-class", "sync", "--timeout", "120", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/projects/{info['project']}/export"
        deadline = time.time() + 120
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/login", timeout=30)
                break
            except requests.RequestException:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        before = worker_peak_mb(server.pid)
        started = time.perf_counter()
        size = 0
        with requests.get(url, params={"format": "jsonl"}, stream=True, timeout=600,
                          headers={"Authorization": f"Bearer {token}"}) as response:
            response.raise_for_status()
            for block in response.iter_content(1 << 20):
                size += len(block)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "peak_mb": worker_peak_mb(server.pid),
                "idle_mb": before, "bytes": size}
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans in the database")
    parser.add_argument("--served", action="store_true",
                        help="also the jsonl export through gunicorn (time, workers' peak RSS)")
    parser.add_argument("--formats", default="jsonl,csv",
                        help="formats exported in process (comma-separated; may be empty)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        info = build_database(folder, options.spans)
        print(f"# built {info['spans']:,} spans in {time.perf_counter() - started:.0f} s",
              flush=True)
        for fmt in [f for f in options.formats.split(",") if f]:
            runs = [run_export(info, folder, fmt) for _ in range(options.runs)]
            rate = statistics.median(info["spans"] / r["seconds"] for r in runs)
            peak = statistics.median(r["peak_mb"] for r in runs)
            size = statistics.median(r["bytes"] for r in runs)
            print(f"export_{fmt}_spans_per_s: {rate:,.0f} spans/s", flush=True)
            print(f"export_{fmt}_peak_rss: {peak:.0f} MB", flush=True)
            print(f"export_{fmt}_size: {size / 1e6:.0f} MB", flush=True)
        if options.served:
            runs = [run_served(info, folder) for _ in range(options.runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            print(f"export_jsonl_served_seconds: {seconds:.1f} s", flush=True)
            print(f"export_jsonl_served_spans_per_s: {info['spans'] / seconds:,.0f} spans/s",
                  flush=True)
            print(f"export_jsonl_served_peak_rss: {max(r['peak_mb'] for r in runs):.0f} MB "
                  f"(idle worker {statistics.median(r['idle_mb'] for r in runs):.0f} MB)",
                  flush=True)


if __name__ == "__main__":
    main()
