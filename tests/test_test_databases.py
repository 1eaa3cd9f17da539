"""The PostgreSQL test databases handed from one test to the next come back empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import User
from tests import conftest
from tests.conftest import on_postgresql

USERS = User.__table__

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's database pool")


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[tuple[str, sa.Engine]]:
    """A database as the pool hands it out (name, engine), dropped afterwards."""
    url = conftest.database_url(tmp_path, schema=True)
    name = conftest._DATABASES.pop()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield name, engine
    engine.dispose()
    conftest.drop_database(conftest.sa_url(name))


def test_a_released_database_has_no_rows_and_its_ids_start_again(pooled) -> None:
    name, engine = pooled
    with engine.begin() as connection:
        connection.execute(USERS.insert(), [{"username": f"u{n}", "password_hash": "x"}
                                            for n in range(3)])
    idle = engine.connect()  # a session left open by a test must not block the release
    assert conftest._release(name)
    idle.invalidate()
    with engine.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(USERS)).scalar() == 0
        new_id = connection.execute(USERS.insert().returning(USERS.c.id),
                                    {"username": "again", "password_hash": "x"}).scalar()
    assert new_id == 1


def test_a_database_whose_tables_changed_is_not_reused(pooled) -> None:
    name, engine = pooled
    with engine.begin() as connection:
        connection.exec_driver_sql('ALTER TABLE "user" ADD COLUMN extra integer')
    assert not conftest._release(name)
