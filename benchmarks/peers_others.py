"""doccano, Label Studio and Potato in benchmarks/peers.py: installed and driven as they ship."""

from __future__ import annotations

import io
import json
import os
import time

import peers_browser
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
    """Median seconds of `runs` calls of `step` (one call when it takes over 10 s)."""
    times: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        step()
        times.append(time.perf_counter() - began)
        if times[-1] > 10:
            break
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

    def client(self, n: int = 0) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def create_project(self) -> dict:
        """Two requests: the project, then its 20 span types as one uploaded file."""
        session = self.kept()
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
        session = self.kept()
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

    def offset(self, project, document) -> int:
        """Where the document is in the project's list: its annotation page is numbered so."""
        p = f"{self.url}/v1/projects/{project['id']}"
        examples = self.client().get(f"{p}/examples", params={"limit": 100}).json()["results"]
        return [e["id"] for e in examples].index(document)

    def page_url(self, project, document) -> str:
        page = self.offset(project, document) + 1
        return f"{self.url}/projects/{project['id']}/sequence-labeling?page={page}"

    def open_page(self, project, document) -> tuple[float, int]:
        # The annotation page is a single-page app: its shell, then the data it fetches
        # for one document (the project, the example, its spans, the span types).
        p = f"{self.url}/v1/projects/{project['id']}"
        offset = self.offset(project, document)
        return timed_requests(self.client(), [
            self.page_url(project, document),
            p, f"{p}/examples?limit=1&offset={offset}", f"{p}/examples/{document}/spans",
            f"{p}/span-types"])

    def browser(self, project, document) -> tuple[float, str]:
        return peers_browser.doccano(self, project, document)

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
    """Label Studio 1.23.2 as `label-studio start` serves it (Django's own server), with a
    fresh data directory; its API answers the token of the user made at start."""

    name = "label-studio"
    requirements = ["label-studio==1.23.2"]
    executable = "label-studio"
    email = "peers@example.com"

    def start(self) -> None:
        self.token = new_secret()[:40]
        # Token auth as its API documents it ("Authorization: Token …"); 1.23 turns the
        # legacy tokens off unless this says otherwise.
        self.env = dict(os.environ, LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true")
        self.port = free_port()
        process, log = self.spawn(
            ["nice", "-n", "10", self.bin("label-studio"), "start", "--no-browser", "-p",
             str(self.port), "--internal-host", "127.0.0.1", "--data-dir",
             str(self.folder / "data"), "--username", self.email, "--password", PASSWORD,
             "--user-token", self.token], env=self.env)
        wait_for_port(self.port, process, 300, log)
        deadline = time.time() + 120
        while time.time() < deadline:  # it listens before its first migration is done
            try:
                if self.client().get(f"{self.url}/api/projects").status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise Unavailable("its API did not answer within 120 s")

    def client(self, n: int = 0) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def create_project(self) -> dict:
        """One request: the labelling config names the 20 labels."""
        labels = "".join(f'<Label value="{key}"/>' for key in self.corpus.labels)
        config = (f'<View><Labels name="label" toName="text">{labels}</Labels>'
                  '<Text name="text" value="$text"/></View>')
        response = self.kept().post(f"{self.url}/api/projects", json={
            "title": f"Peers {unique()[:8]}", "label_config": config})
        response.raise_for_status()
        return response.json()

    def import_documents(self, project) -> dict:
        session = self.kept()
        tasks = [{"text": self.corpus.forum, "title": "forum"}]
        tasks += [{"text": t, "title": f"short {n}"} for n, t in enumerate(self.corpus.short)]
        response = session.post(f"{self.url}/api/projects/{project['id']}/import", json=tasks)
        response.raise_for_status()
        listed = session.get(f"{self.url}/api/tasks", params={
            "project": project["id"], "page_size": 100, "fields": "all"}).json()["tasks"]
        if len(listed) != len(tasks):
            raise RuntimeError(f"{len(listed)} tasks imported, not {len(tasks)}")
        forum = next(t["id"] for t in listed if t["data"]["text"] == self.corpus.forum)
        return {"forum": forum, "all": [t["id"] for t in listed]}

    def span_request(self, session, project, document, start, end, label):
        # One region per request: an annotation holding that one span.
        return session.post(f"{self.url}/api/tasks/{document}/annotations/", json={
            "project": project["id"], "result": [{
                "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": self.corpus.forum[start:end],
                          "labels": [label]}}]})

    def open_page(self, project, document) -> tuple[float, int]:
        # A single-page app: its shell (a signed-in session), then the project and the
        # task with its annotations.
        session = self.client()
        login = requests.Session()
        login.get(f"{self.url}/user/login/")
        login.post(f"{self.url}/user/login/", data={
            "email": self.email, "password": PASSWORD,
            "csrfmiddlewaretoken": login.cookies.get("csrftoken", "")},
            headers={"Referer": f"{self.url}/user/login/"})
        shell_url = f"{self.url}/projects/{project['id']}/data?task={document}"
        if login.get(shell_url, allow_redirects=False).status_code != 200:
            raise RuntimeError("could not sign in to open the page")
        shell = timed_requests(login, [shell_url])
        data = timed_requests(session, [f"{self.url}/api/projects/{project['id']}",
                                        f"{self.url}/api/tasks/{document}?project="
                                        f"{project['id']}"])
        return shell[0] + data[0], shell[1] + data[1]

    def browser(self, project, document) -> tuple[float, float]:
        return peers_browser.label_studio(self, project, document)

    def export(self, project) -> float:
        session = self.client()

        def once() -> None:
            # JSON: Label Studio offers no JSON lines export.
            response = session.get(f"{self.url}/api/projects/{project['id']}/export",
                                   params={"exportType": "JSON"})
            response.raise_for_status()
            if len(response.content) < 1000:
                raise RuntimeError(f"the export is {len(response.content)} bytes")

        return median_of(once)


