"""Annotation speed on SQLite: page render, span-create latency, highlights in Chromium.

Prints one line per figure, `name: value unit`, each the median of several runs:
- the server time to render the annotate page of the forum thread (seed 002, ~90 KB)
  holding 1,000 spans;
- span-create latency (p50, p95, p99) and throughput with 1 and with 8 concurrent clients
  sending back to back, against the app served as `make serve` serves it (gunicorn, one
  worker per core, four threads each) by another process on loopback. The clients are wrk's
  connections (a load generator in C, `apt-get install wrk`): eight annotators' browsers are
  on eight other machines, and a load generator that took a core's worth of CPU from the
  server would measure itself. The same figures from eight Python threads are printed too
  (`…_python_threads`), and they are what the main lines fall back to without wrk;
- the latency of 8 clients that each create four spans a second;
- the time from navigation to the highlighted text in headless Chromium;
- the taps it takes to give each of the 31 passages of seed 000 a source type on a phone
  (390x844, touch): tap a passage, tap a label in the palette, counted as Playwright taps.
- the time to open the list of the 1,000 spans ("All spans");
- the key presses that mark a six-word span in the middle of a passage with the keyboard alone
  (the sequence of tests/browser/test_annotate_keyboard.py, pressed in Chromium and checked).

Every acknowledged create is checked in the database afterwards (none missing).
Targets: render under 100 ms, p95 under 25 ms with 8 clients, highlights under 500 ms,
at most 12 keys for the span.
Run: .venv/bin/python benchmarks/annotate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORUM = "002_58f5ba6ad2df0acd.txt"
TAGGED = "000_52683757a7824f21.txt"  # 31 passages
SPANS = 1000
CREATES_PER_CLIENT = 150
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def build_database(folder: Path) -> dict:
    """A database with the demo, 1,000 spans on the forum thread, and API tokens."""
    os.environ["SOURCEMARK_INSTANCE_PATH"] = str(folder / "instance")
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Document, Span, User
    from app.services import accounts, projects, tokens
    from app.services.demo import load_demo
    from app.services.vocabulary import vocabulary

    url = f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        project, _, _ = load_demo(ROOT / "seeds", app.config["DOCUMENT_MAX_BYTES"])
        forum = db.session.scalar(db.select(Document).where(Document.project_id == project.id,
                                                            Document.source_name == FORUM))
        student = db.session.scalar(db.select(User).where(User.username == "aigerim"))
        words = vocabulary(project.id)
        rhetoric = words.layers["rhetoric"]
        labels = [info for (layer, _), info in words.labels.items()
                  if layer == "rhetoric" and info.active]
        rng = random.Random(7)
        bounds = [m.span() for m in re.finditer(r"\w+(?:\W+\w+){0,4}", forum.text)]
        for _ in range(SPANS):
            start, end = rng.choice(bounds)
            db.session.add(Span(document_id=forum.id, user_id=student.id, layer_id=rhetoric.id,
                                label_id=rng.choice(labels).id, client_id=uuid.uuid4().hex,
                                start=start, end=end, codebook_version=1))
        db.session.commit()
        secrets = []
        for n in range(8):
            writer = accounts.create_user(f"bench{n}", "bench-password", "student")
            projects.add_member(project, writer, "student")
            db.session.commit()
            secrets.append(tokens.create_token(writer, "bench")[1])
        tagged = db.session.scalar(db.select(Document).where(Document.project_id == project.id,
                                                             Document.source_name == TAGGED))
        seed_000 = db.session.scalar(db.select(Document).where(
            Document.project_id == project.id, Document.source_name.startswith("000_")))
        info = {"url": url, "project": project.id, "forum": forum.id, "tokens": secrets,
                "tagged": tagged.id, "tagged_passages": len(tagged.passages),
                "text": forum.text, "bounds": bounds, "seed_000": seed_000.id,
                "seed_000_text": seed_000.text}
        db.engine.dispose()
    return info


def measure_render(info: dict, runs: int) -> float:
    """Median server time (ms) to render the annotate page with 1,000 spans."""
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": info["url"], "SECRET_KEY": "bench"})
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"username": "aigerim", "password": "student-demo"})
    path = f"/projects/{info['project']}/documents/{info['forum']}/annotate"
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    data = json.loads(page.split('id="annotate-data">', 1)[1].split("</script>", 1)[0])
    assert len(data["annotations"]["spans"]["id"]) >= SPANS
    times = []
    for _ in range(max(runs, 5) * 4):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    with app.app_context():
        db.engine.dispose()
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


GUNICORN = "2x4"  # workers x threads, as `make serve` runs them on this 2-core machine


def start_server(info: dict, folder: Path, server: str) -> tuple[subprocess.Popen, int]:
    """Serve the app from another process: gunicorn (by default 2 workers of 4 threads on
    this 2-core machine, as `make serve`; SOURCEMARK_BENCH_GUNICORN=2x1 for synchronous
    workers) or Werkzeug's threaded server (as `make run`)."""
    port = free_port()
    env = dict(os.environ, SOURCEMARK_INSTANCE_PATH=str(folder / "instance"),
               DATABASE_URL=info["url"], SECRET_KEY="bench")
    if server == "gunicorn":
        chosen = os.environ.get("SOURCEMARK_BENCH_GUNICORN", GUNICORN)
        workers, threads = (chosen.split("x") + ["1"])[:2]
        # One thread: synchronous workers.
        kind = ["-k", "sync"] if threads == "1" else ["-k", "gthread", "--threads", threads]
        command = [sys.executable, "-m", "gunicorn", "-w", workers, *kind,
                   "-b", f"127.0.0.1:{port}", "--no-control-socket", "app:create_app()"]
    else:
        command = [sys.executable, "-c", "from app import create_app; from werkzeug.serving "
                   f"import run_simple; run_simple('127.0.0.1', {port}, create_app(), "
                   "threaded=True)"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def create_spans(port: int, info: dict, clients: int, interval: float = 0.0
                 ) -> tuple[list[float], float]:
    """Each client creates spans back to back (interval 0: as fast as it can), or one every
    `interval` seconds; returns latencies (ms) and requests per second."""
    path = f"/api/v1/projects/{info['project']}/documents/{info['forum']}/spans"
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(n)
        headers = {"Authorization": f"Bearer {info['tokens'][n]}",
                   "Content-Type": "application/json"}
        mine = []
        count = CREATES_PER_CLIENT if not interval else 40
        next_at = time.perf_counter() + rng.random() * interval
        for _ in range(count):
            if interval:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
            start, end = rng.choice(info["bounds"])
            body = json.dumps({"client_id": uuid.uuid4().hex, "layer": "rhetoric",
                               "label": "loaded_language", "start": start, "end": end,
                               "text": info["text"][start:end]})
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            connection.close()
            if response.status != 201:
                errors.append(str(response.status))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} creates failed: {errors[:5]}")
    return latencies, len(latencies) / elapsed


