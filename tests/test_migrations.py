"""The schema comes from migrations: upgrading an empty database gives the models' schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.conftest import make_app, on_postgresql


def test_upgrade_empty_database_to_head_matches_models(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


def test_downgrade_to_base_removes_every_table(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()


@pytest.mark.skipif(on_postgresql(), reason="SQLite's own settings")
def test_sqlite_connections_enforce_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.skipif(on_postgresql(), reason="SQLite's own writer queue")
def test_sqlite_writer_queue_is_released_however_a_transaction_ends(app):
    from app.extensions import _sqlite_writer
    from app.models import Setting

    db.session.add(Setting(key="a", value="1"))
    db.session.flush()
    assert _sqlite_writer.locked()  # held from the first write …
    db.session.commit()
    assert not _sqlite_writer.locked()  # … to the commit
    db.session.add(Setting(key="b", value="1"))
    db.session.flush()
    db.session.rollback()
    assert not _sqlite_writer.locked()
    db.session.add(Setting(key="c", value="1"))
    db.session.flush()
    db.session.close()  # a request that ends without committing
    assert not _sqlite_writer.locked()


def test_upgrade_allows_the_gold_keys_system_account(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(sa.text(
            "INSERT INTO \"user\" (username, display_name, password_hash, role, active, "
            "session_token, created_at) VALUES ('t', '', 'x', 'teacher', true, 's', '2026-01-01')"))
        db.session.commit()
        upgrade()
        from app.services.gold import gold_user

        gold_user()
        db.session.commit()
        roles = set(db.session.scalars(sa.text('SELECT role FROM "user"')))
        db.session.remove()
        db.engine.dispose()
    assert roles == {"teacher", "system"}


@pytest.mark.skipif(on_postgresql(), reason="SQLite rebuilds tables in batch migrations")
def test_upgrading_a_database_with_data_keeps_every_row(tmp_path, monkeypatch):
    """SQLite batch migrations rebuild tables; nothing that references them may be lost."""
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade(revision="0002")
        statements = [
            "INSERT INTO user (id, username, display_name, password_hash, role, active, "
            "session_token, created_at) VALUES (1, 't', '', 'x', 'teacher', 1, 's', "
            "'2026-01-01'), (2, 's', '', 'x', 'student', 1, 's2', '2026-01-01')",
            "INSERT INTO project (id, title, instructions, join_code, join_enabled, "
            "created_by_id, created_at) VALUES (1, 'P', '', 'AAAA-BBBB', 1, 1, '2026-01-01')",
            "INSERT INTO membership (project_id, user_id, role, created_at) VALUES "
            "(1, 1, 'teacher', '2026-01-01'), (1, 2, 'student', '2026-01-01')",
            "INSERT INTO codebook (id, project_id, key, name, description, version, "
            "document_form, updated_at) VALUES (1, 1, 'c', 'C', '', 1, '{}', '2026-01-01')",
            "INSERT INTO codebook_layer (id, codebook_id, key, name, position, overlap, "
            "shortcut, attributes, groups) VALUES (1, 1, 'rhetoric', 'R', 0, 'free', '', "
            "'[]', '[]')",
            "INSERT INTO label (id, layer_id, key, name, definition, example, example_file, "
            "\"group\", shortcut, color, position, active, maps_to, requires) VALUES (1, 1, "
            "'x', 'X', '', '', '', '', '', '#888888', 0, 1, '{}', '{}')",
            "INSERT INTO document (id, project_id, title, publisher, author, published, url, "
            "source_name, notes, text, text_sha256, char_count, position, created_at) VALUES "
            "(1, 1, 'D', '', '', '', '', 'd.txt', '', 'Hello there', 'h', 11, 0, "
            "'2026-01-01')",
            "INSERT INTO passage (document_id, \"index\", start, \"end\") VALUES (1, 0, 0, 11)",
            "INSERT INTO span (document_id, user_id, layer_id, label_id, client_id, start, "
            "\"end\", note, attributes, version, codebook_version, created_at, updated_at) "
            "VALUES (1, 2, 1, 1, 'c1', 0, 5, '', '{}', 1, 1, '2026-01-01', '2026-01-01')",
        ]
        for statement in statements:
            db.session.execute(sa.text(statement))
        db.session.commit()
        tables = ("user", "project", "membership", "codebook", "document", "passage", "span")
        before = {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}
        db.session.remove()
        upgrade()
        after = {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}
        enforced = db.session.scalar(sa.text("PRAGMA foreign_keys"))
        db.session.remove()
        db.engine.dispose()
    assert after == before
    assert enforced == 1


def test_migrated_annotation_log_is_append_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
        db.session.execute(sa.text(
            "INSERT INTO annotation_event (at, project_id, document_id, owner_id, actor_name, "
            "kind, action) VALUES ('2026-01-01', 1, 1, 1, 'x', 'span', 'create')"))
        db.session.commit()
        refused = []
        for statement in ("UPDATE annotation_event SET action = 'forged'",
                          "DELETE FROM annotation_event"):
            try:
                db.session.execute(sa.text(statement))
                db.session.commit()
            except sa.exc.DatabaseError as error:
                refused.append("append-only" in str(error))
                db.session.rollback()
        kept = db.session.scalar(sa.text("SELECT action FROM annotation_event"))
        db.session.remove()
        db.engine.dispose()
    assert refused == [True, True]
    assert kept == "create"
