"""The schema comes from migrations: upgrading an empty database gives the models' schema."""

from __future__ import annotations

from pathlib import Path

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


def test_sqlite_commits_are_synced_whatever_the_build_default(tmp_path):
    """A SQLite built with a lower default (NORMAL loses the last commits in a power cut)
    still syncs every commit: the app sets synchronous=FULL itself."""
    import sqlite3

    from app.extensions import _sqlite_pragmas

    connection = sqlite3.connect(tmp_path / "lowered.db")
    try:
        connection.execute("PRAGMA synchronous=OFF")  # as a build default of OFF would leave it
        _sqlite_pragmas(connection, None)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        connection.close()


def _writer_queue_taken(queue) -> bool:
    """Whether another process would have to wait: a second open file description of the
    lock file is refused the lock (flock works per open file, so this is what a second
    process sees)."""
    import fcntl
    import os

    descriptor = os.open(queue.path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@pytest.mark.skipif(on_postgresql(), reason="SQLite's own writer queue")
def test_sqlite_writer_queue_is_released_however_a_transaction_ends(app):
    from app.extensions import writer_queue
    from app.models import Setting

    queue = writer_queue(db.engine.url.database)
    db.session.add(Setting(key="a", value="1"))
    db.session.flush()
    # Held from the first write, by this thread and against other processes …
    assert queue.threads.locked() and _writer_queue_taken(queue)
    db.session.commit()
    assert not queue.threads.locked() and not _writer_queue_taken(queue)  # … to the commit
    db.session.add(Setting(key="b", value="1"))
    db.session.flush()
    db.session.rollback()
    assert not queue.threads.locked() and not _writer_queue_taken(queue)
    db.session.add(Setting(key="c", value="1"))
    db.session.flush()
    db.session.close()  # a request that ends without committing
    assert not queue.threads.locked() and not _writer_queue_taken(queue)


@pytest.mark.skipif(on_postgresql(), reason="SQLite's own writer queue")
def test_sqlite_writer_queue_is_held_through_the_commit_itself(app):
    """The next writer gets its turn only once the commit is done, so it never meets
    SQLite's lock (and its sleeps) while the commit writes."""
    from app.extensions import writer_queue
    from app.models import Setting

    queue = writer_queue(db.engine.url.database)
    seen = []
    real_commit = db.engine.dialect.do_commit

    def commit(dbapi_connection):
        seen.append(_writer_queue_taken(queue))
        real_commit(dbapi_connection)

    db.engine.dialect.do_commit = commit
    try:
        db.session.add(Setting(key="a", value="1"))
        db.session.commit()
    finally:
        del db.engine.dialect.do_commit
    assert seen == [True] and not _writer_queue_taken(queue)


@pytest.mark.skipif(on_postgresql(), reason="SQLite's own writer queue")
def test_sqlite_writer_queue_waits_for_a_writer_in_another_process(app, tmp_path):
    """A second process writing to the same database waits for the first one's commit
    and then writes, without SQLite's busy timeout: no "database is locked"."""
    import subprocess
    import sys
    import textwrap
    import time

    from app.models import Setting

    db.session.add(Setting(key="first", value="1"))
    db.session.flush()  # this process now holds the writer's turn
    script = textwrap.dedent(f"""
        import sqlalchemy as sa
        from app.extensions import writer_queue
        engine = sa.create_engine({str(db.engine.url)!r})

        @sa.event.listens_for(engine, "connect")
        def no_busy_wait(dbapi_connection, record):  # SQLite's own wait would hide the queue
            dbapi_connection.execute("PRAGMA busy_timeout=0")

        print("writing", flush=True)
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('second', '2')")
        print("written", flush=True)
    """)
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             cwd=str(Path(__file__).parent.parent))
    assert other.stdout.readline().strip() == "writing"
    time.sleep(0.5)
    assert other.poll() is None  # still waiting for its turn
    db.session.commit()
    out, err = other.communicate(timeout=30)
    assert other.returncode == 0, err
    assert out.strip() == "written"
    assert db.session.scalar(sa.select(Setting.value).where(Setting.key == "second")) == "2"


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


def test_codebook_changes_stored_as_english_words_are_read_as_data_after_the_upgrade(
        tmp_path, monkeypatch):
    """Changes kept before 0024 held only English words; the upgrade reads them into data,
    so that a class reads them in its own language, and keeps any it cannot read as they were."""
    from flask_babel import force_locale

    from app.services import accounts, projects
    from app.services.codebooks.changes import between

    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
        teacher = accounts.create_user("teacher", "a long password 1", "teacher")
        codebook_id = projects.create_project(teacher, "Class").codebook.id
        db.session.commit()
        downgrade(revision="0023")
        old = ["'Loaded language' definition changed", "'Scare quotes' added",
               "'Scare quotes' name and retired changed", "'Irony' retired, group",
               "'Irony' brought back", "'Gone' deleted", "the rating form changed",
               "something a later version wrote"]
        with db.engine.begin() as connection:
            for version, summary in enumerate(old, start=2):
                connection.execute(sa.text(
                    "INSERT INTO codebook_change (codebook_id, version, layer_key, label_key, "
                    "summary, at) VALUES (:c, :v, 'rhetoric', 'x', :s, CURRENT_TIMESTAMP)"),
                    {"c": codebook_id, "v": version, "s": summary})
        upgrade()
        db.session.remove()
        with force_locale("en"):
            english = [(c["kind"], c["fields"], c["summary"]) for c in between(codebook_id, 0, 99)]
        with force_locale("ru"):
            russian = [c["summary"] for c in between(codebook_id, 0, 99)]
        db.session.remove()
        db.engine.dispose()
    assert english == [
        ("changed", ["definition"], "'Loaded language' definition changed in version 2"),
        ("added", [], "'Scare quotes' added in version 3"),
        ("changed", ["retired", "name"],
         "'Scare quotes' retired and its name changed in version 4"),
        ("changed", ["retired", "group"], "'Irony' retired and its group changed in version 5"),
        ("changed", ["restored"], "'Irony' brought back in version 6"),
        ("deleted", [], "'Gone' deleted in version 7"),
        ("form", [], "The rating form changed in version 8"),
        ("", [], "something a later version wrote in version 9"),
    ]
    assert "definition" not in russian[0] and "«Loaded language»" in russian[0]
    assert russian[-1].startswith("something a later version wrote")
