"""The default codebook in every language the interface speaks."""

from __future__ import annotations

import pytest
import yaml

from app.i18n import languages
from app.services.codebooks import DEFAULT_PATH, codebook_languages, default_codebook


def _words(codebook: dict) -> dict[str, str]:
    """Every translatable string of the codebook by a path of keys."""
    out = {"name": codebook["name"], "description": codebook["description"]}
    for layer in codebook["layers"]:
        out[f"{layer['key']}.name"] = layer["name"]
        for group in layer.get("groups") or []:
            out[f"{layer['key']}.group.{group['key']}"] = group["name"]
        for label in [*layer.get("labels", []), *layer.get("extended_labels_off_by_default", [])]:
            out[f"{layer['key']}.{label['key']}.name"] = label["name"]
            out[f"{layer['key']}.{label['key']}.definition"] = label["definition"]
    form = codebook["document_form"]
    out["form.name"] = form["name"]
    for field in form["fields"]:
        out[f"form.{field['key']}.name"] = field["name"]
        for key, text in (field.get("anchors") or {}).items():
            out[f"form.{field['key']}.anchor.{key}"] = text
        for key, text in (field.get("poles") or {}).items():
            out[f"form.{field['key']}.pole.{key}"] = text
        for item in field.get("items") or []:
            out[f"form.{field['key']}.item.{item['key']}"] = item["text"]
    return out


def test_the_codebook_speaks_every_interface_language():
    assert set(codebook_languages()) == set(languages())


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_word_of_the_default_codebook_is_translated(language):
    english, translated = _words(default_codebook("en")), _words(default_codebook(language))
    assert english.keys() == translated.keys()
    same = [path for path in english if english[path] == translated[path]]
    assert not same, f"untranslated in {language}: {same}"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_translations_name_only_keys_the_codebook_has(language):
    english = default_codebook("en")
    words = yaml.safe_load(DEFAULT_PATH.with_suffix(f".{language}.yaml").read_text("utf-8"))
    layers = {layer["key"]: layer for layer in english["layers"]}
    for key, spoken in words["codebook"]["layers"].items():
        assert key in layers
        layer = layers[key]
        labels = {label["key"] for label in [*layer.get("labels", []),
                                             *layer.get("extended_labels_off_by_default", [])]}
        assert set(spoken.get("labels", {})) <= labels
        assert set(spoken.get("groups", {})) <= {g["key"] for g in layers[key].get("groups", [])}
    fields = {field["key"] for field in english["document_form"]["fields"]}
    assert set(words["codebook"]["document_form"]["fields"]) <= fields


def test_translation_keeps_keys_shortcuts_colours_and_examples():
    english, russian = default_codebook("en"), default_codebook("ru")
    for a, b in zip(english["layers"], russian["layers"], strict=True):
        for la, lb in zip(a["labels"], b["labels"], strict=True):
            assert (la["key"], la.get("shortcut"), la.get("color"), la.get("example")) == \
                   (lb["key"], lb.get("shortcut"), lb.get("color"), lb.get("example"))


def test_a_project_gets_the_codebook_of_its_language(make):
    from app.services import projects

    teacher = make.user("asel", role="teacher")
    project = projects.create_project(teacher, "Медиаграмотность", language="kk")
    assert project.language == "kk"
    names = {label.key: label.name for layer in project.codebook.layers for label in layer.labels}
    assert names["loaded_language"] == "Эмоцияға толы сөздер"
    assert project.codebook.document_form["fields"][0]["name"] == "Сенімділік"


def test_the_api_creates_a_project_in_a_language_and_refuses_an_unknown_one(client, make):
    from app.services import tokens

    _, secret = tokens.create_token(make.user("boris", role="teacher"), "script")
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.post("/api/v1/projects", json={"title": "Класс", "language": "ru"},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    response = client.post("/api/v1/projects", json={"title": "X", "language": "xx"},
                           headers=headers)
    assert response.status_code == 400 and "language" in str(response.get_json())


def test_the_new_project_form_offers_the_languages_and_defaults_to_the_pages(client, make,
                                                                            login_as):
    teacher = make.user("gulnar", role="teacher")
    token = login_as(teacher)
    html = client.get("/projects/new", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<option selected value="ru">' in html or 'value="ru" selected' in html
    response = client.post("/projects/new", data={"title": "Класс 9Б", "language": "ru",
                                                  "csrf_token": token})
    assert response.status_code == 302
    from app.extensions import db
    from app.models import Project

    project = db.session.scalars(db.select(Project).where(Project.title == "Класс 9Б")).one()
    assert project.language == "ru"
    assert any(layer.name == "Тип источника" for layer in project.codebook.layers)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_new_projects_codebook_holds_every_field_of_the_default_in_its_language(
        make, language):
    """The copy a new project gets (written by prepared inserts) is the shipped codebook,
    field by field, JSON fields (as JSON stores them) and label states included."""
    import json

    from app.services import projects
    from app.services.codebooks import build_codebook

    def stored(value):
        return json.loads(json.dumps(value))

    project = projects.create_project(make.user(role="teacher"), "Class", language=language)
    expected = build_codebook(default_codebook(language))
    got = project.codebook
    assert got.document_form == stored(expected.document_form) and got.name == expected.name
    fields = ("key", "name", "definition", "example", "example_file", "group", "shortcut",
              "color", "position", "active", "maps_to", "requires")
    for layer, want in zip(got.layers, expected.layers, strict=True):
        assert (layer.key, layer.attributes, layer.groups) == (
            want.key, stored(want.attributes), stored(want.groups))
        assert [tuple(getattr(label, f) for f in fields) for label in layer.labels] == [
            tuple(stored(getattr(label, f)) for f in fields) for label in want.labels]
    assert any(label.maps_to for layer in got.layers for label in layer.labels)
    assert not all(label.active for layer in got.layers for label in layer.labels)
