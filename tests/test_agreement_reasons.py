"""Why a figure is undefined: a stable code from the engine, words in the reader's language."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from flask_babel import force_locale

from app import agreement as engine
from app.agreement._errors import REASONS
from app.extensions import db
from app.models import PassageTag
from app.services.agreement import build_report, reasons
from app.services.vocabulary import vocabulary

TEXT = "The minister spoke.\n\nWitnesses disagreed.\n"


def _sample(code: str) -> dict:
    """Parameters for a reason, a count of 3 where it takes one (a plural form of every
    language)."""
    names = inspect.signature(reasons.MESSAGES[code]).parameters
    sample = {"n": 3, "coders": 3, "items": 3, "count": 3, "needed": 30, "limit": 5,
              "name": "Fleiss' kappa", "label": "loaded_language", "units": "documents"}
    return {name: sample[name] for name in names}


def test_every_engine_reason_has_a_catalogue_message():
    assert set(REASONS) <= set(reasons.MESSAGES)


@pytest.mark.parametrize("code", sorted(reasons.MESSAGES))
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_reason_is_translated(app, code, language):
    params = _sample(code)
    with app.test_request_context():
        with force_locale("en"):
            english = reasons.reason(code, **params)
        with force_locale(language):
            translated = reasons.reason(code, **params)
    assert translated != english
    assert not any(word in translated for word in ("coder", "annotator", "compare", "undefined"))


def test_the_engine_keeps_the_english_reason_and_its_code():
    with pytest.raises(engine.Undefined) as caught:
        engine.unitizing_alpha([("ann", 0, 4, "claim")], 0, 10)
    assert caught.value.code == "u_alpha_too_few_coders" and caught.value.params == {"n": 1}
    assert str(caught.value) == "u-alpha compares at least two coders; got 1"


@pytest.fixture
def one_label(make):
    """Two students tag the same passage alike and mark no span: alpha has no variation to
    work with, and the span layers have no unit."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    words = vocabulary(project.id)
    for name in ("ana", "ben"):
        db.session.add(PassageTag(
            passage_id=document.passages[0].id, document_id=document.id,
            user_id=make.member(project, username=name).id, codebook_version=1,
            label_id=words.labels[("source", "testimony")].id))
    db.session.commit()
    return project, teacher


def test_report_gives_the_code_next_to_the_words(one_label):
    project, _ = one_label
    report = build_report(project)
    alpha = report["layers"]["source_passages"]["coefficients"][0]
    assert alpha["value"] is None and alpha["undefined_code"] == "no_variation"
    assert alpha["undefined"].startswith("the pairable values all take a single value")
    rhetoric = report["layers"]["rhetoric"]["coefficients"][0]
    assert rhetoric["undefined_code"] == "no_units"
    assert report["layers"]["source_passages"]["coefficients"][1]["undefined_code"] is not None


def _agreement_page_in_kazakh(client, login_as, one_label) -> str:
    project, teacher = one_label
    teacher.locale = "kk"
    db.session.commit()
    login_as(teacher)
    return client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)


def test_agreement_page_in_kazakh_says_why_in_kazakh(client, login_as, one_label):
    page = _agreement_page_in_kazakh(client, login_as, one_label)
    assert "жұп мәндердің бәрі бірдей: айырмашылық жоқ" in page
    assert "бірде-бір белгілеуші ештеңе белгілемеген: салыстыратын дерек жоқ" in page
    assert "single value" not in page and "no coder marked" not in page


def test_methods_fold_in_kazakh_has_no_english_definition(client, login_as, one_label):
    page = _agreement_page_in_kazakh(client, login_as, one_label)
    fold = page[page.index('id="methods"'):]
    assert "Бұлар қалай есептеледі" in fold and "Әдебиеттер" in fold
    assert "<dt>Сәйкестік үлесі</dt>" in fold and "<dt>u-альфа үшін аралықтар</dt>" in fold
    assert "құжатпен жұмыс істеген болып саналады" in fold
    assert "Альфа үшін 95% процентильдік бутстреп аралықтары" in fold
    assert "Σₖ rᵢₖ(rᵢₖ − 1) / rᵢ(rᵢ − 1) (Gwet 2014, ch. 2" in fold  # formulas stay
    definitions = re.findall(r"<dd>(.*?)</dd>", fold, re.S)
    assert len(definitions) == 12
    english = ("annotator", "Per pair", " the ", "resampl", "Not chance-corrected")
    assert not [d for d in definitions if any(word in d for word in english)]


def test_cli_report_says_why_in_russian(runner, one_label):
    project, _ = one_label
    result = runner.invoke(args=["agreement", str(project.id), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "все парные значения одинаковы" in result.output
    assert "single value" not in result.output


def test_cli_json_gives_the_methods_in_the_chosen_language(runner, one_label):
    project, _ = one_label
    result = runner.invoke(args=["agreement", str(project.id), "--json", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    methods = json.loads(result.output)["methods"]
    terms = [d["term"] for d in methods["definitions"]]
    assert "Доля совпадений" in terms and "Интервалы для u-альфы" in terms
    assert methods["worked_on"].startswith("Разметчик работал с документом")
    assert "95%-ные процентильные бутстреп-интервалы" in methods["definitions"][9]["text"]
    assert methods["references"][0].startswith("Cohen, J. (1960)")


def test_dataset_card_keeps_its_reasons_english_whatever_the_language(app, one_label):
    from app.services.datasets.card import dataset_card

    project, _ = one_label
    with app.test_request_context(), force_locale("ru"):
        card = dataset_card(project)
    assert "the pairable values all take a single value" in card
