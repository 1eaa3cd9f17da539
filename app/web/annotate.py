"""The annotation page: one document, the annotator's own work, the project's codebook."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import annotations, classroom, gold, projects
from app.services.errors import Forbidden
from app.services.vocabulary import page_codebook
from app.services.wording.attributes import named
from app.services.wording.evidence import evidence_quotes
from app.web import bp
from app.web.kept import fragment, passages_of


@bp.get("/projects/<int:project_id>/documents/<int:document_id>/annotate")
@login_required
def annotate(project_id: int, document_id: int):
    document, role = projects.document_and_role(current_user, project_id, document_id)
    project = document.project
    # ?as=gold: the same page edits the document's gold key (teachers and adjudicators).
    as_gold = request.args.get("as") == gold.GOLD_NAME
    if as_gold and not gold.can_adjudicate(project.id, current_user):
        abort(403)
    actor = gold.gold_user() if as_gold else current_user
    # A student of a project with assignments works on theirs alone (and moves between them);
    # a document they submitted is locked until a teacher reopens it.
    student = not as_gold and role == "student"
    mine = classroom.assigned_ids(project.id, current_user.id) if student else None
    if mine is not None and document.id not in mine:
        raise Forbidden(_("This document is not one of your assignments."))
    ordered = [ident for ident in projects.document_ids(project.id)
               if mine is None or ident in mine]
    position = ordered.index(document.id)
    neighbours = {
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
    }
    passages = passages_of(document)
    data = {
        "user": actor.username,
        "query": "as=gold" if as_gold else "",
        # The text is in the passages' markup; the data holds only what lies between them.
        "document": {"id": document.id, "title": document.title,
                     "gaps": passages.gaps,
                     "text_sha256": document.text_sha256},
        "codebook": page_codebook(project.id),
        "annotations": annotations.my_annotations(actor, document, page=True),
        "submission_locks": student,
        "api": url_for("api.get_annotations", project_id=project.id,
                       document_id=document.id).rsplit("/", 1)[0],
        "csrf_url": url_for("api.csrf_token"),
        "signed_in_as": current_user.username,
    }
    data["locked"] = student and data["annotations"]["done"]
    # Attributes and evidence as words: the panel shows names and quotes, never keys or offsets.
    # (The codebook is a shared cache: the named copy is this page's, in the reader's language.)
    data["codebook"] = {**data["codebook"], "layers": [
        {**layer, "attributes": named(layer["attributes"])}
        for layer in data["codebook"]["layers"]]}
    evidence = evidence_quotes(project.id, [
        {"attributes": a} for a in data["annotations"]["spans"]["attributes"] if a])
    # Who can reopen a submission: said on the page, so a student knows whom to ask.
    teachers = classroom.teacher_names(project) if student else []
    return render_template("web/annotate.html", project=project, document=document,
                           data=data, evidence=evidence, passages=passages.rows,
                           position=position, passage_markup=passages.markup,
                           dialogs=fragment("web/_annotate_dialogs.html"),
                           side_panel=fragment("web/_annotate_side.html"),
                           page_end=fragment("web/_annotate_end.html",
                                             submission_locks=student),
                           total=len(ordered), neighbours=neighbours, as_gold=as_gold,
                           teachers=teachers,
                           gold_info=gold.key_info(document.id) if as_gold else None,
                           revealed=student and classroom.revealed(project, document,
                                                                   current_user, role))
