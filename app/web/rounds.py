"""The rounds pages: a teacher names rounds of documents with their dates, starts a retest
and assigns a round; and the agreement of each round, with how it moved."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import zones
from app.models import Project, Round
from app.services import classroom, projects, rounds
from app.services.agreement import Scope
from app.services.errors import ServiceError
from app.services.rounds.chart import PALETTE, line_chart, most_moved
from app.services.rounds.report import by_round
from app.web import bp
from app.web.agreement import LAYER_TITLES, heat, label_names
from app.web.forms import ActionForm, AssignForm, RoundForm


def _form(project: Project, round_: Round | None = None) -> RoundForm:
    form = RoundForm(obj=None) if round_ is None or request.method == "POST" else RoundForm(
        name=round_.name, documents=rounds.document_ids(round_),
        starts=round_.starts_at.date() if round_.starts_at else None,
        due=round_.due_at.date() if round_.due_at else None)
    form.documents.choices = [(doc.id, doc.title) for doc, _ in projects.document_rows(project)]
    return form


def _page(project: Project, form: RoundForm, editing: Round | None = None, status: int = 200):
    listed = rounds.rounds_of(project)
    reused = {r.id: bool(_reused(r, listed)) for r in listed}
    titles = {doc.id: doc.title for doc, _ in projects.document_rows(project)}
    return render_template("web/rounds.html", project=project, rounds=listed, form=form,
                           editing=editing, reused=reused, titles=titles,
                           documents_of={r.id: rounds.document_ids(r) for r in listed},
                           assign_form=AssignForm(), action_form=ActionForm()), status


def _reused(round_: Round, listed: list[Round]) -> set[int]:
    """The round's documents an earlier round has too."""
    mine = set(rounds.document_ids(round_))
    return {d for other in listed if other.position < round_.position
            for d in rounds.document_ids(other)} & mine


def _save(project: Project, form: RoundForm, round_: Round | None):
    if not form.validate_on_submit():
        return _page(project, form, round_, 400)
    # Days are the class's: a round starts at midnight and falls due at the end of the day
    # in the project's time zone.
    starts = (datetime.combine(form.starts.data, time(0, 0), tzinfo=ZoneInfo(
        project.time_zone)).astimezone(UTC) if form.starts.data else None)
    due = zones.end_of_day(form.due.data, project.time_zone) if form.due.data else None
    try:
        if round_ is None:
            round_ = rounds.create_round(project, form.name.data, form.documents.data, starts, due)
        else:
            rounds.update_round(round_, form.name.data, form.documents.data, starts, due)
    except ServiceError as exc:
        for name in exc.fields:
            target = {"due_at": "due"}.get(name, name)
            if hasattr(form, target):
                getattr(form, target).errors = [exc.message]
        flash(exc.message, "error")
        return _page(project, form, round_, 400)
    flash(_("Round '%(name)s' saved.", name=round_.name), "info")
    return redirect(url_for("web.rounds_page", project_id=project.id))


@bp.route("/projects/<int:project_id>/rounds", methods=["GET", "POST"])
@login_required
def rounds_page(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = _form(project)
    if request.method == "POST":
        return _save(project, form, None)
    return _page(project, form)


@bp.route("/projects/<int:project_id>/rounds/<int:round_id>", methods=["GET", "POST"])
@login_required
def round_edit(project_id: int, round_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    round_ = rounds.get_round(project, round_id)
    form = _form(project, round_)
    if request.method == "POST":
        return _save(project, form, round_)
    return _page(project, form, round_)


@bp.post("/projects/<int:project_id>/rounds/<int:round_id>/start")
@login_required
def round_start(project_id: int, round_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    round_ = rounds.get_round(project, round_id)
    if ActionForm().validate_on_submit():
        result = rounds.start_round(round_, current_user)
        flash(_("Round '%(name)s' started: the earlier work of %(annotators)s annotator(s) on "
                "%(documents)s reused document(s) is kept for the earlier round, and they begin "
                "those documents afresh.", name=round_.name, annotators=result["annotators"],
                documents=result["documents"]), "info")
    return redirect(url_for("web.rounds_page", project_id=project.id))


@bp.post("/projects/<int:project_id>/rounds/<int:round_id>/assign")
@login_required
def round_assign(project_id: int, round_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    round_ = rounds.get_round(project, round_id)
    form = AssignForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(url_for("web.rounds_page", project_id=project.id))
    due = (zones.end_of_day(form.due.data, project.time_zone) if form.due.data
           else round_.due_at)
    try:
        result = classroom.assign(project, form.mode.data, form.k.data, due, round_)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.rounds_page", project_id=project.id))
    flash(_("Round '%(name)s' assigned: %(created)s new, %(kept)s kept, %(removed)s removed.",
            name=round_.name, created=result.created, kept=result.kept, removed=result.removed),
          "info")
    return redirect(url_for("web.rounds_page", project_id=project.id))


@bp.post("/projects/<int:project_id>/rounds/<int:round_id>/delete")
@login_required
def round_delete(project_id: int, round_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    round_ = rounds.get_round(project, round_id)
    if ActionForm().validate_on_submit():
        rounds.delete_round(round_)
        flash(_("Round deleted; its documents and their work stay."), "info")
    return redirect(url_for("web.rounds_page", project_id=project.id))


@bp.get("/projects/<int:project_id>/agreement/rounds")
@login_required
def agreement_rounds(project_id: int):
    project = projects.get_project(current_user, project_id)
    teacher = projects.project_role(project, current_user) == "teacher"
    report = by_round(project, Scope())
    series = report["series"]
    charts = {"overall": line_chart(series["rounds"], series["overall"])}
    for layer, lines in series["labels"].items():
        charts[layer] = line_chart(series["rounds"], most_moved(lines))
    return render_template("web/agreement_rounds.html", project=project, report=report,
                           charts=charts, teacher=teacher, titles=LAYER_TITLES, heat=heat,
                           most=PALETTE, label_names=label_names(project.id))