WRK_SECONDS = 5


def _lua_string(value: str) -> str:
    """A Lua string literal: plain ASCII as it is, every other byte as a decimal escape."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_:;{}[]")
    return '"' + "".join(chr(b) if chr(b) in safe else f"\\{b:03d}"
                         for b in value.encode("utf-8")) + '"'


def write_wrk_script(info: dict, folder: Path) -> Path:
    """A wrk script that creates spans as the page does: a fresh client_id each time, a
    random stretch of the forum thread with its exact text, the clients' tokens in turn."""
    rng = random.Random(11)
    bodies = []
    for start, end in rng.sample(info["bounds"], 2000):
        rest = json.dumps({"layer": "rhetoric", "label": "loaded_language", "start": start,
                           "end": end, "text": info["text"][start:end]})
        bodies.append(_lua_string(rest[1:]))  # without the opening brace
    path = f"/api/v1/projects/{info['project']}/documents/{info['forum']}/spans"
    script = folder / "spans.lua"
    script.write_text(f"""
local bodies = {{{", ".join(bodies)}}}
local tokens = {{{", ".join(_lua_string(t) for t in info["tokens"])}}}
local sent = 0
function init(args) math.randomseed(os.time()) end
function request()
  sent = sent + 1
  local body = '{{"client_id": "wrk-' .. sent .. '-' .. math.random(1, 1000000000) .. '", '
               .. bodies[math.random(#bodies)]
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[sent % #tokens + 1]}}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.3f %.3f %.3f %.3f\\n", summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
""", encoding="utf-8")
    return script


