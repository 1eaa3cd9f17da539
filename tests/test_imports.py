"""Large imports are written in short transactions, hidden until a last one publishes them:
a student's save never waits for the whole import, and a failed or abandoned import leaves
nothing visible and nothing behind."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AnnotationEvent,
    Document,
    DocumentRating,
    ImportBatch,
    Membership,
    Passage,
    Project,
    Span,
    User,
    utcnow,
)
from app.services import imports, projects, tokens
from app.services.datasets.export import Filters, records
from app.services.datasets.importing import import_records
from app.services.documents import import_files
from app.services.errors import ImportFailed, NotFound
from app.services.imports import batches

MB = 1 << 20
TEXT = "The minister blamed bandits.\n\nA witness said the police were shooting to kill.\n"


@pytest.fixture
def setting(app, make):
    app.config["IMPORT_PART_DOCUMENTS"] = 2
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    student = make.member(project, username="s1")
    _, teacher_secret = tokens.create_token(teacher, "test")
    _, student_secret = tokens.create_token(student, "test")
    return (project, document, teacher, {"Authorization": f"Bearer {teacher_secret}"},
            {"Authorization": f"Bearer {student_secret}"})


def files(count: int, prefix: str = "text") -> list[tuple[str, bytes]]:
    return [(f"{prefix}{i}.txt", f"{prefix.title()} number {i}.\n\nIts second passage.\n"
             .encode()) for i in range(count)]


def every(model, *where):
    return db.session.scalars(sa.select(model).where(*where).execution_options(
        include_archived=True, include_pending=True)).all()


def pending(*where):
    """Documents stored by an import not yet published."""
    return db.session.scalars(
        sa.select(Document).join(ImportBatch, ImportBatch.id == Document.import_batch_id)
        .where(ImportBatch.published_at.is_(None), *where)
        .execution_options(include_archived=True, include_pending=True)).all()


def batches_left():
    """Import batches neither published nor cleaned up."""
    return every(ImportBatch, ImportBatch.published_at.is_(None))


def on_each_part(monkeypatch, action):
    """Run `action(n)` between the parts of an import (n counts from 1)."""
    calls = []

    def between_parts():
        calls.append(1)
        action(len(calls))

    monkeypatch.setattr(batches, "between_parts", between_parts)
    return calls


def span_body(document):
    start = document.text.index("bandits")
    return {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + 7, "text": "bandits"}


def test_the_documents_of_an_unfinished_import_are_hidden_everywhere(
        client, monkeypatch, setting):
    project, document, teacher, teacher_auth, student_auth = setting
    base = f"/api/v1/projects/{project.id}"
    passages = len(document.passages)
    seen = {}

    def look(part):
        if part != 1:
            return
        stored = pending()
        seen["pending"] = len(stored)
        some = stored[0]
        seen["list"] = [d["id"] for d in client.get(f"{base}/documents",
                                                    headers=teacher_auth).json["documents"]]
        seen["get"] = client.get(f"{base}/documents/{some.id}", headers=teacher_auth).status_code
        seen["save"] = client.post(f"{base}/documents/{some.id}/spans", headers=student_auth,
                                   json=span_body(document)).status_code
        with pytest.raises(NotFound):
            projects.get_document(teacher, project.id, some.id)
        seen["rows"] = [d.id for d, _ in projects.document_rows(project)]
        seen["export"] = [r["id"] for r in records(project, Filters())]
        seen["count"] = db.session.scalar(sa.select(sa.func.count(Document.id))
                                          .where(Document.project_id == project.id))
        seen["passages"] = db.session.scalar(
            sa.select(sa.func.count(Passage.id)).join(Document)
            .where(Document.project_id == project.id))

    on_each_part(monkeypatch, look)
    added = import_files(project, files(5), MB, teacher)
    assert seen == {"pending": 2, "list": [document.id], "get": 404, "save": 404,
                    "rows": [document.id], "export": [document.id], "count": 1,
                    "passages": passages}
    listed = client.get(f"{base}/documents", headers=teacher_auth).json["documents"]
    assert [d["id"] for d in listed] == [document.id] + [d.id for d in added]
    assert batches_left() == []
    assert pending() == []


@pytest.mark.parametrize("failure", ["clash", "crash"])
def test_an_import_failing_in_its_last_part_leaves_nothing(make, monkeypatch, setting,
                                                           failure):
    project, document, teacher, *_ = setting
    upload = files(5)  # parts of 2, 2 and 1

    def fail_before_the_last(part):
        if part == 2 and failure == "clash":  # another import stores the last text first
            make.document(project, upload[-1][1].decode(), "other.txt")
        elif part == 2:
            raise RuntimeError("the server went away")

    on_each_part(monkeypatch, fail_before_the_last)
    with pytest.raises(ImportFailed if failure == "clash" else RuntimeError) as raised:
        import_files(project, upload, MB, teacher)
    if failure == "clash":
        assert "another import meanwhile" in str(raised.value.problems[0])
        assert raised.value.problems[0].file == "text4.txt"
    kept = {document.id} | ({d.id for d in every(Document, Document.source_name == "other.txt")})
    assert {d.id for d in every(Document)} == kept
    assert batches_left() == []
    assert {p.document_id for p in every(Passage)} == kept


def test_a_dataset_import_failing_after_its_texts_were_stored_leaves_nothing(
        monkeypatch, setting):
    project, document, teacher, *_ = setting
    good = {"spans": [{"layer": "rhetoric", "label": "loaded_language", "start": 0,
                       "end": 5}]}
    rows = [{"text": f"Dataset text {i}.\n", "annotators": {"newcomer": good}}
            for i in range(5)]
    rows.append({"text": TEXT, "annotators": {"newcomer": good}})  # the project's own text
    rows[4]["annotators"]["newcomer"] = {"spans": [{"layer": "rhetoric", "label": "nope",
                                                    "start": 0, "end": 5}]}
    events = len(every(AnnotationEvent))
    hidden = []
    on_each_part(monkeypatch, lambda part: hidden.append(len(pending())))
    with pytest.raises(ImportFailed) as raised:
        import_records(project, rows, "work.jsonl", teacher)
    assert "has no label 'nope'" in str(raised.value.problems[0])
    assert hidden[:3] == [2, 4, 5]  # the texts were stored before the annotations failed
    assert {d.id for d in every(Document)} == {document.id}
    assert batches_left() == []
    assert every(Span) == []
    assert every(User, User.username == "newcomer") == []
    assert len(every(AnnotationEvent)) == events


def test_a_dataset_import_shows_its_texts_and_annotations_only_once_complete(
        monkeypatch, setting):
    project, document, teacher, *_ = setting
    work = {"spans": [{"layer": "rhetoric", "label": "loaded_language", "start": 0,
                       "end": 5}]}
    rows = [{"text": f"Dataset text {i}.\n", "annotators": {"newcomer": work}}
            for i in range(4)]
    rows.append({"text": TEXT, "annotators": {"newcomer": work}})  # the project's own text
    seen = []

    def look(part):
        seen.append((
            [r["id"] for r in records(project, Filters())],
            [m.user_id for m in every(Membership, Membership.project_id == project.id)],
            len(every(Span, Span.document_id == document.id)),
            len(every(AnnotationEvent, AnnotationEvent.project_id == project.id))))

    on_each_part(monkeypatch, look)
    members = [m.user_id for m in every(Membership, Membership.project_id == project.id)]
    events = len(every(AnnotationEvent, AnnotationEvent.project_id == project.id))
    summary = import_records(project, rows, "work.jsonl", teacher)
    assert seen == [([document.id], members, 0, events)] * 2
    assert summary.documents_added == 4 and summary.documents_matched == 1
    assert len(list(records(project, Filters()))) == 5
    assert len(every(Span, Span.document_id == document.id)) == 1
    assert batches_left() == []


def test_a_text_another_import_is_storing_is_refused(make, monkeypatch, setting):
    project, _, teacher, *_ = setting
    upload = files(3)
    refused = []

    def second_import(part):
        if part == 1:
            with pytest.raises(ImportFailed) as raised:
                import_files(project, [upload[0]], MB, teacher)
            refused.append(str(raised.value.problems[0]))

    on_each_part(monkeypatch, second_import)
    import_files(project, upload, MB, teacher)
    assert refused and "being imported into this project by another import" in refused[0]


def abandoned_import(project: Project, count: int, minutes_ago: int) -> int:
    """Store documents under a batch and leave it unpublished, as a crash would."""
    batch = imports.Batch.begin(project.id, None, "crash.jsonl")
    documents = [Document(project_id=project.id, title=f"t{i}", text=f"Left {i}.\n",
                          text_sha256=f"{minutes_ago}-{i}", char_count=8, position=100 + i,
                          passages=[Passage(index=0, start=0, end=7)])
                 for i in range(count)]
    batch.store(documents)
    db.session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch.id).values(
        touched_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()
    return batch.id


def test_a_stale_import_is_cleaned_by_the_command_and_a_fresh_one_kept(runner, setting):
    project, document, *_ = setting
    fresh = abandoned_import(project, 1, minutes_ago=1)
    stale = abandoned_import(project, 3, minutes_ago=45)
    result = runner.invoke(args=["documents", "clean-imports"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unfinished import." in result.output
    assert [b.id for b in batches_left()] == [fresh]
    assert stale != fresh
    kept = {document.id} | {d.id for d in pending(Document.import_batch_id == fresh)}
    assert len(kept) == 2
    assert {d.id for d in every(Document)} == kept
    assert {p.document_id for p in every(Passage)} == kept


def test_the_next_import_cleans_a_stale_one(setting):
    project, document, teacher, *_ = setting
    abandoned_import(project, 3, minutes_ago=45)
    (added,) = import_files(project, [("one.txt", b"One more.\n")], MB, teacher)
    assert batches_left() == []
    assert {d.id for d in every(Document)} == {document.id, added.id}


def test_a_save_is_not_blocked_for_the_whole_import(app, client, monkeypatch, setting):
    project, document, teacher, _, student_auth = setting
    app.config["IMPORT_PART_DOCUMENTS"] = 20
    mid_import, saved = threading.Event(), threading.Event()
    outcome = {}

    def pause_once(part):
        if part == 2:
            mid_import.set()
            saved.wait(10)

    on_each_part(monkeypatch, pause_once)

    def run_import():
        with app.app_context():
            try:
                owner = db.session.get(User, teacher.id)
                target = db.session.get(Project, project.id)
                outcome["added"] = len(import_files(target, files(200), MB, owner))
            except Exception as error:  # reported by the assertions below
                outcome["error"] = error
                mid_import.set()
            finally:
                db.session.remove()

    worker = threading.Thread(target=run_import)
    worker.start()
    try:
        assert mid_import.wait(30), "the import never reached its second part"
        started = time.monotonic()
        response = client.post(
            f"/api/v1/projects/{project.id}/documents/{document.id}/spans",
            headers=student_auth, json=span_body(document))
        waited = time.monotonic() - started
        still_importing = worker.is_alive() and bool(batches_left())
    finally:
        saved.set()
        worker.join(60)
    assert "error" not in outcome, outcome.get("error")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert still_importing
    assert waited < 3
    assert outcome["added"] == 200


def test_a_dataset_import_checks_every_annotation_before_its_first_write(
        monkeypatch, setting):
    """New accounts included: a write takes the database's writer (SQLite's, until the
    commit), so none may go out while the annotations are still being checked."""
    from app.services.datasets import importing

    project, document, teacher, *_ = setting
    work = {"spans": [{"layer": "rhetoric", "label": "loaded_language", "start": 0,
                       "end": 5}], "rating": {"reliability": 3}}
    rows = [{"text": f"Dataset text {i}.\n", "annotators": {f"newcomer{i % 3}": work,
                                                            "s1": work}}
            for i in range(6)]
    order: list[str] = []
    checking = []

    def note_write(conn, cursor, statement, parameters, context, executemany):
        if checking and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            order.append("write")

    original = importing._Importer._annotate

    def annotate(self, doc):
        checking.append(1)
        order.append("check")
        return original(self, doc)

    monkeypatch.setattr(importing._Importer, "_annotate", annotate)
    sa.event.listen(db.engine, "before_cursor_execute", note_write)
    try:
        summary = import_records(project, rows, "work.jsonl", teacher)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note_write)
    assert order.count("check") == 6
    last_check = len(order) - 1 - order[::-1].index("check")
    assert "write" not in order[:last_check], order
    assert len(summary.accounts) == 3 and summary.spans == 12
    names = {u.username.rsplit("-", 1)[0] for u in every(User, User.role == "student")}
    assert {"newcomer0", "newcomer1", "newcomer2"} <= names
    assert len(every(Span)) == 12
    assert len(every(DocumentRating)) == 12
    events = every(AnnotationEvent, AnnotationEvent.project_id == project.id,
                   AnnotationEvent.action == "import")
    assert len(events) == 12 and all(e.owner_id is not None for e in events)
