"""An import never stalls the class: 30 annotators save while a teacher imports 20,000
documents, against `make serve`, on SQLite and PostgreSQL.

Each run starts on a fresh database with the class of load.py (a project with the seed
texts, annotators with API tokens creating, editing and deleting spans and tagging
passages, 0.5 s apart on average). Once they are under way, the teacher imports a JSONL
file of 20,000 generated documents with `flask documents import`, as on the command line.
Every save is timed as the student sees it (a 503 retried after its Retry-After counts in
its wait); the figure is the 99th percentile of the saves begun while the import ran, and
the same for the ten seconds before it (`save_wait_p99_without_import`), what the machine
gives without an import.
While it runs, the benchmark counts the project's documents as the app shows them, every
half second: all or nothing means it only ever saw the documents before and all of them
after, and afterwards the count is exact with nothing left hidden.

`--compare` also runs each database with the import in one transaction (parts larger than
the import), as imports were written before: the same figures, named `…_one_transaction`.

Prints, per database, `name: value unit` lines (medians over --runs). Target:
save_wait_p99_during_import under 250 ms.

Run: .venv/bin/python benchmarks/import_load.py [--runs 3] [--documents 20000]
     [--annotators 30] [--database sqlite|postgresql|both] [--compare]
PostgreSQL as in load.py (LOAD_PG_URL, or the server of .ci/postgres.sh).
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import load  # noqa: E402  (the class, the server and the annotators of the load benchmark)

WORDS = ("the minister said police witness bandits oil workers strike town square protest "
         "report news claim died shooting official statement according to sources local "
         "residents video footage hospital casualties government opposition").split()


def write_corpus(path: Path, count: int) -> None:
    """`count` distinct generated documents of 3 to 6 paragraphs (about 2 KB each)."""
    rng = random.Random(20111216)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            paragraphs = [f"Report {n}, part {p + 1}. " + " ".join(
                rng.choice(WORDS) for _ in range(rng.randint(40, 80))) + "."
                for p in range(rng.randint(3, 6))]
            out.write(json.dumps({"title": f"Generated report {n}",
                                  "text": "\n\n".join(paragraphs)}) + "\n")


class TimedAnnotator(load.Annotator):
    """An annotator of load.py whose every save is timed from the first try to the answer,
    with the moment it began, and who stops when told."""

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop
        self.saves: list[tuple[float, float]] = []  # (began, waited ms)

    def request(self, method, path, body=None):
        began = time.perf_counter()
        answer = super().request(method, path, body)
        self.saves.append((began, (time.perf_counter() - began) * 1000))
        return answer

    def run(self, until: float) -> None:
        time.sleep(self.rng.random() * self.think)
        while not self.stop.is_set() and time.perf_counter() < until:
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


def visible_counts(url: str, folder: Path, project: int, stop: threading.Event,
                   seen: list[int]) -> None:
    """Count the project's documents as the app shows them, every half second."""
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.models import Document

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load"})
    with app.app_context():
        while not stop.is_set():
            seen.append(db.session.scalar(sa.select(sa.func.count(Document.id))
                                          .where(Document.project_id == project)))
            db.session.commit()
            stop.wait(0.5)
        db.session.remove()
        db.engine.dispose()


def stored(url: str, folder: Path, project: int) -> dict[str, int]:
    """What the project holds afterwards: shown documents, and rows left hidden."""
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.models import Document, ImportBatch

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load"})
    with app.app_context():
        shown = db.session.scalar(sa.select(sa.func.count(Document.id))
                                  .where(Document.project_id == project))
        unpublished = ImportBatch.published_at.is_(None)
        hidden = db.session.scalar(
            sa.select(sa.func.count(Document.id))
            .join(ImportBatch, ImportBatch.id == Document.import_batch_id).where(unpublished)
            .execution_options(include_pending=True))
        batches = db.session.scalar(sa.select(sa.func.count(ImportBatch.id))
                                    .where(unpublished))
        db.session.remove()
        db.engine.dispose()
    return {"shown": shown, "hidden": hidden, "batches": batches}


