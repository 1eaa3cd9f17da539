"""Importing annotated documents: check everything first, then store all of it or nothing.

Records come from any format's reader (see `core`). Texts from other tools arrive as their
files hold them: they are canonicalised here and every offset is carried over to the
canonical text; an offset that no longer lands on a character boundary is an error, never a
silent shift. Our own JSONL carries canonical texts and its passages, so a round trip keeps
every passage and offset as it was.

A record whose text the project already holds adds its annotations to that document (so a
class's work can be imported onto the documents it read); an annotator who already has
annotations on such a document is refused rather than merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Document, Project, User
from app.services import imports, quotas
from app.services.datasets.core import FormatError
from app.services.datasets.importing.annotations import AnnotationSteps
from app.services.datasets.importing.documents import DocumentSteps
from app.services.datasets.importing.people import PeopleSteps
from app.services.datasets.importing.problems import MAX_PROBLEMS
from app.services.datasets.importing.state import Choice, ImportSummary, Person
from app.services.errors import ImportFailed
from app.services.texts import Problem

__all__ = ["MAX_PROBLEMS", "Choice", "Document", "ImportSummary", "Person", "Plan", "db",
           "import_file", "import_records", "plan_file"]


class _Importer(DocumentSteps, PeopleSteps, AnnotationSteps):
    """One import: its documents, then its annotators and annotations."""


def import_records(project: Project, records: list[dict[str, Any]], file: str,
                   actor: User | None = None, *,
                   choices: dict[str, Choice] | None = None) -> ImportSummary:
    """Store the records' documents and annotations in the project: all, or nothing
    (ImportFailed lists every problem, each naming the file, line or record and field).
    `choices` says what names of the file become (see `plan_file`)."""
    imports.clean_stale()
    importer = _Importer(project, file, actor, choices=choices)
    quotas.check_import_size(len(records), file)
    held = quotas.documents_in(project)
    try:
        docs = importer.documents(records)
        if importer.problems.items:
            importer.check(docs)  # the annotations of the documents that passed, too
            raise ImportFailed(importer.problems.items)
        quotas.check_project_room(project, importer.summary.documents_added, file, held)

        def annotate() -> None:
            importer.annotations(docs)
            if importer.problems.items:
                raise ImportFailed(importer.problems.items)

        # New texts are written in short transactions and hidden; the annotations, new
        # accounts and the log are written with the last one, which shows it all at once.
        imports.import_in_parts(project.id, [doc.document for doc in docs if doc.new],
                                actor.id if actor else None, file, annotate)
    except imports.Clash as clash:
        raise ImportFailed([
            Problem(*doc.where.at("text")[:1], _("the same text was imported into this project "
                      "by another import meanwhile"), *doc.where.at("text")[1:])
            for doc in docs if doc.new and doc.document.text_sha256 in clash.hashes]) from None
    except IntegrityError:
        db.session.rollback()
        # Another request took a username after every check had looked: say which, as
        # the checks would have, rather than fail the request.
        taken = sorted(db.session.scalars(sa.select(User.username).where(
            User.username.in_(importer.new_usernames))))
        if not taken:
            raise
        raise ImportFailed([Problem(file, _(
            "the username '%(username)s' was taken by another account meanwhile; nothing was "
            "imported: try again", username=taken[0]))]) from None
    except Exception:
        db.session.rollback()
        raise
    return importer.summary


def import_file(project: Project, fmt: str, name: str, raw: bytes,
                actor: User | None = None, *, ground_truth_gold: bool = False,
                choices: dict[str, Choice] | None = None) -> ImportSummary:
    """Read a file in format `fmt` and import it (see `import_records`); with
    `ground_truth_gold`, Label Studio annotations marked ground truth go to the gold key."""
    records = _read(project, fmt, name, raw, actor, ground_truth_gold, choices)
    return import_records(project, records, name, actor, choices=choices)


@dataclass
class Plan:
    """Who is who in a checked file: each name, its work and what it would become."""

    people: list[Person]

    @property
    def as_is(self) -> bool:
        """Every name is already a member's username (or the gold key's): nothing to ask."""
        return all(person.as_is for person in self.people)

    @property
    def has_gold(self) -> bool:
        """The file carries a gold key of its own (so no one else may become it)."""
        return any(person.as_is and person.choice.kind == "gold" for person in self.people)

    def choices(self) -> dict[str, Choice]:
        return {person.name: person.choice for person in self.people}


def plan_file(project: Project, fmt: str, name: str, raw: bytes, actor: User | None = None,
              *, ground_truth_gold: bool = False,
              choices: dict[str, Choice] | None = None) -> Plan:
    """Check a file in full as an import would and store nothing: who each of its names
    would become (`choices` overriding the proposals). ImportFailed lists every problem."""
    records = _read(project, fmt, name, raw, actor, ground_truth_gold, choices)
    unknown = set(choices or {}) - _names(records)
    if unknown:
        raise ImportFailed([Problem(name, _("'%(who)s' is not a name in the file", who=who))
                            for who in sorted(unknown)])
    quotas.check_import_size(len(records), name)
    held = quotas.documents_in(project)
    importer = _Importer(project, name, actor, choices=choices)
    try:
        with db.session.no_autoflush:
            importer.check(importer.documents(records))
        if importer.problems.items:
            raise ImportFailed(importer.problems.items)
        quotas.check_project_room(project, importer.summary.documents_added, name, held)
        return Plan(importer.people())
    finally:
        db.session.rollback()


def _names(records: list[dict[str, Any]]) -> set[str]:
    """Every annotator's name the records hold."""
    names: set[str] = set()
    for record in records:
        annotators = record.get("annotators")
        if isinstance(annotators, dict):
            names.update(annotators)
        for passage in record.get("passages") or []:
            if isinstance(passage, dict) and isinstance(passage.get("source_type"), dict):
                names.update(passage["source_type"])
    return names


def _read(project: Project, fmt: str, name: str, raw: bytes, actor: User | None,
          ground_truth_gold: bool, choices: dict[str, Choice] | None
          ) -> list[dict[str, Any]]:
    """The records of a file; FormatError lists what could not be read together with every
    problem of what could."""
    from app.services.datasets import formats
    from app.services.datasets.export import context

    quotas.check_file_name(name)
    reader = formats.reader(fmt)
    if not raw.strip():
        raise ImportFailed([Problem(name, _("the file is empty"))])
    try:
        options = {"ground_truth_gold": True} if ground_truth_gold and \
            fmt == "label-studio" else {}
        return reader.read(name, raw, context(project), **options)
    except FormatError as error:
        if not error.records:
            raise
        # What could be read is checked too: every problem comes in one round.
        raise FormatError(check_records(project, error.records, name, error.problems,
                                        actor, choices)) from None


def check_records(project: Project, records: list[dict[str, Any]], file: str,
                  found: list[Problem], actor: User | None = None,
                  choices: dict[str, Choice] | None = None) -> list[Problem]:
    """`found` and every problem of `records`, which are checked as for an import and
    not stored."""
    importer = _Importer(project, file, actor, found, choices)
    try:
        with db.session.no_autoflush:
            importer.check(importer.documents(records))
    except ImportFailed as error:  # MAX_PROBLEMS reached
        return error.problems
    finally:
        db.session.rollback()
    return importer.problems.items
