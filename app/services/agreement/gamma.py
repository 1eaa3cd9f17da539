"""Mathet's gamma for a span layer: overall (the documents laid end to end) and per document.

The exact alignment grows quickly with the number of annotators (every group of annotators
marking one passage is a candidate), so the report computes gamma for up to
MAX_GAMMA_CODERS coders and otherwise says why it is left out.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from app import agreement as engine
from app.agreement.gamma import usable_cores
from app.services.agreement.figures import SEED, figure

Unit = tuple[str, int, int, str]  # coder, start, end, label

MAX_GAMMA_CODERS = 5

_pool: Executor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    """In a forked child: the parent's threads did not come along, so its pool would never
    run anything; the child makes its own."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def shared_pool() -> Executor:
    """One pool of threads, one per core, for every gamma this process computes: a server's
    concurrent requests share the cores instead of each starting threads of its own. Made on
    first use; a forked server process makes its own."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(usable_cores(), "gamma")
        return _pool


def gamma_figure(units: list[Unit], coders: list[str]) -> dict[str, Any]:
    """gamma of `units` among `coders`, with its observed and expected disorder and the
    number of random continua, or why it is undefined."""
    extra: dict[str, Any] = {}

    def compute() -> float:
        if len(coders) > MAX_GAMMA_CODERS:
            raise engine.Undefined("gamma_too_many_annotators", limit=MAX_GAMMA_CODERS,
                                   n=len(coders))
        result = engine.gamma(units, annotators=coders, seed=SEED,
                              executor=shared_pool())
        extra.update(observed_disorder=result.observed_disorder,
                     expected_disorder=result.expected_disorder, samples=result.samples)
        return result.gamma

    out = figure("gamma", compute, n_items=len(units), n_pairable=len(units),
                 n_coders=len(coders))
    out.update(extra)
    return out
