"""The PostgreSQL test databases handed from one test to the next come back empty."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import User
from tests import conftest
from tests.conftest import on_postgresql

USERS = User.__table__

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's database pool")


def test_a_released_database_has_no_rows_and_its_ids_start_again(tmp_path: Path) -> None:
    url = conftest.database_url(tmp_path, schema=True)
    name = conftest._DATABASES.pop()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(USERS.insert(), [{"username": f"u{n}", "password_hash": "x"}
                                                for n in range(3)])
        idle = engine.connect()  # a session left open by a test must not block the release
        assert conftest._release(name)
        with engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM \"user\"").scalar() == 0
            new_id = connection.execute(USERS.insert().returning(USERS.c.id),
                                        {"username": "again", "password_hash": "x"}).scalar()
        assert new_id == 1
        idle.invalidate()
    finally:
        engine.dispose()
        conftest.drop_database(conftest.sa_url(name))


def test_a_database_whose_tables_changed_is_not_reused(tmp_path: Path) -> None:
    url = conftest.database_url(tmp_path, schema=True)
    name = conftest._DATABASES.pop()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE \"user\" ADD COLUMN extra integer")
        assert not conftest._release(name)
    finally:
        engine.dispose()
        conftest.drop_database(conftest.sa_url(name))
