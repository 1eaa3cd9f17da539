"""The claims board pages: questions, the claims filed under each, students' verdicts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.models import VERDICTS
from app.services import claims, projects
from app.services.errors import ConfirmationNeeded, Conflict, ServiceError
from app.web import bp
from app.web.forms import ActionForm, QuestionForm


def _int(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() else None


@bp.route("/projects/<int:project_id>/claims", methods=["GET", "POST"])
@login_required
def claims_index(project_id: int):
    project = projects.get_project(current_user, project_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = claims.create_question(project, current_user, form.text.data,
                                              form.value_kind.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            return redirect(url_for("web.claims_board", project_id=project.id,
                                    question_id=question.id))
    rows = claims.questions(project)
    return render_template("web/claims.html", project=project, rows=rows, form=form,
                           agreement=claims.verdict_agreement(project),
                           teacher=projects.project_role(project, current_user) == "teacher")


@bp.get("/projects/<int:project_id>/claims/<int:question_id>")
@login_required
def claims_board(project_id: int, question_id: int):
    project = projects.get_project(current_user, project_id)
    question = claims.get_question(project, question_id)
    search = request.args.get("q", "")
    role = projects.project_role(project, current_user)
    return render_template(
        "web/claims_board.html", project=project, board=claims.board(project, question,
                                                                     current_user),
        unfiled=claims.unfiled_claims(project, question, search,
                                      None if role == "teacher" else current_user),
        search=search, teacher=role == "teacher", form=ActionForm(),
        verdicts=[(v, _verdict_name(v)) for v in VERDICTS])


def _verdict_name(verdict: str) -> str:
    """A verdict as the reader's language says it."""
    words = {"supported": _("supported"), "refuted": _("refuted"),
             "not_enough_info": _("not enough information")}
    return words.get(verdict, verdict)


@bp.post("/projects/<int:project_id>/claims/<int:question_id>/file")
@login_required
def file_claim(project_id: int, question_id: int):
    project = projects.get_project(current_user, project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    data = {"document_id": _int("document_id"), "start": _int("start"), "end": _int("end"),
            "text": request.form.get("text"), "span_id": _int("span_id"),
            "value": request.form.get("value", ""), "stated": request.form.get("stated", ""),
            "sourcing": request.form.get("sourcing") or None,
            "note": request.form.get("note", "")}
    try:
        claims.file_claim(project, current_user, question_id, data)
    except ServiceError as exc:
        flash(_("Not filed: %(why)s", why=exc.message), "error")
    else:
        flash(_("Filed on the board."), "info")
    return redirect(url_for("web.claims_board", project_id=project_id,
                            question_id=question_id, q=request.form.get("q") or None))


@bp.post("/projects/<int:project_id>/claims/links/<int:link_id>/remove")
@login_required
def unfile_claim(project_id: int, link_id: int):
    project = projects.get_project(current_user, project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    link = claims.get_link(project, link_id)
    question_id = link.question_id
    try:
        claims.unfile_claim(project, current_user, link_id,
                            confirm=request.form.get("confirm") == "yes")
    except ConfirmationNeeded as exc:  # ask again, saying whose work would go with it
        return render_template("web/claim_remove.html", project=project, link=link,
                               message=exc.message, form=ActionForm())
    except Conflict as exc:
        flash(_("Not taken off: %(why)s", why=exc.message), "error")
    else:
        flash(_("Taken off the board."), "info")
    return redirect(url_for("web.claims_board", project_id=project_id,
                            question_id=question_id, _anchor=f"claim-{link_id}"))


@bp.post("/projects/<int:project_id>/claims/links/<int:link_id>/verdict")
@login_required
def claim_verdict(project_id: int, link_id: int):
    project = projects.get_project(current_user, project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    link = claims.get_link(project, link_id)
    data = {"verdict": request.form.get("verdict"),
            "evidence_url": request.form.get("evidence_url", "").strip(),
            "evidence_passage": request.form.get("evidence_passage", ""),
            "evidence_document_id": _int("evidence_document_id"),
            "evidence_start": _int("evidence_start"), "evidence_end": _int("evidence_end"),
            "note": request.form.get("note", ""), "version": _int("version")}
    try:
        claims.set_verdict(project, current_user, link_id, data)
    except ServiceError as exc:
        flash(_("Verdict not saved: %(why)s", why=exc.message), "error")
    else:
        flash(_("Verdict saved."), "info")
    return redirect(url_for("web.claims_board", project_id=project_id,
                            question_id=link.question_id, _anchor=f"claim-{link_id}"))
