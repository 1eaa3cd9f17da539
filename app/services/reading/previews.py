"""What an upload will import, kept on the server until the teacher confirms or cancels it.

A text the app had to interpret (a page's article, a PDF's text layer, a Word file, a
guessed encoding) is shown before it is stored. The checked drafts wait in a file under
the instance folder, named by a random token, for the project's teachers to confirm; a
preview not confirmed within PREVIEW_SECONDS is gone. Nothing goes in the session cookie
(a browser drops a cookie of a few kilobytes, and a page holds many).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.models import Document, Project, User
from app.services.documents import (
    DocumentDraft,
    duplicate_problems,
    read_files,
    store_documents,
)
from app.services.errors import ImportFailed, NotFound
from app.services.texts import split_passages

PREVIEW_SECONDS = 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_FIELDS = [f.name for f in dataclasses.fields(DocumentDraft) if f.init]


@dataclass
class Upload:
    """What an upload did: stored documents at once, or left a preview to confirm."""

    documents: list[Document]
    token: str | None = None


def _folder() -> Path:
    return Path(current_app.instance_path) / "import-previews"


def _path(token: str) -> Path:
    if not _TOKEN.match(token):
        raise NotFound("This import preview has expired or was already used; choose the "
                       "files again.")
    return _folder() / f"{token}.json"


def _clean_stale(now: float) -> None:
    """Drop previews past their time (each new preview sweeps; no scheduler needed)."""
    folder = _folder()
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < now - PREVIEW_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass  # another request swept it first


def _save(project: Project, user: User, drafts: Sequence[DocumentDraft]) -> str:
    now = time.time()
    _clean_stale(now)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    body = {"project_id": project.id, "user_id": user.id, "created": now,
            "drafts": [{key: getattr(d, key) for key in _FIELDS} for d in drafts]}
    temporary = folder / f".{token}.tmp"
    temporary.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, folder / f"{token}.json")  # never a half-written preview
    return token


def upload(project: Project, files: Sequence[tuple[str, bytes]], max_bytes: int,
           user: User) -> Upload:
    """Read and check a batch; store it at once when every file is plain text taken whole,
    else keep it as a preview to confirm. Raise ImportFailed listing every problem."""
    drafts = read_files(files, max_bytes)
    if not any(draft.interpreted for draft in drafts):
        return Upload(store_documents(project, drafts, user))
    problems = duplicate_problems(project, drafts)  # said now, not after the teacher confirms
    if problems:
        raise ImportFailed(problems)
    return Upload([], _save(project, user, drafts))


def drafts(project: Project, token: str) -> list[DocumentDraft]:
    """The drafts of a preview for this project; NotFound otherwise. (Whoever manages the
    project may confirm it: a co-teacher may finish what a colleague began.)"""
    path = _path(token)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        body = None
    if body is None or body["project_id"] != project.id \
            or body["created"] < time.time() - PREVIEW_SECONDS:
        raise NotFound("This import preview has expired or was already used; choose the "
                       "files again.")
    return [DocumentDraft(**draft) for draft in body["drafts"]]


def summary(draft: DocumentDraft, shown: int = 3) -> dict:
    """What the preview page shows of a draft: its passages counted, the first few."""
    spans = split_passages(draft.text)
    return {"draft": draft, "count": len(spans),
            "first": [draft.text[start:end] for start, end in spans[:shown]]}


def confirm(project: Project, user: User, token: str) -> list[Document]:
    """Store a preview's documents (all or none) and forget the preview."""
    documents = store_documents(project, drafts(project, token), user)
    _path(token).unlink(missing_ok=True)
    return documents


def cancel(project: Project, token: str) -> None:
    """Forget a preview; nothing was stored."""
    drafts(project, token)  # only for its own project
    _path(token).unlink(missing_ok=True)
