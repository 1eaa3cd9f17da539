"""Who speaks: the innermost source span decides; names link to entities; profiles count
what each source said."""

from __future__ import annotations

import uuid

import pytest

from app.services import annotations, sources
from app.services.errors import Conflict, Forbidden
from app.services.sources import Resolver, SourceSpan, Speaker, innermost_speaker

NAMES = Resolver(entities={}, alias={})
OUTLET = Speaker("publisher", "the daily", "The Daily")


def voice(start, end, speaker=""):
    return SourceSpan(start, end, "voice", speaker, "")


def segment(start, end, embedded_from=""):
    return SourceSpan(start, end, "segment", "", embedded_from)


def test_a_span_outside_every_source_span_is_the_publishers():
    assert innermost_speaker(5, 9, [voice(20, 40, "Kasymov")], OUTLET, NAMES) == OUTLET


def test_the_innermost_voice_decides_not_the_outer_one():
    spans = [voice(0, 100, "Reporter Ivanov"), voice(10, 50, "Kasymov"),
             voice(20, 30, "a witness")]
    assert innermost_speaker(22, 28, spans, OUTLET, NAMES).label == "a witness"
    assert innermost_speaker(12, 18, spans, OUTLET, NAMES).label == "Kasymov"
    assert innermost_speaker(60, 70, spans, OUTLET, NAMES).label == "Reporter Ivanov"


def test_a_span_crossing_out_of_a_voice_belongs_to_the_voice_around_it_all():
    spans = [voice(0, 100, "Ivanov"), voice(10, 50, "Kasymov")]
    assert innermost_speaker(40, 60, spans, OUTLET, NAMES).label == "Ivanov"


def test_a_voice_without_a_name_is_unnamed_never_the_reporter():
    spans = [voice(10, 50)]
    assert innermost_speaker(12, 20, spans, OUTLET, NAMES) == sources.UNNAMED


def test_an_embedded_segment_speaks_for_its_outlet_and_a_bare_one_passes_outward():
    spans = [segment(0, 200, "RFE/RL, 2020-02-26"), segment(50, 150)]
    said = innermost_speaker(60, 70, spans, OUTLET, NAMES)
    assert (said.kind, said.label) == ("publisher", "RFE/RL")


def test_linked_names_resolve_to_their_entity():
    class Entity:
        name = "Kalmukhambet Kasymov, Interior Minister"

    names = Resolver(entities={7: Entity()}, alias={"kasymov": 7, "the minister": 7})
    for written in ("Kasymov", "  the   Minister ", "“The minister,”"):
        said = innermost_speaker(1, 2, [voice(0, 9, written)], OUTLET, names)
        assert said == Speaker("entity", "7", Entity.name)
    other = innermost_speaker(1, 2, [voice(0, 9, "Nazarbayev")], OUTLET, names)
    assert other.kind == "name" and other.key == "nazarbayev"


@pytest.fixture
def klass(make):
    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    text = ("The minister said bandits attacked the police. Witnesses disagreed.\n\n"
            "Officials said 14 people were killed in clashes with police.\n")
    document = make.document(project, text)
    document.publisher = "The Moscow Times"
    student = make.member(project, username="s1")
    return project, document, teacher, student


def mark(user, document, layer, label, needle, **attributes):
    start = document.text.index(needle)
    data = {"client_id": uuid.uuid4().hex, "layer": layer, "label": label, "start": start,
            "end": start + len(needle), "text": needle}
    if attributes:
        data["attributes"] = attributes
    return annotations.create_span(user, document, data)[0]


def test_a_teacher_links_names_at_once_and_a_student_proposes(klass):
    project, _, teacher, student = klass
    minister = sources.create_entity(project, teacher, "Kalmukhambet Kasymov", "person")
    approved = sources.link_name(project, teacher, "The Minister", minister.id)
    assert approved.status == "approved" and approved.alias == "the minister"
    proposal = sources.link_name(project, student, "Kasymov", minister.id)
    assert proposal.status == "proposed"
    assert "kasymov" not in sources.resolver(project.id).alias
    sources.review_alias(project, teacher, proposal.id, approve=True)
    assert sources.resolver(project.id).alias["kasymov"] == minister.id
    with pytest.raises(Forbidden):
        sources.create_entity(project, student, "Somebody")
    with pytest.raises(Conflict):
        sources.create_entity(project, teacher, "Kalmukhambet Kasymov")


