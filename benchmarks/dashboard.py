"""The teacher's project page cards: how long the dashboard service takes for a large class.

A class of 30 students x 20 documents of 40 passages, every passage tagged (24,000 tags),
every document assigned and half of them submitted, in a SQLite database; prints the time of
the progress board the page reads anyway and of the whole dashboard with it (`dashboard: N
ms`, the median of several runs).
Run: .venv/bin/python benchmarks/dashboard.py [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    import sqlalchemy as sa
    from simulated import simulated_class

    from app.extensions import db
    from app.models import DocumentProgress, Membership, PassageTag, utcnow
    from app.services import classroom, dashboard

    def text(rnd: random.Random, n: int) -> str:
        return "\n\n".join(f"Passage {p} of text {n}." for p in range(40)) + "\n"

    with simulated_class(20, 30, text) as room:
        rnd, project, documents, students = room.rnd, room.project, room.documents, room.students
        sources = [info.id for (layer, _), info in room.words.labels.items()
                   if layer == "source" and info.active]
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
    print(f"progress board (read once for the page): {statistics.median(boards[1:]) * 1000:.0f} ms")
    print(f"dashboard: {statistics.median(times[1:]) * 1000:.0f} ms "
          f"({cards['progress']['submitted']} of {cards['progress']['assigned']} submitted, "
          f"{cards['agreement']['shared']} passages compared)")


if __name__ == "__main__":
    main()
