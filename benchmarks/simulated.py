"""A simulated class for the benchmarks: a throw-away SQLite app holding a teacher, a project
on the default codebook, documents of passages and students (their work is each benchmark's
own)."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class Class:
    """What a benchmark fills with work and measures."""

    app: Any
    project: Any
    words: Any  # the project's vocabulary
    documents: list[Any]
    students: list[Any]
    rnd: random.Random


@contextmanager
def simulated_class(documents: int, students: int, text: Callable[[random.Random, int], str],
                    seed: int = 7) -> Iterator[Class]:
    """`documents` texts (`text(rnd, n)` for the n-th) and `students` accounts (not yet
    members) in a project, inside the app's context; everything is deleted afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SOURCEMARK_INSTANCE_PATH"] = tmp
        from app import create_app
        from app.extensions import db
        from app.models import User
        from app.services import projects
        from app.services.documents import DocumentDraft, store_documents
        from app.services.vocabulary import vocabulary

        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/class.db",
                          "SECRET_KEY": "bench"})
        rnd = random.Random(seed)
        with app.app_context():
            db.create_all()
            teacher = User(username="teacher", role="teacher", password_hash="x")
            db.session.add(teacher)
            db.session.commit()
            project = projects.create_project(teacher, "Class")
            stored = store_documents(project, [
                DocumentDraft(title=f"Text {n}", source_name=f"{n}.txt", text=text(rnd, n))
                for n in range(documents)])
            pupils = [User(username=f"s{n:02d}", role="student", password_hash="x")
                      for n in range(students)]
            db.session.add_all(pupils)
            db.session.flush()
            try:
                yield Class(app, project, vocabulary(project.id), stored, pupils, rnd)
            finally:
                db.session.remove()
                db.engine.dispose()