def run_import(url: str, folder: Path, project: int, corpus: Path,
               one_transaction: bool) -> tuple[float, float, float]:
    """`flask documents import` in its own process; returns when it began and ended."""
    env = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"),
               DATABASE_URL=url, SECRET_KEY="load", FLASK_APP="app")
    if one_transaction:
        env["SOURCEMARK_IMPORT_PART_DOCUMENTS"] = str(10**9)
        env["SOURCEMARK_IMPORT_PART_CHARACTERS"] = str(10**12)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "documents", "import", str(project),
                           str(corpus)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=3600)
    ended = time.perf_counter()
    if done.returncode != 0:
        raise RuntimeError("the import failed:\n" + done.stderr[-2000:])
    return began, ended, ended - began


def one_run(kind: str, documents: int, annotators: int, think: float, corpus: Path,
            one_transaction: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sourcemark-import-") as tmp:
        folder = Path(tmp)
        url, name = load.make_database(kind, folder)
        try:
            info = load.prepare(url, folder, annotators)
            before = len(info["documents"])
            server, port, _ = load.start_server(url, folder)
            stop = threading.Event()
            try:
                tally, lock = load.Tally(), threading.Lock()
                crowd = [TimedAnnotator(n, person, info, port, tally, lock, think, stop=stop)
                         for n, person in enumerate(info["people"])]
                seen: list[int] = []
                threads = [threading.Thread(target=a.run, args=(time.perf_counter() + 3600,))
                           for a in crowd]
                threads.append(threading.Thread(target=visible_counts, args=(
                    url, folder, info["project"], stop, seen)))
                for thread in threads:
                    thread.start()
                try:
                    time.sleep(2)  # the class is under way …
                    calm = time.perf_counter()
                    time.sleep(10)  # … and its saves without an import, to compare
                    began, ended, duration = run_import(url, folder, info["project"], corpus,
                                                        one_transaction)
                    time.sleep(1)
                finally:
                    stop.set()
                    for thread in threads:
                        thread.join()
            finally:
                load.stop_server(server)
            after = stored(url, folder, info["project"])
        finally:
            load.drop_database(name)
    waits = [ms for member in crowd for at, ms in member.saves if began <= at <= ended]
    calm_waits = [ms for member in crowd for at, ms in member.saves if calm <= at < began]
    if tally.errors:
        print(f"# {kind}: {len(tally.errors)} errors, e.g. {tally.errors[:3]}", file=sys.stderr)
    all_or_nothing = (set(seen) <= {before, before + documents}
                      and after == {"shown": before + documents, "hidden": 0, "batches": 0})
    return {
        "save_wait_p99_during_import": load.percentile(waits, 99),
        "save_wait_p50_during_import": load.percentile(waits, 50),
        "save_wait_max_during_import": max(waits, default=float("nan")),
        "save_wait_p99_without_import": load.percentile(calm_waits, 99),
        "saves_during_import": len(waits),
        "import_duration": duration,
        "import_all_or_nothing": 1 if all_or_nothing else 0,
        "errors": len(tally.errors),
    }


UNITS = {"save_wait_p99_during_import": "ms", "save_wait_p50_during_import": "ms",
         "save_wait_max_during_import": "ms", "save_wait_p99_without_import": "ms",
         "import_duration": "s"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--annotators", type=int, default=30)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause between an annotator's actions (s)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"),
                        default="both")
    parser.add_argument("--compare", action="store_true",
                        help="also import in one transaction, as before")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    modes = (False, True) if args.compare else (False,)
    print(f"# {args.annotators} annotators saving while {args.documents} documents are "
          f"imported with `flask documents import`, {args.runs} runs, make serve "
          f"({os.cpu_count()} workers)")
    with tempfile.TemporaryDirectory(prefix="sourcemark-corpus-") as tmp:
        corpus = Path(tmp) / "reports.jsonl"
        write_corpus(corpus, args.documents)
        for kind in kinds:
            for one_transaction in modes:
                results = [one_run(kind, args.documents, args.annotators, args.think,
                                   corpus, one_transaction) for _ in range(args.runs)]
                suffix = "_one_transaction" if one_transaction else ""
                for key in results[0]:
                    value = statistics.median(r[key] for r in results)
                    unit = UNITS.get(key, "count")
                    if key == "import_all_or_nothing":
                        shown, unit = ("yes" if min(r[key] for r in results) else "no"), ""
                    else:
                        shown = f"{value:.1f}" if unit != "count" else f"{value:.0f}"
                    print(f"{key}{suffix}_{kind}: {shown} {unit}".rstrip(), flush=True)


if __name__ == "__main__":
    main()
