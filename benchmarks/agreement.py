"""Agreement engine speed: alpha on a large study, u-alpha over many documents, the bootstrap.

Prints one line per figure, `name: value unit`, each the median of several runs:
- nominal alpha for 30 coders x 100,000 items (5 labels, 10% missing, a NaN array) with this
  engine and with the `krippendorff` package in the same run (the two values must agree to
  1e-9), and the speed ratio (target: ours at least 3x faster);
- u-alpha for 5 annotators on 1,000 documents of 10,000 characters, each annotator marking 50
  spans (3 labels) per document: every document is its own continuum, so u-alpha is computed
  per document and the total time reported;
- a 1,000-resample bootstrap interval of nominal alpha on 30 coders x 100 items;
- interval alpha on 3 coders x 10,000 items whose values are 0 or 4,095 (whole numbers far
  apart: the count matrix must hold the values in use, not every value between);
- overlap-mode span F1 for every pair of 30 annotators, each marking 2,000 spans (5 labels)
  over 200,000 characters with jittered boundaries (435 pairs, a maximum matching each);
- Mathet's gamma for 5 annotators x 100 spans (jittered, sometimes relabelled copies of the
  same spans), the exact alignment and 30+ random continua (precision 5%), and the ratio to
  pygamma-agreement's `fast` mode (its defaults: 30 random continua) in the same run when it is
  installed (target: ours at least 100x faster). Both align their random continua on a pool
  of threads (pygamma one per core, ours one per core the process may use); ours is also
  timed on one thread (`workers=1`). The runs are interleaved in rounds (at most 5: one of
  pygamma's takes seconds), ratios of the medians and of the best round. Wall time is the
  target's measure; CPU time (all threads) is printed too, as it moves less when the machine
  is shared. `--gamma-only` runs just these;
- the full report of a class (30 students x 20 documents of ~40 passages: every passage
  tagged, rhetoric and claim spans with shifted boundaries, every document rated), read
  from a SQLite database as the agreement page does (target: under one second).

On machines where OPENBLAS_CORETYPE is set, numpy may be slower; to compare against a current
numpy, run this with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command alone.
Run: .venv/bin/python benchmarks/agreement.py [--runs 5] [--gamma-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.agreement import (  # noqa: E402
    bootstrap_alpha,
    gamma,
    krippendorff_alpha,
    pairwise_span_f1,
    unitizing_alpha,
)

CODERS, ITEMS, LABELS, MISSING = 30, 100_000, 5, 0.10
ANNOTATORS, DOCUMENTS, SPANS, DOC_LENGTH = 5, 1_000, 50, 10_000


def timed(function: Callable[[], object], runs: int, warm_up: bool = True
          ) -> tuple[float, object]:
    """Median wall time in seconds over `runs` calls after one untimed warm-up call (which
    pays for first-touch page faults of large temporaries), and the last result."""
    result = function() if warm_up else None
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def large_study(rng: np.random.Generator) -> np.ndarray:
    truth = rng.integers(0, LABELS, ITEMS)
    data = np.tile(truth, (CODERS, 1)).astype(np.float64)
    noise = rng.random(data.shape) < 0.25
    data[noise] = rng.integers(0, LABELS, int(noise.sum()))
    data[rng.random(data.shape) < MISSING] = np.nan
    return data


def documents(rng: np.random.Generator) -> list[list[tuple[int, int, int, str]]]:
    """Each document has 50 slots of 200 characters with one true span each; every annotator
    marks all 50, with boundaries jittered inside the slot and 10% of labels changed."""
    slot = DOC_LENGTH // SPANS
    labels = np.array(["source", "rhetoric", "claim"])
    corpus = []
    for _ in range(DOCUMENTS):
        base = np.arange(SPANS) * slot
        true_start = base + rng.integers(10, 60, SPANS)
        true_end = true_start + rng.integers(20, 120, SPANS)
        true_label = rng.integers(0, 3, SPANS)
        units = []
        for coder in range(ANNOTATORS):
            start = np.clip(true_start + rng.integers(-8, 9, SPANS), base, None)
            end = np.clip(true_end + rng.integers(-8, 9, SPANS), start + 1, base + slot)
            label = np.where(rng.random(SPANS) < 0.1, rng.integers(0, 3, SPANS), true_label)
            units.extend(
                zip([coder] * SPANS, start.tolist(), end.tolist(), labels[label].tolist(),
                    strict=True)
            )
        corpus.append(units)
    return corpus


def span_sets(rng: np.random.Generator, coders: int = 30, spans: int = 2_000
              ) -> dict[str, list[tuple[int, int, str]]]:
    """Every coder marks jittered, sometimes relabelled or dropped versions of the same
    true spans (which may overlap one another)."""
    start = np.sort(rng.integers(0, 200_000, spans))
    length = rng.integers(5, 150, spans)
    label = rng.integers(0, 5, spans)
    out = {}
    for coder in range(coders):
        keep = rng.random(spans) < 0.9
        begin = np.maximum(0, start + rng.integers(-10, 11, spans))
        end = begin + np.maximum(1, length + rng.integers(-10, 11, spans))
        labels = np.where(rng.random(spans) < 0.1, rng.integers(0, 5, spans), label)
        out[f"c{coder:02d}"] = [(int(b), int(e), f"l{int(k)}") for b, e, k, m
                                in zip(begin, end, labels, keep, strict=True) if m]
    return out


def gamma_study(rng: np.random.Generator, annotators: int = 5, spans: int = 100
                ) -> list[tuple[str, int, int, str]]:
    """Slots of 200 characters with one true span each; every annotator marks all of them,
    boundaries jittered by up to 8 characters and 10% of labels changed."""
    slot = 200
    base = np.arange(spans) * slot
    true_start = base + rng.integers(10, 60, spans)
    true_end = true_start + rng.integers(20, 120, spans)
    true_label = rng.integers(0, 3, spans)
    units = []
    for coder in range(annotators):
        start = np.clip(true_start + rng.integers(-8, 9, spans), base, None)
        end = np.clip(true_end + rng.integers(-8, 9, spans), start + 1, base + slot)
        label = np.where(rng.random(spans) < 0.1, rng.integers(0, 3, spans), true_label)
        units.extend((f"c{coder}", int(b), int(e), f"l{int(k)}")
                     for b, e, k in zip(start, end, label, strict=True))
    return units


def pygamma_fast(units: list[tuple[str, int, int, str]]
                 ) -> Callable[[], tuple[float, float, float]] | None:
    """One run of pygamma-agreement's fast mode on `units` as a function giving its wall
    seconds, CPU seconds and gamma (its numba code compiled beforehand), or None if it is not
    installed."""
    try:
        import logging

        import pygamma_agreement as pa
        from pyannote.core import Segment
    except ImportError:
        return None
    logging.disable(logging.WARNING)  # one warning per solve without the optional CBC solver
    continuum = pa.Continuum()
    for coder, start, end, label in units:
        continuum.add(coder, Segment(start, end), label)
    dissimilarity = pa.CombinedCategoricalDissimilarity()
    warm = pa.Continuum()
    for coder, start, end, label in units[:3] + units[100:103]:
        warm.add(coder, Segment(start, end), label)

    def silenced(function: Callable[[], object]) -> object:
        # GLPK, pygamma's solver here, writes its log to the process's stdout: silenced, so
        # that the figures stay one per line.
        sys.stdout.flush()
        saved = os.dup(1)
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                return function()
            finally:
                os.dup2(saved, 1)
                os.close(saved)

    def run() -> tuple[float, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = silenced(lambda: continuum.compute_gamma(dissimilarity, fast=True))
        return (time.perf_counter() - wall, time.process_time() - cpu,
                float(result.gamma))  # type: ignore[attr-defined]

    silenced(lambda: warm.compute_gamma(dissimilarity, fast=True))
    np.random.seed(0)
    return run


def wall_and_cpu(function: Callable[[], object], runs: int
                 ) -> tuple[list[tuple[float, float]], object]:
    """Wall and CPU seconds (all threads) of `runs` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times, result


