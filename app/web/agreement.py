"""The agreement pages: every figure of the report, and the review screen that leads from a
pair, a label or a confusion cell to the disagreeing passages and the documents."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.services import feedback, projects, review
from app.services.agreement import Scope, build_report
from app.services.gold import gold_user_id
from app.services.vocabulary import vocabulary
from app.services.wording import humanise, sentences
from app.web import bp

LAYER_TITLES = {
    "source_passages": _l("Source type per passage"),
    "source_characters": _l("Source type per character (innermost span decides)"),
    "rhetoric": _l("Rhetoric"),
    "claim": _l("Unsupported claims"),
    "source": _l("Quoted voices"),
}


def heat(value: float | None) -> str:
    """A CSS class for a coefficient: heat-0 (≤ 0) to heat-10 (1.0), heat-na if undefined."""
    if value is None:
        return "heat-na"
    return f"heat-{max(0, min(10, round(value * 10)))}"


def pair_grid(annotators: list[str], pairs: list[dict], pick) -> list[list[float | None]]:
    """An annotators × annotators grid of a pairwise figure (the diagonal left empty)."""
    at = {name: i for i, name in enumerate(annotators)}
    grid: list[list[float | None]] = [[None] * len(annotators) for _ in annotators]
    for pair in pairs:
        a, b = (at.get(name) for name in pair["coders"])
        if a is not None and b is not None:
            grid[a][b] = grid[b][a] = pick(pair)
    return grid


def _teacher_project(project_id: int):
    project = projects.get_project(current_user, project_id)
    if projects.project_role(project, current_user) != "teacher":
        abort(403)
    return project


@bp.get("/projects/<int:project_id>/agreement")
@login_required
def agreement(project_id: int):
    project = projects.get_project(current_user, project_id)
    # Names and the disagreeing tags are for teachers: annotation stays blind for students.
    teacher = projects.project_role(project, current_user) == "teacher"
    documents = [int(v) for v in request.args.getlist("document") if v.isdigit()]
    annotators = request.args.getlist("annotator") if teacher else []
    gold = teacher and request.args.get("gold") == "1"
    report = build_report(project, Scope(documents or None, annotators or None, gold))
    grids = []
    if teacher:
        layers, names = report["layers"], report["annotators"]
        grids = [
            (_l("Cohen's κ, source type per passage"), "", pair_grid(
                names, layers["source_passages"]["pairs"], lambda p: p["value"])),
            (_l("F1 (overlap), rhetoric spans"), "rhetoric", pair_grid(
                names, layers["rhetoric"]["pairs"], lambda p: p["overlap"].get("f1"))),
            (_l("F1 (overlap), unsupported claims"), "claim", pair_grid(
                names, layers["claim"]["pairs"], lambda p: p["overlap"].get("f1"))),
        ]
    verdicts = _verdicts(project)
    # A student reads first how they did against the key (when it is open to them).
    mine = (sentences.feedback_sentences(feedback.student_report(
        project, current_user, for_student=True)["totals"]) if not teacher else [])
    return render_template(
        "web/agreement.html", project=project, report=report, titles=LAYER_TITLES,
        teacher=teacher, grids=grids, heat=heat, chosen_documents=documents,
        chosen_annotators=annotators, all_documents=projects.document_rows(project),
        gold=gold, has_gold=teacher and gold_user_id() is not None,
        all_annotators=review.annotators(project) if teacher else [],
        distribution=(review.label_distribution(project, documents or None, annotators or None,
                                                gold) if teacher else None),
        names={label["key"]: label["name"] for label in review.source_labels(project)},
        label_names=label_names(project.id), verdicts=verdicts,
        # Verdicts on the claims board are agreement too, with or without annotations.
        waiting=None if verdicts else sentences.agreement_waiting(report),
        lead=sentences.agreement_sentences(report), mine=mine)


def label_names(project_id: int) -> dict[str, str]:
    """Every label's name by its key (the report's rows are keyed)."""
    return {key: info.name for (_, key), info in vocabulary(project_id).labels.items()}


def _verdicts(project) -> list[dict]:
    """Agreement on the claims board's verdicts: over every question, then each one."""
    from app.services import claims

    rows = [{"name": _l("All questions"), "href": None, **claims.verdict_agreement(project)}]
    for question, count in claims.questions(project):
        if count:
            rows.append({"name": question.text, **claims.verdict_agreement(project, question.id),
                         "href": url_for("web.claims_board", project_id=project.id,
                                         question_id=question.id)})
    return rows if rows[0]["verdicts"] else []


