"""doccano, Label Studio and Potato in benchmarks/peers.py: installed and driven as they ship."""

from __future__ import annotations

import io
import json
import os
import time

import requests

from peers_tools import (
    NotOffered,
    Tool,
    Unavailable,
    free_port,
    new_secret,
    timed_requests,
    unique,
    wait_for_port,
)

USER, PASSWORD = "peersadmin", "peers-bench-password"
COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4"]


def poll(session: requests.Session, url: str, done, seconds: float = 300) -> dict:
    """GET `url` until `done(json)` holds (a peer's background task finishing)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        body = session.get(url).json()
        if done(body):
            return body
        time.sleep(0.02)
    raise RuntimeError(f"{url} was not done within {seconds:.0f} s")


def median_of(step, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        step()
        times.append(time.perf_counter() - began)
    return sorted(times)[len(times) // 2]


class Doccano(Tool):
    """doccano 1.8.4 as its README serves it: its gunicorn web server and its Celery queue
    (imports and exports are Celery tasks), on SQLite (also the queue's broker)."""

    name = "doccano"
    # Its own pins are loose: marshmallow 4 breaks its `environs`, NumPy 2 its pandas 1.
    requirements = ["doccano==1.8.4", "marshmallow<4", "numpy<2"]
    executable = "doccano"

    def start(self) -> None:
        home = self.folder / "home"
        self.env = dict(os.environ, DOCCANO_HOME=str(home),
                        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
                        MEDIA_ROOT=str(home / "media"))
        doccano = self.bin("doccano")
        self.run([doccano, "init"], env=self.env)
        self.run([doccano, "createuser", "--username", USER, "--password", PASSWORD],
                 env=self.env)
        self.port = free_port()
        # Its web server binds 0.0.0.0 (doccano offers no host option); workers as it ships.
        process, log = self.spawn(["nice", "-n", "10", doccano, "webserver", "--port",
                                   str(self.port)], env=self.env)
        self.spawn(["nice", "-n", "10", doccano, "task"], env=self.env, log_name="task")
        wait_for_port(self.port, process, 120, log)
        response = requests.post(f"{self.url}/v1/auth/login/",
                                 json={"username": USER, "password": PASSWORD})
        if response.status_code != 200:
            raise Unavailable(f"login answered {response.status_code}: {response.text[:200]}")
        self.token = response.json()["key"]

    def client(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def create_project(self) -> dict:
        """Two requests: the project, then its 20 span types as one uploaded file."""
        session = self.client()
        response = session.post(f"{self.url}/v1/projects", json={
            "name": f"Peers {unique()[:8]}", "description": "peers", "guideline": "",
            "project_type": "SequenceLabeling", "resourcetype": "SequenceLabelingProject",
            "random_order": False, "collaborative_annotation": False,
            "allow_overlapping": True, "grapheme_mode": False, "use_relation": False,
            "tags": []})
        response.raise_for_status()
        project = response.json()
        labels = [{"text": key, "background_color": COLORS[n % len(COLORS)],
                   "text_color": "#ffffff", "suffix_key": None}
                  for n, key in enumerate(self.corpus.labels)]
        upload = session.post(f"{self.url}/v1/projects/{project['id']}/span-type-upload",
                              files={"file": ("labels.json", json.dumps(labels))})
        upload.raise_for_status()
        types = session.get(f"{self.url}/v1/projects/{project['id']}/span-types").json()
        project["labels"] = {t["text"]: t["id"] for t in types}
        if len(project["labels"]) != len(self.corpus.labels):
            raise RuntimeError(f"{len(project['labels'])} span types made, not 20")
        return project

    def import_documents(self, project) -> dict:
        """As its import page does: the file to the upload endpoint, then the import task,
        waited for until the Celery worker is done."""
        session = self.client()
        lines = [{"text": self.corpus.forum, "title": "forum", "label": []}]
        lines += [{"text": t, "title": f"short {n}", "label": []}
                  for n, t in enumerate(self.corpus.short)]
        data = "\n".join(json.dumps(line) for line in lines).encode()
        upload = session.post(f"{self.url}/v1/fp/process/",
                              files={"filepond": ("corpus.jsonl", io.BytesIO(data))})
        upload.raise_for_status()
        task = session.post(f"{self.url}/v1/projects/{project['id']}/upload", json={
            "uploadIds": [upload.text.strip()], "format": "JSONL", "task": "SequenceLabeling",
            "column_data": "text", "column_label": "label", "encoding": "utf_8"})
        task.raise_for_status()
        status = poll(session, f"{self.url}/v1/tasks/status/{task.json()['task_id']}",
                      lambda body: body.get("ready"))
        if status.get("error") or (status.get("result") or {}).get("error"):
            raise RuntimeError(f"import failed: {status}")
        examples = session.get(f"{self.url}/v1/projects/{project['id']}/examples",
                               params={"limit": 100}).json()["results"]
        forum = next(e["id"] for e in examples if e["text"] == self.corpus.forum)
        if len(examples) != len(lines):
            raise RuntimeError(f"{len(examples)} examples imported, not {len(lines)}")
        return {"forum": forum, "all": [e["id"] for e in examples]}

    def span_request(self, session, project, document, start, end, label):
        return session.post(
            f"{self.url}/v1/projects/{project['id']}/examples/{document}/spans",
            json={"label": project["labels"][label], "start_offset": start,
                  "end_offset": end, "prob": 0.0})

    def open_page(self, project, document) -> tuple[float, int]:
        # The annotation page is a single-page app: its shell, then the data it fetches
        # for one document (the project, the example, its spans, the span types).
        p = f"{self.url}/v1/projects/{project['id']}"
        examples = self.client().get(f"{p}/examples", params={"limit": 100}).json()["results"]
        offset = [e["id"] for e in examples].index(document)
        return timed_requests(self.client(), [
            f"{self.url}/projects/{project['id']}/sequence-labeling?page={offset + 1}",
            p, f"{p}/examples?limit=1&offset={offset}", f"{p}/examples/{document}/spans",
            f"{p}/span-types"])

    def export(self, project) -> float:
        session = self.client()
        p = f"{self.url}/v1/projects/{project['id']}"

        def once() -> None:
            task = session.post(f"{p}/download", json={"format": "JSONL",
                                                       "exportApproved": False})
            task.raise_for_status()
            task_id = task.json()["task_id"]
            poll(session, f"{self.url}/v1/tasks/status/{task_id}",
                 lambda body: body.get("ready"))
            download = session.get(f"{p}/download", params={"taskId": task_id})
            download.raise_for_status()
            if len(download.content) < 1000:
                raise RuntimeError(f"the export is {len(download.content)} bytes")

        return median_of(once)


class LabelStudio(Tool):
    name = "label-studio"
    requirements = ["label-studio==1.23.2"]
    executable = "label-studio"

    def start(self) -> None:
        raise Unavailable("not written yet")


class Potato(Tool):
    name = "potato"
    requirements = ["potato-annotation==2.12.1"]
    executable = "potato"

    def start(self) -> None:
        raise Unavailable("not written yet")
