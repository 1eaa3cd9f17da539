"""gamma against pygamma-agreement 0.5.9 (the reference implementation) on random studies.

The best alignment is deterministic: its disorder must match pygamma's exact mode to float32
rounding (pygamma computes in float32), on the observed continua and on pygamma's own random
continua. The expected disorder is a Monte-Carlo mean on both sides: ours (100 samples) must lie
within four standard errors of the difference from pygamma's (30 samples, its default).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from app.agreement import gamma
from app.agreement._alignment import Dissimilarity, best_alignment, make_continuum


class _OnFirstUse:
    """pygamma-agreement compiles its numba functions on import (about 25 s): every pytest
    process collects this module, so it is imported only by the process that runs these tests."""

    def __getattr__(self, name: str):
        if name.startswith("_"):  # pytest's own look-ups while collecting
            raise AttributeError(name)
        return getattr(pytest.importorskip("pygamma_agreement"), name)


pygamma = _OnFirstUse()


def Segment(start: float, end: float):  # noqa: N802  (pyannote's class, imported when used)
    from pyannote.core import Segment as segment  # installed with pygamma-agreement

    return segment(start, end)

STUDIES = 30
OUR_SAMPLES = 100


def study(number: int) -> list[tuple[str, int, int, str]]:
    """2 to 4 annotators with 1 to 5 units each (small enough for pygamma's exact mode)."""
    rng = np.random.default_rng(1000 + number)
    units = []
    for annotator in range(int(rng.integers(2, 5))):
        for _ in range(int(rng.integers(1, 6))):
            start = int(rng.integers(0, 200))
            units.append((f"a{annotator}", start, start + int(rng.integers(3, 40)),
                          f"l{rng.integers(0, 3)}"))
    return list(dict.fromkeys(units))  # pygamma keeps an annotator's units as a set


def their_continuum(units):
    continuum = pygamma.Continuum()
    for annotator, start, end, label in units:
        continuum.add(annotator, Segment(start, end), label)
    return continuum


def our_disorder(continuum) -> float:
    """Our best alignment's disorder for one of pygamma's continua."""
    rows = [(a, u.segment.start, u.segment.end, u.annotation) for a, u in continuum]
    names = sorted({a for a, *_ in rows} | set(continuum.annotators))
    labels = sorted({row[3] for row in rows})
    ours, _ = make_continuum(
        np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
        np.array([labels.index(r[3]) for r in rows]),
        np.array([names.index(r[0]) for r in rows]), len(names))
    dissimilarity = Dissimilarity(1.0, 1.0, 1.0, 1.0 - np.eye(len(labels)))
    return best_alignment(ours, dissimilarity).disorder


@pytest.fixture(scope="module", autouse=True)
def quiet_pygamma():
    # pygamma logs a warning for every solve without the optional CBC solver.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def dissimilarity():
    return pygamma.CombinedCategoricalDissimilarity()


@pytest.mark.parametrize("number", range(STUDIES))
def test_the_observed_disorder_is_pygammas_exact_best_alignment(number, dissimilarity):
    units = study(number)
    theirs = their_continuum(units).get_best_alignment(dissimilarity).disorder
    ours = gamma(units, seed=number, min_samples=2, max_samples=2)
    assert ours.observed_disorder == pytest.approx(float(theirs), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("number", range(0, STUDIES, 3))
def test_pygammas_random_continua_get_the_same_best_alignment(number, dissimilarity):
    continuum = their_continuum(study(number))
    sampler = pygamma.StatisticalContinuumSampler()
    sampler.init_sampling(continuum)
    np.random.seed(number)
    for _ in range(3):
        sample = sampler.sample_from_continuum
        theirs = sample.get_best_alignment(dissimilarity).disorder
        assert our_disorder(sample) == pytest.approx(float(theirs), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("number", range(STUDIES))
def test_gamma_matches_pygamma_within_the_monte_carlo_tolerance(number, dissimilarity):
    units = study(number)
    np.random.seed(number)
    theirs = their_continuum(units).compute_gamma(dissimilarity)
    their_disorders = np.array([a.disorder for a in theirs.chance_alignments], dtype=float)
    ours = gamma(units, seed=number, min_samples=OUR_SAMPLES, max_samples=OUR_SAMPLES)
    assert ours.samples == OUR_SAMPLES
    # Our sample's standard deviation, from the relative 95% half-width reported.
    our_sd = ours.precision * ours.expected_disorder * math.sqrt(OUR_SAMPLES) / 1.959963984540054
    error = math.sqrt(their_disorders.var() / len(their_disorders) + our_sd**2 / OUR_SAMPLES)
    assert ours.expected_disorder == pytest.approx(theirs.expected_disorder, abs=4 * error + 1e-9)
    assert ours.observed_disorder == pytest.approx(float(theirs.observed_disorder), rel=1e-5)
    if ours.observed_disorder == 0:
        assert ours.gamma == theirs.gamma == 1
