"""Unbound extension objects; bound to an app in create_app()."""

import sqlite3
import threading
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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
    """SQLite: enforce foreign keys, write-ahead logging and a busy timeout on every connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# SQLite lets one writer in at a time and makes the others poll with growing sleeps (up to
# 100 ms a try). Writers of one process queue on this lock instead, taken at a transaction's
# first write and released when it ends, so they wait only as long as the writer ahead.
_sqlite_writer = threading.Lock()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@event.listens_for(Engine, "before_cursor_execute")
def _queue_sqlite_writer(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "sqlite" or conn.info.get("sqlite_writer"):
        return
    if statement.lstrip()[:7].upper().startswith(_WRITES):
        # Bounded: should anything hold the lock too long, SQLite's own timeout takes over.
        conn.info["sqlite_writer"] = _sqlite_writer.acquire(timeout=5)


def _release_sqlite_writer(conn) -> None:
    if conn.info.pop("sqlite_writer", False):
        _sqlite_writer.release()


for _name in ("commit", "rollback"):
    event.listen(Engine, _name, _release_sqlite_writer)


def run_prepared(statement: Any, params: dict[str, Any] | None = None) -> Any:
    """Execute a Core statement built once at import (bound parameters, cached compilation)
    on the session's connection and transaction, without the ORM's per-statement work.

    For the hottest paths only (an annotator's every click): such statements skip ORM
    events, so they name every condition themselves (archived documents included)."""
    session = db.session()
    if session.autoflush:  # as an ORM query would: pending objects first
        session.flush()
    return session.connection().execute(statement, params or {})
