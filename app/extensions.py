"""Unbound extension objects; bound to an app in create_app()."""

import os
import sqlite3
import threading
import time
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import Pool

try:  # advisory file locks (POSIX); elsewhere only the threads of one process queue
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

# Named constraints keep Alembic batch migrations on SQLite and PostgreSQL in step.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Objects stay readable after commit: a request commits its one use case and then answers
# from what it wrote, without a query per attribute to reload it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead logging, durable commits and a busy timeout
    on every connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Every commit syncs the log to disk before the answer goes out: an acknowledged write
    # survives a power cut. (NORMAL would survive a crash of the app only.) Set here rather
    # than left to how SQLite was built, whose default a distribution may lower.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


# SQLite lets one writer in at a time and makes the others poll with growing sleeps (1, 2,
# 5, 10 … up to 100 ms a try), so under a busy class a save can wait tens of milliseconds for
# a lock that was free long before. Writers queue instead: the threads of one process on a
# lock, the processes (the app server's workers, the command line) on an advisory lock on a
# file beside the database. Both are taken at a transaction's first write and let go once it
# has ended: when the connection goes back to the pool or begins its next transaction, that
# is after the commit itself, so the next writer never meets SQLite's own lock.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_QUEUE_WAIT = 5.0  # seconds; then SQLite's own busy timeout takes over


class _WriterQueue:
    """The queue of writers to one SQLite database file."""

    def __init__(self, path: str | None) -> None:
        self.path = f"{path}-writer" if path else None  # None: a database in memory
        self.threads = threading.Lock()
        self._file: tuple[int, int] | None = None  # (pid, descriptor): opened after a fork

    def _descriptor(self) -> int | None:
        if self.path is None or fcntl is None:
            return None
        if self._file is None or self._file[0] != os.getpid():
            try:
                self._file = (os.getpid(), os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError:
                self.path = None  # a read-only folder: queue the threads only
                return None
        return self._file[1]

    def acquire(self) -> tuple[bool, int | None]:
        """Wait for our turn (bounded); returns what was taken, for release()."""
        thread = self.threads.acquire(timeout=_QUEUE_WAIT)
        descriptor = self._descriptor()
        if descriptor is None:
            return thread, None
        deadline = time.monotonic() + _QUEUE_WAIT
        pause = 0.0001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return thread, descriptor
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return thread, None
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
            except OSError:  # a file system without locks
                return thread, None

    def release(self, taken: tuple[bool, int | None]) -> None:
        thread, descriptor = taken
        if descriptor is not None:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        if thread:
            self.threads.release()


_QUEUES: dict[str | None, _WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def writer_queue(database: str | None) -> _WriterQueue:
    key = None if database in (None, "", ":memory:") else os.path.abspath(database)
    with _QUEUES_LOCK:
        queue = _QUEUES.get(key)
        if queue is None:
            queue = _QUEUES[key] = _WriterQueue(key)
        return queue


@event.listens_for(Engine, "before_cursor_execute")
def _queue_sqlite_writer(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "sqlite" or "sqlite_writer" in conn.info:
        return
    if statement.lstrip()[:7].upper().startswith(_WRITES):
        queue = writer_queue(conn.engine.url.database)
        conn.info["sqlite_writer"] = (queue, queue.acquire())


def _release(info: dict) -> None:
    held = info.pop("sqlite_writer", None)
    if held is not None:
        queue, taken = held
        queue.release(taken)


# The transaction before has ended (committed or rolled back) when the next one begins …
event.listen(Engine, "begin", lambda conn: _release(conn.info))
# … or when the connection goes back to the pool.
event.listen(Pool, "checkin", lambda dbapi_connection, record: _release(record.info))


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:a, :b)")


def lock_for_check(a: int, b: int) -> None:
    """Hold, until this transaction ends, the right to check-then-write what key (a, b)
    guards: a rule that reads other rows before it writes holds whatever the timing.

    PostgreSQL: a transaction-scoped advisory lock on the pair (one statement). SQLite: the
    writer queue, taken now instead of at the first write (no statement; SQLite's reads
    outside a write see every commit made before, so the check sees all it must)."""
    connection = db.session().connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_ADVISORY_LOCK, {"a": a, "b": b})
    elif connection.dialect.name == "sqlite" and "sqlite_writer" not in connection.info:
        queue = writer_queue(connection.engine.url.database)
        connection.info["sqlite_writer"] = (queue, queue.acquire())


def run_prepared(statement: Any, params: dict[str, Any] | list[dict[str, Any]] | None = None
                 ) -> Any:
    """Execute a Core statement built once at import (bound parameters, cached compilation)
    on the session's connection and transaction, without the ORM's per-statement work.

    For the hottest paths only (an annotator's every click): such statements skip ORM
    events, so they name every condition themselves (archived documents included)."""
    session = db.session()
    if session.autoflush:  # as an ORM query would: pending objects first
        session.flush()
    return session.connection().execute(statement, params or {})


def adopt(model: Any, row: Any) -> Any:
    """The ORM object of a row read by a prepared Core statement (which selected the model's
    table), as a query would have loaded it: the session's own copy when it holds one
    already, else one made from the row and added to the session persistent and unchanged
    (SQLAlchemy's make_transient_to_detached, then add). Skips the ORM's loading machinery,
    which on the hottest look-ups costs more than the query."""
    session = db.session()
    mapper = inspect(model)
    values = row._mapping
    key = mapper.identity_key_from_primary_key(
        [values[column.name] for column in mapper.primary_key])
    present = session.identity_map.get(key)
    if present is not None:
        return present
    obj = mapper.class_manager.new_instance()
    for prop in mapper.column_attrs:
        set_committed_value(obj, prop.key, values[prop.columns[0].name])
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
