"""Annotating through the API: exact offsets, idempotent creates, versions, nesting, privacy."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DocumentProgress, PassageTag, Span
from app.services import tokens
from app.services.errors import Invalid

EMOJI_TEXT = (
    "Family 👩\u200d👩\u200d👧 left Zhanaozen.\r\n\r\n"
    "The mayor said: \u201cbandits\u201d did it. Cafe\u0301 owners disagreed.\r\n"
)


@pytest.fixture
def setting(make):
    """A project with a document holding emoji, a ZWJ family, a combining accent and CRLF;
    a student with an API token."""
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    document = make.document(project, EMOJI_TEXT, name="crlf.txt")
    student = make.member(project, username="s1")
    _, secret = tokens.create_token(student, "test")
    base = f"/api/v1/projects/{project.id}/documents/{document.id}"
    return project, document, student, {"Authorization": f"Bearer {secret}"}, base


def new_span(document, needle, layer="rhetoric", label="loaded_language", **extra):
    start = document.text.index(needle)
    body = {"client_id": uuid.uuid4().hex, "layer": layer, "label": label, "start": start,
            "end": start + len(needle), "text": needle}
    body.update(extra)
    return body


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_text_is_canonical_before_annotating(setting):
    _, document, *_ = setting
    assert "\r" not in document.text and "Café" in document.text


def test_span_offsets_are_code_points_past_emoji(client, setting):
    _, document, _, headers, base = setting
    body = new_span(document, "bandits")
    response = client.post(base + "/spans", json=body, headers=headers)
    assert response.status_code == 201, response.json
    span = response.json
    # 👩‍👩‍👧 is 5 code points (8 UTF-16 units): offsets count code points.
    assert document.text[span["start"]:span["end"]] == "bandits"
    assert span["start"] == document.text.index("bandits")
    assert span["version"] == 1 and span["codebook_version"] == 1 and span["author"] == "s1"


def test_span_over_zwj_sequence_and_combining_accent(client, setting):
    _, document, _, headers, base = setting
    for needle in ("👩\u200d👩\u200d👧", "Café"):
        response = client.post(base + "/spans", json=new_span(document, needle), headers=headers)
        assert response.status_code == 201, response.json
        assert response.json["text"] == needle


def test_span_with_mismatched_text_is_refused_and_not_stored(client, setting):
    _, document, _, headers, base = setting
    body = new_span(document, "bandits")
    body["text"] = "bandit"
    response = client.post(base + "/spans", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"text": "does not match"}
    assert count(Span) == 0


def test_span_counted_in_utf16_units_is_refused(client, setting):
    _, document, _, headers, base = setting
    body = new_span(document, "bandits")
    utf16_start = len(document.text[:body["start"]].encode("utf-16-le")) // 2
    body.update(start=utf16_start, end=utf16_start + 7)
    assert client.post(base + "/spans", json=body, headers=headers).status_code == 400
    assert count(Span) == 0


@pytest.mark.parametrize("start,end", [(-1, 3), (5, 5), (7, 3), (0, 10_000)])
def test_span_outside_the_text_is_refused(client, setting, start, end):
    _, document, _, headers, base = setting
    body = {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": end, "text": document.text[max(start, 0):max(end, 0)]}
    assert client.post(base + "/spans", json=body, headers=headers).status_code == 400
    assert count(Span) == 0


def test_string_offsets_are_refused(client, setting):
    _, document, _, headers, base = setting
    body = new_span(document, "bandits")
    body["start"] = str(body["start"])
    assert client.post(base + "/spans", json=body, headers=headers).status_code == 400


def test_unknown_or_retired_label_is_refused(client, setting):
    project, document, _, headers, base = setting
    body = new_span(document, "bandits", label="no_such_label")
    assert client.post(base + "/spans", json=body, headers=headers).status_code == 400
    body = new_span(document, "bandits", label="appeal_to_values")  # off by default
    response = client.post(base + "/spans", json=body, headers=headers)
    assert response.status_code == 400 and "retired" in response.json["error"]["message"]
    assert count(Span) == 0


def test_retried_create_with_same_client_id_makes_one_span(client, setting):
    _, document, _, headers, base = setting
    body = new_span(document, "bandits")
    first = client.post(base + "/spans", json=body, headers=headers)
    again = client.post(base + "/spans", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert count(Span) == 1


def test_update_with_current_version_changes_span(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    start = document.text.index("\u201cbandits\u201d")
    response = client.patch(f"{base}/spans/{span['id']}", headers=headers, json={
        "version": 1, "label": "name_calling", "note": "dehumanising",
        "start": start, "end": start + 9, "text": "\u201cbandits\u201d"})
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2 and response.json["label"] == "name_calling"
    assert response.json["note"] == "dehumanising" and response.json["start"] == start


def test_stale_update_gets_409_with_current_state(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    client.patch(f"{base}/spans/{span['id']}", json={"version": 1, "note": "first tab"},
                 headers=headers)
    stale = client.patch(f"{base}/spans/{span['id']}", json={"version": 1, "note": "second tab"},
                         headers=headers)
    assert stale.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "stale_version"
    assert error["current"]["note"] == "first tab" and error["current"]["version"] == 2
    assert db.session.get(Span, span["id"]).note == "first tab"


def test_stale_delete_gets_409_and_keeps_span(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    client.patch(f"{base}/spans/{span['id']}", json={"version": 1, "note": "x"}, headers=headers)
    response = client.delete(f"{base}/spans/{span['id']}?version=1", headers=headers)
    assert response.status_code == 409
    assert count(Span) == 1


def test_delete_with_current_version_and_retry_is_harmless(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    assert client.delete(f"{base}/spans/{span['id']}?version=1", headers=headers).status_code == 204
    assert client.delete(f"{base}/spans/{span['id']}?version=1", headers=headers).status_code == 204
    assert count(Span) == 0


def test_update_of_deleted_span_gets_409_without_current(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    client.delete(f"{base}/spans/{span['id']}?version=1", headers=headers)
    response = client.patch(f"{base}/spans/{span['id']}", json={"version": 1, "note": "x"},
                            headers=headers)
    assert response.status_code == 409 and response.json["error"]["current"] is None


def test_delete_needs_a_version(client, setting):
    _, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    assert client.delete(f"{base}/spans/{span['id']}", headers=headers).status_code == 400
    assert count(Span) == 1


def test_rhetoric_spans_overlap_freely(client, setting):
    _, document, _, headers, base = setting
    start = document.text.index("The mayor")
    text = document.text
    for s, e in [(start, start + 20), (start + 5, start + 30), (start + 5, start + 30)]:
        body = {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
                "start": s, "end": e, "text": text[s:e]}
        assert client.post(base + "/spans", json=body, headers=headers).status_code == 201


def test_source_spans_nest_but_never_cross(client, setting):
    _, document, _, headers, base = setting
    outer = new_span(document, "The mayor said: \u201cbandits\u201d did it.", layer="source",
                     label="official_statement", attributes={"speaker": "the mayor"})
    assert client.post(base + "/spans", json=outer, headers=headers).status_code == 201
    inner = new_span(document, "\u201cbandits\u201d", layer="source", label="testimony")
    assert client.post(base + "/spans", json=inner, headers=headers).status_code == 201
    start = document.text.index("said")
    crossing = {"client_id": uuid.uuid4().hex, "layer": "source", "label": "testimony",
                "start": start, "end": outer["end"] + 5,
                "text": document.text[start:outer["end"] + 5]}
    response = client.post(base + "/spans", json=crossing, headers=headers)
    assert response.status_code == 400 and "cross" in response.json["error"]["message"]
    assert count(Span) == 2


def test_source_spans_nest_at_most_two_deep_inside_a_passage(client, setting):
    _, document, _, headers, base = setting
    for needle in ("The mayor said: \u201cbandits\u201d did it.", "\u201cbandits\u201d did",
                   "\u201cbandits\u201d"):
        body = new_span(document, needle, layer="source", label="testimony")
        last = client.post(base + "/spans", json=body, headers=headers)
    assert last.status_code == 400 and "deep" in last.json["error"]["message"]
    assert count(Span) == 2


def test_source_span_must_stay_inside_one_passage(client, setting):
    _, document, _, headers, base = setting
    start, end = document.text.index("Zhanaozen"), document.text.index("mayor")
    body = {"client_id": uuid.uuid4().hex, "layer": "source", "label": "testimony",
            "start": start, "end": end, "text": document.text[start:end]}
    response = client.post(base + "/spans", json=body, headers=headers)
    assert response.status_code == 400 and "passage" in response.json["error"]["message"]


def test_attributes_are_checked_against_the_layer(client, setting):
    project, document, _, headers, base = setting
    bad = [
        new_span(document, "bandits", layer="source", label="testimony",
                 attributes={"quote_form": "shouted"}),
        new_span(document, "bandits", layer="source", label="testimony",
                 attributes={"colour": "red"}),
        new_span(document, "bandits", layer="claim", label="claim.no_source",
                 attributes={"evidence": [{"kind": "url", "url": "javascript:alert(1)"}]}),
        new_span(document, "bandits", layer="claim", label="claim.no_source",
                 attributes={"evidence": [{"kind": "span", "document_id": 99999,
                                           "start": 0, "end": 3}]}),
    ]
    for body in bad:
        assert client.post(base + "/spans", json=body, headers=headers).status_code == 400
    assert count(Span) == 0
    good = new_span(document, "bandits", layer="claim", label="claim.contradicted",
                    note="officials disagree", attributes={
                        "verdict": "refuted",
                        "evidence": [{"kind": "url", "url": "https://example.org/report"},
                                     {"kind": "span", "document_id": document.id,
                                      "start": 0, "end": 6}]})
    response = client.post(base + "/spans", json=good, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["attributes"]["verdict"] == "refuted"
    assert len(response.json["attributes"]["evidence"]) == 2


def test_passage_tag_set_change_and_conflict(client, setting):
    _, document, _, headers, base = setting
    passage = document.passages[0]
    url = f"{base}/passages/{passage.id}/tag"
    first = client.put(url, json={"label": "testimony"}, headers=headers)
    assert first.status_code == 200 and first.json["version"] == 1
    retry = client.put(url, json={"label": "testimony"}, headers=headers)
    assert retry.json["version"] == 1
    changed = client.put(url, json={"label": "news_report", "version": 1}, headers=headers)
    assert changed.json["version"] == 2 and changed.json["label"] == "news_report"
    stale = client.put(url, json={"label": "forum_post", "version": 1}, headers=headers)
    assert stale.status_code == 409
    assert stale.json["error"]["current"]["label"] == "news_report"
    blind = client.put(url, json={"label": "forum_post"}, headers=headers)
    assert blind.status_code == 409
    assert client.delete(url + "?version=2", headers=headers).status_code == 204
    assert count(PassageTag) == 0


def test_passage_tag_needs_a_source_label(client, setting):
    _, document, _, headers, base = setting
    url = f"{base}/passages/{document.passages[0].id}/tag"
    assert client.put(url, json={"label": "loaded_language"}, headers=headers).status_code == 400


def test_passage_of_another_document_is_404(client, setting, make):
    project, document, _, headers, base = setting
    other = make.document(project, "Another text entirely.\n", name="other.txt")
    url = f"{base}/passages/{other.passages[0].id}/tag"
    assert client.put(url, json={"label": "testimony"}, headers=headers).status_code == 404


def test_rating_is_checked_against_the_form(client, setting):
    _, document, _, headers, base = setting
    url = base + "/rating"
    for values in ({"reliability": 8}, {"slant": "left"}, {"genre": "poetry"},
                   {"colour": 1}, {"transparency": {"author_named": "maybe"}},
                   {"reliability": "5"}):
        assert client.put(url, json={"values": values}, headers=headers).status_code == 400
    saved = client.put(url, json={"values": {"reliability": 5, "slant": "cannot_tell",
                                             "genre": "reporting",
                                             "transparency": {"author_named": "yes"}}},
                       headers=headers)
    assert saved.status_code == 200, saved.json
    assert saved.json["values"]["slant"] == "cannot_tell" and saved.json["version"] == 1
    changed = client.put(url, json={"values": {"reliability": 4, "slant": -1}, "version": 1},
                         headers=headers)
    assert changed.json["version"] == 2
    stale = client.put(url, json={"values": {"reliability": 3}, "version": 1}, headers=headers)
    assert stale.status_code == 409


def test_a_refused_value_is_explained_in_the_readers_language_with_a_code_for_programs(
        client, setting):
    """The message follows the reader's language; the field's code stays the same in any."""
    _, document, _, headers, base = setting
    rating = {"values": {"reliability": 8}}
    span = new_span(document, "bandits", layer="source", label="testimony",
                    attributes={"quote_form": "shouted"})
    answers = {}
    for language in ("en", "ru", "kk"):
        asked = {**headers, "Accept-Language": language}
        refused_rating = client.put(base + "/rating", json=rating, headers=asked)
        refused_span = client.post(base + "/spans", json=span, headers=asked)
        assert refused_rating.status_code == refused_span.status_code == 400
        answers[language] = (refused_rating.json["error"], refused_span.json["error"])
    english_rating, english_span = answers["en"]
    assert english_rating["message"] == "Rating field 'reliability': a whole number from 1 to 7"
    assert english_rating["fields"] == {"values.reliability": "scale"}
    assert english_span["message"].startswith("Attribute 'quote_form': one of ")
    assert english_span["fields"] == {"attributes.quote_form": "choice"}
    for language in ("ru", "kk"):
        rating_error, span_error = answers[language]
        assert rating_error["fields"] == english_rating["fields"]
        assert span_error["fields"] == english_span["fields"]
        assert "whole number" not in rating_error["message"]
        assert "one of" not in span_error["message"]


def test_done_needs_the_required_rating_fields(client, setting):
    _, document, student, headers, base = setting
    refused = client.put(base + "/done", json={"done": True}, headers=headers)
    assert refused.status_code == 400
    assert "Reliability" in refused.json["error"]["message"]
    client.put(base + "/rating", json={"values": {"reliability": 2, "slant": 0}}, headers=headers)
    needs_reason = client.put(base + "/done", json={"done": True}, headers=headers)
    assert "Justification" in needs_reason.json["error"]["message"]
    client.put(base + "/rating", json={"values": {"reliability": 2, "slant": 0,
                                                  "justification": "fabricated quotes"},
                                       "version": 1}, headers=headers)
    done = client.put(base + "/done", json={"done": True}, headers=headers)
    assert done.status_code == 200 and done.json == {"done": True}
    progress = db.session.scalar(sa.select(DocumentProgress))
    assert progress.user_id == student.id and progress.done_at is not None
    assert client.get(base + "/annotations", headers=headers).json["done"] is True


def test_annotator_sees_only_own_annotations(client, setting, make):
    project, document, _, headers, base = setting
    client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers)
    other = make.member(project, username="s2")
    _, secret = tokens.create_token(other, "x")
    theirs = client.get(base + "/annotations", headers={"Authorization": f"Bearer {secret}"})
    assert theirs.json["spans"] == []
    mine = client.get(base + "/annotations", headers=headers).json
    assert [s["text"] for s in mine["spans"]] == ["bandits"]


def test_annotator_cannot_touch_anothers_span(client, setting, make):
    project, document, _, headers, base = setting
    span = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers).json
    other = make.member(project, username="s2")
    _, secret = tokens.create_token(other, "x")
    theirs = {"Authorization": f"Bearer {secret}"}
    response = client.patch(f"{base}/spans/{span['id']}", json={"version": 1, "note": "mine"},
                            headers=theirs)
    assert response.status_code == 409 and response.json["error"]["current"] is None
    client.delete(f"{base}/spans/{span['id']}?version=1", headers=theirs)
    assert db.session.get(Span, span["id"]).note == ""


def test_outsider_cannot_annotate(client, setting, make):
    project, document, _, _, base = setting
    outsider = make.member(make.project(title="Elsewhere"), username="s9")
    _, secret = tokens.create_token(outsider, "x")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(base + "/annotations", headers=headers).status_code == 404
    response = client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers)
    assert response.status_code == 404
    assert count(Span) == 0


def test_project_page_shows_my_progress_per_document(client, setting, login_as):
    project, document, student, headers, base = setting
    page = lambda: client.get(f"/projects/{project.id}").get_data(as_text=True)  # noqa: E731
    login_as(student, "correct horse battery")
    assert "not started" in page()
    client.put(f"{base}/passages/{document.passages[0].id}/tag", json={"label": "testimony"},
               headers=headers)
    client.post(base + "/spans", json=new_span(document, "bandits"), headers=headers)
    assert f"1/{len(document.passages)} tagged · 1 span" in page()
    client.put(base + "/rating", json={"values": {"reliability": 5, "slant": 0}},
               headers=headers)
    client.put(base + "/done", json={"done": True}, headers=headers)
    assert 'class="badge badge-done">done<' in page()


def test_a_retry_whose_insert_clashes_answers_with_the_first_span(setting):
    """A create is not looked up before its insert: a retry (or two racing) clashes on
    client_id in the database and answers with the first span instead of failing, with
    nothing written twice, to the spans or to the log."""
    from app.models import AnnotationEvent
    from app.services import annotations as notes

    project, document, student, headers, base = setting
    body = new_span(document, "bandits")
    first, created = notes.create_span(student, document, dict(body))
    assert created
    again, created = notes.create_span(student, document, dict(body))
    assert not created and again == first
    assert count(Span) == 1 and count(AnnotationEvent) == 1


def test_a_retry_is_answered_with_its_span_even_if_the_label_was_retired_since(setting):
    """The first save worked but its answer was lost; meanwhile the teacher retired the
    label. The retry still gets the stored span, not an error that says the work is lost."""
    from app.models import Label
    from app.services import annotations as notes

    project, document, student, headers, base = setting
    body = new_span(document, "bandits")
    first, _ = notes.create_span(student, document, dict(body))
    from app.services import codebooks

    label = db.session.scalar(sa.select(Label).where(Label.key == "loaded_language"))
    codebooks.set_label_active(label, False)
    again, created = notes.create_span(student, document, dict(body))
    assert not created and again["id"] == first["id"]
    fresh = new_span(document, "Zhanaozen")
    with pytest.raises(Invalid, match="retired"):
        notes.create_span(student, document, fresh)


def test_last_activity_is_kept_to_the_minute(setting, monkeypatch):
    """The first write records the annotator's activity; writes within a minute of the
    recorded one leave it be (a statement less per click); a later write moves it on."""
    from datetime import UTC, datetime, timedelta

    from app.services import annotations as notes
    from app.services.annotations import checks

    _, document, student, *_ = setting

    def write_at(moment, needle):
        monkeypatch.setattr(checks, "utcnow", lambda: moment)  # the clock activity is read by
        notes.create_span(student, document, new_span(document, needle))
        db.session.expire_all()
        return db.session.scalar(sa.select(DocumentProgress.last_activity_at).where(
            DocumentProgress.document_id == document.id,
            DocumentProgress.user_id == student.id))

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert write_at(start, "bandits") == start
    assert write_at(start + timedelta(seconds=59), "Café") == start
    later = start + timedelta(seconds=61)
    assert write_at(later, "bandits") == later


def _change_behind(model, row_id: int, **values) -> None:
    """Before the next flush, commit a change to the row from another connection: what a
    second tab's request does between this request's read and its write."""
    def concurrent(session, flush_context, instances):
        with db.engine.begin() as connection:
            connection.execute(sa.update(model).where(model.id == row_id).values(**values))

    sa.event.listen(db.session(), "before_flush", concurrent, once=True)


def test_span_changed_between_check_and_write_gets_409(setting):
    from app.services import annotations
    from app.services.errors import StaleVersion

    _, document, student, _, _ = setting
    span, _ = annotations.create_span(student, document, new_span(document, "bandits"))
    _change_behind(Span, span["id"], version=2, note="other tab")
    with pytest.raises(StaleVersion) as raised:
        annotations.update_span(student, document, span["id"], {"version": 1, "note": "mine"})
    assert raised.value.current["note"] == "other tab" and raised.value.current["version"] == 2
    db.session.expire_all()
    assert db.session.get(Span, span["id"]).note == "other tab"


def test_span_changed_between_check_and_delete_is_kept(setting):
    from app.services import annotations
    from app.services.errors import StaleVersion

    _, document, student, _, _ = setting
    span, _ = annotations.create_span(student, document, new_span(document, "bandits"))
    _change_behind(Span, span["id"], version=2, note="other tab")
    with pytest.raises(StaleVersion):
        annotations.delete_span(student, document, span["id"], 1)
    db.session.expire_all()
    assert db.session.get(Span, span["id"]).note == "other tab"


def test_passage_tag_changed_between_check_and_write_gets_409(setting):
    from app.models import Passage
    from app.services import annotations
    from app.services.errors import StaleVersion

    _, document, student, _, _ = setting
    passage = db.session.scalar(sa.select(Passage).where(Passage.document_id == document.id))
    annotations.set_passage_tag(student, document, passage.id, "testimony")
    tag_id = db.session.scalar(sa.select(PassageTag.id).where(PassageTag.passage_id == passage.id))
    _change_behind(PassageTag, tag_id, version=2)
    with pytest.raises(StaleVersion):
        annotations.set_passage_tag(student, document, passage.id, "news_report", 1)
    db.session.expire_all()
    assert db.session.get(PassageTag, tag_id).version == 2


def test_rating_changed_between_check_and_write_gets_409(setting):
    from app.models import DocumentRating
    from app.services import annotations
    from app.services.errors import StaleVersion

    _, document, student, _, _ = setting
    annotations.save_rating(student, document, {"reliability": 3})
    rating_id = db.session.scalar(sa.select(DocumentRating.id))
    _change_behind(DocumentRating, rating_id, version=2, values={"reliability": 5})
    with pytest.raises(StaleVersion) as raised:
        annotations.save_rating(student, document, {"reliability": 1}, 1)
    assert raised.value.current["values"] == {"reliability": 5}
    db.session.expire_all()
    assert db.session.get(DocumentRating, rating_id).values == {"reliability": 5}
