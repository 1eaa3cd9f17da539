"""Editing the codebook: labels, order, retiring, poles and the version annotations record."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Codebook, Label, PassageTag, Project, Span
from app.services import codebooks, tokens
from app.services.errors import Conflict, Invalid, NotFound


@pytest.fixture
def project(make) -> Project:
    return make.project(make.user("t1", role="teacher"))


def label_of(project: Project, layer_key: str, key: str) -> Label:
    layer = codebooks.get_layer(project.codebook, layer_key)
    return next(label for label in layer.labels if label.key == key)


def keys(project: Project, layer_key: str) -> list[str]:
    return [label.key for label in codebooks.get_layer(project.codebook, layer_key).labels]


def positions(project: Project, layer_key: str) -> list[int]:
    return [label.position for label in codebooks.get_layer(project.codebook, layer_key).labels]


def snapshot(project: Project) -> dict:
    """Everything an edit could touch, to show a refused edit changed nothing."""
    db.session.expire_all()
    data = codebooks.codebook_as_dict(project.codebook)
    return {"version": project.codebook.version, "updated_at": project.codebook.updated_at,
            "data": data}


def make_span(make, project: Project, label: Label, doc=None) -> Span:
    doc = doc or make.document(project)
    span = Span(document_id=doc.id, user_id=project.memberships[0].user_id, layer=label.layer,
                label=label, client_id="abcdefgh", start=0, end=5, codebook_version=1)
    db.session.add(span)
    db.session.commit()
    return span


# --- adding labels -------------------------------------------------------------------------

def test_add_label_appends_it_and_bumps_the_version(project):
    codebook = project.codebook
    before = codebook.updated_at
    label = codebooks.add_label(codebook, "claim", "claim.cherry_picked", " Cherry-picked data ",
                                definition="Only the figures that suit the claim.",
                                example="Crime rose 40% in one district.", shortcut="p",
                                color="#12ab9f")
    assert codebook.version == 2 and codebook.updated_at > before
    assert label.position == 6 and label.active and label.name == "Cherry-picked data"
    assert label.color == "#12AB9F" and label.shortcut == "p"
    assert keys(project, "claim")[-1] == "claim.cherry_picked"
    assert positions(project, "claim") == list(range(7))
    data = codebooks.codebook_as_dict(codebook)
    assert data["version"] == 2
    entry = data["layers"][2]["labels"][-1]
    assert entry["id"] == label.id and entry["position"] == 6 and entry["in_use"] == 0


def test_add_label_defaults(project):
    label = codebooks.add_label(project.codebook, "source", "press_release", "Press release")
    assert (label.definition, label.example, label.shortcut, label.color) == (
        "", "", "", codebooks.DEFAULT_COLOR)


@pytest.mark.parametrize(("changes", "field"), [
    ({"key": "Loaded"}, "key"),
    ({"key": "1st"}, "key"),
    ({"key": "two words"}, "key"),
    ({"key": "dash-key"}, "key"),
    ({"key": ""}, "key"),
    ({"key": "k" * 81}, "key"),
    ({"key": "loaded_language"}, "key"),      # taken in the layer
    ({"key": "obfuscation"}, "key"),          # taken by a retired label
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"color": "red"}, "color"),
    ({"color": "#12345"}, "color"),
    ({"color": "#GG0000"}, "color"),
    ({"shortcut": "ab"}, "shortcut"),
    ({"shortcut": "L"}, "shortcut"),          # lower-cased: loaded_language has "l"
    ({"shortcut": "-"}, "shortcut"),
    ({"shortcut": "😀"}, "shortcut"),
    ({"shortcut": "дд"}, "shortcut"),
    ({"shortcut": "д"}, "shortcut"),          # the L key on a Russian keyboard: "l"'s
    ({"shortcut": "х"}, "shortcut"),          # the [ key, the word caret's
    ({"shortcut": "l"}, "shortcut"),          # loaded_language has it
    ({"definition": "d" * 2001}, "definition"),
    ({"example": "e" * 1001}, "example"),
    ({"group": "no_such_group"}, "group"),
])
def test_add_label_refuses_bad_input_and_changes_nothing(project, changes, field):
    before = snapshot(project)
    values = {"key": "new_label", "name": "New label"} | changes
    with pytest.raises(Invalid) as caught:
        codebooks.add_label(project.codebook, "rhetoric", **values)
    assert field in caught.value.fields and caught.value.message
    assert snapshot(project) == before


@pytest.mark.parametrize(("language", "expected"), [
    ("kk", ["Белгінің атауы болуы керек.", "Анықтамасы тым ұзын", "«Official / institutional "
            "statement» белгісі бұрыннан пайдаланады"]),
    ("ru", ["У метки должно быть название.", "Определение слишком длинное", "уже занята меткой "
            "«Official / institutional statement»"])])
def test_label_refusals_are_in_the_readers_language(app, project, language, expected):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(language), pytest.raises(Invalid) as caught:
        codebooks.add_label(project.codebook, "source", "new_label", "", definition="d" * 2001,
                            shortcut="o")
    for words in expected:
        assert words in caught.value.message
    assert set(caught.value.fields) == {"name", "definition", "shortcut"}


def test_add_label_accepts_the_limits(project):
    label = codebooks.add_label(project.codebook, "rhetoric", "k" * 80, "n" * 200,
                                definition="d" * 2000, example="e" * 1000, shortcut="9",
                                group="call")
    assert label.group == "call" and len(label.key) == 80


def test_add_label_to_an_unknown_layer_is_not_found(project):
    with pytest.raises(NotFound):
        codebooks.add_label(project.codebook, "nope", "x", "X")
    assert project.codebook.version == 1


def test_a_retired_labels_shortcut_does_not_block_new_labels(project):
    assert not label_of(project, "rhetoric", "appeal_to_values").active  # shortcut v
    label = codebooks.add_label(project.codebook, "rhetoric", "virtue", "Virtue", shortcut="v")
    assert label.shortcut == "v"


def test_the_same_key_may_be_used_in_another_layer(project):
    codebooks.add_label(project.codebook, "claim", "testimony", "Testimony as a claim")
    assert "testimony" in keys(project, "claim")


# --- updating labels -----------------------------------------------------------------------

def test_rename_recolour_and_redefine_bump_the_version_and_keep_the_key(project):
    label = label_of(project, "source", "news_report")
    assert codebooks.update_label(label, name="Reporting", color="#000000",
                                  definition="The outlet's own voice.", example="", shortcut="j")
    assert project.codebook.version == 2
    assert (label.key, label.name, label.color, label.shortcut, label.example) == (
        "news_report", "Reporting", "#000000", "j", "")
    assert codebooks.update_label(label, name="Reporting again")
    assert project.codebook.version == 3


def test_an_edit_that_changes_nothing_does_not_bump_the_version(project):
    label = label_of(project, "source", "news_report")
    assert not codebooks.update_label(label, name=" News reporting ", color="#4c78a8",
                                      shortcut="n", definition=label.definition + "\r\n")
    assert not codebooks.update_label(label)
    assert project.codebook.version == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"color": "blue"}, "color"),
    ({"shortcut": "OO"}, "shortcut"),
    ({"shortcut": "o"}, "shortcut"),          # official_statement has it
    ({"definition": "d" * 2001}, "definition"),
    ({"example": "e" * 1001}, "example"),
    ({"name": "Fine", "color": "nope"}, "color"),  # one bad field refuses the whole edit
])
def test_update_label_refuses_bad_input_and_changes_nothing(project, changes, field):
    before = snapshot(project)
    label = label_of(project, "source", "news_report")
    with pytest.raises(Invalid) as caught:
        codebooks.update_label(label, **changes)
    assert field in caught.value.fields
    assert snapshot(project) == before


def test_shortcut_message_names_the_label_that_has_it(project):
    with pytest.raises(Invalid, match="Official / institutional statement"):
        codebooks.update_label(label_of(project, "source", "news_report"), shortcut="o")


@pytest.mark.parametrize(("given", "stored"), [
    ("т", "т"),             # Cyrillic, the N key on a Russian layout (news_report has n)
    ("Ж", "ж"),             # lower-cased
    ("ғ", "ғ"),             # Kazakh, on the digit row (5)
    ("ب", "ب"),             # Arabic: no fixed key, matched by the letter typed
    ("e\u0301", "é"),       # one grapheme, stored composed
    ("Q", "q"),
    ("7", "7"),
])
def test_a_shortcut_may_be_any_single_letter_of_any_script(project, given, stored):
    label = label_of(project, "source", "testimony")  # t
    codebooks.update_label(label_of(project, "source", "news_report"), shortcut="")
    assert codebooks.update_label(label, shortcut=given)
    assert label.shortcut == stored


def test_a_letter_on_the_same_physical_key_as_a_taken_one_is_refused(project):
    # "т" is where "n" is on a Russian or Kazakh keyboard: one key press, two labels.
    with pytest.raises(Invalid, match="News reporting.*same key") as caught:
        codebooks.update_label(label_of(project, "source", "testimony"), shortcut="т")
    assert caught.value.fields == {"shortcut": "taken"}
    # "і" is the Kazakh layout's 3 key: a label on "3" takes it.
    codebooks.update_label(label_of(project, "source", "testimony"), shortcut="3")
    with pytest.raises(Invalid, match="same key"):
        codebooks.update_label(label_of(project, "source", "reference"), shortcut="і")


def test_the_codebook_says_which_physical_key_each_shortcut_is(project):
    codebooks.update_label(label_of(project, "source", "news_report"), shortcut="ә")
    data = codebooks.codebook_as_dict(project.codebook, with_usage=False)
    codes = {label["key"]: label["shortcut_code"] for label in data["layers"][0]["labels"]}
    assert codes["news_report"] == "Digit2" and codes["official_statement"] == "KeyO"


def test_a_label_may_drop_its_shortcut(project):
    label = label_of(project, "source", "news_report")
    assert codebooks.update_label(label, shortcut="")
    assert label.shortcut == ""
    codebooks.update_label(label_of(project, "source", "testimony"), shortcut="n")


# --- order ---------------------------------------------------------------------------------

def test_move_label_reorders_within_its_layer(project):
    label = label_of(project, "source", "non_content")
    assert codebooks.move_label(label, 0)
    assert keys(project, "source") == ["non_content", "news_report", "official_statement",
                                       "testimony", "forum_post", "opinion_analysis", "reference"]
    assert positions(project, "source") == list(range(7))
    assert project.codebook.version == 2
    assert codebooks.move_label(label_of(project, "source", "news_report"), 6)
    assert keys(project, "source")[-1] == "news_report"
    assert positions(project, "source") == list(range(7))
    assert keys(project, "rhetoric")[0] == "loaded_language"  # other layers untouched


def test_moving_to_the_same_place_changes_nothing(project):
    assert not codebooks.move_label(label_of(project, "source", "testimony"), 2)
    assert project.codebook.version == 1


@pytest.mark.parametrize("position", [-1, 7, 100, True, "1", None])
def test_move_label_refuses_positions_outside_the_layer(project, position):
    before = snapshot(project)
    with pytest.raises(Invalid):
        codebooks.move_label(label_of(project, "source", "testimony"), position)
    assert snapshot(project) == before


def test_shift_label_steps_over_labels_of_the_other_status(project):
    codebooks.set_label_active(label_of(project, "source", "official_statement"), False)
    assert codebooks.shift_label(label_of(project, "source", "testimony"), -1)
    order = keys(project, "source")
    assert order.index("testimony") < order.index("news_report")
    assert positions(project, "source") == list(range(7))
    version = project.codebook.version
    assert not codebooks.shift_label(label_of(project, "source", "testimony"), -1)  # at the top
    assert project.codebook.version == version


# --- retiring ------------------------------------------------------------------------------

def test_retire_and_bring_back(project):
    label = label_of(project, "source", "forum_post")
    assert codebooks.set_label_active(label, False)
    assert not label.active and project.codebook.version == 2
    assert not codebooks.set_label_active(label, False)
    assert project.codebook.version == 2
    assert codebooks.set_label_active(label, True)
    assert label.active and project.codebook.version == 3


def test_a_retired_labels_shortcut_can_be_taken_but_then_it_cannot_come_back(project):
    retired = label_of(project, "source", "forum_post")  # shortcut f
    codebooks.set_label_active(retired, False)
    codebooks.update_label(label_of(project, "source", "reference"), shortcut="f")
    before = snapshot(project)
    with pytest.raises(Invalid, match=r"'f'.*Reference / background") as caught:
        codebooks.set_label_active(retired, True)
    assert caught.value.fields == {"shortcut": "taken"}
    assert snapshot(project) == before
    # It keeps its shortcut while retired; a free one lets it come back.
    assert retired.shortcut == "f"
    assert codebooks.update_label(retired, shortcut="q")
    assert codebooks.set_label_active(retired, True)


def test_a_retired_label_may_keep_a_shortcut_an_active_one_uses(project):
    retired = label_of(project, "rhetoric", "obfuscation")
    assert codebooks.update_label(retired, shortcut="l", name="Vagueness")
    assert retired.shortcut == "l"


def test_edit_label_changes_several_things_in_one_version(project):
    label = label_of(project, "source", "forum_post")
    assert codebooks.edit_label(label, name="User post", position=0, active=False)
    assert project.codebook.version == 2
    assert (label.name, label.position, label.active) == ("User post", 0, False)
    before = snapshot(project)
    with pytest.raises(Invalid):
        codebooks.edit_label(label, name="Again", position=99)
    assert snapshot(project) == before


def test_edit_label_brings_back_with_a_new_shortcut(project):
    retired = label_of(project, "claim", "claim.interested_source")  # i
    codebooks.update_label(label_of(project, "claim", "claim.no_source"), shortcut="i")
    assert codebooks.edit_label(retired, shortcut="z", active=True)
    assert retired.active and retired.shortcut == "z"


# --- deleting and annotations --------------------------------------------------------------

def test_delete_an_unused_label(project):
    label = label_of(project, "source", "testimony")
    assert codebooks.label_in_use(label) == 0
    codebooks.delete_label(label)
    assert "testimony" not in keys(project, "source")
    assert positions(project, "source") == list(range(6))
    assert project.codebook.version == 2


def test_a_label_in_use_cannot_be_deleted_but_can_be_retired_and_renamed(make, project):
    label = label_of(project, "source", "testimony")
    span = make_span(make, project, label)
    label_id = label.id
    assert codebooks.label_in_use(label) == 1
    before = snapshot(project)
    with pytest.raises(Conflict, match=r"1 annotation\b.*[Rr]etire") as caught:
        codebooks.delete_label(label)
    assert caught.value.fields == {"label": "in use"}
    assert snapshot(project) == before

    codebooks.set_label_active(label, False)
    codebooks.update_label(label, name="Eyewitness account", color="#000000")
    db.session.expire_all()
    span = db.session.get(Span, span.id)
    assert span.label_id == label_id
    assert span.label.key == "testimony" and span.label.name == "Eyewitness account"
    assert not span.label.active and span.codebook_version == 1
    assert project.codebook.version == 3
    entry = next(lb for lb in codebooks.codebook_as_dict(project.codebook)["layers"][0]["labels"]
                 if lb["id"] == label_id)
    assert entry["in_use"] == 1 and entry["key"] == "testimony"


def test_passage_tags_count_as_use(make, project):
    label = label_of(project, "source", "news_report")
    doc = make.document(project)
    db.session.add(PassageTag(passage_id=doc.passages[0].id, document_id=doc.id,
                              user_id=project.memberships[0].user_id, label=label,
                              codebook_version=1))
    db.session.commit()
    make_span(make, project, label, doc)
    assert codebooks.label_in_use(label) == 2
    with pytest.raises(Conflict, match="2 annotations"):
        codebooks.delete_label(label)
    assert codebooks.usage_counts(project.codebook) == {label.id: 2}


def test_codebooks_of_other_projects_do_not_share_labels(make, project):
    other = make.project(title="Other")
    label = label_of(other, "source", "news_report")
    with pytest.raises(NotFound):
        codebooks.get_label(project.codebook, label.id)


# --- poles ---------------------------------------------------------------------------------

def test_set_poles_stores_a_new_form(project):
    codebook = project.codebook
    assert codebooks.set_poles(codebook, " Favours the company ", "Favours the strikers")
    assert codebook.version == 2
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Codebook).where(Codebook.id == codebook.id))
    assert codebooks.slant_field(stored)["poles"] == {"negative": "Favours the company",
                                                      "positive": "Favours the strikers"}
    assert stored.document_form["fields"][0]["key"] == "reliability"
    assert not codebooks.set_poles(codebook, "Favours the company", "Favours the strikers")
    assert codebook.version == 2


@pytest.mark.parametrize(("negative", "positive", "field"), [
    ("", "Strikers", "negative"),
    ("Company", "  ", "positive"),
    ("x" * 201, "Strikers", "negative"),
])
def test_set_poles_refuses_empty_or_long_poles(project, negative, positive, field):
    before = snapshot(project)
    with pytest.raises(Invalid) as caught:
        codebooks.set_poles(project.codebook, negative, positive)
    assert field in caught.value.fields
    assert snapshot(project) == before


def test_set_poles_needs_a_slant_field(project):
    codebook = project.codebook
    codebook.document_form = {"fields": [{"key": "reliability"}]}
    db.session.commit()
    with pytest.raises(Invalid, match="no slant"):
        codebooks.set_poles(codebook, "A", "B")
    assert codebook.version == 1


# --- the API -------------------------------------------------------------------------------

API = "/api/v1/projects/{}/codebook"


def bearer(user) -> dict[str, str]:
    _, secret = tokens.create_token(user, "script")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def teacher_api(project):
    teacher = project.memberships[0].user
    return API.format(project.id), bearer(teacher)


def api_label(body: dict, layer: str, key: str) -> dict:
    labels = next(lay for lay in body["layers"] if lay["key"] == layer)["labels"]
    return next(label for label in labels if label["key"] == key)


def test_api_adds_a_label(client, project, teacher_api):
    url, headers = teacher_api
    response = client.post(url + "/labels", headers=headers, json={
        "layer": "claim", "key": "claim.cherry_picked", "name": "Cherry-picked data",
        "shortcut": "p", "color": "#123456"})
    assert response.status_code == 201, response.json
    assert response.json["version"] == 2
    label = api_label(response.json, "claim", "claim.cherry_picked")
    assert label["position"] == 6 and label["in_use"] == 0 and label["active"]
    assert isinstance(label["id"], int)


def test_api_refuses_bad_labels_with_fields(client, project, teacher_api):
    url, headers = teacher_api
    response = client.post(url + "/labels", headers=headers, json={
        "layer": "claim", "key": "Bad Key", "name": "X"})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"key": "invalid"}
    response = client.post(url + "/labels", headers=headers, json={
        "layer": "nope", "key": "x", "name": "X"})
    assert response.status_code == 404
    assert project.codebook.version == 1


def test_api_patches_a_label_in_one_version(client, project, teacher_api):
    url, headers = teacher_api
    label = label_of(project, "source", "forum_post")
    response = client.patch(f"{url}/labels/{label.id}", headers=headers, json={
        "name": "User post", "color": "#000000", "position": 0, "active": False})
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2
    out = api_label(response.json, "source", "forum_post")
    assert (out["name"], out["color"], out["position"], out["active"]) == (
        "User post", "#000000", 0, False)
    response = client.patch(f"{url}/labels/{label.id}", headers=headers, json={
        "position": "first"})
    assert response.status_code == 400
    response = client.patch(f"{url}/labels/{label.id}", headers=headers, json={
        "key": "renamed"})
    assert response.status_code == 400  # the key never changes
    assert client.get(url, headers=headers).json["version"] == 2


def test_api_delete_answers_409_when_in_use(client, make, project, teacher_api):
    url, headers = teacher_api
    used = label_of(project, "source", "testimony")
    make_span(make, project, used)
    response = client.delete(f"{url}/labels/{used.id}", headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert "Retire" in response.json["error"]["message"]
    unused = label_of(project, "source", "reference")
    response = client.delete(f"{url}/labels/{unused.id}", headers=headers)
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert "reference" not in [lb["key"] for lb in response.json["layers"][0]["labels"]]


def test_api_sets_poles(client, project, teacher_api):
    url, headers = teacher_api
    response = client.put(url + "/poles", headers=headers,
                          json={"negative": "Government", "positive": "Protesters"})
    assert response.status_code == 200
    slant = next(f for f in response.json["document_form"]["fields"] if f["key"] == "slant")
    assert slant["poles"] == {"negative": "Government", "positive": "Protesters"}
    response = client.put(url + "/poles", headers=headers, json={"negative": "Government"})
    assert response.status_code == 400


def test_api_is_for_the_projects_teachers(client, make, project):
    label = label_of(project, "source", "news_report")
    url = API.format(project.id)
    student = bearer(make.member(project, username="s1"))
    outsider = bearer(make.user("t2", role="teacher"))
    calls = [("post", url + "/labels", {"layer": "claim", "key": "x", "name": "X"}),
             ("patch", f"{url}/labels/{label.id}", {"name": "Mine"}),
             ("delete", f"{url}/labels/{label.id}", None),
             ("put", url + "/poles", {"negative": "A", "positive": "B"})]
    for method, path, body in calls:
        assert getattr(client, method)(path, headers=student, json=body).status_code == 403
        assert getattr(client, method)(path, headers=outsider, json=body).status_code == 404
    assert client.get(url, headers=student).status_code == 200  # students read it
    assert project.codebook.version == 1


def test_api_does_not_reach_another_projects_labels(client, make, project, teacher_api):
    url, headers = teacher_api
    other = make.project(title="Other")
    foreign = label_of(other, "source", "news_report")
    assert client.patch(f"{url}/labels/{foreign.id}", headers=headers,
                        json={"name": "Hijacked"}).status_code == 404
    assert client.delete(f"{url}/labels/{foreign.id}", headers=headers).status_code == 404
    assert label_of(other, "source", "news_report").name == "News reporting"


def test_api_session_writes_need_the_csrf_header(client, project, login_as):
    token = login_as(project.memberships[0].user)
    url = API.format(project.id) + "/poles"
    body = {"negative": "A", "positive": "B"}
    assert client.put(url, json=body).status_code == 400
    assert client.put(url, json=body, headers={"X-CSRFToken": token}).status_code == 200


def test_openapi_lists_the_codebook_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    base = "/api/v1/projects/{project_id}/codebook"
    assert "post" in paths[base + "/labels"]
    assert {"patch", "delete"} <= set(paths[base + "/labels/{label_id}"])
    assert "409" in paths[base + "/labels/{label_id}"]["delete"]["responses"]
    assert "put" in paths[base + "/poles"]


# --- the page ------------------------------------------------------------------------------

PAGE = "/projects/{}/codebook"


def test_project_page_links_to_the_codebook(client, project, login_as):
    login_as(project.memberships[0].user)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'href="/projects/{project.id}/codebook"' in page


def test_teacher_sees_the_guidelines_with_edit_forms(client, project, login_as):
    login_as(project.memberships[0].user)
    response = client.get(PAGE.format(project.id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    label = label_of(project, "source", "news_report")
    assert "Version <strong>1</strong>" in page
    assert f'action="/projects/{project.id}/codebook/labels/{label.id}"' in page
    assert f'/codebook/labels/{label.id}/move"' in page
    assert f'/codebook/labels/{label.id}/retire"' in page
    assert f'/codebook/labels/{label.id}/delete"' in page
    assert f'action="/projects/{project.id}/codebook/layers/rhetoric/labels"' in page
    assert f'action="/projects/{project.id}/codebook/poles"' in page
    assert 'type="color"' in page
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither


def test_student_sees_guidelines_without_edit_forms(client, make, project, login_as):
    login_as(make.member(project, username="s1"))
    response = client.get(PAGE.format(project.id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    label = label_of(project, "source", "news_report")
    assert label.definition.replace("'", "&#39;") in page
    assert "Hundreds of oil workers held a third day of protests" in page
    assert "Example from the sample texts" in page  # no raw file name
    assert f'data-color="{label.color}"' in page
    assert re.search(r"<kbd[^>]*>n</kbd>", page)
    assert "Retired" in page and "Appeal to values" in page
    assert "Favours the authorities" in page and "Reliability" in page
    assert "/codebook/labels/" not in page and "/codebook/poles" not in page
    assert "Add a label" not in page and 'type="color"' not in page
    assert "Version <strong>1</strong>" in page


def test_outsiders_do_not_see_the_codebook(client, make, project, login_as):
    login_as(make.user("t2", role="teacher"))
    assert client.get(PAGE.format(project.id)).status_code == 404


def test_retired_labels_are_listed_apart(client, project, login_as):
    login_as(project.memberships[0].user)
    page = client.get(PAGE.format(project.id)).get_data(as_text=True)
    retired_part = page.split("<h3>Retired</h3>", 1)[1].split("</section>", 1)[0]
    assert "Appeal to values" in retired_part and "is-retired" in retired_part
    assert "Loaded language" not in retired_part
    assert "Bring back" in retired_part


def test_teacher_edits_a_label_in_the_page(client, project, login_as):
    token = login_as(project.memberships[0].user)
    label = label_of(project, "source", "news_report")
    url = f"{PAGE.format(project.id)}/labels/{label.id}"
    response = client.post(url, data={"csrf_token": token, "name": "Reporting",
                                      "color": "#112233", "definition": "Own voice."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/codebook#label-{label.id}")
    label = label_of(project, "source", "news_report")
    assert (label.name, label.color, label.definition) == ("Reporting", "#112233", "Own voice.")
    assert label.example and label.shortcut == "n"  # fields not posted stay as they were
    assert project.codebook.version == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "version 2" in page and "Version <strong>2</strong>" in page


def test_a_refused_page_edit_flashes_the_reason_and_changes_nothing(client, project, login_as):
    token = login_as(project.memberships[0].user)
    label = label_of(project, "source", "news_report")
    response = client.post(f"{PAGE.format(project.id)}/labels/{label.id}", follow_redirects=True,
                           data={"csrf_token": token, "name": "Reporting", "shortcut": "o"})
    page = response.get_data(as_text=True)
    assert "flash-error" in page and "already used by" in page
    assert label_of(project, "source", "news_report").name == "News reporting"
    assert project.codebook.version == 1


def test_a_cyrillic_shortcut_is_set_in_the_page_and_a_bad_one_is_named(client, project,
                                                                      login_as, teacher_api):
    token = login_as(project.memberships[0].user)
    label = label_of(project, "source", "testimony")
    url = f"{PAGE.format(project.id)}/labels/{label.id}"
    page = client.get(PAGE.format(project.id)).get_data(as_text=True)
    assert 'pattern="[a-z0-9]"' not in page  # the browser's bare "match the format" is gone
    assert client.post(url, data={"csrf_token": token, "shortcut": "Ж"}).status_code == 302
    assert label_of(project, "source", "testimony").shortcut == "ж"
    response = client.post(url, follow_redirects=True, data={"csrf_token": token,
                                                             "shortcut": "!"})
    assert "flash-error" in response.get_data(as_text=True)
    assert "The shortcut key &#39;!&#39; is not one letter" in response.get_data(as_text=True)
    api, headers = teacher_api
    response = client.patch(f"{api}/labels/{label.id}", headers=headers, json={"shortcut": "12"})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"shortcut": "invalid"}
    assert label_of(project, "source", "testimony").shortcut == "ж"


def test_unchanged_page_edit_says_so(client, project, login_as):
    token = login_as(project.memberships[0].user)
    label = label_of(project, "source", "news_report")
    response = client.post(f"{PAGE.format(project.id)}/labels/{label.id}", follow_redirects=True,
                           data={"csrf_token": token, "name": label.name,
                                 "color": label.color.lower()})
    assert "Nothing changed." in response.get_data(as_text=True)
    assert project.codebook.version == 1


def test_teacher_adds_moves_retires_restores_and_deletes_in_the_page(client, project, login_as):
    token = login_as(project.memberships[0].user)
    base = PAGE.format(project.id)
    response = client.post(f"{base}/layers/claim/labels", data={
        "csrf_token": token, "key": "claim.cherry_picked", "name": "Cherry-picked data",
        "shortcut": "p", "color": "#123456", "definition": "Only the figures that suit."})
    assert response.status_code == 302
    label = label_of(project, "claim", "claim.cherry_picked")
    assert response.headers["Location"].endswith(f"#label-{label.id}")
    assert project.codebook.version == 2

    client.post(f"{base}/labels/{label.id}/move", data={"csrf_token": token, "direction": "up"})
    assert keys(project, "claim").index("claim.cherry_picked") == 4
    client.post(f"{base}/labels/{label.id}/retire", data={"csrf_token": token})
    assert not label_of(project, "claim", "claim.cherry_picked").active
    client.post(f"{base}/labels/{label.id}/restore", data={"csrf_token": token})
    assert label_of(project, "claim", "claim.cherry_picked").active
    client.post(f"{base}/labels/{label.id}/delete", data={"csrf_token": token})
    assert "claim.cherry_picked" not in keys(project, "claim")
    assert project.codebook.version == 6


def test_page_refuses_a_bad_new_label(client, project, login_as):
    token = login_as(project.memberships[0].user)
    response = client.post(f"{PAGE.format(project.id)}/layers/claim/labels",
                           follow_redirects=True,
                           data={"csrf_token": token, "key": "Bad key", "name": "X"})
    assert "A key starts with a lowercase letter" in response.get_data(as_text=True)
    assert project.codebook.version == 1


def test_used_labels_offer_no_delete_button_and_refuse_deletion(client, make, project,
                                                                login_as):
    label = label_of(project, "source", "testimony")
    make_span(make, project, label)
    token = login_as(project.memberships[0].user)
    page = client.get(PAGE.format(project.id)).get_data(as_text=True)
    assert f"/labels/{label.id}/delete" not in page
    assert f"/labels/{label.id}/retire" in page and "1 annotation<" in page
    response = client.post(f"{PAGE.format(project.id)}/labels/{label.id}/delete",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert "testimony" in keys(project, "source")


def test_teacher_sets_poles_in_the_page(client, project, login_as):
    token = login_as(project.memberships[0].user)
    response = client.post(f"{PAGE.format(project.id)}/poles", follow_redirects=True, data={
        "csrf_token": token, "negative": "Favours the company", "positive": "Favours labour"})
    page = response.get_data(as_text=True)
    assert "Saved the slant poles." in page and "Favours labour" in page
    assert codebooks.slant_field(project.codebook)["poles"]["positive"] == "Favours labour"
    assert project.codebook.version == 2


def test_students_cannot_post_codebook_edits(client, make, project, login_as):
    token = login_as(make.member(project, username="s1"))
    label = label_of(project, "source", "news_report")
    base = PAGE.format(project.id)
    for path, data in [(f"{base}/labels/{label.id}", {"name": "Mine"}),
                       (f"{base}/labels/{label.id}/retire", {}),
                       (f"{base}/labels/{label.id}/delete", {}),
                       (f"{base}/layers/source/labels", {"key": "mine", "name": "Mine"}),
                       (f"{base}/poles", {"negative": "A", "positive": "B"})]:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
    assert project.codebook.version == 1


def test_page_posts_need_the_csrf_token(client, project, login_as):
    login_as(project.memberships[0].user)
    label = label_of(project, "source", "news_report")
    response = client.post(f"{PAGE.format(project.id)}/labels/{label.id}", data={"name": "X"})
    assert response.status_code == 400
    assert project.codebook.version == 1


def test_rating_conditions_read_as_words():
    from app.web.codebook import condition_words

    fields = [{"key": "reliability", "name": "Reliability"}, {"key": "slant", "name": "Slant"}]
    assert condition_words("reliability <= 2 or abs(slant) == 3", fields) == \
        "Reliability is 2 or less, or Slant is −3 or +3"
    assert condition_words("slant == -2", fields) == "Slant is −2"
    # Another shape stays as written rather than being misread.
    assert condition_words("reliability + slant > 3", fields) == "reliability + slant > 3"
    assert condition_words("unknown <= 2", fields) == "unknown <= 2"


def test_codebook_page_names_examples_by_document_title_not_file(client, make, login_as):
    from pathlib import Path

    from app.services.documents import import_seeds

    teacher = make.user("tc", role="teacher")
    project = make.project(teacher)
    import_seeds(project, Path(__file__).resolve().parent.parent / "seeds", 2 * 1024 * 1024)
    login_as(teacher)
    html = client.get(f"/projects/{project.id}/codebook").get_data(as_text=True)
    assert "000_52683757a7824f21.txt" not in html
    assert "abs(slant)" not in html
    assert "Example from <a href=" in html
