"""What an import holds while it checks records: the summary, each record on its way in,
and the state every step shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from app.models import Document, Project, User
from app.services import projects
from app.services.datasets.importing.problems import Problems, Where
from app.services.texts import OffsetMap, Problem
from app.services.vocabulary import Vocabulary, vocabulary


@dataclass
class ImportSummary:
    documents_added: int = 0
    documents_matched: int = 0
    annotators: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # created: name, password
    spans: int = 0
    passage_tags: int = 0
    ratings: int = 0
    gold: bool = False
    # Annotators named in a way no username can be (an e-mail, "First Last"): the name in
    # the file -> the username their work went to.
    renamed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """What a name in a file becomes: a new student account of this username ("new"), the
    project's member of this username ("member"), or the gold key ("gold")."""

    kind: str
    username: str = ""


@dataclass
class Person:
    """A name in a file, the work it carries, and what it becomes; `as_is` when it is
    already a member's username (or the gold key's own name)."""

    name: str
    spans: int
    passage_tags: int
    ratings: int
    choice: Choice
    as_is: bool


@dataclass
class Doc:
    """One record on its way in: its canonical text and where its offsets land."""

    record: dict[str, Any]
    where: Where
    text: str
    offsets: OffsetMap | None          # None: offsets are already canonical
    passages: list[tuple[int, int]]
    document: Document | None = None
    new: bool = False


class State:
    """The state of one import, shared by its steps (documents, people, annotations)."""

    def __init__(self, project: Project, file: str, actor: User | None,
                 found: list[Problem] | None = None,
                 choices: dict[str, Choice] | None = None):
        self.project = project
        self.actor = actor
        self.file = file
        self.problems = Problems(file, found)
        self.words: Vocabulary = vocabulary(project.id)
        self.summary = ImportSummary()
        self.users: dict[str, User | None] = {}
        # The teacher's word on who each name in the file is (see `people`).
        self.choices = dict(choices or {})
        self.first_name: dict[str, str] = {}   # a user key -> the name it was first met as
        self.claimed: dict[str, str] = {}      # a username -> the name that became it
        self.work: dict[str, list[int]] = {}   # a name -> its spans, passage tags, ratings
        self.members = {m.user_id for m in projects.members(project)}
        self.id_map: dict[int, int] = {}
        self.max_bytes = current_app.config["DOCUMENT_MAX_BYTES"]
        self.new_usernames: set[str] = set()  # accounts made, not yet written
        self.new_members = 0
        # Rows written in bulk once every record is checked (see `annotations`); their
        # "user_id" holds the User until then (a new account has no id before it is written).
        self.later: dict[str, list[Any]] = {"spans": [], "tags": [], "progress": [],
                                            "ratings": [], "events": []}

