"""Mathet's gamma for a span layer: overall (the documents laid end to end) and per document.

The exact alignment grows quickly with the number of annotators (every group of annotators
marking one passage is a candidate), so the report computes gamma for up to
MAX_GAMMA_CODERS coders and otherwise says why it is left out.
"""

from __future__ import annotations

from typing import Any

from app import agreement as engine
from app.services.agreement.figures import SEED, figure

Unit = tuple[str, int, int, str]  # coder, start, end, label

MAX_GAMMA_CODERS = 5


def gamma_figure(units: list[Unit], coders: list[str]) -> dict[str, Any]:
    """gamma of `units` among `coders`, with its observed and expected disorder and the
    number of random continua, or why it is undefined."""
    extra: dict[str, Any] = {}

    def compute() -> float:
        if len(coders) > MAX_GAMMA_CODERS:
            raise engine.Undefined("gamma_too_many_annotators", limit=MAX_GAMMA_CODERS,
                                   n=len(coders))
        result = engine.gamma(units, annotators=coders, seed=SEED)
        extra.update(observed_disorder=result.observed_disorder,
                     expected_disorder=result.expected_disorder, samples=result.samples)
        return result.gamma

    out = figure("gamma", compute, n_items=len(units), n_pairable=len(units),
                 n_coders=len(coders))
    out.update(extra)
    return out
