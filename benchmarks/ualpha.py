"""u-alpha's document-level bootstrap: the agreement report of a big class, and coverage.

- `report`: seconds to build the agreement report (as the agreement page does) of a class of
  30 students x 60 documents, each student marking 10 spans per document (7 rhetoric, 3 claim:
  the same phrases, boundaries a few characters off, now and then another label), from a
  SQLite database; the median of --runs builds after one warm-up. Run it from another
  checkout with SOURCEMARK_ROOT=/that/checkout to compare before and after a change.
- `coverage`: how often the 95% interval covers the true u-alpha, over --studies simulated
  studies of 30 and of 60 documents (5 coders), the true value taken as u-alpha over 4,000
  documents of the same design.

Run: .venv/bin/python benchmarks/ualpha.py report|coverage [--runs 3] [--studies 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(os.environ.get("SOURCEMARK_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

STUDENTS, DOCUMENTS, RHETORIC, CLAIMS = 30, 60, 7, 3


def class_report(runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds (all threads) to build the report of the simulated
    class: the CPU time moves less when the machine is shared."""
    import sqlalchemy as sa
    from simulated import simulated_class

    from app.extensions import db
    from app.models import Span
    from app.services.agreement import build_report

    sentence = "The minister said the protesters were paid by foreign agents today. "

    def text(rnd: random.Random, n: int) -> str:
        return "\n\n".join(sentence * rnd.randint(1, 3) + f"({n}.{p})" for p in range(20)) + "\n"

    with simulated_class(DOCUMENTS, STUDENTS, text) as room:
        rnd, words, documents, students = room.rnd, room.words, room.documents, room.students
        project = room.project
        labels = {layer: [info.id for (lk, _), info in words.labels.items()
                          if lk == layer and info.active][:6] for layer in words.layers}
        rows = []
        for document in documents:
            truth = []
            for layer, count in (("rhetoric", RHETORIC), ("claim", CLAIMS)):
                for _ in range(count):
                    start = rnd.randrange(0, document.char_count - 60)
                    truth.append((layer, start, start + rnd.randrange(8, 60),
                                  rnd.choice(labels[layer])))
            for student in students:
                for layer, start, end, label in truth:
                    if rnd.random() < 0.1:
                        label = rnd.choice(labels[layer])
                    rows.append({
                        "document_id": document.id, "user_id": student.id,
                        "layer_id": words.layers[layer].id, "label_id": label,
                        "client_id": uuid.uuid4().hex,
                        "start": max(0, start + rnd.randrange(-3, 4)),
                        "end": end + rnd.randrange(0, 4), "note": "", "attributes": {},
                        "version": 1, "codebook_version": 1})
        db.session.execute(sa.insert(Span), rows)
        db.session.commit()
        build_report(project)
        times, cpu = [], []
        for _ in range(runs):
            began, began_cpu = time.perf_counter(), time.process_time()
            report = build_report(project)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        u_alpha = report["layers"]["rhetoric"]["coefficients"][0]
        print(f"spans: {len(rows)}; rhetoric u-alpha {u_alpha['value']:.4f}, "
              f"interval {u_alpha.get('ci')}")
    return statistics.median(times), statistics.median(cpu)


def simulated_documents(rng: np.random.Generator, n: int, coders: int = 5
                        ) -> list[tuple[int, list[tuple[str, int, int, str]]]]:
    """Documents of one design: 6 true spans (3 labels) each; a coder misses one in five,
    slips its boundaries by up to 5 characters, and gives another label one in ten."""
    out = []
    for _ in range(n):
        size = int(rng.integers(400, 1200))
        truth = [(int(s), int(s + rng.integers(5, 60)), "abc"[int(rng.integers(3))])
                 for s in rng.integers(0, size - 70, 6)]
        units = []
        for coder in range(coders):
            taken: dict[str, list[tuple[int, int]]] = {}
            for start, end, label in truth:
                if rng.random() < 0.2:
                    continue
                if rng.random() < 0.1:
                    label = "abc"[int(rng.integers(3))]
                s = max(0, start + int(rng.integers(-5, 6)))
                e = min(size, max(s + 1, end + int(rng.integers(-5, 6))))
                if any(s < b and a < e for a, b in taken.get(label, [])):
                    continue
                taken.setdefault(label, []).append((s, e))
                units.append((f"c{coder}", s, e, label))
        out.append((size, units))
    return out


def coverage(studies: int) -> None:
    """Print the share of intervals covering the true u-alpha, per number of documents."""
    from app.agreement import bootstrap_unitizing_alpha, unitizing_alpha
    from app.agreement.unitizing_bootstrap import resampled_continuum

    rng = np.random.default_rng(11)
    coders = [f"c{k}" for k in range(5)]
    population = simulated_documents(rng, 4000)
    units, length = resampled_continuum(population, [1] * len(population))
    truth = unitizing_alpha(units, 0, length, coders=coders)
    print(f"true u-alpha (4,000 documents): {truth:.4f}")
    for n in (30, 60):
        covered = widths = 0.0
        for study in range(studies):
            interval = bootstrap_unitizing_alpha(simulated_documents(rng, n), coders,
                                                 samples=1000, seed=study)[None]
            covered += interval.low <= truth <= interval.high
            widths += interval.high - interval.low
        print(f"coverage_{n}_documents: {covered / studies:.1%} of {studies} studies "
              f"(mean width {widths / studies:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["report", "coverage"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--studies", type=int, default=200)
    arguments = parser.parse_args()
    if arguments.what == "report":
        wall, cpu = class_report(arguments.runs)
        name = f"class_report_{STUDENTS}_students_{DOCUMENTS}_documents_10_spans"
        print(f"{name}: {wall * 1000:.0f} ms")
        print(f"{name}_cpu: {cpu * 1000:.0f} ms")
    else:
        coverage(arguments.studies)


if __name__ == "__main__":
    main()