def test_a_teachers_new_link_replaces_the_names_old_meaning(klass):
    project, _, teacher, _ = klass
    first = sources.create_entity(project, teacher, "Interior Ministry", "institution")
    second = sources.create_entity(project, teacher, "Kalmukhambet Kasymov")
    sources.link_name(project, teacher, "the minister", first.id)
    sources.link_name(project, teacher, "the minister", second.id)
    assert sources.resolver(project.id).alias["the minister"] == second.id


def test_profiles_attribute_rhetoric_and_claims_through_voices(klass, app):
    project, document, teacher, student = klass
    app.config["SOURCES_MIN_WORDS"] = 5
    mark(student, document, "source", "official_statement",
         "The minister said bandits attacked the police.", role="voice", speaker="the minister")
    mark(student, document, "rhetoric", "name_calling", "bandits")
    mark(student, document, "claim", "claim.vague_source",
         "Officials said 14 people were killed")
    minister = sources.create_entity(project, teacher, "Kalmukhambet Kasymov")
    sources.link_name(project, teacher, "The minister", minister.id)
    found = {f["ref"]: f for f in sources.comparison(project)}
    kasymov = found[f"entity:{minister.id}"]
    assert kasymov["name"] == "Kalmukhambet Kasymov"
    assert kasymov["rhetoric"] == 1 and kasymov["claims"] == 0
    assert kasymov["words"] == 7
    assert kasymov["rhetoric_per_1000"] == pytest.approx(1000 / 7)
    paper = found["publisher:the moscow times"]
    assert paper["claims"] == 1 and paper["rhetoric"] == 0
    detail = sources.profile_detail(project, f"entity:{minister.id}")
    assert [s["text"] for s in detail["statements"]] == [
        "The minister said bandits attacked the police."]
    (group,) = detail["by_label"]
    assert group["spans"][0]["text"] == "bandits" and group["spans"][0]["annotator"] == "s1"


def test_ratings_summary_and_interval_alpha(klass, make):
    project, document, _, student = klass
    other = make.member(project, username="s2")
    second = make.document(project, "Another report by the same paper.\n", name="b.txt")
    second.publisher = "The Moscow Times"
    for user, values in ((student, (5, 2)), (other, (6, 1))):
        for doc, reliability in zip((document, second), values, strict=True):
            annotations.save_rating(user, doc, {"reliability": reliability, "slant": 0,
                                                "genre": "reporting"})
    found = {f["ref"]: f for f in sources.comparison(project)}
    paper = found["publisher:the moscow times"]
    assert paper["reliability"]["n"] == 4
    assert paper["reliability"]["mean"] == pytest.approx(3.5)
    assert paper["reliability"]["low"] < 3.5 < paper["reliability"]["high"]
    assert paper["reliability"]["alpha"]["value"] is not None
    assert paper["slant"]["alpha"]["value"] is None  # no variation: undefined, said why
    assert paper["slant"]["alpha"]["why"]


def test_the_teacher_edits_a_documents_publisher_and_bad_fields_change_nothing(
        client, klass, login_as):
    from tests.conftest import csrf_token

    project, document, teacher, _ = klass
    login_as(teacher)
    url = f"/projects/{project.id}/documents/{document.id}/edit"
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "title": "New title",
                                 "publisher": "RFE/RL", "published": "2011-13-01"})
    assert bad.status_code == 200 and "Nothing was changed" in bad.get_data(as_text=True)
    assert document.publisher == "The Moscow Times" and document.title != "New title"
    good = client.post(url, data={"csrf_token": token, "title": "New title",
                                  "publisher": "  RFE/RL ", "published": "2011-12-19"})
    assert good.status_code == 302
    from app.extensions import db
    from app.models import Document

    db.session.expire_all()
    stored = db.session.get(Document, document.id)
    assert (stored.title, stored.publisher, stored.published) == ("New title", "RFE/RL",
                                                                  "2011-12-19")
    assert any(f["ref"] == "publisher:rfe/rl" for f in sources.comparison(project))


