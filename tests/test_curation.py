"""Adjudication: the gold key edited through the API (?as=gold), the curation view, and the
pre-merge from the annotators' majority."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import GoldKey, Label, PassageTag, Project, Span, User
from app.services import curation
from app.services.gold import gold_user_id
from tests.conftest import login


def _demo(runner) -> Project:
    result = runner.invoke(args=["demo", "load"])
    assert "Demo annotations loaded" in result.output
    return db.session.scalar(sa.select(Project))


def _gold_counts(document_id: int) -> tuple[int, int]:
    gold = gold_user_id()
    return (db.session.scalar(sa.select(sa.func.count(PassageTag.id)).where(
                PassageTag.document_id == document_id, PassageTag.user_id == gold)),
            db.session.scalar(sa.select(sa.func.count(Span.id)).where(
                Span.document_id == document_id, Span.user_id == gold)))


def test_teacher_edits_the_gold_key_through_the_api_and_it_counts_versions(client, runner):
    project = _demo(runner)
    document = project.documents[0]
    login(client, "teacher", "teacher-demo")
    token = client.get("/projects").get_data(as_text=True).split('name="csrf-token" content="')[1]
    token = token.split('"')[0]
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    headers = {"X-CSRFToken": token}
    mine = client.get(base + "/annotations").get_json()
    key = client.get(base + "/annotations?as=gold").get_json()
    assert mine["spans"] == [] and len(key["spans"]) > 0
    span = key["spans"][0]
    response = client.delete(f"{base}/spans/{span['id']}?version={span['version']}&as=gold",
                             headers=headers)
    assert response.status_code == 204
    passage = document.passages[0]
    tag = next(t for t in key["passage_tags"] if t["passage_id"] == passage.id)
    changed = client.put(f"{base}/passages/{passage.id}/tag?as=gold", headers=headers,
                         json={"label": "reference", "version": tag["version"]})
    assert changed.status_code == 200
    info = db.session.get(GoldKey, document.id)
    assert info.version == 2
    after = client.get(base + "/annotations?as=gold").get_json()
    assert len(after["spans"]) == len(key["spans"]) - 1
    assert client.get(base + "/annotations").get_json()["spans"] == []


def test_students_cannot_touch_the_gold_key(client, runner):
    project = _demo(runner)
    document = project.documents[0]
    login(client, "aigerim", "student-demo")
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    assert client.get(base + "/annotations?as=gold").status_code == 403
    assert client.get(f"/projects/{project.id}/documents/{document.id}/curate").status_code \
        == 403
    assert client.get(f"/projects/{project.id}/documents/{document.id}/annotate?as=gold"
                      ).status_code == 403
    assert client.get(base + "/annotations?as=teacher").status_code == 400


def test_curation_view_aligns_every_annotator(app, runner):
    project = _demo(runner)
    view = curation.curation(project.documents[0])
    assert view["annotators"] == ["aigerim", "daniyar", "madina"]
    assert sum(view["counts"].values()) == len(project.documents[0].passages)
    assert view["counts"]["disputed"] > 0
    rhetoric = view["layers"]["rhetoric"]["clusters"]
    assert rhetoric and all(c["proposals"] or c["gold"] for c in rhetoric)
    anonymous = curation.curation(project.documents[0], anonymous=True)
    assert anonymous["annotators"] == ["Annotator 1", "Annotator 2", "Annotator 3"]
    assert "aigerim" not in str(anonymous["passages"]) + str(anonymous["layers"])


def test_premerge_fills_an_empty_key_from_the_majority(app, make, runner):
    project = _demo(runner)
    document = project.documents[1]
    gold = gold_user_id()
    db.session.execute(sa.delete(PassageTag).where(PassageTag.document_id == document.id,
                                                   PassageTag.user_id == gold))
    db.session.execute(sa.delete(Span).where(Span.document_id == document.id,
                                             Span.user_id == gold))
    db.session.commit()
    teacher = db.session.scalar(sa.select(User).where(User.username == "teacher"))
    added = curation.premerge(document, teacher, "majority")
    tags, spans = _gold_counts(document.id)
    assert added == {"tags": tags, "spans": spans} and tags > 0 and spans > 0
    view = curation.curation(document)
    for passage in view["passages"]:
        if passage["gold"] is not None:
            votes = dict(passage["votes"])
            assert votes[passage["gold"]] * 2 > len(passage["tags"])
    again = curation.premerge(document, teacher, "majority")
    assert again == {"tags": 0, "spans": 0}  # nothing the key has is changed
    strict = curation.premerge(document, teacher, "all")
    assert strict == {"tags": 0, "spans": 0}
    assert db.session.get(GoldKey, document.id).version == 1


def test_curation_pages_render_for_the_teacher(client, runner):
    project = _demo(runner)
    login(client, "teacher", "teacher-demo")
    index = client.get(f"/projects/{project.id}/curate")
    assert index.status_code == 200 and "Disputed" in index.get_data(as_text=True)
    document = project.documents[2]
    page = client.get(f"/projects/{project.id}/documents/{document.id}/curate")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-action="accept"' in text
    assert "madina" in text
    hidden = client.get(f"/projects/{project.id}/documents/{document.id}/curate?anonymous=1")
    assert "madina" not in hidden.get_data(as_text=True)
    gold_page = client.get(f"/projects/{project.id}/documents/{document.id}/annotate?as=gold")
    assert gold_page.status_code == 200 and "gold key" in gold_page.get_data(as_text=True)


def test_blind_until_the_reveal_then_you_key_and_classmates(client, runner):
    """Before the reveal the API and pages leak nothing; after it, names follow the
    project's choice."""
    project = _demo(runner)
    project.reveal = "never"  # the demo reveals after submission; start blind
    db.session.commit()
    document = project.documents[0]
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    login(client, "aigerim", "student-demo")
    before = client.get(base + "/revealed")
    assert before.status_code == 403 and "daniyar" not in before.get_data(as_text=True)
    assert client.get(base + "/annotations?as=gold").status_code == 403
    mine = client.get(base + "/annotations").get_json()
    assert {s["author"] for s in mine["spans"]} == {"aigerim"}
    page = client.get(f"/projects/{project.id}/documents/{document.id}/compare-mine")
    assert page.status_code == 302
    project.reveal = "after_submit"  # the demo students have submitted every document
    db.session.commit()
    after = client.get(base + "/revealed").get_json()
    assert after["annotators"] == ["You", "Gold key", "Classmate 1", "Classmate 2"]
    assert "daniyar" not in str(after) and "madina" not in str(after)
    first = after["passages"][0]
    assert set(first["tags"]) == {"You", "Gold key", "Classmate 1", "Classmate 2"}
    project.reveal_anonymous = False
    db.session.commit()
    named = client.get(base + "/revealed").get_json()
    assert named["annotators"] == ["You", "Gold key", "daniyar", "madina"]
    page = client.get(f"/projects/{project.id}/documents/{document.id}/compare-mine")
    assert page.status_code == 200 and "Gold key" in page.get_data(as_text=True)


