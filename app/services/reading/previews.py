"""What an upload will import, kept on the server until the teacher confirms or cancels it.

A text the app had to interpret (a page's article, a PDF's text layer, a Word file, a
guessed encoding) is shown before it is stored. The checked drafts wait in the database
(so every app server sees them), under a random token, for the project's teachers to
confirm; a preview not confirmed within PREVIEW_SECONDS is gone. Nothing goes in the
session cookie (a browser drops a cookie of a few kilobytes, and a page holds many).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, ImportPreview, Project, User, utcnow
from app.services.documents import (
    DocumentDraft,
    duplicate_problems,
    read_files,
    store_documents,
)
from app.services.errors import ImportFailed, NotFound
from app.services.texts import split_passages

PREVIEW_SECONDS = 60 * 60
_FIELDS = [f.name for f in dataclasses.fields(DocumentDraft) if f.init]


@dataclass
class Upload:
    """What an upload did: stored documents at once, or left a preview to confirm."""

    documents: list[Document]
    token: str | None = None


def _cutoff():
    return utcnow() - timedelta(seconds=PREVIEW_SECONDS)


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
    # Each new preview sweeps the old ones: no scheduler needed.
    db.session.execute(sa.delete(ImportPreview).where(ImportPreview.created_at < _cutoff()))
    token = secrets.token_urlsafe(24)
    db.session.add(ImportPreview(
        token=token, project_id=project.id, created_by_id=user.id,
        drafts=json.dumps([{key: getattr(d, key) for key in _FIELDS} for d in drafts],
                          ensure_ascii=False)))
    db.session.commit()
    return Upload([], token)


def _preview(project: Project, token: str) -> ImportPreview:
    """A live preview of this project (whoever manages it may confirm it: a co-teacher may
    finish what a colleague began); NotFound otherwise."""
    preview = db.session.scalar(sa.select(ImportPreview).where(
        ImportPreview.token == token[:64], ImportPreview.project_id == project.id,
        ImportPreview.created_at >= _cutoff()))
    if preview is None:
        raise NotFound(_("This import preview has expired or was already used; "
                         "choose the files again."))
    return preview


def drafts(project: Project, token: str) -> list[DocumentDraft]:
    """The drafts a preview holds."""
    return [DocumentDraft(**draft) for draft in json.loads(_preview(project, token).drafts)]


def summary(draft: DocumentDraft, shown: int = 3) -> dict:
    """What the preview page shows of a draft: its passages counted, the first few."""
    spans = split_passages(draft.text)
    return {"draft": draft, "count": len(spans),
            "first": [draft.text[start:end] for start, end in spans[:shown]]}


def confirm(project: Project, user: User, token: str) -> list[Document]:
    """Store a preview's documents (all or none) and forget the preview."""
    preview = _preview(project, token)
    documents = store_documents(project, drafts(project, token), user)
    # Confirmed twice at once, the second store meets the first one's texts and fails.
    db.session.execute(sa.delete(ImportPreview).where(ImportPreview.id == preview.id))
    db.session.commit()
    return documents


def cancel(project: Project, token: str) -> None:
    """Forget a preview; nothing was stored."""
    db.session.delete(_preview(project, token))
    db.session.commit()