def test_rates_wait_for_enough_text_and_say_how_much_there_is(klass, app):
    project, document, teacher, student = klass
    mark(student, document, "source", "official_statement",
         "The minister said bandits attacked the police.", role="voice", speaker="the minister")
    mark(student, document, "rhetoric", "name_calling", "bandits")
    found = {f["ref"]: f for f in sources.comparison(project)}
    minister = found["name:the minister"]
    assert minister["text_words"] == 7 and minister["min_words"] == 100
    assert minister["rhetoric"] == 1
    assert minister["rhetoric_per_1000"] is None and minister["rhetoric_low"] is None
    app.config["SOURCES_MIN_WORDS"] = 5
    minister = {f["ref"]: f for f in sources.comparison(project)}["name:the minister"]
    assert minister["rhetoric_per_1000"] == pytest.approx(1000 / 7)
    # The exact Poisson interval of one event: 0.0253 to 5.57 events.
    assert minister["rhetoric_low"] == pytest.approx(0.0253 * 1000 / 7, rel=1e-2)
    assert minister["rhetoric_high"] == pytest.approx(5.572 * 1000 / 7, rel=1e-2)


def test_text_words_count_a_passage_once_however_many_students_read_it(klass, make):
    project, document, teacher, student = klass
    other = make.member(project, username="s2")
    for who in (student, other):
        mark(who, document, "source", "official_statement",
             "The minister said bandits attacked the police.", role="voice",
             speaker="the minister")
    minister = {f["ref"]: f for f in sources.comparison(project)}["name:the minister"]
    assert minister["words"] == 14 and minister["text_words"] == 7


def test_the_rate_ranking_puts_much_text_before_a_few_loud_words(app):
    from app.web.sources import SORTS

    few = {"name": "few", "rhetoric_per_1000": 200.0, "rhetoric_low": 5.0}
    many = {"name": "many", "rhetoric_per_1000": 40.0, "rhetoric_low": 30.0}
    none = {"name": "none", "rhetoric_per_1000": None, "rhetoric_low": None}
    assert [r["name"] for r in sorted([few, none, many], key=SORTS["rhetoric"])] == [
        "many", "few", "none"]


def test_chart_names_never_overlap_each_other_or_leave_the_chart():
    from app.web.sources import chart

    def row(i, r, s):
        summary = {"mean": None, "low": None, "high": None, "n": 3}
        return {"kind": "publisher", "documents": 2, "ref": f"p{i}",
                "name": f"A publisher with a long name number {i}",
                "reliability": {**summary, "mean": r}, "slant": {**summary, "mean": s}}

    # Twenty sources crowded into one corner and along the right edge.
    rows = [row(i, 6.9 - (i % 4) * 0.05, 2.9 - (i // 4) * 0.05) for i in range(20)]
    drawn = chart(rows)
    boxes = []
    for p in drawn["points"]:
        if p["lx"] is None:
            continue
        width = 6.5 * len(p["label"])
        left = p["lx"] - (width if p["anchor"] == "end" else 0)
        box = (left, p["ly"] - 11, left + width, p["ly"] + 3)
        assert box[0] >= 0 and box[2] <= drawn["width"]
        assert box[1] >= 0 and box[3] <= drawn["height"]
        for other in boxes:
            assert box[2] < other[0] or other[2] < box[0] or box[3] < other[1] or \
                other[3] < box[1], "two names overlap"
        boxes.append(box)
    assert boxes, "at least some names are drawn"


def test_the_speakers_without_a_name_are_said_in_the_readers_language(app):
    from flask_babel import force_locale

    itself = Speaker("publisher", "", "the document itself")
    with app.test_request_context(), force_locale("ru"):
        assert (sources.UNNAMED.shown, itself.shown, OUTLET.shown) \
            == ("голос без имени", "сам документ", "The Daily")
