"""The tools benchmarks/peers.py compares: how each is installed, served and driven over HTTP."""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
FORUM = "002_58f5ba6ad2df0acd.txt"
SHORT_DOCUMENTS = 50
LABELS = 20
NICE = ["nice", "-n", "10"]  # installs and peers' servers yield to the other users of the box
# What a browser sends: bytes on the wire are what the server sends to such a client.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd",
                   "Accept": "text/html,application/json,*/*"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class Unavailable(Exception):
    """The tool cannot be installed or served here; the message says why."""


class NotOffered(Exception):
    """The tool offers no HTTP way to do this measure; the message says what it offers."""


def cache_folder() -> Path:
    folder = Path(os.environ.get("SOURCEMARK_PEERS_CACHE",
                                 Path.home() / ".cache" / "sourcemark-peers"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"the server exited with {process.returncode}: "
                              f"{tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise Unavailable(f"the server did not listen within {seconds:.0f} s: {tail(log)}")


def tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


@dataclass
class Corpus:
    """The forum thread, 50 short documents cut from the other seeds, and 20 label keys."""

    forum: str
    short: list[str]
    labels: list[str]
    bounds: list[tuple[int, int]]

    @classmethod
    def load(cls, seeds: Path) -> Corpus:
        sys.path.insert(0, str(ROOT))
        from app.services.texts import canonicalize

        forum = canonicalize((seeds / FORUM).read_text(encoding="utf-8"), FORUM)
        paragraphs = []
        for path in sorted(seeds.glob("*.txt")):
            if path.name != FORUM:
                text = canonicalize(path.read_text(encoding="utf-8"), path.name)
                paragraphs += [p.strip() for p in text.split("\n\n") if len(p.strip()) > 80]
        short = [paragraphs[n % len(paragraphs)] + f"\n\n({n + 1})"
                 for n in range(SHORT_DOCUMENTS)]
        codebook = yaml.safe_load((ROOT / "app" / "codebook" / "default.yaml").read_text())
        rhetoric = next(layer for layer in codebook["codebook"]["layers"]
                        if layer["key"] == "rhetoric")
        labels = [label["key"] for label in rhetoric["labels"]][:LABELS]
        bounds = [m.span() for m in re.finditer(r"\w+(?:\W+\w+){0,4}", forum)]
        return cls(forum=forum, short=short, labels=labels, bounds=bounds)


WARM_UPS = 4  # projects made and filled before the rounds (two per worker on two cores)


class Tool:
    """One tool: install it, serve it, drive it. Subclasses fill in the HTTP calls."""

    name = ""

    def __init__(self, cache: Path, folder: Path, corpus: Corpus) -> None:
        self.cache = cache
        self.folder = folder
        self.corpus = corpus
        self.processes: list[subprocess.Popen] = []
        self.port = 0
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- processes -------------------------------------------------------------------------

    def spawn(self, command: list[str], env: dict | None = None, log_name: str = "server",
              cwd: Path | None = None) -> tuple[subprocess.Popen, Path]:
        """Start a process in its own process group (so stop() ends all it forks)."""
        log = self.folder / f"{log_name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(command, env=env, cwd=cwd or self.folder, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process, log

    def run(self, command: list[str], env: dict | None = None, timeout: float = 600,
            cwd: Path | None = None) -> str:
        done = subprocess.run(command, env=env, cwd=cwd or self.folder, capture_output=True,
                              text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise Unavailable(f"`{' '.join(command[:3])}…` failed: "
                              f"{(done.stderr or done.stdout).strip()[-400:]}")
        return done.stdout

    def stop(self) -> None:
        """Stop every process this tool started: TERM to its group, then KILL."""
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=5)
        self.processes = []

    # --- installing --------------------------------------------------------------------------

    requirements: list[str] = []
    executable = ""

    @property
    def venv(self) -> Path:
        return self.cache / self.name

    def install(self) -> None:
        """A virtual environment of its own under the cache, reused when it already works."""
        if (self.venv / "bin" / self.executable).exists():
            return
        if self.venv.exists():
            shutil.rmtree(self.venv)
        self.run(NICE + [sys.executable, "-m", "venv", str(self.venv)])
        self.run(NICE + [str(self.venv / "bin" / "pip"), "install", "--quiet",
                         *self.requirements], timeout=3600)

    def bin(self, name: str) -> str:
        path = self.venv / "bin" / name
        if not path.exists():
            raise Unavailable(f"{path} is missing (install without --skip-install)")
        return str(path)

    # --- the workload: the subclasses -----------------------------------------------------------

    def start(self) -> None:
        raise NotImplementedError

    def warm_up(self) -> None:
        """Projects made and filled before the rounds, a few times so that each of a server's
        worker processes is likely to have answered once: lazy imports, loaded models and
        compiled statements are not measured (a server in use has them), for every tool."""
        for _ in range(WARM_UPS):
            try:
                project = self.create_project()
                self.import_documents(project)
            except Exception as exc:  # noqa: BLE001 (the rounds report what fails)
                print(f"# {self.name}: warm-up: {type(exc).__name__}: {exc}", file=sys.stderr)

    def create_project(self):
        raise NotImplementedError

    def prepare_project(self):
        """The project, made outside the HTTP API, for a tool that offers no HTTP call."""
        raise NotImplementedError

    def import_documents(self, project) -> dict:
        raise NotImplementedError

    def ready_to_annotate(self, project) -> None:
        """What the annotating client needs after the import (not timed): nothing for a tool
        where every user may annotate every project."""

    def prepare_documents(self, project) -> dict:
        """The documents, loaded outside the HTTP API, for a tool that offers no HTTP call."""
        raise NotImplementedError

    def span_request(self, session: requests.Session, project, document, start: int,
                     end: int, label: str) -> requests.Response:
        raise NotImplementedError

    # False where concurrent writes by one user break the server: the eight clients are
    # then eight users, and the spans of the page are written by one client.
    one_user_concurrently = True

    def client(self, n: int = 0) -> requests.Session:
        """A signed-in HTTP session; `n` numbers concurrent clients."""
        raise NotImplementedError

    _kept: requests.Session | None = None

    def kept(self) -> requests.Session:
        """The signed-in session of the run's teacher requests (projects made, documents
        imported), kept for the whole run as a browser keeps its connection: whether the
        connection is kept open between requests is then up to the server."""
        if self._kept is None:
            self._kept = self.client()
        return self._kept

    def create_spans(self, project, document, clients: int, each: int
                     ) -> tuple[list[float], float]:
        """`clients` threads each creating `each` spans back to back on their own
        connection: latencies (s) and requests per second."""
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        sessions = [self.client(n) for n in range(clients)]

        def work(n: int) -> None:
            rng = random.Random(f"{n}-{time.time()}")
            mine = []
            for _ in range(each):
                start, end = rng.choice(self.corpus.bounds)
                label = rng.choice(self.corpus.labels)
                began = time.perf_counter()
                response = self.span_request(sessions[n], project, document, start, end,
                                             label)
                mine.append(time.perf_counter() - began)
                if response.status_code >= 300:
                    errors.append(f"{response.status_code} {response.text[:200]}")
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        if errors:
            raise RuntimeError(f"{len(errors)} span creates failed: {errors[:2]}")
        return latencies, len(latencies) / elapsed

    def open_page(self, project, document) -> tuple[float, int]:
        """Median seconds and bytes on the wire of the requests that open the document."""
        raise NotImplementedError

    def export(self, project) -> float:
        raise NotImplementedError

    def browser(self, project, document) -> tuple[float, float]:
        raise NotOffered("no browser driver written for this tool")


def timed_requests(session: requests.Session, urls: list[str], runs: int = 7, warm: int = 2
                   ) -> tuple[float, int]:
    """Median time to fetch all `urls` in turn, and their bytes on the wire (compressed as
    sent: requests decodes the body but the raw length is in the header or the stream).

    The first `warm` fetches are not timed, for every tool: after minutes of the other tools'
    rounds a server's first answers measure its caches filling again (the processor's, the
    database's, a worker that has not answered yet), not the page a class in session gets."""
    import statistics

    times, sizes = [], []
    for _ in range(warm + runs):
        began = time.perf_counter()
        total = 0
        for url in urls:
            response = session.get(url, headers=BROWSER_HEADERS, stream=True)
            raw = response.raw.read(decode_content=False)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code}")
            total += len(raw) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
        times.append(time.perf_counter() - began)
        sizes.append(total)
    return statistics.median(times[warm:]), int(statistics.median(sizes[warm:]))


def chromium_highlights(login, target: str, first_selector: str, all_shown,
                        runs: int = 3, after=None) -> tuple[float, float]:
    """Seconds from navigation to the first highlight shown (`first_selector` visible, or a
    JavaScript expression when it starts with "() =>") and to all shown (`all_shown`, a
    JavaScript expression, or a function of the page after the first load that returns
    one), in headless Chromium (the first load only warms the cache); `after(page)`, when
    given, looks at the page after each load."""
    if not Path("/usr/bin/chromium").exists():
        raise NotOffered("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    firsts, alls = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            login(page)
            for run in range(runs + 1):
                began = time.perf_counter()
                page.goto(target, wait_until="commit")
                if first_selector.startswith("() =>"):
                    page.wait_for_function(first_selector, timeout=300_000, polling=20)
                else:
                    page.wait_for_selector(first_selector, state="visible", timeout=300_000)
                first = time.perf_counter() - began
                if callable(all_shown):
                    all_shown = all_shown(page)
                page.wait_for_function(all_shown, timeout=300_000, polling=20)
                every = time.perf_counter() - began
                if after is not None:
                    after(page)
                if run:
                    firsts.append(first)
                    alls.append(every)
        finally:
            browser.close()
    import statistics

    return statistics.median(firsts), statistics.median(alls)


def chromium_visit_bytes(login, target: str, all_shown: str) -> tuple[int, int]:
    """Bytes on the wire (headers and bodies as received, compressed) of opening `target`
    in headless Chromium right after signing in, then of opening it again: what the HTTP
    cache spares a second visit."""
    if not Path("/usr/bin/chromium").exists():
        raise NotOffered("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            # The page's own CSP forbids evaluating strings, which the wait below does; the
            # bytes a page loads do not depend on it.
            page = browser.new_page(viewport={"width": 1300, "height": 900}, bypass_csp=True)
            login(page)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            received = [0]
            cdp.on("Network.loadingFinished",
                   lambda event: received.__setitem__(0, received[0]
                                                      + int(event["encodedDataLength"])))
            visits = []
            for _ in range(2):
                received[0] = 0
                page.goto(target, wait_until="load")
                page.wait_for_function(all_shown, timeout=300_000, polling=20)
                page.wait_for_load_state("networkidle")
                visits.append(received[0])
        finally:
            browser.close()
    return visits[0], visits[1]


def new_secret() -> str:
    return secrets.token_hex(24)


def unique() -> str:
    return uuid.uuid4().hex


def dump(value) -> str:
    return json.dumps(value)

