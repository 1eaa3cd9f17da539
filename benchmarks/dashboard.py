"""The teacher's project page cards: how long the dashboard service takes for a large class.

A class of 30 students x 20 documents of 40 passages, every passage tagged (24,000 tags),
every document assigned and half of them submitted, in a SQLite database; prints the time of
the progress board the page reads anyway and of the whole dashboard with it (`dashboard: N
ms`, the median of several runs).
Run: .venv/bin/python benchmarks/dashboard.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SOURCEMARK_INSTANCE_PATH"] = tmp
        import sqlalchemy as sa

        from app import create_app
        from app.extensions import db
        from app.models import DocumentProgress, Membership, PassageTag, User, utcnow
        from app.services import classroom, dashboard, projects
        from app.services.documents import DocumentDraft, store_documents
        from app.services.vocabulary import vocabulary

        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/class.db",
                          "SECRET_KEY": "bench"})
        rnd = random.Random(7)
        with app.app_context():
            db.create_all()
            teacher = User(username="teacher", role="teacher", password_hash="x")
            db.session.add(teacher)
            db.session.commit()
            project = projects.create_project(teacher, "Class")
            words = vocabulary(project.id)
            sources = [info.id for (layer, _), info in words.labels.items()
                       if layer == "source" and info.active]
            documents = store_documents(project, [DocumentDraft(
                title=f"Text {n}", source_name=f"{n}.txt",
                text="\n\n".join(f"Passage {p} of text {n}." for p in range(40)) + "\n")
                for n in range(20)])
            students = [User(username=f"s{n:02d}", role="student", password_hash="x")
                        for n in range(30)]
            db.session.add_all(students)
            db.session.flush()
            db.session.add_all(Membership(project_id=project.id, user_id=s.id, role="student")
                               for s in students)
            db.session.execute(sa.insert(PassageTag), [
                {"passage_id": p.id, "document_id": d.id, "user_id": s.id,
                 "label_id": rnd.choice(sources[:2]), "version": 1, "codebook_version": 1}
                for d in documents for p in d.passages for s in students])
            now = utcnow()
            db.session.add_all(DocumentProgress(
                document_id=d.id, user_id=s.id, last_activity_at=now,
                done_at=now if (i + j) % 2 else None)
                for i, d in enumerate(documents) for j, s in enumerate(students))
            db.session.commit()
            classroom.assign(project, "all")
            times, boards = [], []
            for _ in range(runs + 1):
                started = time.perf_counter()
                board = classroom.board(project)
                boards.append(time.perf_counter() - started)
                cards = dashboard.teacher_dashboard(project, board)
                times.append(time.perf_counter() - started)
                db.session.expire_all()
            db.engine.dispose()
    print(f"progress board (read once for the page): {statistics.median(boards[1:]) * 1000:.0f} ms")
    print(f"dashboard: {statistics.median(times[1:]) * 1000:.0f} ms "
          f"({cards['progress']['submitted']} of {cards['progress']['assigned']} submitted, "
          f"{cards['agreement']['shared']} passages compared)")


if __name__ == "__main__":
    main()
