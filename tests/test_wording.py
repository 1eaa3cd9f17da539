"""Plain words for keys: attribute names and values, evidence as quotes, and the annotation
page that carries them."""

from __future__ import annotations

import json
import re

from app.extensions import db
from app.services import annotations
from app.services.wording import humanise
from app.services.wording.attributes import named
from app.services.wording.evidence import evidence_key, evidence_quotes


def test_keys_become_words():
    assert humanise("not_enough_info") == "Not enough info"
    assert humanise("claim.no_source") == "No source"
    assert humanise("quote_form") == "Quote form"


def test_attributes_take_the_codebooks_names_then_ours_then_their_key_in_words():
    shown = named([
        {"key": "verdict", "type": "enum", "values": ["supported", "not_enough_info"]},
        {"key": "stance", "type": "enum", "values": ["pro", "against_it"], "name": "Stance",
         "value_names": {"pro": "For it"}},
        {"key": "is_requote", "type": "bool"},
        {"key": "odd_one", "type": "text"},
    ])
    assert shown[0]["name"] == "Verdict"
    assert shown[0]["choices"] == [{"value": "supported", "name": "Supported"},
                                   {"value": "not_enough_info", "name": "Not enough info"}]
    assert shown[1]["name"] == "Stance"
    assert [c["name"] for c in shown[1]["choices"]] == ["For it", "Against it"]
    assert shown[2]["name"] == "Quoted again from another outlet (left out of agreement)"
    assert shown[3]["name"] == "Odd one" and "choices" not in shown[3]


def test_evidence_is_the_quoted_words_with_their_documents_title(make):
    project = make.project()
    first = make.document(project, "Fourteen people were killed at the square.\n", "a.txt")
    other = make.project()
    foreign = make.document(other, "Elsewhere entirely.\n", "b.txt")
    spans = [{"attributes": {"evidence": [
        {"kind": "span", "document_id": first.id, "start": 0, "end": 8},
        {"kind": "url", "url": "https://example.org/"},
        {"kind": "span", "document_id": foreign.id, "start": 0, "end": 9}]}},
        {"attributes": None}]
    quotes = evidence_quotes(project.id, spans)
    assert quotes == {evidence_key(first.id, 0, 8): {"quote": "Fourteen",
                                                     "document_title": first.title}}


def test_the_annotation_page_names_attributes_and_quotes_evidence(client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    source = make.document(project, "Officials said 14 people were killed.\n", "claims.txt")
    student = make.member(project, username="aruzhan")
    annotations.create_span(student, source, {
        "client_id": "claim-span-1", "layer": "claim", "label": "claim.contradicted",
        "start": 15, "end": 36,
        "text": "14 people were killed", "attributes": {
            "verdict": "not_enough_info",
            "evidence": [{"kind": "span", "document_id": source.id, "start": 0, "end": 9}]}})
    db.session.commit()
    login_as(student)
    html = client.get(f"/projects/{project.id}/documents/{source.id}/annotate"
                      ).get_data(as_text=True)
    evidence = json.loads(re.search(
        r'<script type="application/json" id="evidence-words">(.*?)</script>', html, re.S
    ).group(1))
    assert evidence == {f"{source.id}:0:9": {"quote": "Officials", "document_title": source.title}}
    data = json.loads(re.search(
        r'<script type="application/json" id="annotate-data">(.*?)</script>', html, re.S
    ).group(1))
    claim = next(layer for layer in data["codebook"]["layers"] if layer["key"] == "claim")
    verdict = next(a for a in claim["attributes"] if a["key"] == "verdict")
    assert verdict["name"] == "Verdict"
    assert {"value": "not_enough_info", "name": "Not enough info"} in verdict["choices"]
