"""The floor of benchmarks/peers.py: what a server that does nothing answers in, here.

An empty WSGI application (it reads the request's body and answers 201 with a few bytes of
JSON) served by `make serve`'s gunicorn command (its workers, threads, keep-alive and niceness),
driven by the very clients that drive the tools (benchmarks/peers_tools.py `create_spans`): the
same JSON body of a span, one request per span, one client or eight. No application can answer
this client faster than that on this machine, so `best peer / floor` is the highest ratio any
server could reach on a measure. Where it is under 5, the issue's 5x is out of reach for every
server, not only ours; the run prints it beside our own ratio.

Also the disk's own cost of a durable commit: the median of an `fsync` of one page appended to a
file in the servers' folder (what SQLite's `synchronous=FULL` adds to each write).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import requests
from peers_tools import Tool, free_port, wait_for_port

# The span creates are the measures where the question "is 5x within reach?" is asked.
FLOOR_MEASURES = ("span_create_p50_1_client", "span_create_p95_8_clients",
                  "span_create_throughput_8_clients")

_ANSWER = b'{"id": 1, "version": 1}'


def app(environ: dict, start_response) -> list[bytes]:
    """Read the body (as any server must), answer 201: nothing else."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("201 Created", [("Content-Type", "application/json"),
                                   ("Content-Length", str(len(_ANSWER)))])
    return [_ANSWER]


class Floor(Tool):
    name = "floor"

    def install(self) -> None:
        """Nothing to install: gunicorn of the checkout's .venv."""

    def start(self) -> None:
        self.port = free_port()
        workers = str(os.cpu_count() or 2)
        process, log = self.spawn(
            ["nice", "-n", "10", sys.executable, "-m", "gunicorn", "--workers", workers,
             "--worker-class", "gthread", "--threads", "4", "--keep-alive", "60",
             "--timeout", "120", "--bind", f"127.0.0.1:{self.port}", "--no-control-socket",
             "--access-logfile", "-", "peers_floor:app"],
            cwd=Path(__file__).resolve().parent)
        wait_for_port(self.port, process, 60, log)

    def warm_up(self) -> None:
        self.create_spans(None, None, 2, 20)

    def client(self, n: int = 0) -> requests.Session:
        return requests.Session()

    def span_request(self, session, project, document, start, end, label):
        # The body Sourcemark's clients send for a span, byte for byte in shape.
        return session.post(f"{self.url}/spans", json={
            "client_id": "0" * 32, "layer": "rhetoric", "label": label, "start": start,
            "end": end, "text": self.corpus.forum[start:end]})


def fsync_ms(folder: Path, runs: int = 200) -> float:
    """Median milliseconds of an fsync after appending one 4 KB page."""
    path = folder / "fsync.probe"
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    took = []
    try:
        for _ in range(runs):
            os.write(handle, b"\0" * 4096)
            began = time.perf_counter()
            os.fsync(handle)
            took.append((time.perf_counter() - began) * 1000)
    finally:
        os.close(handle)
        path.unlink(missing_ok=True)
    return statistics.median(took)
