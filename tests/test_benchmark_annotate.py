"""The annotation benchmark measures the page it means: its render figure runs against a page
that holds the 1,000 spans, as the page's data carries them."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_render_figure_runs_on_a_page_holding_the_thousand_spans(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    import annotate

    try:
        info = annotate.build_database(tmp_path)
        assert annotate.measure_render(info, runs=1) > 0
    finally:
        sys.modules.pop("annotate", None)
