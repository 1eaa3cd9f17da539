"""Sourcemark in benchmarks/peers.py: served as `make serve` serves it, driven by its API."""

from __future__ import annotations

import os
import sys
import time

import requests
from peers_tools import (
    ROOT,
    Tool,
    chromium_highlights,
    chromium_visit_bytes,
    new_secret,
    timed_requests,
    unique,
    wait_for_port,
)

TEACHER, STUDENT, PASSWORD = "peersteacher", "peersstudent", "peers-bench-password"
ALL_SHOWN = "document.body.dataset.readyMs !== undefined"


class Sourcemark(Tool):
    name = "sourcemark"

    def install(self) -> None:
        """Nothing to install: the checkout and its .venv."""

    def start(self) -> None:
        self.database = self.folder / "sourcemark.db"
        self.env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
                        SOURCEMARK_INSTANCE_PATH=str(self.folder / "instance"),
                        DATABASE_URL=f"sqlite:///{self.database}", SECRET_KEY=new_secret(),
                        SOURCEMARK_ENV="production",
                        # Plain HTTP on loopback: a Secure cookie would never come back.
                        SOURCEMARK_SECURE_COOKIES="0")
        python = sys.executable
        self.run([python, "-m", "flask", "--app", "app", "db", "upgrade"], env=self.env,
                 cwd=ROOT)
        self.tokens = self._accounts()
        self.port = self.free()
        workers = str(os.cpu_count() or 2)
        # The command of `make serve`, with the access log where the Makefile sends it.
        # Niced like the peers' servers, so that no tool has the better share of the CPU.
        process, log = self.spawn(
            ["nice", "-n", "10", python, "-m", "gunicorn", "--workers", workers,
             "--worker-class", "gthread", "--threads", "4", "--keep-alive", "60",
             "--timeout", "120", "--bind",
             f"127.0.0.1:{self.port}", "--no-control-socket",
             "--access-logfile", "-", "app:create_app()"], env=self.env, cwd=ROOT)
        wait_for_port(self.port, process, 60, log)

    def free(self) -> int:
        from peers_tools import free_port

        return free_port()

    def _accounts(self) -> dict[str, str]:
        """A teacher and a student with API tokens (set-up, not measured)."""
        code = (
            "from app import create_app\n"
            "from app.extensions import db\n"
            "from app.services import accounts, tokens\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            f"    t = accounts.create_user({TEACHER!r}, {PASSWORD!r}, 'teacher')\n"
            f"    s = accounts.create_user({STUDENT!r}, {PASSWORD!r}, 'student')\n"
            "    db.session.commit()\n"
            "    print(tokens.create_token(t, 'peers')[1])\n"
            "    print(tokens.create_token(s, 'peers')[1])\n")
        out = self.run([sys.executable, "-c", code], env=self.env, cwd=ROOT).split()
        return {"teacher": out[-2], "student": out[-1]}

    def session(self, who: str) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return session

    def client(self, n: int = 0) -> requests.Session:
        return self.session("student")

    def kept(self) -> requests.Session:
        if self._kept is None:
            self._kept = self.session("teacher")
        return self._kept

    def create_project(self) -> dict:
        """One request: the project comes with its own copy of the default codebook, whose
        rhetoric layer holds the 20 labels (and more)."""
        teacher = self.kept()
        response = teacher.post(f"{self.url}/api/v1/projects",
                                json={"title": f"Peers {unique()[:8]}"})
        response.raise_for_status()
        project = response.json()
        project["code"] = project.get("join_code")
        return project

    def import_documents(self, project) -> dict:
        teacher = self.kept()
        records = [{"text": self.corpus.forum, "title": "forum"}]
        records += [{"text": text, "title": f"short {n}"}
                    for n, text in enumerate(self.corpus.short)]
        response = teacher.post(f"{self.url}/api/v1/projects/{project['id']}/documents",
                                json={"documents": records})
        response.raise_for_status()
        documents = response.json()["documents"]
        return {"forum": documents[0]["id"], "all": [d["id"] for d in documents]}

    def ready_to_annotate(self, project) -> None:
        """The student joins the project with its join code (a project is its members')."""
        if not project.get("joined"):
            self._join(project)

    def _join(self, project) -> None:
        teacher = self.session("teacher")
        code = project.get("code")
        if not code:
            got = teacher.get(f"{self.url}/api/v1/projects/{project['id']}").json()
            code = got.get("join_code")
        response = self.session("student").post(f"{self.url}/api/v1/projects/join",
                                                 json={"code": code})
        response.raise_for_status()
        project["joined"] = True

    def span_request(self, session, project, document, start, end, label):
        text = self.corpus.forum[start:end]
        return session.post(
            f"{self.url}/api/v1/projects/{project['id']}/documents/{document}/spans",
            json={"client_id": unique(), "layer": "rhetoric", "label": label,
                  "start": start, "end": end, "text": text})

    def open_page(self, project, document) -> tuple[float, int]:
        # The page holds the text and the spans; its scripts and styles are cached.
        url = f"{self.url}/projects/{project['id']}/documents/{document}/annotate"
        return timed_requests(self.session("student"), [url])

    def export(self, project) -> float:
        teacher = self.session("teacher")
        times = []
        for _ in range(3):
            began = time.perf_counter()
            response = teacher.get(f"{self.url}/projects/{project['id']}/export",
                                   params={"format": "jsonl"})
            response.raise_for_status()
            times.append(time.perf_counter() - began)
        return sorted(times)[1]

    def _login(self, page) -> None:
        page.goto(f"{self.url}/login")
        page.fill("#username", STUDENT)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/projects")

    def browser(self, project, document) -> tuple[float, float]:
        target = f"{self.url}/projects/{project['id']}/documents/{document}/annotate"
        # Highlights are drawn as `.seg` runs; the page marks the body when all are drawn.
        return chromium_highlights(self._login, target, "#passages .seg", ALL_SHOWN)

    def visit_bytes(self, project, document) -> tuple[int, int]:
        """Bytes on the wire of a first and a repeat open of the page in Chromium."""
        target = f"{self.url}/projects/{project['id']}/documents/{document}/annotate"
        return chromium_visit_bytes(self._login, target, ALL_SHOWN)

    def scale(self, print_line, base: dict[str, float]) -> None:
        """The scale measures (benchmarks/peers_scale.py): a class of 200 students with
        50,000 spans, then the export of a million spans."""
        from peers_scale import class_of_200, million_export

        class_of_200(self, base, print_line)
        million_export(print_line, base)
