"""The demo: the seed corpus in a class project with a teacher and three students."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import format_number, gettext, ngettext

from app.extensions import db
from app.models import Project, Setting, User
from app.services import accounts, projects
from app.services.documents import import_seeds

DEMO_TITLE = "Demo: Zhanaozen 2011 and January 2022, five sources"
DEMO_INSTRUCTIONS = (
    "Read each text and tag every passage with its source type: who is speaking here? "
    "Then mark rhetoric and unsupported claims, and rate each document's reliability and slant. "
    "The same events are told by reporters, officials, witnesses and forum posters: "
    "compare how they tell them."
)
# Demo accounts are for trying the app on your own machine; their passwords are public.
DEMO_USERS = (
    ("teacher", "Demo Teacher", "teacher", "teacher-demo"),
    ("aigerim", "Aigerim S.", "student", "student-demo"),
    ("daniyar", "Daniyar K.", "student", "student-demo"),
    ("madina", "Madina T.", "student", "student-demo"),
)
_SETTING = "demo_project_id"
# The demo's rounds, by seed file; the codebook's 'Loaded language' is sharpened between them.
DEMO_FIRST_ROUND = ("000_52683757a7824f21.txt", "001_e2d80d9f7a307687.txt")
SHARPER_LOADED_LANGUAGE = (
    "Emotionally charged words used to sway the reader rather than describe. Mark the "
    "charged word or phrase itself, not the whole sentence; a neutral word in scare quotes "
    "counts.")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def _demo_project() -> Project | None:
    value = db.session.scalar(sa.select(Setting.value).where(Setting.key == _SETTING))
    return db.session.get(Project, int(value)) if value else None


def load_demo_annotations(project: Project, path: Path) -> str:
    """Load the demo dataset (three students and a gold key) onto the demo documents, once.

    Returns what happened, in words. Loaded already (the gold key is there) or a student
    has annotated a demo document by hand meanwhile: nothing changes.
    """
    from app.models import Document, PassageTag
    from app.services.datasets.importing import import_file
    from app.services.errors import ImportFailed
    from app.services.gold import gold_user_id

    if not path.is_file():
        return gettext("No demo annotations at %(path)s.", path=path)
    gold = gold_user_id()
    if gold is not None and db.session.scalar(
            sa.select(PassageTag.id).join(Document, Document.id == PassageTag.document_id)
            .where(Document.project_id == project.id, PassageTag.user_id == gold).limit(1)):
        return gettext("Demo annotations: loaded already.")
    # Two rounds, as a class calibrates: the first texts, a sharper codebook, the rest.
    # Evidence may name a span of any demo text, so each import carries every text, the
    # other round's without annotations (a text the project holds only gains what a record
    # brings).
    records = [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    first = [r["source_name"] in DEMO_FIRST_ROUND for r in records]
    try:
        summary = import_file(project, "jsonl", path.name, _jsonl(records, first))
        _sharpen_codebook(project)
        later = (import_file(project, "jsonl", path.name, _jsonl(records, [not f for f in first]))
                 if not all(first) else None)
    except ImportFailed as exc:
        return gettext("Demo annotations not loaded: %(problem)s", problem=exc.problems[0])
    _demo_rounds(project)
    spans = summary.spans + (later.spans if later else 0)
    tags = summary.passage_tags + (later.passage_tags if later else 0)
    ratings = summary.ratings + (later.ratings if later else 0)
    return gettext("Demo annotations loaded: %(spans)s spans, %(tags)s passage tags and "
                   "%(ratings)s ratings by %(annotators)s and the gold key, in two rounds with "
                   "a codebook change between them.", spans=format_number(spans),
                   tags=format_number(tags), ratings=format_number(ratings),
                   annotators=", ".join(summary.annotators))


def _jsonl(records: list[dict], annotated: list[bool]) -> bytes:
    """The records as JSONL, those not `annotated` as bare texts."""
    out = []
    for record, keep in zip(records, annotated, strict=True):
        if not keep:
            record = {**record, "annotators": {}, "gold": {},
                      "passages": [{"start": p["start"], "end": p["end"]}
                                   for p in record.get("passages", [])]}
        out.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


def _sharpen_codebook(project: Project) -> None:
    """The change the class made after discussing the first round's disagreements."""
    from app.services import codebooks
    from app.services.vocabulary import vocabulary

    info = vocabulary(project.id).labels.get(("rhetoric", "loaded_language"))
    if info is not None:
        codebooks.update_label(codebooks.get_label(project.codebook, info.id),
                               definition=SHARPER_LOADED_LANGUAGE)