def gamma_figures(study: list[tuple[str, int, int, str]], runs: int) -> None:
    """Ours on every core and on one thread, and pygamma-agreement's fast mode, measured in
    interleaved rounds (one run of pygamma's, the median of `runs` of ours on each side of
    it), so that a busy spell of the machine slows both; ratios of the medians and the best
    round's."""
    gamma(study, seed=0)  # loads the compiled kernels
    theirs = pygamma_fast(study)
    rounds = max(1, min(runs, 5)) if theirs is not None else 1
    ours: list[tuple[float, ...]] = []
    single: list[tuple[float, ...]] = []
    their: list[tuple[float, ...]] = []
    result = their_gamma = None
    for _ in range(rounds):
        before, _ = wall_and_cpu(lambda: gamma(study, seed=0), runs)
        alone, _ = wall_and_cpu(lambda: gamma(study, seed=0, workers=1), runs)
        if theirs is not None:
            wall, cpu, their_gamma = theirs()
            their.append((wall, cpu))
        after, result = wall_and_cpu(lambda: gamma(study, seed=0), runs)
        alone += wall_and_cpu(lambda: gamma(study, seed=0, workers=1), runs)[0]
        ours.append(tuple(statistics.median(c) for c in zip(*before, *after, strict=True)))
        single.append(tuple(statistics.median(c) for c in zip(*alone, strict=True)))
    threads = len(os.sched_getaffinity(0))

    def median(rows: list[tuple[float, ...]], column: int) -> float:
        return statistics.median(row[column] for row in rows)

    print(f"gamma_5x100_ms: {median(ours, 0) * 1000:.0f} ms ({threads} threads)")
    print(f"gamma_5x100_cpu_ms: {median(ours, 1) * 1000:.0f} ms")
    print(f"gamma_5x100_1thread_ms: {median(single, 0) * 1000:.0f} ms")
    print(f"gamma_5x100_1thread_cpu_ms: {median(single, 1) * 1000:.0f} ms")
    print(f"gamma_5x100_value: {result.gamma:.4f} ({result.samples} random continua)")  # type: ignore[attr-defined]
    if not their:
        return
    print(f"gamma_5x100_pygamma_fast_ms: {median(their, 0) * 1000:.0f} ms "
          f"({os.cpu_count()} threads, {rounds} runs)")
    print(f"gamma_5x100_pygamma_fast_cpu_ms: {median(their, 1) * 1000:.0f} ms")
    print(f"gamma_5x100_pygamma_fast_value: {their_gamma:.4f}")
    for name, mine, column in (("", ours, 0), ("_1thread", single, 0), ("_cpu", ours, 1),
                               ("_1thread_cpu", single, 1)):
        best = max(t[column] / m[column] for t, m in zip(their, mine, strict=True))
        print(f"gamma_speedup_vs_pygamma_fast{name}: "
              f"{median(their, column) / median(mine, column):.1f} x "
              f"(best round {best:.1f} x)")