def test_the_index_summary_agrees_with_each_documents_curation(app, runner):
    project = _demo(runner)
    rows = curation.summary(project.id, list(project.documents))
    for row, document in zip(rows, project.documents, strict=True):
        view = curation.curation(document)
        assert dict(row["counts"]) == view["counts"]
        assert row["settled"] == sum(1 for p in view["passages"] if p["settled"])
        assert row["annotators"] == len(view["annotators"]) == 3


def test_a_gold_key_write_counts_a_version_only_when_it_is_stored(client, runner):
    """The version is counted in the write's own transaction: a refused write, a retry or a
    delete of what is gone already leaves it as it was."""
    project = _demo(runner)
    document = project.documents[0]
    login(client, "teacher", "teacher-demo")
    token = client.get("/projects").get_data(as_text=True).split('name="csrf-token" content="')[1]
    headers = {"X-CSRFToken": token.split('"')[0]}
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"

    def version():
        db.session.expire_all()
        info = db.session.get(GoldKey, document.id)
        return info.version if info else 0

    start = version()
    needle = document.text[:12]
    body = {"client_id": "gold-write-1", "layer": "rhetoric", "label": "loaded_language",
            "start": 0, "end": 12, "text": needle + "x"}
    assert client.post(base + "/spans?as=gold", json=body, headers=headers).status_code == 400
    assert version() == start
    body["text"] = needle
    assert client.post(base + "/spans?as=gold", json=body, headers=headers).status_code == 201
    assert version() == start + 1
    assert client.post(base + "/spans?as=gold", json=body, headers=headers).status_code == 200
    span = client.get(base + "/annotations?as=gold").get_json()["spans"][0]
    stale = client.delete(f"{base}/spans/{span['id']}?version={span['version'] + 5}&as=gold",
                          headers=headers)
    assert stale.status_code == 409
    assert version() == start + 1
    gone = f"{base}/spans/{span['id']}?version={span['version']}&as=gold"
    assert client.delete(gone, headers=headers).status_code == 204
    assert version() == start + 2
    assert client.delete(gone, headers=headers).status_code == 204  # gone already: no change
    assert version() == start + 2