def _demo_rounds(project: Project) -> None:
    """The demo's two rounds: the two 2011 reports first, then the other texts."""
    from app.models import Document
    from app.services import rounds

    if rounds.rounds_of(project):
        return
    documents = list(db.session.scalars(sa.select(Document).where(
        Document.project_id == project.id).order_by(Document.position, Document.id)))
    first = [d.id for d in documents if d.source_name in DEMO_FIRST_ROUND]
    second = [d.id for d in documents if d.id not in first]
    if first and second:
        rounds.create_round(project, "Round 1: calibration", first)
        rounds.create_round(project, "Round 2: after the discussion", second)
        # A calibrating class compares with the key once a text is submitted, so each
        # student's feedback shows how their agreement moved.
        project.reveal = "after_submit"
        db.session.commit()


def load_demo(seeds_dir: Path, max_bytes: int) -> tuple[Project, list[DemoLogin], int]:
    """Create whatever of the demo is missing; returns the project, logins, documents added.

    Running it again changes nothing that exists: users, project and documents are
    matched by username, a stored project id and text hash.
    """
    users = {}
    for username, name, role, password in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = accounts.new_user(username, password, role, name)
        users[username] = user
    db.session.commit()

    project = _demo_project()
    if project is None:
        project = projects.create_project(users["teacher"], DEMO_TITLE, DEMO_INSTRUCTIONS)
        db.session.merge(Setting(key=_SETTING, value=str(project.id)))
    for username, _, role, _ in DEMO_USERS:
        projects.add_member(project, users[username], "teacher" if role == "teacher" else role)
    db.session.commit()

    added = import_seeds(project, seeds_dir, max_bytes, users["teacher"])
    logins = [DemoLogin(u, p, r) for u, _, r, p in DEMO_USERS]
    return project, logins, len(added)


def load_demo_board(project: Project, path: Path) -> str:
    """File the demo's claims-board questions and claims (with the demo students'
    verdicts), once. Returns what happened, in words."""
    import yaml

    from app.models import ClaimQuestion, Document
    from app.services import claims

    if not path.is_file():
        return gettext("No demo claims board at %(path)s.", path=path)
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    teacher = db.session.scalar(sa.select(User).where(User.username == DEMO_USERS[0][0]))
    documents = {d.source_name: d for d in db.session.scalars(
        sa.select(Document).where(Document.project_id == project.id))}
    filed = 0
    for entry in spec.get("questions", []):
        if db.session.scalar(sa.select(ClaimQuestion.id).where(
                ClaimQuestion.project_id == project.id, ClaimQuestion.text == entry["text"])):
            continue
        question = claims.create_question(project, teacher, entry["text"],
                                          entry.get("value_kind", "number"))
        for claim in entry.get("claims", []):
            document = documents.get(claim["file"])
            if document is None:
                return gettext("Demo claims board: no seed '%(file)s' in the demo project.",
                               file=claim["file"])
            start = -1
            for _ in range(int(claim.get("occurrence", 1))):
                start = document.text.find(claim["quote"], start + 1)
            if start < 0:
                return gettext("Demo claims board: '%(quote)s' is not in %(file)s.",
                               quote=claim["quote"][:40], file=claim["file"])
            link = claims.file_claim(project, teacher, question.id, {
                "document_id": document.id, "start": start,
                "end": start + len(claim["quote"]), "text": claim["quote"],
                "value": str(claim["value"]), "stated": claim.get("stated", ""),
                "sourcing": claim.get("sourcing"), "note": claim.get("note", "")})
            for username, verdict in (claim.get("verdicts") or {}).items():
                student = db.session.scalar(sa.select(User).where(User.username == username))
                if student is not None:
                    claims.set_verdict(project, student, link.id, {"verdict": verdict})
            filed += 1
    if not filed:
        return gettext("Demo claims board: loaded already.")
    return ngettext("Demo claims board: %(num)d claim filed.",
                    "Demo claims board: %(num)d claims filed.", filed)