POTATO_CONFIG = """annotation_task_name: Peers
task_dir: {task}
output_annotation_dir: {task}/annotation_output/
data_files: [{task}/data.jsonl]
item_properties: {{id_key: id, text_key: text}}
user_config: {{allow_all_users: true, users: []}}
require_password: false
admin_api_key: {key}
annotation_schemes:
  - annotation_type: span
    name: rhetoric
    description: Mark the rhetoric
    labels: {labels}
"""


class Potato(Tool):
    """Potato 2.12.1 as `potato start` serves it (Flask's own server). A Potato project is
    a YAML config and data files read at start: there is no HTTP call to create one or to
    import documents, so each round starts a fresh server on a fresh task folder."""

    name = "potato"
    requirements = ["potato-annotation==2.12.1"]
    executable = "potato"
    user = "peers"

    def start(self) -> None:
        self.bin("potato")
        self.round = 0
        self.fresh()

    def fresh(self) -> None:
        """A new task folder (its config, data and SQLite file) and a server on it."""
        self.stop()
        self.round += 1
        task = self.folder / f"task{self.round}"
        task.mkdir(parents=True)
        lines = [{"id": "forum", "text": self.corpus.forum}]
        lines += [{"id": f"short{n}", "text": t} for n, t in enumerate(self.corpus.short)]
        (task / "data.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
        self.key = new_secret()
        (task / "config.yaml").write_text(POTATO_CONFIG.format(
            task=task, key=self.key, labels=json.dumps(self.corpus.labels)))
        self.port = free_port()
        process, log = self.spawn(["nice", "-n", "10", self.bin("potato"), "start",
                                   str(task / "config.yaml"), "-p", str(self.port)],
                                  log_name=f"server{self.round}", cwd=task)
        wait_for_port(self.port, process, 120, log)

    def warm_up(self) -> None:
        self.client().get(f"{self.url}/annotate")

    # Eight clients as one user fail one in a hundred times with a 500 ("dictionary
    # changed size during iteration": its per-user state is not guarded).
    one_user_concurrently = False

    def client(self, n: int = 0) -> requests.Session:
        session = requests.Session()
        response = session.post(f"{self.url}/auth", data={"email": f"{self.user}{n}",
                                                          "pass": ""},
                                allow_redirects=False)
        if response.status_code not in (200, 302):
            raise RuntimeError(f"sign-in answered {response.status_code}")
        return session

    def create_project(self):
        raise NotOffered("a project is a YAML config read at start; no HTTP call makes one")

    def prepare_project(self) -> dict:
        if self.round > 1 or getattr(self, "used", False):
            self.fresh()
        self.used = True
        return {"id": self.round}

    def import_documents(self, project) -> dict:
        raise NotOffered("documents are data files named in the config, read at start")

    def prepare_documents(self, project) -> dict:
        return {"forum": "forum", "all": ["forum"] + [f"short{n}" for n in range(50)]}

    def spans_of_first_user(self, project, document) -> int:
        # Counted on the server: a span's id is made of its label and offsets, so a
        # repeated one replaces the first.
        return len(self.client(0).get(f"{self.url}/api/spans/{document}").json()["spans"])

    def span_request(self, session, project, document, start, end, label):
        # One span per request, as its page sends a new span (its value: the text).
        return session.post(f"{self.url}/updateinstance", json={
            "instance_id": document, "span_annotations": [{
                "schema": "rhetoric", "name": label, "title": label, "start": start,
                "end": end, "value": self.corpus.forum[start:end]}]})

    def open_page(self, project, document) -> tuple[float, int]:
        # The page (the first item, the forum thread), then the spans it fetches.
        return timed_requests(self.client(), [f"{self.url}/annotate",
                                              f"{self.url}/api/spans/{document}"])

    def browser(self, project, document) -> tuple[float, float]:
        return peers_browser.potato(self, project, document)

    def export(self, project) -> float:
        def once() -> None:
            # Its export API writes the files on the server and answers where.
            response = requests.post(f"{self.url}/admin/api/export",
                                     headers={"X-API-Key": self.key},
                                     json={"format": "jsonl"})
            response.raise_for_status()
            if not response.json().get("success"):
                raise RuntimeError(f"export failed: {response.text[:300]}")

        return median_of(once)
