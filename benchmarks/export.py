"""Export speed and memory at a million spans.

Builds a SQLite database with the demo codebook, 200 documents (the seed texts, varied)
and 1,000,000 spans by five annotators plus their passage tags, then exports it as `jsonl`
and as `csv`, each in a fresh process that reports its own peak resident memory. Prints
one line per figure, `name: value unit`, each the median of several runs:

    export_jsonl_spans_per_s, export_jsonl_peak_rss, export_csv_spans_per_s, ...

Target: peak RSS under 300 MB for both formats.
Run: .venv/bin/python benchmarks/export.py [--runs 3] [--spans 1000000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans in the database")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        info = build_database(folder, options.spans)
        print(f"# built {info['spans']:,} spans in {time.perf_counter() - started:.0f} s",
              flush=True)
        for fmt in ("jsonl", "csv"):
            runs = [run_export(info, folder, fmt) for _ in range(options.runs)]
            rate = statistics.median(info["spans"] / r["seconds"] for r in runs)
            peak = statistics.median(r["peak_mb"] for r in runs)
            size = statistics.median(r["bytes"] for r in runs)
            print(f"export_{fmt}_spans_per_s: {rate:,.0f} spans/s", flush=True)
            print(f"export_{fmt}_peak_rss: {peak:.0f} MB", flush=True)
            print(f"export_{fmt}_size: {size / 1e6:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