def class_report(runs: int) -> tuple[float, dict]:
    """Median seconds to build the agreement report of a simulated class."""
    import random
    import uuid

    import sqlalchemy as sa
    from simulated import simulated_class

    from app.extensions import db
    from app.models import DocumentRating, PassageTag, Span
    from app.services.agreement import build_report

    sentence = "The minister said the protesters were paid by foreign agents today. "

    def text(rnd: random.Random, n: int) -> str:
        return "\n\n".join(sentence * rnd.randint(1, 2) + f"({n}.{p})" for p in range(40)) + "\n"

    with simulated_class(20, 30, text) as room:
        rnd, words, documents, students = room.rnd, room.words, room.documents, room.students
        project = room.project
        label_ids = {layer: [info.id for (lk, _), info in words.labels.items()
                             if lk == layer and info.active] for layer in words.layers}
        rows_tags, rows_spans, rows_ratings = [], [], []
        for document in documents:
            truth = [rnd.choice(label_ids["source"][:4]) for _ in document.passages]
            units = []
            for layer, count in (("rhetoric", 15), ("claim", 5)):
                for _ in range(count):
                    passage = rnd.choice(document.passages)
                    start = passage.start + rnd.randrange(0, 20)
                    units.append((layer, start, start + rnd.randrange(8, 40),
                                  rnd.choice(label_ids[layer][:6])))
            for student in students:
                for passage, label in zip(document.passages, truth, strict=True):
                    if rnd.random() < 0.15:
                        label = rnd.choice(label_ids["source"])
                    rows_tags.append({"passage_id": passage.id, "document_id": document.id,
                                      "user_id": student.id, "label_id": label,
                                      "version": 1, "codebook_version": 1})
                for layer, start, end, label in units:
                    if rnd.random() < 0.2:
                        continue
                    shift = rnd.randrange(-3, 4)
                    rows_spans.append({
                        "document_id": document.id, "user_id": student.id,
                        "layer_id": words.layers[layer].id, "label_id": label,
                        "client_id": uuid.uuid4().hex, "start": max(0, start + shift),
                        "end": end, "note": "", "attributes": {}, "version": 1,
                        "codebook_version": 1})
                rows_ratings.append({"document_id": document.id, "user_id": student.id,
                                     "values": {"reliability": rnd.randint(3, 6),
                                                "slant": rnd.randint(-2, 1),
                                                "genre": "reporting"},
                                     "version": 1, "codebook_version": 1})
        db.session.execute(sa.insert(PassageTag), rows_tags)
        db.session.execute(sa.insert(Span), rows_spans)
        db.session.execute(sa.insert(DocumentRating), rows_ratings)
        db.session.commit()
        seconds, report = timed(lambda: build_report(project), runs)
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gamma-only", action="store_true",
                        help="only the gamma figures (on the same study as the full run)")
    arguments = parser.parse_args()
    runs = arguments.runs
    rng = np.random.default_rng(20240611)
    if arguments.gamma_only:
        # The same draws as the full run, which makes the figures before gamma's first.
        large_study(rng)
        documents(rng)
        large_study(rng)
        rng.choice([0.0, 4095.0], size=(3, 10_000))
        span_sets(rng)
        gamma_figures(gamma_study(rng), runs)
        return

    import krippendorff

    data = large_study(rng)
    ours_time, ours = timed(lambda: krippendorff_alpha(data, "nominal"), runs)
    theirs_time, theirs = timed(
        lambda: float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")),
        runs,
    )
    assert abs(float(ours) - float(theirs)) <= 1e-9, (ours, theirs)
    print(f"alpha_nominal_30x100000: {ours_time * 1000:.1f} ms")
    print(f"alpha_nominal_30x100000_krippendorff: {theirs_time * 1000:.1f} ms")
    print(f"alpha_nominal_speedup_vs_krippendorff: {theirs_time / ours_time:.1f} x")

    corpus = documents(rng)

    def all_documents() -> float:
        return sum(unitizing_alpha(units, 0, DOC_LENGTH) for units in corpus)

    unitizing_time, total = timed(all_documents, runs)
    assert 0.0 < float(total) / DOCUMENTS < 1.0
    print(f"unitizing_alpha_5x1000docs_50spans_total: {unitizing_time * 1000:.0f} ms")
    print(f"unitizing_alpha_per_document: {unitizing_time * 1000 / DOCUMENTS:.3f} ms")

    small = large_study(rng)[:, :100]
    boot_time, interval = timed(lambda: bootstrap_alpha(small, "nominal", 1000, seed=0), runs)
    assert interval.samples + interval.skipped == 1000  # type: ignore[attr-defined]
    print(f"bootstrap_alpha_1000_samples_30x100: {boot_time * 1000:.1f} ms")

    wide = rng.choice([0.0, 4095.0], size=(3, 10_000))
    wide_time, _ = timed(lambda: krippendorff_alpha(wide, "interval"), runs)
    print(f"alpha_interval_3x10000_values_0_4095: {wide_time * 1000:.1f} ms")

    marked = span_sets(rng)
    f1_time, scores = timed(lambda: pairwise_span_f1(marked, "overlap"), runs)
    assert len(scores) == 435  # type: ignore[arg-type]
    matched = sum(s.true_positives for s in scores.values())  # type: ignore[union-attr]
    print(f"span_f1_overlap_30_coders_2000_spans_all_pairs: {f1_time * 1000:.0f} ms")
    print(f"span_f1_overlap_true_positives_all_pairs: {matched}")

    gamma_figures(gamma_study(rng), runs)

    report_time, report = class_report(runs)
    assert len(report["annotators"]) == 30 and len(report["documents"]) == 20
    print(f"class_report_30_students_20_documents: {report_time * 1000:.0f} ms")


if __name__ == "__main__":
    main()
