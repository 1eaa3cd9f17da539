"""Mathet's gamma in the agreement report: per span layer overall and per document, on the
page with its explanation and in the CLI's JSON."""

from __future__ import annotations

import html
import json
import uuid

import pytest

from app import agreement as engine
from app.extensions import db
from app.models import Span
from app.services.agreement import build_report
from app.services.agreement.figures import SEED
from app.services.agreement.gamma import MAX_GAMMA_CODERS
from app.services.vocabulary import vocabulary

TEXT = "A witness saw police shoot at the crowd.\n\nThe paper said the mob attacked first.\n"


def add_span(document, user, words, start, end, label="loaded_language"):
    db.session.add(Span(document_id=document.id, user_id=user.id,
                        layer_id=words.layers["rhetoric"].id,
                        label_id=words.labels[("rhetoric", label)].id,
                        client_id=uuid.uuid4().hex, start=start, end=end, codebook_version=1))


@pytest.fixture
def marked(make):
    """Three students mark the same two phrases, one with a boundary slip, one relabelled."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    words = vocabulary(project.id)
    shoot, mob = TEXT.index("shoot"), TEXT.index("mob")
    students = [make.member(project, username=name) for name in ("ana", "ben", "cat")]
    for student, slip in zip(students, (0, 0, 3), strict=True):
        add_span(document, student, words, shoot - slip, shoot + 5)
    add_span(document, students[0], words, mob, mob + 12)
    add_span(document, students[1], words, mob, mob + 12, "name_calling")
    db.session.commit()
    return project, document, teacher, students


def test_a_span_layer_has_gamma_overall_and_per_document(marked):
    project, document, *_ = marked
    rhetoric = build_report(project)["layers"]["rhetoric"]
    gamma = next(f for f in rhetoric["coefficients"] if f["name"] == "gamma")
    units = [(who, s, e, label) for who, s, e, label in (
        ("ana", TEXT.index("shoot"), TEXT.index("shoot") + 5, "loaded_language"),
        ("ben", TEXT.index("shoot"), TEXT.index("shoot") + 5, "loaded_language"),
        ("cat", TEXT.index("shoot") - 3, TEXT.index("shoot") + 5, "loaded_language"),
        ("ana", TEXT.index("mob"), TEXT.index("mob") + 12, "loaded_language"),
        ("ben", TEXT.index("mob"), TEXT.index("mob") + 12, "name_calling"))]
    expected = engine.gamma(units, annotators=["ana", "ben", "cat"], seed=SEED)
    assert gamma["value"] == pytest.approx(expected.gamma)
    assert gamma["observed_disorder"] == pytest.approx(expected.observed_disorder)
    assert gamma["expected_disorder"] == pytest.approx(expected.expected_disorder)
    assert gamma["samples"] >= 30 and gamma["n_items"] == 5 and gamma["n_coders"] == 3
    (per_document,) = rhetoric["documents_gamma"]
    assert per_document["document_id"] == document.id
    assert per_document["value"] == pytest.approx(expected.gamma)


def test_gamma_is_left_out_for_more_annotators_than_the_limit_and_says_why(make):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    words = vocabulary(project.id)
    for number in range(MAX_GAMMA_CODERS + 1):
        add_span(document, make.member(project, username=f"s{number}"), words, 2, 9)
    db.session.commit()
    rhetoric = build_report(project)["layers"]["rhetoric"]
    gamma = next(f for f in rhetoric["coefficients"] if f["name"] == "gamma")
    assert gamma["value"] is None and f"up to {MAX_GAMMA_CODERS}" in gamma["undefined"]
    assert next(f for f in rhetoric["coefficients"] if f["name"] == "u_alpha")["value"] == 1.0


def test_the_page_shows_and_explains_gamma(client, login_as, marked):
    project, _, teacher, _ = marked
    login_as(teacher)
    page = html.unescape(client.get(f"/projects/{project.id}/agreement").get_data(as_text=True))
    assert "Per document: γ" in page and "Mathet, Widlöcher & Métivier" in page
    assert "Mathet, Y., Widlöcher, A. & Métivier, J.-P. (2015)" in page


def test_the_cli_gives_gamma_in_text_and_json(runner, marked):
    project, *_ = marked
    text = runner.invoke(args=["agreement", str(project.id)])
    assert text.exit_code == 0, text.output
    assert "gamma" in text.output
    report = json.loads(runner.invoke(args=["agreement", str(project.id), "--json"]).output)
    rhetoric = report["layers"]["rhetoric"]
    gamma = next(f for f in rhetoric["coefficients"] if f["name"] == "gamma")
    assert 0 < gamma["value"] < 1 and gamma["expected_disorder"] > gamma["observed_disorder"]
    assert rhetoric["documents_gamma"][0]["value"] == gamma["value"]


def test_every_report_shares_one_pool_and_a_forked_process_makes_its_own():
    import os
    import warnings

    from app.services.agreement import gamma as service

    pool = service.shared_pool()
    assert service.shared_pool() is pool
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # newer Pythons warn of forking a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # the child: a pool of its own, which runs work
        try:
            mine = service.shared_pool()
            ok = mine is not pool and mine.submit(lambda: 7).result(timeout=10) == 7
            os.write(writer, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(writer)
    answer = os.read(reader, 1)
    os.waitpid(child, 0)
    os.close(reader)
    assert answer == b"1"
