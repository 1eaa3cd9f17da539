"""Importing 51 documents in process: the workload of peers.py's import measure.

Each round creates a project on a fresh-schema SQLite file (as `make serve` runs it) or on
PostgreSQL, then imports the forum thread and 50 short documents cut from the seeds, as
JSON records, the way the API does (`read_records`, then `add_documents`), or with --api
through the API itself (Flask's test client, a bearer token: the request as the server
handles it, without the network). Prints the median wall and CPU milliseconds of the
import, the SQL statements it ran, and with --profile the functions that took the most CPU
time (cProfile, over every round).

Run: .venv/bin/python benchmarks/imports.py [--rounds 15] [--database URL] [--api] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database", default="", help="a database URL (default: a SQLite "
                        "file in a temporary folder); its tables are dropped and made again")
    parser.add_argument("--api", action="store_true", help="import through the API")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade
    from peers_tools import Corpus

    from app import create_app
    from app.extensions import db
    from app.services import accounts, projects, tokens
    from app.services.documents import add_documents, read_records

    corpus = Corpus.load(ROOT / "seeds")
    records = [{"text": corpus.forum, "title": "forum"}]
    records += [{"text": text, "title": f"short {n}"} for n, text in enumerate(corpus.short)]

    with tempfile.TemporaryDirectory() as folder:
        os.environ["SOURCEMARK_INSTANCE_PATH"] = str(Path(folder) / "instance")
        url = args.database or f"sqlite:///{Path(folder) / 'imports.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            if args.database:
                downgrade(revision="base")
            upgrade()
            teacher = accounts.create_user("teacher", "bench-password", "teacher")
            _, secret = tokens.create_token(teacher, "bench")
            client = app.test_client()
            auth = {"Authorization": f"Bearer {secret}"}
            client.get("/api/v1/me", headers=auth)  # a token's first use is noted once
            statements = [0]
            sa.event.listen(db.engine, "before_cursor_execute",
                            lambda *_: statements.__setitem__(0, statements[0] + 1))
            walls, cpus, counts = [], [], []
            profile = cProfile.Profile()
            for n in range(args.rounds + 1):
                project = projects.create_project(teacher, f"Import {n}")
                max_bytes = app.config["DOCUMENT_MAX_BYTES"]
                statements[0] = 0
                wall, cpu = time.perf_counter(), time.process_time()
                if args.profile and n:
                    profile.enable()
                if args.api:
                    response = client.post(f"/api/v1/projects/{project.id}/documents",
                                           json={"documents": records}, headers=auth)
                    assert response.status_code == 201, response.json
                    added = response.json["documents"]
                else:
                    added = add_documents(project, read_records(records, max_bytes), teacher)
                if args.profile and n:
                    profile.disable()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                assert len(added) == len(records)
                if n:  # the first round loads the language model and warms the caches
                    walls.append(wall * 1000)
                    cpus.append(cpu * 1000)
                    counts.append(statements[0])
                db.session.expunge_all()
            if args.database:
                db.session.remove()
                downgrade(revision="base")
            db.engine.dispose()
    name = "api_import_51_documents" if args.api else "import_51_documents"
    print(f"{name}_wall: {statistics.median(walls):.1f} ms")
    print(f"{name}_cpu: {statistics.median(cpus):.1f} ms")
    print(f"{name}_statements: {statistics.median(counts):.0f}")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
