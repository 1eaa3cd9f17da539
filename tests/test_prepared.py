"""Prepared statements and adopting their rows as ORM objects (the hottest look-ups)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import adopt, db, run_prepared
from app.models import Document, Setting

_DOCUMENT = sa.select(Document.__table__).where(Document.id == sa.bindparam("id"))


def _statements(run) -> list[str]:
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lstrip().split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return seen


def test_an_adopted_row_is_persistent_unchanged_and_writes_nothing(make):
    document = make.document(make.project())
    document_id, text = document.id, document.text
    db.session.expunge_all()
    adopted = adopt(Document, run_prepared(_DOCUMENT, {"id": document_id}).one())
    state = sa.inspect(adopted)
    assert state.persistent and not db.session.is_modified(adopted)
    assert adopted.text == text and adopted.created_at.tzinfo is not None
    assert "UPDATE" not in _statements(db.session.commit)


def test_an_adopted_row_loads_its_relationships_and_takes_changes(make):
    project = make.project(title="Zhanaozen 2011")
    document = make.document(project)
    document_id = document.id
    db.session.expunge_all()
    adopted = adopt(Document, run_prepared(_DOCUMENT, {"id": document_id}).one())
    assert adopted.project.title == "Zhanaozen 2011"
    adopted.title = "Renamed"
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(Document, document_id).title == "Renamed"


def test_adopting_a_row_the_session_holds_gives_the_same_object(make):
    document = make.document(make.project())
    loaded = db.session.get(Document, document.id)
    adopted = adopt(Document, run_prepared(_DOCUMENT, {"id": document.id}).one())
    assert adopted is loaded


def test_a_prepared_statement_sees_what_the_session_has_pending(app):
    db.session.add(Setting(key="pending", value="1"))
    found = run_prepared(sa.select(Setting.__table__.c.value).where(
        Setting.__table__.c.key == sa.bindparam("key")), {"key": "pending"}).scalar()
    assert found == "1"
