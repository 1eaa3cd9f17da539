"""The project's agreement report: figures from stored annotations, the page and the CLI."""

from __future__ import annotations

import html
import json
import uuid

import krippendorff
import numpy as np
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DocumentRating, PassageTag, Span
from app.services.agreement import Scope, build_report, merge_overlaps
from app.services.vocabulary import vocabulary

TEXT = ("Officials said 14 people died.\n\nA witness saw police shoot.\n\n"
        "Forum users blamed foreigners.\n\nThe paper counted 15 dead.\n")
TAGS = {"ana": ["official_statement", "testimony", "forum_post", "news_report"],
        "ben": ["official_statement", "testimony", "news_report", "news_report"],
        "cat": ["official_statement", "news_report", "forum_post", None]}


@pytest.fixture
def study(make):
    """Three students tag four passages, mark rhetoric spans and rate the document."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    words = vocabulary(project.id)
    students = {name: make.member(project, username=name) for name in TAGS}
    for name, tags in TAGS.items():
        for passage, tag in zip(document.passages, tags, strict=True):
            if tag:
                db.session.add(PassageTag(
                    passage_id=passage.id, document_id=document.id, user_id=students[name].id,
                    label_id=words.labels[("source", tag)].id, codebook_version=1))
    shoot = TEXT.index("shoot")
    for name, (start, end) in {"ana": (shoot, shoot + 5), "ben": (shoot, shoot + 5),
                               "cat": (shoot - 7, shoot + 5)}.items():
        db.session.add(Span(document_id=document.id, user_id=students[name].id,
                            layer_id=words.layers["rhetoric"].id,
                            label_id=words.labels[("rhetoric", "loaded_language")].id,
                            client_id=uuid.uuid4().hex, start=start, end=end,
                            codebook_version=1))
    for name, reliability in {"ana": 5, "ben": 6, "cat": 5}.items():
        db.session.add(DocumentRating(document_id=document.id, user_id=students[name].id,
                                      values={"reliability": reliability, "slant": 0},
                                      codebook_version=1))
    db.session.commit()
    return project, document, teacher, students


def figure(figures, name):
    return next(f for f in figures if f["name"] == name)


def test_passage_alpha_matches_an_independent_implementation(study):
    project, *_ = study
    report = build_report(project)
    labels = sorted({t for tags in TAGS.values() for t in tags if t})
    data = np.array([[labels.index(t) if t else np.nan for t in TAGS[n]] for n in sorted(TAGS)])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    alpha = figure(report["layers"]["source_passages"]["coefficients"], "alpha_nominal")
    assert alpha["value"] == pytest.approx(expected, abs=1e-9)
    assert (alpha["n_items"], alpha["n_pairable"], alpha["n_coders"]) == (4, 11, 3)
    assert alpha["reading"] in {"reliable", "tentative", "unreliable"}
    # Four passages are far too few for a bootstrap interval to mean anything.
    assert alpha["ci"] is None and "too few passages" in alpha["ci_withheld"]


def test_passage_disagreements_list_who_said_what(study):
    project, document, *_ = study
    section = build_report(project)["layers"]["source_passages"]
    assert section["disagreement_count"] == 2
    first = section["disagreements"][0]
    assert first["passage_index"] == 1
    assert first["tags"] == {"ana": "testimony", "ben": "testimony", "cat": "news_report"}
    assert {tuple(p["coders"]) for p in section["pairs"]} == {
        ("ana", "ben"), ("ana", "cat"), ("ben", "cat")}


def test_span_layer_has_u_alpha_and_pairwise_f1(study):
    project, *_ = study
    rhetoric = build_report(project)["layers"]["rhetoric"]
    u_alpha = figure(rhetoric["coefficients"], "u_alpha")
    assert u_alpha["value"] is not None and u_alpha["value"] < 1
    pairs = {tuple(p["coders"]): p for p in rhetoric["pairs"]}
    assert pairs[("ana", "ben")]["exact"]["f1"] == 1.0
    assert pairs[("ana", "cat")]["exact"]["f1"] == 0.0
    assert pairs[("ana", "cat")]["overlap"]["f1"] == 1.0
    assert [entry["label"] for entry in rhetoric["labels"]] == ["loaded_language"]


def test_undefined_figures_say_why(study):
    project, *_ = study
    claim = build_report(project)["layers"]["claim"]
    u_alpha, gamma = claim["coefficients"]
    assert u_alpha["value"] is None and "coder" in u_alpha["undefined"]
    assert gamma["value"] is None and "empty" in gamma["undefined"]
    assert claim["warnings"]


def test_ratings_use_interval_and_ordinal_alpha(study):
    project, *_ = study
    fields = {f["field"]: f for f in build_report(project)["layers"]["ratings"]["fields"]}
    names = [c["name"] for c in fields["reliability"]["coefficients"]]
    assert names == ["alpha_interval", "alpha_ordinal"]
    # One document only: alpha is defined over pairable values across a single unit.
    slant = figure(fields["slant"]["coefficients"], "alpha_interval")
    assert slant["value"] is None and slant["undefined"]


def test_scope_narrows_annotators(study):
    project, *_ = study
    report = build_report(project, Scope(annotators=["ana", "ben"]))
    assert report["annotators"] == ["ana", "ben"]
    alpha = figure(report["layers"]["source_passages"]["coefficients"], "alpha_nominal")
    assert alpha["n_coders"] == 2


def test_overlapping_spans_of_one_label_merge_for_unitizing():
    units = [("a", 0, 10, "x"), ("a", 5, 15, "x"), ("a", 20, 25, "x"), ("a", 3, 4, "y"),
             ("b", 0, 10, "x")]
    assert merge_overlaps(units) == [("a", 0, 15, "x"), ("a", 20, 25, "x"), ("a", 3, 4, "y"),
                                     ("b", 0, 10, "x")]


def test_teacher_page_shows_disagreements_and_names(client, login_as, study):
    project, document, teacher, _ = study
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "Passages tagged differently (2)" in page
    assert "cat: News reporting" in page and "Per pair of annotators" in page


def test_student_page_shows_figures_without_names(client, login_as, study):
    project, document, _, students = study
    login_as(students["ana"])
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "Source type per passage" in page
    assert "Krippendorff's α (agreement beyond chance)" in html.unescape(page)
    assert "Passages tagged differently" not in page and "cat: " not in page


def test_outsider_gets_404(client, login_as, make, study):
    project, *_ = study
    login_as(make.user("stranger"))
    assert client.get(f"/projects/{project.id}/agreement").status_code == 404


def test_cli_prints_the_report_and_json(runner, study):
    project, *_ = study
    text = runner.invoke(args=["agreement", str(project.id)])
    assert text.exit_code == 0, text.output
    assert "Source type per passage" in text.output and "alpha_nominal" in text.output
    as_json = runner.invoke(args=["agreement", str(project.id), "--json"])
    report = json.loads(as_json.output)
    assert report["annotators"] == ["ana", "ben", "cat"]


def test_teacher_sees_pair_heatmaps_and_label_use(client, login_as, study):
    project, _, teacher, _ = study
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "Who agrees with whom" in page
    assert "Cohen's κ, source type per passage" in html.unescape(page)
    assert f"/projects/{project.id}/agreement/confusion?a=ana&amp;b=ben" in page
    assert "Source types each annotator used" in page


def test_confusion_of_a_pair_counts_their_tags(client, login_as, study):
    project, _, teacher, _ = study
    login_as(teacher)
    from app.services.review import confusion

    table = confusion(project, "ana", "cat")
    at = table["labels"].index
    assert table["matrix"][at("testimony")][at("news_report")] == 1
    assert table["matrix"][at("official_statement")][at("official_statement")] == 1
    assert sum(map(sum, table["matrix"])) == 3  # cat left the fourth passage untagged
    page = client.get(f"/projects/{project.id}/agreement/confusion?a=ana&b=cat")
    assert page.status_code == 200 and "ana and cat" in page.get_data(as_text=True)


def test_pooled_confusion_is_symmetric(study):
    project, *_ = study
    from app.services.review import confusion

    matrix = confusion(project)["matrix"]
    assert all(matrix[i][j] == matrix[j][i] for i in range(len(matrix))
               for j in range(len(matrix)))


def test_confusion_cell_lists_the_passages_behind_it(client, login_as, study):
    project, document, teacher, _ = study
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement/confusion/cell"
                      "?x=forum_post&y=news_report&a=ana&b=ben").get_data(as_text=True)
    assert "Forum users blamed foreigners." in page
    assert f"/projects/{project.id}/documents/{document.id}/compare#p2" in page


def test_compare_view_shows_every_annotator_side_by_side(client, login_as, study):
    project, document, teacher, _ = study
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/documents/{document.id}/compare")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="disagree"') == 2
    assert "“shoot”" in html and "“police shoot”" in html


@pytest.mark.parametrize("path", ["/agreement/confusion", "/agreement/confusion/cell?x=a&y=b",
                                  "/documents/{doc}/compare",
                                  "/agreement/spans?layer=rhetoric&a=ana&b=ben"])
def test_review_pages_are_for_teachers(client, login_as, study, path):
    project, document, _, students = study
    login_as(students["ana"])
    url = f"/projects/{project.id}" + path.format(doc=document.id)
    assert client.get(url).status_code == 403


def test_span_differences_of_a_pair(client, login_as, study):
    project, _, teacher, _ = study
    from app.services.review import span_differences

    assert span_differences(project, "rhetoric", "ana", "ben") == []
    (row,) = span_differences(project, "rhetoric", "ana", "cat")
    assert (row["kind"], row["text"], [o["text"] for o in row["other"]]) == (
        "boundaries differ", "shoot", ["police shoot"])
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement/spans?layer=rhetoric&a=ana&b=cat")
    assert page.status_code == 200 and "boundaries differ" in page.get_data(as_text=True)
    agreement = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "agreement/spans?layer=rhetoric&amp;a=ana&amp;b=cat" in agreement


def test_agreement_page_filters_documents_and_annotators(client, login_as, study, make):
    project, document, teacher, _ = study
    other = make.document(project, "Another text.\n", name="other.txt")
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement?document={document.id}"
                      f"&document={other.id}&annotator=ana&annotator=ben").get_data(as_text=True)
    assert "2 annotators · 2 documents" in page
    # Narrowed to a document nobody has annotated: a sentence, and the filter to widen it.
    page = client.get(f"/projects/{project.id}/agreement?document={other.id}"
                      "&annotator=ana&annotator=ben").get_data(as_text=True)
    assert "once two people have annotated the same document: 0 of 2" in page
    assert 'name="document"' in page and "Per label" not in page


def test_label_use_follows_the_filters(study):
    project, *_ = study
    from app.services.review import label_distribution

    everyone = label_distribution(project)
    assert everyone["annotators"] == ["ana", "ben", "cat"]
    assert sum(everyone["counts"]["cat"]) == 3
    two = label_distribution(project, only=["ana", "ben"])
    assert two["annotators"] == ["ana", "ben"]


# --- the gold key as a rater ---------------------------------------------------------------

def _with_gold(make):
    from app.services.datasets import importing
    from app.services.datasets.formats import jsonl
    from tests.datasets.sample import enrol, sample_records

    teacher = make.user("goldteacher", role="teacher")
    project = make.project(teacher)
    enrol(project, "aigerim", "daniyar", "aliya")
    data = "".join(jsonl.dump(r) + "\n" for r in sample_records()).encode()
    importing.import_file(project, "jsonl", "s.jsonl", data)
    return project, teacher


def test_gold_key_is_left_out_unless_asked(app, make):
    from app.services.agreement import Scope, build_report

    project, _ = _with_gold(make)
    assert build_report(project)["annotators"] == ["aigerim", "daniyar"]
    report = build_report(project, Scope(gold=True))
    assert report["annotators"] == ["aigerim", "daniyar", "gold"]
    pairs = report["layers"]["source_passages"]["pairs"]
    assert any(set(p["coders"]) == {"aigerim", "gold"} for p in pairs)


def test_agreement_page_offers_gold_and_review_names_it_gold(app, client, make, login_as):
    project, teacher = _with_gold(make)
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert 'name="gold"' in page and "~gold" not in page
    page = client.get(f"/projects/{project.id}/agreement?gold=1").get_data(as_text=True)
    assert ">gold<" in page
    confusion = client.get(f"/projects/{project.id}/agreement/confusion?a=aigerim&b=gold")
    assert confusion.status_code == 200
    document = project.documents[0]
    compare = client.get(f"/projects/{project.id}/documents/{document.id}/compare")
    text = compare.get_data(as_text=True)
    assert "gold" in text and "~gold" not in text


def test_a_source_label_leads_to_its_disputed_passages(app, client, make, login_as):
    project, teacher = _with_gold(make)
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert f"/projects/{project.id}/agreement/label?label=news_report" in page
    listing = client.get(f"/projects/{project.id}/agreement/label?label=news_report")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "Police" in text and "daniyar: Official" in text
    assert client.get(f"/projects/{project.id}/agreement/label?label=nope").status_code == 404


def test_a_span_label_leads_to_every_pairs_differences(app, client, make, login_as):
    project, teacher = _with_gold(make)
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    link = f"/projects/{project.id}/agreement/spans?layer=rhetoric&amp;label=loaded_language"
    assert link in page
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "aigerim · daniyar" in listing and "boundaries differ" in listing
    assert "were shooting to kill" in listing


def test_match_spans_pairs_largest_overlaps_first():
    from app.services.review import match_spans

    mine = [(0, 10, "a", ""), (20, 30, "b", "")]
    theirs = [(5, 25, "c", ""), (22, 30, "b", ""), (40, 50, "d", "")]
    pairs = match_spans(mine, theirs)
    assert ((20, 30, "b", ""), (22, 30, "b", "")) in pairs
    assert ((0, 10, "a", ""), (5, 25, "c", "")) in pairs
    assert (None, (40, 50, "d", "")) in pairs and len(pairs) == 3


def test_span_label_confusion_for_a_pair_and_pooled(app, client, make, login_as):
    from app.services import review

    project, teacher = _with_gold(make)
    table = review.span_confusion(project, "rhetoric", "aigerim", "daniyar")
    at = {key: i for i, key in enumerate(table["labels"])}
    # aigerim: loaded "shooting to kill", name_calling "so-called bandits", loaded "bandits";
    # daniyar: loaded "were shooting to kill", name_calling "bandits were oil workers q̣̇".
    assert table["matrix"][at["loaded_language"]][at["loaded_language"]] == 1
    assert sum(table["matrix"][at["loaded_language"]]) == 2
    assert table["matrix"][at["(none)"]][at["(none)"]] == 0
    pooled = review.span_confusion(project, "rhetoric")
    assert pooled["matrix"] == [list(r) for r in zip(*pooled["matrix"], strict=True)]  # symmetric
    login_as(teacher)
    page = client.get(f"/projects/{project.id}/agreement/span-confusion?layer=rhetoric"
                      "&a=aigerim&b=daniyar")
    assert page.status_code == 200 and "nothing marked" in page.get_data(as_text=True)
    cell = client.get(f"/projects/{project.id}/agreement/span-confusion/cell?layer=rhetoric"
                      "&x=loaded_language&y=loaded_language&a=aigerim&b=daniyar")
    text = cell.get_data(as_text=True)
    assert "“shooting to kill”" in text and "“were shooting to kill”" in text
    assert client.get(f"/projects/{project.id}/agreement/span-confusion?layer=x"
                      ).status_code == 404


def test_pairs_compare_only_documents_both_annotators_worked_on(app, make):
    from app.services import review
    from app.services.agreement import build_report
    from app.services.datasets import importing
    from app.services.datasets.formats import jsonl
    from tests.datasets.sample import sample_records

    project, _ = _with_gold(make)
    # A third annotator who worked on a document of her own only.
    other = sample_records()[1]
    other["text"] = other["text"] + "\nA third line."
    other["text_hash"] = None
    other.pop("passages")
    other["annotators"] = {"aliya": {"spans": [dict(
        other["annotators"]["aigerim"]["spans"][0])], "rating": None, "done": False}}
    importing.import_file(project, "jsonl", "aliya.jsonl",
                          (jsonl.dump(other) + "\n").encode())
    report = build_report(project)
    pairs = {tuple(p["coders"]): p for p in report["layers"]["claim"]["pairs"]}
    assert "undefined" in pairs[("aigerim", "aliya")]["overlap"]  # nothing in common
    assert any("Not every annotator" in w for w in report["layers"]["claim"]["warnings"])
    assert review.span_differences(project, "claim", "aigerim", "aliya") == []
    table = review.span_confusion(project, "claim", "aigerim", "aliya")
    assert sum(map(sum, table["matrix"])) == 0


# --- who counts: everyone who worked on a document, whatever they marked -------------------

def _plain_study(make, marks: dict[str, list[str]], *, tags: bool = True):
    """ana, ben and cat tag every passage and rate the document; `marks` says who marks
    which phrases as loaded language."""
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    document = make.document(project, TEXT)
    words = vocabulary(project.id)
    students = {name: make.member(project, username=name) for name in ("ana", "ben", "cat")}
    for name, student in students.items():
        for passage in document.passages if tags else []:
            db.session.add(PassageTag(
                passage_id=passage.id, document_id=document.id, user_id=student.id,
                label_id=words.labels[("source", "news_report")].id, codebook_version=1))
        db.session.add(DocumentRating(document_id=document.id, user_id=student.id,
                                      values={"reliability": 5}, codebook_version=1))
        for phrase in marks.get(name, []):
            start = TEXT.index(phrase)
            db.session.add(Span(document_id=document.id, user_id=student.id,
                                layer_id=words.layers["rhetoric"].id,
                                label_id=words.labels[("rhetoric", "loaded_language")].id,
                                client_id=uuid.uuid4().hex, start=start,
                                end=start + len(phrase), codebook_version=1))
    db.session.commit()
    return project, document, students


def test_an_annotator_who_marked_no_span_is_a_coder_of_the_span_layer(make):
    # ana and ben mark "shoot"; cat worked on the document and found no rhetoric. With the
    # three raters u-alpha is 0.4602 (DKPro Agreement agrees); leaving cat out gave 1.000.
    project, document, _ = _plain_study(make, {"ana": ["shoot"], "ben": ["shoot"]})
    rhetoric = build_report(project)["layers"]["rhetoric"]
    overall = figure(rhetoric["coefficients"], "u_alpha")
    assert round(overall["value"], 4) == 0.4602 and overall["n_coders"] == 3
    assert rhetoric["coders"] == ["ana", "ben", "cat"] and rhetoric["marked_nothing"] == ["cat"]
    (label,) = rhetoric["labels"]
    assert round(label["value"], 4) == 0.4602 and label["n_coders"] == 3
    (per_document,) = rhetoric["documents"]
    assert round(per_document["value"], 4) == 0.4602 and per_document["n_coders"] == 3
    pairs = {tuple(p["coders"]): p for p in rhetoric["pairs"]}
    assert set(pairs) == {("ana", "ben"), ("ana", "cat"), ("ben", "cat")}
    # ana is the reference: cat finds none of her span (recall 0) and has none (precision 0).
    for mode in ("exact", "overlap"):
        assert pairs[("ana", "cat")][mode] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        assert pairs[("ana", "ben")][mode]["f1"] == 1.0


def test_one_annotator_marking_is_still_a_comparison(make):
    project, *_ = _plain_study(make, {"ana": ["shoot"]})
    rhetoric = build_report(project)["layers"]["rhetoric"]
    overall = figure(rhetoric["coefficients"], "u_alpha")
    assert overall["undefined"] is None and round(overall["value"], 3) == -0.059
    assert rhetoric["marked_nothing"] == ["ben", "cat"]
    pairs = {tuple(p["coders"]): p for p in rhetoric["pairs"]}
    assert "neither side" in pairs[("ben", "cat")]["exact"]["undefined"]


def test_nobody_marking_a_layer_is_undefined_and_says_so(make):
    project, *_ = _plain_study(make, {})
    rhetoric = build_report(project)["layers"]["rhetoric"]
    overall, gamma = rhetoric["coefficients"]
    assert overall["value"] is None and "no coder marked any unit" in overall["undefined"]
    assert gamma["value"] is None and "no annotator marked any unit" in gamma["undefined"]
    assert rhetoric["warnings"] == ["Nobody marked a span in this layer."]


def test_an_annotator_who_only_marked_a_document_done_is_a_coder(make):
    from datetime import UTC, datetime

    from app.models import DocumentProgress

    project, document, _ = _plain_study(make, {"ana": ["shoot"], "ben": ["shoot"]})
    dan = make.member(project, username="dan")
    db.session.add(DocumentProgress(document_id=document.id, user_id=dan.id,
                                    done_at=datetime.now(UTC)))
    db.session.commit()
    report = build_report(project)
    assert report["annotators"] == ["ana", "ben", "cat", "dan"]
    assert "marked it done" in report["methods"]["worked_on"]
    rhetoric = report["layers"]["rhetoric"]
    assert rhetoric["marked_nothing"] == ["cat", "dan"]
    from app.agreement import unitizing_alpha

    shoot = TEXT.index("shoot")
    expected = unitizing_alpha([("ana", shoot, shoot + 5, "x"), ("ben", shoot, shoot + 5, "x")],
                               0, document.char_count, coders=["ana", "ben", "cat", "dan"])
    assert figure(rhetoric["coefficients"], "u_alpha")["value"] == pytest.approx(expected)


def test_per_document_coders_are_those_who_worked_on_that_document(make):
    project, first, students = _plain_study(make, {"ana": ["shoot"], "ben": ["shoot"]})
    second = make.document(project, TEXT.replace("15 dead", "16 dead"), name="b.txt")
    words = vocabulary(project.id)
    shoot = TEXT.index("shoot")
    for name in ("ana", "ben"):  # cat never opened the second document
        db.session.add(Span(document_id=second.id, user_id=students[name].id,
                            layer_id=words.layers["rhetoric"].id,
                            label_id=words.labels[("rhetoric", "loaded_language")].id,
                            client_id=uuid.uuid4().hex, start=shoot, end=shoot + 5,
                            codebook_version=1))
    db.session.commit()
    rhetoric = build_report(project)["layers"]["rhetoric"]
    by_document = {d["document_id"]: d for d in rhetoric["documents"]}
    assert by_document[first.id]["n_coders"] == 3
    assert round(by_document[first.id]["value"], 4) == 0.4602
    assert by_document[second.id]["n_coders"] == 2 and by_document[second.id]["value"] == 1.0
    pairs = {tuple(p["coders"]): p for p in rhetoric["pairs"]}
    # ana and cat compare on the first document only, where cat marked nothing.
    assert pairs[("ana", "cat")]["exact"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_an_annotator_who_tagged_no_passage_leaves_passage_alpha_alone(make, study):
    project, document, _, students = study
    before = build_report(project)["layers"]["source_passages"]
    dan = make.member(project, username="dan")
    words = vocabulary(project.id)
    db.session.add(DocumentRating(document_id=document.id, user_id=dan.id,
                                  values={"reliability": 5}, codebook_version=1))
    db.session.add(Span(document_id=document.id, user_id=dan.id,
                        layer_id=words.layers["rhetoric"].id,
                        label_id=words.labels[("rhetoric", "loaded_language")].id,
                        client_id=uuid.uuid4().hex, start=0, end=9, codebook_version=1))
    db.session.commit()
    after = build_report(project)["layers"]["source_passages"]
    # An untagged passage is missing, not a disagreement: every figure is unchanged.
    assert [(f["name"], f["value"], f["n_coders"]) for f in after["coefficients"]] == \
        [(f["name"], f["value"], f["n_coders"]) for f in before["coefficients"]]
    pairs = {tuple(p["coders"]): p for p in after["pairs"]}
    assert pairs[("ana", "dan")]["value"] is None and pairs[("ana", "dan")]["n_items"] == 0


def test_a_rating_field_left_empty_is_missing_for_that_rater(make):
    project, document, students = _plain_study(make, {})
    second = make.document(project, TEXT.replace("15 dead", "16 dead"), name="b.txt")
    values = {"ana": {"reliability": 5, "slant": 1}, "ben": {"reliability": 4, "slant": 0},
              "cat": {"reliability": 2}}  # cat left slant empty
    for name, rating in values.items():
        db.session.add(DocumentRating(document_id=second.id, user_id=students[name].id,
                                      values=rating, codebook_version=1))
    db.session.execute(sa.update(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == students["ben"].id
    ).values(values={"reliability": 3, "slant": 2}))
    db.session.commit()
    fields = {f["field"]: f for f in build_report(project)["layers"]["ratings"]["fields"]}
    slant = figure(fields["slant"]["coefficients"], "alpha_interval")
    nan = np.nan
    expected = krippendorff.alpha(reliability_data=[[nan, 1], [2, 0], [nan, nan]],
                                  level_of_measurement="interval")
    assert slant["value"] == pytest.approx(expected) and slant["n_coders"] == 2
    reliability = figure(fields["reliability"]["coefficients"], "alpha_interval")
    expected = krippendorff.alpha(reliability_data=[[5, 5], [3, 4], [5, 2]],
                                  level_of_measurement="interval")
    assert reliability["value"] == pytest.approx(expected) and reliability["n_coders"] == 3


# --- intervals, definitions ----------------------------------------------------------------

def test_rating_intervals_need_thirty_documents():
    from app.services.agreement import MIN_INTERVAL_UNITS
    from app.services.agreement.figures import alpha_with_interval

    rng = np.random.default_rng(3)
    truth = rng.integers(1, 8, 40).astype(float)
    matrix = np.vstack([truth + rng.integers(-1, 2, 40) for _ in range(3)])
    few = alpha_with_interval(matrix[:, :MIN_INTERVAL_UNITS - 1], "interval", "documents")
    assert few["value"] is not None and few["ci"] is None
    assert few["ci_withheld"].startswith("too few documents for an interval: 29 ")
    enough = alpha_with_interval(matrix[:, :MIN_INTERVAL_UNITS], "interval", "documents")
    low, high = enough["ci"]
    assert low <= enough["value"] <= high and "ci_withheld" not in enough


def test_the_report_withholds_intervals_from_a_few_documents(runner, study):
    project, *_ = study
    report = json.loads(runner.invoke(args=["agreement", str(project.id), "--json"]).output)
    fields = {f["field"]: f for f in report["layers"]["ratings"]["fields"]}
    for coefficient in fields["reliability"]["coefficients"]:
        assert coefficient["ci"] is None
        assert "too few documents for an interval" in coefficient["ci_withheld"]
    assert report["methods"]["interval"]["min_units"] == 30
    text = runner.invoke(args=["agreement", str(project.id)]).output
    assert "too few documents for an interval" in text


def test_ac1_counts_the_labels_the_codebook_offers(study):
    from app import agreement as engine

    project, *_ = study
    words = vocabulary(project.id)
    offered = sum(1 for (layer, _), info in words.labels.items()
                  if layer == "source" and info.active)
    section = build_report(project)["layers"]["source_passages"]
    assert section["categories"] == {"offered": offered, "used": 4}
    data = [[t for t in TAGS[name]] for name in sorted(TAGS)]
    assert figure(section["coefficients"], "gwet_ac1")["value"] == pytest.approx(
        engine.gwet_ac1(data, categories=offered))
    assert figure(section["coefficients"], "gwet_ac1_used")["value"] == pytest.approx(
        engine.gwet_ac1(data))
    assert offered > 4 and engine.gwet_ac1(data, categories=offered) != engine.gwet_ac1(data)


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_the_page_says_how_its_figures_are_computed(client, login_as, study, who):
    project, _, teacher, students = study
    login_as(teacher if who == "teacher" else students["ana"])
    page = html.unescape(client.get(f"/projects/{project.id}/agreement").get_data(as_text=True))
    assert "How these are computed" in page
    for phrase in ("Gwet's generalisation to missing ratings", "unit-level bootstrap",
                   "marked it done", "maximum matching", "Krippendorff, K. (1995)",
                   "q the number of labels the codebook offers",
                   "too few documents for an interval"):
        assert phrase in page, phrase


def test_a_claim_left_without_a_verdict_is_missing_for_that_student(corpus_for_verdicts):
    from app.services import claims

    project, question, links, (s1, s2, s3) = corpus_for_verdicts
    for link, verdicts in zip(links, [("refuted", "refuted", None),
                                      ("supported", "refuted", "supported"),
                                      ("supported", "supported", None)], strict=True):
        for student, verdict in zip((s1, s2, s3), verdicts, strict=True):
            if verdict:
                claims.set_verdict(project, student, link.id, {"verdict": verdict})
    result = claims.verdict_agreement(project, question.id)
    data = [[0, 0, 1], [0, 0, 1], [np.nan, 1, np.nan]]  # refuted 0, supported 1
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result["alpha"] == pytest.approx(expected)
    assert (result["claims"], result["students"], result["verdicts"]) == (3, 3, 7)


@pytest.fixture
def corpus_for_verdicts(make):
    from app.services import claims
    from tests.test_claims import TOLL, file

    teacher = make.user("t1", role="teacher")
    project = make.project(teacher)
    paper = make.document(project, "Officials said 14 people were killed in clashes.\n",
                          name="paper.txt")
    radio = make.document(project, "Clashes left at least 13 people dead.\n", name="radio.txt")
    essay = make.document(project, "Up to 64 people were killed, unofficially.\n",
                          name="essay.txt")
    students = tuple(make.member(project, username=f"s{n}") for n in (1, 2, 3))
    make.member(project, username="s4")  # gives no verdict at all: not a coder
    question = claims.create_question(project, teacher, TOLL)
    links = [file(project, teacher, question, paper, "14 people", "14"),
             file(project, teacher, question, radio, "at least 13 people", "at least 13"),
             file(project, teacher, question, essay, "Up to 64", "up to 64")]
    return project, question, links, students


def test_span_intervals_resample_documents_and_need_thirty(make, runner, client, login_as):
    from app.services.agreement import MIN_INTERVAL_UNITS

    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    words = vocabulary(project.id)
    students = [make.member(project, username=name) for name in ("ana", "ben", "cat")]
    layer = words.layers["rhetoric"].id
    labels = [words.labels[("rhetoric", key)].id for key in ("loaded_language", "exaggeration")]
    documents = []
    for number in range(MIN_INTERVAL_UNITS):
        document = make.document(project, f"{TEXT}\nReport {number}.\n", name=f"d{number}.txt")
        documents.append(document.id)
        shoot = TEXT.index("shoot")
        for who, student in enumerate(students):
            # Everybody marks "shoot"; each now and then a word early or late.
            slip = (number + who) % 3 - 1
            db.session.add(Span(document_id=document.id, user_id=student.id, layer_id=layer,
                                label_id=labels[(number + (who == 2)) % 2],
                                client_id=uuid.uuid4().hex, start=shoot + slip,
                                end=shoot + 5, codebook_version=1))
    db.session.commit()
    rhetoric = build_report(project)["layers"]["rhetoric"]
    overall = figure(rhetoric["coefficients"], "u_alpha")
    low, high = overall["ci"]
    assert low <= overall["value"] <= high and "ci_withheld" not in overall
    assert len(rhetoric["labels"]) == 2
    for label in rhetoric["labels"]:
        assert label["ci"][0] <= label["value"] <= label["ci"][1]
    text = runner.invoke(args=["agreement", str(project.id)]).output
    line = next(row for row in text.splitlines() if row.strip().startswith("u_alpha"))
    assert f"{overall['value']:.3f} [{low:.3f}, {high:.3f}]" in line
    assert sum("exaggeration" in row and " [" in row for row in text.splitlines()) == 1
    report = json.loads(runner.invoke(args=["agreement", str(project.id), "--json"]).output)
    assert report["layers"]["rhetoric"]["labels"][0]["ci"] == rhetoric["labels"][0]["ci"]
    login_as(teacher)
    page = html.unescape(client.get(f"/projects/{project.id}/agreement").get_data(as_text=True))
    chart = page[page.index('id="chart-labels-rhetoric"'):page.index('id="chart-labels-claim"')
                 if 'id="chart-labels-claim"' in page else None]
    assert chart.count('class="chart-whisker"') >= 2 * 3  # a line and two caps per label
    assert f"{low:.3f} – {high:.3f}" in page  # the table beside the chart
    assert "would most likely come out between" in page and "Intervals for u-alpha" in page
    few = build_report(project, Scope(documents=documents[1:]))["layers"]["rhetoric"]
    overall = figure(few["coefficients"], "u_alpha")
    assert overall["value"] is not None and overall["ci"] is None
    assert overall["ci_withheld"].startswith("too few documents for an interval: 29 ")
    assert all(label["ci"] is None for label in few["labels"])


def test_a_span_layers_warning_is_in_the_readers_language(app, make):
    from flask_babel import force_locale

    project, *_ = _plain_study(make, {})
    with app.test_request_context(), force_locale("ru"):
        rhetoric = build_report(project)["layers"]["rhetoric"]
    assert rhetoric["warnings"] == ["В этом слое никто не сделал ни одного выделения."]