def test_a_key_that_breaks_a_tie_settles_the_passage_in_both_views(app, runner):
    """Two annotators split between two source types: a key naming either settles the
    passage, a key naming a third does not, on the index and on the document's own page,
    whatever order the tags are read in."""
    project = _demo(runner)
    document = project.documents[0]
    gold = gold_user_id()
    passage = document.passages[0]
    students = db.session.scalars(sa.select(User).where(
        User.username.in_(["aigerim", "daniyar", "madina"])).order_by(User.username)).all()
    tagged = db.session.scalar(sa.select(PassageTag.label_id).where(
        PassageTag.passage_id == passage.id).limit(1))
    layer_id = db.session.get(Label, tagged).layer_id
    labels = db.session.scalars(sa.select(Label.id).where(Label.layer_id == layer_id)
                                .order_by(Label.id).limit(3)).all()
    first, second, third = labels
    db.session.execute(sa.delete(PassageTag).where(PassageTag.passage_id == passage.id,
                                                   PassageTag.user_id == students[2].id))
    for student, label in ((students[0], first), (students[1], second)):
        db.session.execute(sa.update(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == student.id)
            .values(label_id=label))
    for key, settled in ((first, True), (second, True), (third, False)):
        db.session.execute(sa.update(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == gold)
            .values(label_id=key))
        db.session.commit()
        view = curation.curation(document)
        mine = next(p for p in view["passages"] if p["id"] == passage.id)
        assert mine["status"] == "disputed" and mine["settled"] is settled
        row = curation.summary(project.id, [document])[0]
        assert row["settled"] == sum(1 for p in view["passages"] if p["settled"])


def test_the_reveal_speaks_the_students_language(client, runner):
    """Kazakh: the reason it is not open yet, then the columns "You", the key and
    "Classmate n", in Kazakh."""
    project = _demo(runner)
    project.reveal = "never"
    db.session.commit()
    document = project.documents[0]
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    login(client, "aigerim", "student-demo")
    kk = {"Accept-Language": "kk"}
    before = client.get(base + "/revealed", headers=kk).get_json()
    assert before["error"]["message"].startswith("Мұғаліміңіз бұл жобада")
    project.reveal = "after_submit"
    project.reveal_anonymous = True
    db.session.commit()
    after = client.get(base + "/revealed", headers=kk).get_json()
    assert after["annotators"] == ["Сіз", "Жауаптар кілті", "Сыныптас 1", "Сыныптас 2"]
    page = client.get(f"/projects/{project.id}/documents/{document.id}/compare-mine",
                      headers=kk).get_data(as_text=True)
    assert "Сыныптас 2" in page and "Classmate" not in page