@bp.get("/projects/<int:project_id>/agreement/confusion")
@login_required
def confusion(project_id: int):
    project = _teacher_project(project_id)
    first, second = request.args.get("a") or None, request.args.get("b") or None
    table = review.confusion(project, first, second)
    if (first or second) and not (first in table["annotators"] and second in table["annotators"]):
        abort(404)
    peak = max((max(row) for row in table["matrix"]), default=0) or 1
    return render_template("web/confusion.html", project=project, table=table, peak=peak,
                           names={lb["key"]: lb["name"] for lb in review.source_labels(project)})


@bp.get("/projects/<int:project_id>/agreement/confusion/cell")
@login_required
def confusion_cell(project_id: int):
    project = _teacher_project(project_id)
    said, other = request.args.get("x", ""), request.args.get("y", "")
    first, second = request.args.get("a") or None, request.args.get("b") or None
    names = {lb["key"]: lb["name"] for lb in review.source_labels(project)}
    if said not in names or other not in names:
        abort(404)
    passages = review.confused_passages(project, said, other, first, second)
    return render_template("web/confusion_cell.html", project=project, passages=passages,
                           said=said, other=other, first=first, second=second, names=names)


SPAN_LAYERS = {"rhetoric", "claim", "source"}


@bp.get("/projects/<int:project_id>/agreement/span-confusion")
@login_required
def span_confusion(project_id: int):
    project = _teacher_project(project_id)
    layer = request.args.get("layer", "rhetoric")
    first, second = request.args.get("a") or None, request.args.get("b") or None
    if layer not in SPAN_LAYERS:
        abort(404)
    table = review.span_confusion(project, layer, first, second)
    if (first or second) and not (first in table["annotators"] and second in table["annotators"]):
        abort(404)
    peak = max((max(row) for row in table["matrix"]), default=0) or 1
    return render_template("web/span_confusion.html", project=project, table=table, peak=peak,
                           title=LAYER_TITLES[layer])


@bp.get("/projects/<int:project_id>/agreement/span-confusion/cell")
@login_required
def span_confusion_cell(project_id: int):
    project = _teacher_project(project_id)
    layer = request.args.get("layer", "rhetoric")
    said, other = request.args.get("x", ""), request.args.get("y", "")
    first, second = request.args.get("a") or None, request.args.get("b") or None
    if layer not in SPAN_LAYERS:
        abort(404)
    # Only what the page names: the matrix itself is not needed to list one cell.
    table = {"names": review.span_label_names(project, layer), "layer": layer,
             "first": first, "second": second}
    if said not in table["names"] or other not in table["names"]:
        abort(404)
    rows = review.span_confusion_cell(project, layer, said, other, first, second)
    return render_template("web/span_confusion_cell.html", project=project, rows=rows,
                           table=table, said=said, other=other,
                           title=LAYER_TITLES[layer])


@bp.get("/projects/<int:project_id>/agreement/label")
@login_required
def label_passages(project_id: int):
    project = _teacher_project(project_id)
    label = request.args.get("label", "")
    names = {lb["key"]: lb["name"] for lb in review.source_labels(project)}
    if label not in names:
        abort(404)
    passages = review.label_disagreements(project, label)
    return render_template("web/label_passages.html", project=project, passages=passages,
                           label=label, names=names)


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/compare")
@login_required
def compare(project_id: int, document_id: int):
    _teacher_project(project_id)
    document = projects.get_document(current_user, project_id, document_id)
    return render_template("web/compare.html", project=document.project, document=document,
                           view=review.comparison(document))


@bp.get("/projects/<int:project_id>/agreement/spans")
@login_required
def span_differences(project_id: int):
    project = _teacher_project(project_id)
    layer = request.args.get("layer", "rhetoric")
    first, second = request.args.get("a", ""), request.args.get("b", "")
    label = request.args.get("label") or None
    if layer not in {"rhetoric", "claim", "source"} or bool(first) != bool(second) \
            or not (first or label):
        abort(404)
    if first:
        rows = review.span_differences(project, layer, first, second, label)
    else:  # one label, every pair of annotators
        rows = review.label_span_differences(project, layer, label)
    names = review.span_label_names(project, layer)
    return render_template("web/span_differences.html", project=project, rows=rows,
                           layer=layer, first=first, second=second, label=label,
                           label_name=names.get(label) or humanise(label or ""),
                           title=LAYER_TITLES[layer])
