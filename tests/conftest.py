"""Fixtures: an app with a fresh database per test, clients, a CLI runner and factories."""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import Project, User
from app.services import accounts, projects

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PASSWORD = "correct horse battery"


def _share_url_builders() -> None:
    """Build each route's URL builder once per process, not once per app.

    Every test makes an app, and werkzeug generates and compiles two small Python functions
    per route for each one: over 400 routes that is a tenth of a second a test. A builder
    depends only on its rule's parsed parts, defaults and variables (it reaches the rule's
    converters through its bound `self`), so rules alike share one."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    built: dict[tuple, object] = {}

    def shared(self: Rule, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               tuple((k, type(v).__qualname__) for k, v in self._converters.items()),
               append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    shared.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself keeps an app context open (for factories and queries); without this,
    requests would share its `g` and database session and hide real bugs. The test's
    transaction is closed around each request so that both see each other's commits.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect followed inside the isolated request
            return super().open(*args, **kwargs)
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.commit()
            db.session.expire_all()  # read what the request wrote, not the test's old copy


# Set to a PostgreSQL server (postgresql+psycopg://user@host:port/any) to run the tests on
# PostgreSQL: each app gets a database of its own there, dropped after its test.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
_DATABASES: list[str] = []  # created on PostgreSQL during the current test


def on_postgresql() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def _server():
    import sqlalchemy as sa

    url = sa.engine.make_url(TEST_DATABASE_URL).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


_TEMPLATE: list[str] = []  # a PostgreSQL database holding the models' schema, made once


def _schema_template() -> str:
    """The name of a database with every table created, to copy for each test: copying
    is several times faster than creating the tables again."""
    if _TEMPLATE:
        return _TEMPLATE[0]
    import atexit

    import sqlalchemy as sa

    import app.models  # noqa: F401  (the tables)

    name = f"sm_template_{secrets.token_hex(4)}"
    engine = _server()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    url = sa.engine.make_url(TEST_DATABASE_URL).set(database=name)
    target = sa.create_engine(url, poolclass=sa.pool.NullPool)
    db.metadata.create_all(target)
    target.dispose()
    _TEMPLATE.append(name)
    atexit.register(drop_database, url.render_as_string(hide_password=False))
    return name


def _sqlite_template() -> Path:
    """A SQLite file holding the models' schema, made once per process: copying it takes a
    millisecond, where creating the tables commits (and syncs) once per statement."""
    if not _TEMPLATE_FILE:
        import tempfile

        import sqlalchemy as sa

        import app.models  # noqa: F401  (the tables)

        folder = Path(tempfile.mkdtemp(prefix="sourcemark-schema-"))
        engine = sa.create_engine(f"sqlite:///{folder / 'schema.db'}", poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA synchronous = OFF")
            db.metadata.create_all(connection)
            connection.commit()
        engine.dispose()
        _TEMPLATE_FILE.append(folder / "schema.db")
    return _TEMPLATE_FILE[0]


_TEMPLATE_FILE: list[Path] = []
_POOL: list[str] = []  # schema databases of this process, emptied and ready to reuse
_POOLED: set[str] = set()  # every database ever handed out from the pool
_FINGERPRINT: list[str] = []  # the template's columns, to tell a database a test altered
_DROP_AT_EXIT: list[bool] = []  # whether the pool is dropped when the process ends


def database_url(tmp_path: Path, keep: bool = False, schema: bool = False) -> str:
    """A fresh database: a SQLite file under tmp_path, or a PostgreSQL database (dropped
    after the test unless `keep`, for apps that outlive one test), empty or, with `schema`,
    holding the models' tables already and no rows.

    On PostgreSQL, CREATE DATABASE costs 300-500 ms (it copies the template's files), which
    over a thousand tests is minutes; a schema database is therefore emptied after its test
    and handed to the next one (see `_release`)."""
    if not on_postgresql():
        path = tmp_path / "test.db"
        if schema:
            shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}"
    import sqlalchemy as sa

    if schema and not keep and _POOL:
        name = _POOL.pop()
    else:
        name = f"sm_test_{secrets.token_hex(6)}"
        template = f' TEMPLATE "{_schema_template()}"' if schema else ""
        engine = _server()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
        engine.dispose()
        if schema and not keep:
            _POOLED.add(name)
    if not keep:
        _DATABASES.append(name)
    return sa.engine.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
        hide_password=False)


_COLUMNS = ("SELECT md5(string_agg(c.relname || '.' || a.attname || ':' || a.atttypid::text,"
            " ',' ORDER BY c.relname, a.attnum)) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped")
# One round trip: foreign keys unchecked, every table emptied, every sequence back at 1.
_EMPTY = """DO $$ DECLARE t record; BEGIN
  SET LOCAL session_replication_role = replica;
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE 'DELETE FROM ' || quote_ident(t.tablename);
  END LOOP;
  PERFORM setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n
    ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public';
END $$"""


def _release(name: str) -> bool:
    """Empty a pooled database for the next test: every other session on it ended, every
    row deleted and every sequence back at 1. Returns False, to have it dropped instead,
    when its tables are no longer the template's."""
    import sqlalchemy as sa

    url = sa.engine.make_url(TEST_DATABASE_URL).set(database=name)
    target = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with target.begin() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if not _FINGERPRINT:
                _FINGERPRINT.append(_template_fingerprint())
            if connection.exec_driver_sql(_COLUMNS).scalar() != _FINGERPRINT[0]:
                return False
            connection.exec_driver_sql(_EMPTY)
    finally:
        target.dispose()
    return True


def _template_fingerprint() -> str:
    import sqlalchemy as sa

    url = sa.engine.make_url(TEST_DATABASE_URL).set(database=_schema_template())
    target = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with target.connect() as connection:
            return connection.exec_driver_sql(_COLUMNS).scalar()
    finally:
        target.dispose()


def _drop_pool() -> None:
    while _POOL:
        drop_database(sa_url(_POOL.pop()))


def sa_url(name: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
        hide_password=False)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL test database (nothing to do for SQLite files)."""
    if not url.startswith("postgresql"):
        return
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    _POOLED.discard(name)
    engine = _server()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """Once a test's apps are torn down, empty its pooled PostgreSQL databases for the next
    test and drop the others it made."""
    yield
    while _DATABASES:
        name = _DATABASES.pop()
        if name in _POOLED and _release(name):
            if not _DROP_AT_EXIT:
                import atexit

                atexit.register(_drop_pool)
                _DROP_AT_EXIT.append(True)
            _POOL.append(name)
        else:
            drop_database(sa_url(name))


def make_app(tmp_path: Path, keep_database: bool = False, schema: bool = False,
             **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path, keep_database, schema),
        "SEEDS_DIR": str(SEEDS),
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path, schema=True)
    with app.app_context():
        db.create_all()  # the migration test checks migrations give this same schema
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- factories -----------------------------------------------------------------------------

class Factory:
    """Makes users, projects and documents with sensible defaults."""

    def __init__(self) -> None:
        self.count = 0

    def user(self, username: str | None = None, role: str = "student",
             password: str = PASSWORD) -> User:
        self.count += 1
        return accounts.create_user(username or f"user{self.count}", password, role)

    def project(self, teacher: User | None = None, title: str = "Class project") -> Project:
        return projects.create_project(teacher or self.user(role="teacher"), title)

    def member(self, project: Project, role: str = "student", username: str | None = None
               ) -> User:
        user = self.user(username, role="teacher" if role == "teacher" else "student")
        projects.add_member(project, user, role)
        db.session.commit()
        return user

    def document(self, project: Project, text: str = "First passage.\n\nSecond passage.\n",
                 name: str = "doc.txt"):
        from app.services.documents import import_files

        (doc,) = import_files(project, [(name, text.encode("utf-8"))], 2 * 1024 * 1024)
        return doc


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    import sqlalchemy as sa

    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token of a page's form (the session keeps it for later posts)."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def login_as(client: FlaskClient):
    """Sign the test client in as a user; returns the CSRF token for later posts."""

    def sign_in(user: User, password: str = PASSWORD) -> str:
        response = login(client, user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return csrf_token(client, "/projects")

    return sign_in
