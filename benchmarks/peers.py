"""Side by side with doccano, Label Studio and Potato: the same workload, each tool as it ships.

Each peer is installed from PyPI into its own throwaway virtual environment under a cache
folder outside the repository (~/.cache/sourcemark-peers, or $SOURCEMARK_PEERS_CACHE; reused
when present, never touched by `make test`), and served as it ships on a free loopback port
with a fresh SQLite database:

- Sourcemark as `make serve` serves it: `flask db upgrade`, then gunicorn with one worker
  per core, four threads each, keep-alive 60 s, production settings (cookies not marked
  Secure: no TLS here);
- doccano 1.8.4: `doccano init`, `doccano createuser`, `doccano webserver` (gunicorn) and
  `doccano task` (its Celery worker, which runs imports and exports);
- Label Studio 1.23.2: `label-studio start --no-browser` with a fresh data directory;
- Potato 2.12.1 (`potato-annotation`): `potato start` on a span-annotation config written here.

The corpus: the forum thread of the seeds (~90 KB) and 50 short documents cut from the other
seed texts, 20 span labels. Per round and per tool (the tools interleaved round by round),
through each tool's HTTP API with Python clients, one span per request:

    project_create_20_labels      create a project with 20 span labels (median of five per
                                  round after one untimed; the spans go into the last)
    import_51_documents           import the 51 documents (median of three per round, each
                                  into a new project; letting the annotating user in, where
                                  a tool asks for that, is set-up and not timed)
    span_create_p50_1_client      span create latency, one client back to back
    span_create_p95_8_clients     … eight clients back to back, and their throughput
    span_create_throughput_8_clients
    annotate_page_1000_spans      the requests that open the forum thread holding 1,000 spans
    annotate_page_bytes_1000_spans   … and their bytes on the wire (the client asks for gzip/br)
    export_jsonl_2000_spans       export the project with 2,000 spans (JSON lines where offered)
    browser_first_highlight       headless Chromium, signed in as each tool ships: navigation
                                  to the first highlight shown on the forum thread's page
    browser_all_highlights        … to all 1,000 highlights shown (per tool, what counts as a
                                  highlight: benchmarks/peers_browser.py; doccano draws only
                                  the lines in view, so its line says so instead of a figure)
    browser_first_visit_bytes     bytes on the wire of opening that page in Chromium after
    browser_repeat_visit_bytes    signing in, and of opening it again (the HTTP cache kept
                                  what it may)

The teacher's requests (projects made, documents imported) go through one signed-in session
per tool, kept for the run as a browser keeps its connection; the page's requests are timed
after two untimed ones (benchmarks/peers_tools.py `timed_requests` says why).

Prints `name: value unit` per tool (medians over the rounds) and `ratio_<name>: x` of
Sourcemark against the best peer (above 1: Sourcemark is faster or smaller).

The floor (benchmarks/peers_floor.py, unless --no-floor): an empty WSGI app under `make serve`'s
gunicorn command, driven in the same rounds by the same span-create clients. It prints
`floor.<measure>` and `limit_ratio_<measure>`: the best peer against that empty app, the highest
ratio any server could reach here; and `disk.fsync_4k`, the disk's cost of a durable commit.

A tool that cannot be installed or served prints why on its line, and the run goes on without
it; a measure a tool does not offer over HTTP prints `n/a` with the reason. Every server started
is stopped (its whole process group) whatever happens.

--scale adds, for Sourcemark (benchmarks/peers_scale.py): a project with 200 students and
50,000 spans (span create, the annotation page, the export, each with its growth over the
rounds' figure), then the export of a million spans, its time and peak memory
(benchmarks/export.py, slow: minutes).

Run: .venv/bin/python benchmarks/peers.py [--tools sourcemark,doccano,label-studio,potato]
     [--rounds 2] [--skip-install] [--scale] [--no-browser] [--no-floor]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_floor import FLOOR_MEASURES, Floor, fsync_ms  # noqa: E402
from peers_others import Doccano, LabelStudio, Potato  # noqa: E402
from peers_sourcemark import Sourcemark  # noqa: E402
from peers_tools import Corpus, NotOffered, Unavailable, cache_folder  # noqa: E402

TOOLS = {"sourcemark": Sourcemark, "doccano": Doccano, "label-studio": LabelStudio,
         "potato": Potato}

CREATES_PER_ROUND = 5  # projects made per round and tool for the create figure (median)
IMPORTS_PER_ROUND = 3  # imports per round and tool for the import figure (median)

# name, unit, smaller is better
MEASURES: list[tuple[str, str]] = [
    ("project_create_20_labels", "s"),
    ("import_51_documents", "s"),
    ("span_create_p50_1_client", "ms"),
    ("span_create_p95_8_clients", "ms"),
    ("span_create_throughput_8_clients", "req/s"),
    ("annotate_page_1000_spans", "s"),
    ("annotate_page_bytes_1000_spans", "KB"),
    ("export_jsonl_2000_spans", "s"),
    ("browser_first_highlight", "s"),
    ("browser_all_highlights", "s"),
    ("browser_first_visit_bytes", "KB"),
    ("browser_repeat_visit_bytes", "KB"),
]
LARGER_IS_BETTER = {"span_create_throughput_8_clients"}


def _stop_on_term(signum: int, frame: object) -> None:
    """SIGTERM (a timeout, a CI job cancelled) ends the run like Ctrl+C: through the finally
    that stops every server it started."""
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_term)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated, from {', '.join(TOOLS)}")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (median)")
    parser.add_argument("--skip-install", action="store_true",
                        help="use the cached virtual environments as they are")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measures")
    parser.add_argument("--keep", action="store_true",
                        help="keep the servers' folders and logs (their path is printed)")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor (an empty app under the same server and clients)")
    parser.add_argument("--scale", action="store_true",
                        help="also 200 students with 50,000 spans, and a million spans' export "
                             "(Sourcemark)")
    options = parser.parse_args()
    names = [n.strip() for n in options.tools.split(",") if n.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        parser.error(f"unknown tools: {', '.join(unknown)}")
    corpus = Corpus.load(ROOT / "seeds")
    cache = cache_folder()
    results: dict[str, dict[str, list[float]]] = {}
    missing: dict[str, dict[str, str]] = {}
    running = []
    tmp = Path(tempfile.mkdtemp(prefix="sourcemark-peers-"))
    if options.keep:
        print(f"# servers' folders and logs: {tmp}", flush=True)
    try:
        for name in names:
            tool = TOOLS[name](cache, tmp / name, corpus)
            try:
                if not options.skip_install:
                    tool.install()
                tool.start()
                tool.warm_up()
            except Unavailable as exc:
                print(f"{name}: unavailable: {exc}", flush=True)
                tool.stop()
                continue
            running.append(tool)
            results[name] = {m: [] for m, _ in MEASURES}
            missing[name] = {}
        floor = None if options.no_floor else start_floor(cache, tmp, corpus, running)
        floors: dict[str, list[float]] = {m: [] for m in FLOOR_MEASURES}
        for round_number in range(options.rounds):
            for tool in running:
                print(f"# round {round_number + 1}: {tool.name}", flush=True)
                if tool is floor:
                    floor_round(tool, floors)
                    continue
                run_round(tool, results[tool.name], missing[tool.name],
                          browser=not options.no_browser)
        medians = report(results, missing)
        if floor is not None:
            report_floor(floors, medians, fsync_ms(tmp))
        if options.scale and "sourcemark" in results:
            sourcemark = next(t for t in running if t.name == "sourcemark")
            sourcemark.scale(lambda line: print(line, flush=True), medians["sourcemark"])
    finally:
        for tool in running:
            tool.stop()
        if not options.keep:
            shutil.rmtree(tmp, ignore_errors=True)

def start_floor(cache: Path, tmp: Path, corpus: Corpus, running: list) -> Floor | None:
    """The floor (benchmarks/peers_floor.py), measured in the rounds like a tool."""
    floor = Floor(cache, tmp / "floor", corpus)
    try:
        floor.start()
        floor.warm_up()
    except Unavailable as exc:
        print(f"floor: unavailable: {exc}", flush=True)
        floor.stop()
        return None
    running.append(floor)
    return floor


def floor_round(floor: Floor, figures: dict[str, list[float]]) -> None:
    """The span creates of a round against the empty app."""
    latencies, _ = floor.create_spans(None, None, 1, 100)
    figures["span_create_p50_1_client"].append(percentile(latencies, 50) * 1000)
    latencies, rate = floor.create_spans(None, None, 8, 50)
    figures["span_create_p95_8_clients"].append(percentile(latencies, 95) * 1000)
    figures["span_create_throughput_8_clients"].append(rate)


def report_floor(floors: dict[str, list[float]], medians: dict[str, dict[str, float]],
                 fsync: float) -> None:
    """The floor's figures, and per measure the highest ratio to the best peer that any
    server answering these clients here could reach (best peer / floor)."""
    units = dict(MEASURES)
    print(f"disk.fsync_4k: {fsync:.3f} ms", flush=True)
    for measure in FLOOR_MEASURES:
        if not floors[measure]:
            continue
        value = statistics.median(floors[measure])
        print(f"floor.{measure}: {value:.4g} {units[measure]}", flush=True)
        peers = {n: m[measure] for n, m in medians.items()
                 if n != "sourcemark" and measure in m}
        if not peers:
            continue
        if measure in LARGER_IS_BETTER:
            best = max(peers, key=peers.get)
            limit = value / peers[best]
        else:
            best = min(peers, key=peers.get)
            limit = peers[best] / value
        print(f"limit_ratio_{measure}: {limit:.2f} (an empty app against {best})", flush=True)


def run_round(tool, figures: dict[str, list[float]], missing: dict[str, str],
              browser: bool) -> None:
    """One round of the workload against one tool, appending to `figures`."""

    def measure(name: str, step) -> None:
        try:
            values = step()
        except NotOffered as exc:
            missing[name] = str(exc)
            return
        except Exception as exc:  # a peer failing one measure must not stop the others
            missing[name] = f"failed: {type(exc).__name__}: {exc}"
            traceback.print_exc(limit=3, file=sys.stderr)
            return
        for key, value in values.items():
            figures[key].append(value)

    state: dict = {}

    def create() -> dict:
        # A few projects per round, the median kept: one request of a few milliseconds is
        # at the mercy of whatever else the machine did in that instant. The first of the
        # round is not timed, as the page's first fetches are not (peers_tools.timed_requests):
        # it follows minutes of the other tools' rounds.
        tool.create_project()
        took = []
        for _ in range(CREATES_PER_ROUND):
            started = time.perf_counter()
            state["project"] = tool.create_project()
            took.append(time.perf_counter() - started)
        return {"project_create_20_labels": statistics.median(took)}

    def imported() -> dict:
        # As for the create: a few imports per round (each into a project of its own, made
        # untimed; the last into the round's project), the median kept.
        took = []
        for n in range(IMPORTS_PER_ROUND):
            last = n == IMPORTS_PER_ROUND - 1
            project = state["project"] if last else tool.create_project()
            started = time.perf_counter()
            documents = tool.import_documents(project)
            took.append(time.perf_counter() - started)
        state["documents"] = documents
        tool.ready_to_annotate(state["project"])  # set-up for the spans, not the import
        return {"import_51_documents": statistics.median(took)}

    measure("project_create_20_labels", create)
    if "project" not in state and "project_create_20_labels" in missing:
        if missing["project_create_20_labels"].startswith("failed"):
            return
        state["project"] = tool.prepare_project()
    measure("import_51_documents", imported)
    if "documents" not in state:
        if missing.get("import_51_documents", "failed").startswith("failed"):
            return
        state["documents"] = tool.prepare_documents(state["project"])
    forum = state["documents"]["forum"]
    state["spans"] = 0

    def creates(clients: int, each: int) -> tuple[list[float], float]:
        latencies, rate = tool.create_spans(state["project"], forum, clients, each)
        state["spans"] += len(latencies)
        return latencies, rate

    def one_client() -> dict:
        latencies, _ = creates(1, 100)
        return {"span_create_p50_1_client": percentile(latencies, 50) * 1000}

    def eight_clients() -> dict:
        latencies, rate = creates(8, 50)
        return {"span_create_p95_8_clients": percentile(latencies, 95) * 1000,
                "span_create_throughput_8_clients": rate}

    measure("span_create_p50_1_client", one_client)
    measure("span_create_p95_8_clients", eight_clients)

    def fill(total: int) -> None:
        """More spans by the page's user (client 0) until the document holds `total`."""
        if not tool.one_user_concurrently:
            state["spans"] = tool.spans_of_first_user(state["project"], forum)
        while state["spans"] < total:
            need = total - state["spans"]
            if tool.one_user_concurrently and need >= 8:
                creates(8, need // 8)
            else:
                creates(1, need)

    def page() -> dict:
        fill(1000)
        seconds, size = tool.open_page(state["project"], forum)
        return {"annotate_page_1000_spans": seconds,
                "annotate_page_bytes_1000_spans": size / 1024}

    measure("annotate_page_1000_spans", page)
    if browser:
        measure("browser_first_highlight",
                lambda: browser_figures(tool, state, forum, missing))

    def export() -> dict:
        fill(2000)
        return {"export_jsonl_2000_spans": tool.export(state["project"])}

    measure("export_jsonl_2000_spans", export)


def browser_figures(tool, state: dict, forum, missing: dict[str, str]) -> dict:
    """The page in Chromium; a tool that never has all its highlights drawn at once says
    why in place of the second figure."""
    first, every = tool.browser(state["project"], forum)
    figures = {"browser_first_highlight": first}
    if isinstance(every, str):
        missing["browser_all_highlights"] = every
    else:
        figures["browser_all_highlights"] = every
    if hasattr(tool, "visit_bytes"):
        cold, warm = tool.visit_bytes(state["project"], forum)
        figures |= {"browser_first_visit_bytes": cold / 1024,
                    "browser_repeat_visit_bytes": warm / 1024}
    return figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def report(results: dict[str, dict[str, list[float]]], missing: dict[str, dict[str, str]]
           ) -> dict[str, dict[str, float]]:
    """Medians per tool, then Sourcemark's ratio to the best peer on each measure."""
    medians: dict[str, dict[str, float]] = {}
    for name, figures in results.items():
        medians[name] = {}
        for measure, unit in MEASURES:
            if figures[measure]:
                value = statistics.median(figures[measure])
                medians[name][measure] = value
                print(f"{name}.{measure}: {value:.4g} {unit}", flush=True)
            else:
                why = missing[name].get(measure) or missing[name].get(
                    "browser_first_highlight" if measure.startswith("browser") else "",
                    "not measured")
                print(f"{name}.{measure}: n/a ({why})", flush=True)
    ours = medians.get("sourcemark", {})
    for measure, _ in MEASURES:
        peers = {n: m[measure] for n, m in medians.items()
                 if n != "sourcemark" and measure in m}
        if measure not in ours or not peers:
            print(f"ratio_{measure}: n/a", flush=True)
            continue
        if measure in LARGER_IS_BETTER:
            best = max(peers, key=peers.get)
            ratio = ours[measure] / peers[best]
        else:
            best = min(peers, key=peers.get)
            ratio = peers[best] / ours[measure] if ours[measure] else float("inf")
        print(f"ratio_{measure}: {ratio:.2f} (best peer {best})", flush=True)
    return medians


if __name__ == "__main__":
    main()
