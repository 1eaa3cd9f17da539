"""Backups: a snapshot restored into an empty database holds the same rows and texts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db
from app.models import (
    AnnotationEvent,
    Document,
    DocumentRating,
    PassageTag,
    Project,
    Span,
    User,
)
from tests.conftest import make_app

COUNTED = (User, Project, Document, Span, PassageTag, DocumentRating, AnnotationEvent)


def _state() -> tuple[dict[str, int], list[tuple[str, str]]]:
    counts = {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in COUNTED}
    hashes = [tuple(row) for row in db.session.execute(
        sa.select(Document.source_name, Document.text_sha256).order_by(Document.id))]
    return counts, hashes


def test_backup_then_restore_into_an_empty_database(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    first = make_app(tmp_path / "one")
    with first.app_context():
        upgrade()
        result = first.test_cli_runner().invoke(args=["demo", "load"])
        assert "Demo annotations loaded" in result.output, result.output
        before = _state()
        target = tmp_path / "snapshot.backup"
        result = first.test_cli_runner().invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    assert before[0]["Span"] > 500 and before[0]["AnnotationEvent"] > 0
    assert target.stat().st_size > 0

    second = make_app(tmp_path / "two")
    with second.app_context():
        upgrade()  # an empty database of the same schema
        assert _state()[0]["Document"] == 0
        db.session.remove()
        result = second.test_cli_runner().invoke(args=["restore", str(target), "--yes"])
        assert result.exit_code == 0, result.output
        after = _state()
        db.session.remove()
        db.engine.dispose()
    assert after == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code != 0 and "is not a" in result.output