def count_spans(info: dict) -> int:
    import sqlite3

    with sqlite3.connect(info["url"].removeprefix("sqlite:///")) as connection:
        return connection.execute("SELECT count(*) FROM span").fetchone()[0]


def wrk_creates(port: int, info: dict, script: Path, clients: int) -> tuple[dict, float]:
    """wrk with `clients` connections, back to back, for WRK_SECONDS: latency percentiles
    (ms) and requests per second; every create must be acknowledged with a 2xx and be in the
    database afterwards."""
    before = count_spans(info)
    done = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{WRK_SECONDS}s", "--timeout", "10s", "-s",
         str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    requests, bad_status, socket_errors, micros, p50, p95, p99, _ = line.split()[1:]
    if int(bad_status) or int(socket_errors):
        raise RuntimeError(f"wrk: {bad_status} answers other than 2xx, {socket_errors} "
                           "socket errors")
    stored = count_spans(info) - before
    # Requests in flight when wrk stops are stored without being counted, so more is fine.
    if stored < int(requests):
        raise RuntimeError(f"wrk had {requests} creates acknowledged, the database has "
                           f"only {stored} new spans")
    return ({50: float(p50), 95: float(p95), 99: float(p99)},
            int(requests) / (int(micros) / 1e6))


MID_PASSAGE_SPAN = "held a third day of protests"  # seed 000, a six-word span mid-passage


