"""Backups: a consistent snapshot of the whole database, and bringing one back.

SQLite uses its online backup API (a consistent copy while the app keeps serving);
PostgreSQL uses `pg_dump` in its custom format and `pg_restore`. A backup file says which
kind it is by its first bytes: SQLite's "SQLite format 3", pg_dump's "PGDMP".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from app.services.errors import Invalid

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise Invalid(_("An in-memory SQLite database cannot be backed up."))
    return Path(url.database)


def _pg_env(url: sa.engine.URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password in the environment."""
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise Invalid(_("%(name)s is needed for PostgreSQL backups; install the PostgreSQL client.",
                    name=name))


def backup(database_url: str, target: Path) -> int:
    """Write a consistent snapshot of the database to `target` (replaced only when the
    snapshot is complete); returns its size in bytes."""
    url = sa.engine.make_url(database_url)
    target = target.resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if url.get_backend_name() == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(temporary)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            args, env = _pg_env(url)
            result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                                     "--file", temporary, *args],
                                    env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise Invalid(_("pg_dump failed: %(value)s", value=result.stderr.strip()))
        else:
            raise Invalid(_("Backups of %(value)s databases are not supported.",
                            value=url.get_backend_name()))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup` (of the same kind).
    Stop the app servers first: a restore is not meant to race live writes."""
    url = sa.engine.make_url(database_url)
    head = source.read_bytes()[:16]
    if url.get_backend_name() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise Invalid(_("%(name)s is not a SQLite backup.", name=source.name))
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.backup(live)  # page by page, inside SQLite's own locking
        finally:
            live.close()
            backup_db.close()
    elif url.get_backend_name() == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise Invalid(_("%(name)s is not a pg_dump backup (custom format).", name=source.name))
        args, env = _pg_env(url)
        result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                                 "--single-transaction", "--exit-on-error", *args, str(source)],
                                env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise Invalid(_("pg_restore failed: %(value)s", value=result.stderr.strip()))
    else:
        raise Invalid(_("Restores of %(value)s databases are not supported.",
                        value=url.get_backend_name()))
