"""Datasets in and out: the export form and downloads, the dataset card, imports (and who
is who in an imported file, before it is stored)."""

from __future__ import annotations

import io
import re
import tempfile

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import security_log
from app.services import projects
from app.services.agreement import Scope, annotators_of
from app.services.datasets import export, formats
from app.services.datasets.card import dataset_card
from app.services.datasets.formats.labelstudio import labeling_config
from app.services.datasets.importing import pending
from app.services.errors import ImportFailed, Invalid, ServiceError
from app.services.imports import reports
from app.services.people import roster
from app.web import bp
from app.web.forms import ActionForm, DatasetImportForm

SPOOL_BYTES = 8 * 1024 * 1024  # an export bigger than this is spooled to disk, not memory


def _filters() -> export.Filters:
    def ints(name: str) -> tuple[int, ...]:
        values = request.args.getlist(name)
        if not all(v.isdigit() for v in values):
            abort(400)
        return tuple(int(v) for v in values)

    return export.Filters(
        documents=ints("document"), annotators=tuple(request.args.getlist("annotator")),
        layers=tuple(request.args.getlist("layer")),
        gold_only=request.args.get("gold_only") == "1",
        pseudonymise=request.args.get("pseudonymise") == "1")


def _filename(title: str, suffix: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "project"
    return f"{slug}{suffix}"


@bp.get("/projects/<int:project_id>/data")
@login_required
def datasets(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    ctx = export.context(project)
    return render_template(
        "web/datasets.html", project=project, formats=formats.DESCRIPTIONS,
        documents=[doc for doc, _ in projects.document_rows(project)],
        annotators=list(annotators_of(project, Scope()).values()),
        layers=[(key, ctx.layer_names.get(key, key)) for key in ctx.layers],
        import_form=DatasetImportForm(),
        report=reports.load(project, current_user, request.args.get("report", "")))


@bp.get("/projects/<int:project_id>/export")
@login_required
def export_download(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    fmt = request.args.get("format", "jsonl")
    filters = _filters()
    try:
        module = formats.writer(fmt)
        checked = export.check_filters(project, filters)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.datasets", project_id=project.id))
    # Spooled: small exports stay in memory, large ones go to a temporary file, so memory
    # stays bounded whatever the size.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        export.export(project, fmt, spool, filters, checked=checked)
    except BaseException:
        spool.close()  # a failed export leaves no open file behind
        raise
    spool.seek(0)
    name = _filename(project.title, f"-{fmt}{module.EXTENSION}")
    response = send_file(spool, mimetype=module.MEDIA_TYPE, as_attachment=True,
                         download_name=name)
    response.call_on_close(spool.close)
    return response


@bp.get("/projects/<int:project_id>/export/label-studio-config")
@login_required
def export_label_studio_config(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    config = labeling_config(export.context(project)).encode("utf-8")
    return send_file(io.BytesIO(config), mimetype="application/xml", as_attachment=True,
                     download_name=_filename(project.title, "-label-studio-config.xml"))


@bp.get("/projects/<int:project_id>/export/card")
@login_required
def export_card(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    filters = _filters()
    fmt = request.args.get("format", "jsonl")
    try:
        formats.writer(fmt)
        export.check_filters(project, filters)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.datasets", project_id=project.id))
    card = dataset_card(project, filters, fmt).encode("utf-8")
    return send_file(io.BytesIO(card), mimetype="text/markdown; charset=utf-8",
                     as_attachment=True, download_name=_filename(project.title, "-card.md"))


@bp.post("/projects/<int:project_id>/import")
@login_required
def import_dataset(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    form = DatasetImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("web.datasets", project_id=project.id))
    upload = form.file.data
    try:
        begun = pending.begin(project, current_user, form.format.data,
                              upload.filename or "upload", upload.read(),
                              form.ground_truth_gold.data)
    except ImportFailed as exc:
        _log_import(project, upload.filename, "refused", problems=len(exc.problems))
        # The list stays on the server: in the session cookie a long one was dropped.
        token = reports.save(project, current_user, upload.filename or "upload",
                             exc.problems)
        flash(ngettext("Nothing was imported: %(num)s problem found.",
                       "Nothing was imported: %(num)s problems found.", len(exc.problems)),
              "error")
        return redirect(url_for("web.datasets", project_id=project.id, report=token,
                                _anchor="import"))
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.datasets", project_id=project.id))
    if begun.token:
        return redirect(url_for("web.import_people", project_id=project.id,
                                token=begun.token))
    return _imported(project, upload.filename, begun.summary)


@bp.route("/projects/<int:project_id>/import/<token>", methods=["GET", "POST"])
@login_required
def import_people(project_id: int, token: str):
    """Who is who in a kept upload: each name and what it becomes; Import or Cancel."""
    project = projects.get_project(current_user, project_id, manage=True)
    form = ActionForm()
    errors: dict[str, str] = {}
    problems: list[str] = []
    posted: dict[str, pending.Choice] | None = None
    file = "upload"
    action = request.form.get("choice")
    if request.method == "POST":
        file, names = pending.names(project, current_user, token)  # 404 unless theirs
        if not form.validate_on_submit() or action not in {"import", "cancel"}:
            abort(400)
        if action == "cancel":
            pending.cancel(project, current_user, token)
            flash(_("Import cancelled; nothing was stored."), "info")
            return redirect(url_for("web.datasets", project_id=project.id))
        posted = _posted_choices(names)
        try:
            summary = pending.confirm(project, current_user, token, posted)
        except ImportFailed as exc:
            problems = [str(problem) for problem in exc.problems]
        except Invalid as exc:  # the rows whose choice cannot be, else a limit reached
            errors = {name: message for name, message in exc.fields.items() if name in names}
            problems = [] if errors else [exc.message]
        else:
            return _imported(project, file, summary)
    try:
        kept = pending.load(project, current_user, token)
    except ImportFailed as exc:  # the project changed since (its codebook, say)
        report = reports.save(project, current_user, file, exc.problems)
        flash(_("Nothing was imported: %(count)d problem(s) found.",
                count=len(exc.problems)), "error")
        return redirect(url_for("web.datasets", project_id=project.id, report=report,
                                _anchor="import"))
    rows = [{"person": person, "choice": (posted or {}).get(person.name, person.choice),
             "error": errors.get(person.name)} for person in kept.plan.people]
    status = 400 if errors or problems else 200
    return render_template("web/import_people.html", project=project, form=form,
                           kept=kept, rows=rows, errors=errors, problems=problems), status


def _posted_choices(names: list[str]) -> dict[str, pending.Choice]:
    """The choice of each row of the page (row i is the file's i-th name)."""
    choices = {}
    for index, name in enumerate(names):
        who = request.form.get(f"who-{index}", "")
        username = request.form.get(f"username-{index}", "").strip()
        if who == "new":
            choices[name] = pending.Choice("new", username)
        elif who == "gold":
            choices[name] = pending.Choice("gold")
        elif who.startswith("member:"):
            choices[name] = pending.Choice("member", who.removeprefix("member:"))
    return choices


def _imported(project, filename: str | None, summary):
    """What an import brought in, said once; the slips of new accounts if it made any."""
    _log_import(project, filename, "ok", documents=summary.documents_added
                + summary.documents_matched, accounts_created=len(summary.accounts))
    counts = {"added": summary.documents_added, "matched": summary.documents_matched,
              "spans": summary.spans, "tags": summary.passage_tags, "ratings": summary.ratings,
              "annotators": len(summary.annotators)}
    flash(_("Imported new documents: %(added)s (already here: %(matched)s); spans: %(spans)s, "
            "passage tags: %(tags)s, ratings: %(ratings)s; annotators: %(annotators)s; and "
            "the gold key.", **counts) if summary.gold else
          _("Imported new documents: %(added)s (already here: %(matched)s); spans: %(spans)s, "
            "passage tags: %(tags)s, ratings: %(ratings)s; annotators: %(annotators)s.",
            **counts), "info")
    for name, username in summary.renamed.items():
        flash(_("The work of '%(name)s' went to %(username)s.", name=name,
                username=username), "info")
    if summary.accounts:
        shown = {username: name for name, username in summary.renamed.items()}
        slips = [roster.Slip(shown.get(name, name), name, password)
                 for name, password in summary.accounts]
        return render_template("web/slips.html", project=project, slips=slips)
    return redirect(url_for("web.project", project_id=project.id))


def _log_import(project, filename: str | None, outcome: str, **details) -> None:
    security_log.event("dataset_import", outcome, project_id=project.id,
                       object=f"project:{project.id}", file=filename or "upload", **details)