def measure_highlights(port: int, info: dict, runs: int) -> dict[str, float] | None:
    """Median ms from navigation to highlights drawn, and to the list of all spans shown, in
    headless Chromium; and the keys that mark a mid-passage span (pressed, then checked)."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright

    args = CHROMIUM_ARGS
    url = f"http://127.0.0.1:{port}"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(url + "/login")
        page.fill("#username", "aigerim")
        page.fill("#password", "student-demo")
        page.click("input[type=submit]")
        page.wait_for_url("**/projects")
        target = f"{url}/projects/{info['project']}/documents/{info['forum']}/annotate"
        lists = []
        for _ in range(runs + 1):
            page.goto(target)
            page.wait_for_selector("body[data-ready-ms]")
            assert page.locator("#passages .seg").count() > 0
            times.append(float(page.get_attribute("body", "data-ready-ms")))
            page.keyboard.press("Alt+2")
            lists.append(page.evaluate("""() => {
              const started = performance.now();
              document.querySelector('[role="tab"][data-tab="list"]').click();
              document.getElementById('span-list').getBoundingClientRect();  // laid out
              return performance.now() - started;
            }"""))
            assert page.locator("#span-list li").count() > 0
        keys = keys_for_mid_passage_span(page, url, info)
        browser.close()
    # The first load also warms the cache.
    return {"highlights": statistics.median(times[1:]), "list": statistics.median(lists[1:]),
            "keys": keys}


def keys_for_mid_passage_span(page, url: str, info: dict) -> int:
    """Press the keys that mark MID_PASSAGE_SPAN in seed 000 from focus on the document;
    check the span was stored exactly; return how many keys it took."""
    from tests.browser.keys import keys_to_mark

    document = info["seed_000"]
    page.goto(f"{url}/projects/{info['project']}/documents/{document}/annotate")
    page.wait_for_selector("body[data-ready-ms]")
    page.evaluate("() => sessionStorage.clear()")
    page.reload()
    page.wait_for_selector("body[data-ready-ms]")
    page.locator("#passages .passage[tabindex='0']").focus()
    text = info["seed_000_text"]
    bounds = page.eval_on_selector_all(
        "#passages .passage", "els => els.map(e => [+e.dataset.start, +e.dataset.end])")
    start = text.index(MID_PASSAGE_SPAN)
    end = start + len(MID_PASSAGE_SPAN)
    keys = keys_to_mark(text, bounds, start, end, "Alt+2", "l")
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_function(
        "() => document.getElementById('save-state').textContent === 'All changes saved'")
    api = f"{url}/api/v1/projects/{info['project']}/documents/{document}/annotations"
    spans = page.request.get(api).json()["spans"]
    assert any((s["start"], s["end"]) == (start, end) for s in spans), "the span was not marked"
    return len(keys)


def measure_taps(port: int, info: dict) -> int | None:
    """Taps to tag every passage of seed 000 by touch at 390x844 (each checked as stored)."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import expect, sync_playwright

    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                      is_mobile=True)
        page = context.new_page()
        page.goto(url + "/login")
        page.fill("#username", "bench7")
        page.fill("#password", "bench-password")
        page.click("input[type=submit]")
        page.wait_for_url("**/projects")
        page.goto(f"{url}/projects/{info['project']}/documents/{info['tagged']}/annotate")
        page.wait_for_selector("body[data-ready]")
        taps = 0
        if page.get_attribute('.layer-button[data-layer="source"]', "aria-checked") != "true":
            page.tap('.layer-button[data-layer="source"]')
            taps += 1
        passages = page.locator("#passages .passage")
        label = page.locator('#palette-labels button[data-label="news_report"]')
        for index in range(passages.count()):
            passages.nth(index).tap(position={"x": 20, "y": 8})
            label.tap()
            taps += 2
        expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=30_000)
        api = f"/api/v1/projects/{info['project']}/documents/{info['tagged']}/annotations"
        stored = page.request.get(url + api).json()["passage_tags"]
        browser.close()
    if len(stored) != info["tagged_passages"]:
        raise RuntimeError(f"{len(stored)} of {info['tagged_passages']} passages tagged")
    return taps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn",
                        help="the server the latency figures are measured against")
    parser.add_argument("--gunicorn", default=GUNICORN, metavar="WxT",
                        help=f"gunicorn workers x threads (default {GUNICORN})")
    options = parser.parse_args()
    os.environ["SOURCEMARK_BENCH_GUNICORN"] = options.gunicorn
    runs = options.runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        info = build_database(folder)
        print(f"annotate_page_render_1000_spans: {measure_render(info, runs):.1f} ms", flush=True)
        process, port = start_server(info, folder, options.server)
        wrk = shutil.which("wrk")
        if wrk is None:
            print("# wrk is not installed (apt-get install wrk): the latency lines below come "
                  "from Python threads", flush=True)
        try:
            create_spans(port, info, 1)  # warm up
            script = write_wrk_script(info, folder) if wrk else None
            for clients in (1, 8):
                name = f"{clients}_client{'s' if clients > 1 else ''}"
                if script is not None:
                    measured = [wrk_creates(port, info, script, clients) for _ in range(runs)]
                    for q in (50, 95, 99):
                        value = statistics.median(p[q] for p, _ in measured)
                        print(f"span_create_p{q}_{name}: {value:.1f} ms", flush=True)
                    throughput = statistics.median(rate for _, rate in measured)
                    print(f"span_create_throughput_{name}: {throughput:.0f} req/s", flush=True)
                results = [create_spans(port, info, clients) for _ in range(runs)]
                suffix = "_python_threads" if script is not None else ""
                for q in (50, 95, 99):
                    value = statistics.median(percentile(lat, q) for lat, _ in results)
                    print(f"span_create_p{q}_{name}{suffix}: {value:.1f} ms", flush=True)
                throughput = statistics.median(rate for _, rate in results)
                print(f"span_create_throughput_{name}{suffix}: {throughput:.0f} req/s",
                      flush=True)
            # Eight annotators at four marks a second each: far busier than a class, and
            # the latency a person feels, without the queue that back-to-back clients build.
            results = [create_spans(port, info, 8, interval=0.25) for _ in range(runs)]
            for q in (50, 95, 99):
                value = statistics.median(percentile(lat, q) for lat, _ in results)
                print(f"span_create_p{q}_8_clients_4_per_s: {value:.1f} ms", flush=True)
            browser = measure_highlights(port, info, runs)
            if browser is not None:
                print(f"highlights_visible_1000_spans: {browser['highlights']:.0f} ms", flush=True)
                print(f"span_list_open_1000_spans: {browser['list']:.0f} ms", flush=True)
                print(f"keys_to_mark_mid_passage_span: {browser['keys']}", flush=True)
            taps = measure_taps(port, info)
            if taps is not None:
                print(f"taps_to_tag_{info['tagged_passages']}_passages: {taps} taps", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
