"""Codebook pages: guidelines for everyone, editing for teachers."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    ColorField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from app.extensions import db
from app.models import CodebookLayer, Label, Project
from app.services import codebooks, projects, shortcuts
from app.services.errors import NotFound, ServiceError
from app.web import bp
from app.web.forms import ActionForm

LABEL_FIELDS = ("name", "definition", "example", "shortcut", "color", "group")
UNREADABLE = _l("The form could not be read. Reload the page and try again.")


class LabelForm(FlaskForm):
    """A label's editable fields. The services check the values; every field is optional so
    that a form posting only some fields leaves the others as they are."""

    name = StringField(_l("Name"), render_kw={"maxlength": codebooks.MAX_NAME})
    definition = TextAreaField(_l("Definition"),
                               render_kw={"rows": 3, "maxlength": codebooks.MAX_DEFINITION})
    example = TextAreaField(_l("Example"),
                            render_kw={"rows": 2, "maxlength": codebooks.MAX_EXAMPLE})
    # One letter of any script (a few code points with its marks) or a digit: the service
    # says what is wrong, in words, rather than the browser's bare pattern message.
    shortcut = StringField(_l("Shortcut key"), render_kw={"maxlength": shortcuts.MAX_LENGTH,
                                                          "size": 2, "autocomplete": "off"})
    color = ColorField(_l("Colour"), default=codebooks.DEFAULT_COLOR)
    group = SelectField(_l("Group"), choices=[SelectChoice("", _l("(none)"))], default="",
                        validate_choice=False)
    submit = SubmitField(_l("Save"))


class NewLabelForm(LabelForm):
    key = StringField(_l("Key"), render_kw={"maxlength": 80,
                                            "placeholder": _l("e.g. loaded_language"),
                                            "autocomplete": "off"})
    submit = SubmitField(_l("Add label"))


class MoveForm(FlaskForm):
    direction = StringField(_("Direction"))  # the clicked button's value: up or down


class PolesForm(FlaskForm):
    negative = StringField(_l("A slant of −3 favours"),
                           render_kw={"maxlength": codebooks.MAX_POLE})
    positive = StringField(_l("A slant of +3 favours"),
                           render_kw={"maxlength": codebooks.MAX_POLE})
    submit = SubmitField(_l("Save poles"))


def _with_groups(form: LabelForm, layer: CodebookLayer) -> LabelForm:
    form.group.choices = [SelectChoice("", _("(none)"))] + [
        SelectChoice(g["key"], g.get("name", g["key"])) for g in layer.groups]
    return form


def _submitted(form: FlaskForm, names: tuple[str, ...]) -> dict[str, Any]:
    """The values of the named fields the request actually posted."""
    return {name: form[name].data for name in names if form[name].name in request.form}


def _example_documents(project: Project, codebook) -> dict[str, Any]:
    """The project's documents the codebook's examples come from, by their file name."""
    files = {label.example_file for layer in codebook.layers for label in layer.labels
             if label.example_file}
    if not files:
        return {}
    from app.models import Document

    return {document.source_name: document for document in db.session.scalars(
        sa.select(Document).where(Document.project_id == project.id,
                                  Document.source_name.in_(files),
                                  Document.archived_at.is_(None)))}


_COMPARISON = re.compile(r"^(abs\()?\s*(\w+)\s*(\))?\s*(<=|>=|==|<|>)\s*(-?\d+)$")
_SAID = {"<=": _l("%(value)s or less"), ">=": _l("%(value)s or more"), "==": "%(value)s",
         "<": _l("below %(value)s"), ">": _l("above %(value)s")}


def condition_words(expression: str, fields: list[dict]) -> str:
    """A rating form's condition in words ("reliability <= 2 or abs(slant) == 3" reads
    "Reliability is 2 or less, or Slant is −3 or +3"); the expression itself when it is of
    another shape."""
    names = {f.get("key"): f.get("name") or f.get("key") for f in fields}
    parts = []
    for clause in re.split(r"\s+or\s+", expression.strip()):
        match = _COMPARISON.match(clause.strip())
        if match is None or match.group(2) not in names or bool(match.group(1)) != bool(
                match.group(3)):
            return expression
        absolute, key, _closing, op, number = match.groups()
        value = int(number)
        if absolute and op == "==" and value > 0:
            said = _("−%(value)s or +%(value)s", value=value)
        elif absolute:
            return expression
        else:
            said = str(_SAID[op]) % {"value": str(value).replace("-", "−")}
        parts.append(_("%(field)s is %(value)s", field=names[key], value=said))
    return _(", or ").join(parts)


def _teacher_codebook(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    if project.codebook is None:
        raise NotFound(_("This project has no codebook."))
    return project, project.codebook


def _back(project: Project, anchor: str | None = None):
    return redirect(url_for("web.codebook", project_id=project.id, _anchor=anchor))


def _report(changed: bool, done: str, version: int) -> None:
    if changed:
        flash(_("%(done)s The codebook is now version %(version)s.", done=done, version=version),
              "info")
    else:
        flash(_("Nothing changed."), "info")


def _form_failed(form: FlaskForm) -> None:
    messages = [error for errors in form.errors.values() for error in errors]
    flash(" ".join(messages) or str(UNREADABLE), "error")


@bp.get("/projects/<int:project_id>/codebook", endpoint="codebook")
@login_required
def codebook_page(project_id: int):
    project = projects.get_project(current_user, project_id)
    codebook = project.codebook
    if codebook is None:
        raise NotFound(_("This project has no codebook."))
    teacher = projects.project_role(project, current_user) == "teacher"
    context: dict[str, Any] = {"project": project, "codebook": codebook, "teacher": teacher,
                               "slant": codebooks.slant_field(codebook),
                               "example_documents": _example_documents(project, codebook),
                               "condition_words": condition_words}
    if teacher:
        slant = context["slant"] or {}
        context.update(
            usage=codebooks.usage_counts(codebook),
            edit_forms={label.id: _with_groups(LabelForm(formdata=None, obj=label), layer)
                        for layer in codebook.layers for label in layer.labels},
            add_forms={layer.key: _with_groups(NewLabelForm(formdata=None), layer)
                       for layer in codebook.layers},
            poles_form=PolesForm(formdata=None, **(slant.get("poles") or {})),
        )
    return render_template("web/codebook.html", **context)


@bp.post("/projects/<int:project_id>/codebook/layers/<layer_key>/labels")
@login_required
def codebook_add_label(project_id: int, layer_key: str):
    project, codebook = _teacher_codebook(project_id)
    layer = codebooks.get_layer(codebook, layer_key)
    form = _with_groups(NewLabelForm(), layer)
    if not form.validate_on_submit():
        _form_failed(form)
        return _back(project, f"layer-{layer.key}")
    values = _submitted(form, LABEL_FIELDS)
    try:
        label = codebooks.add_label(codebook, layer.key, form.key.data or "",
                                    values.pop("name", ""), **values)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _back(project, f"layer-{layer.key}")
    _report(True, _("Added '%(label)s' to %(layer)s.", label=label.name, layer=layer.name),
            codebook.version)
    return _back(project, f"label-{label.id}")


@bp.post("/projects/<int:project_id>/codebook/labels/<int:label_id>")
@login_required
def codebook_edit_label(project_id: int, label_id: int):
    project, codebook = _teacher_codebook(project_id)
    label = codebooks.get_label(codebook, label_id)
    form = _with_groups(LabelForm(), label.layer)
    if not form.validate_on_submit():
        _form_failed(form)
    else:
        try:
            changed = codebooks.update_label(label, **_submitted(form, LABEL_FIELDS))
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            _report(changed, _("Saved '%(label)s'.", label=label.name), codebook.version)
    return _back(project, f"label-{label_id}")


@bp.post("/projects/<int:project_id>/codebook/labels/<int:label_id>/move")
@login_required
def codebook_move_label(project_id: int, label_id: int):
    project, codebook = _teacher_codebook(project_id)
    label = codebooks.get_label(codebook, label_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in {"up", "down"}:
        flash(_("Choose to move the label up or down."), "error")
    else:
        changed = codebooks.shift_label(label, -1 if form.direction.data == "up" else 1)
        done = (_("Moved '%(label)s' up.", label=label.name) if form.direction.data == "up"
                else _("Moved '%(label)s' down.", label=label.name))
        _report(changed, done, codebook.version)
    return _back(project, f"label-{label_id}")


def _set_active(project_id: int, label_id: int, active: bool):
    project, codebook = _teacher_codebook(project_id)
    label = codebooks.get_label(codebook, label_id)
    if not ActionForm().validate_on_submit():
        flash(str(UNREADABLE), "error")
        return _back(project, f"label-{label_id}")
    try:
        changed = codebooks.set_label_active(label, active)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        done = (_("'%(label)s' is back in use.", label=label.name) if active else
                _("Retired '%(label)s': nobody can choose it now; annotations keep it.",
                  label=label.name))
        _report(changed, done, codebook.version)
    return _back(project, f"label-{label_id}")


@bp.post("/projects/<int:project_id>/codebook/labels/<int:label_id>/retire")
@login_required
def codebook_retire_label(project_id: int, label_id: int):
    return _set_active(project_id, label_id, False)


@bp.post("/projects/<int:project_id>/codebook/labels/<int:label_id>/restore")
@login_required
def codebook_restore_label(project_id: int, label_id: int):
    return _set_active(project_id, label_id, True)


@bp.post("/projects/<int:project_id>/codebook/labels/<int:label_id>/delete")
@login_required
def codebook_delete_label(project_id: int, label_id: int):
    project, codebook = _teacher_codebook(project_id)
    label: Label = codebooks.get_label(codebook, label_id)
    if not ActionForm().validate_on_submit():
        flash(str(UNREADABLE), "error")
        return _back(project, f"label-{label_id}")
    name, layer_key = label.name, label.layer.key
    try:
        codebooks.delete_label(label)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _back(project, f"label-{label_id}")
    _report(True, _("Deleted '%(label)s'.", label=name), codebook.version)
    return _back(project, f"layer-{layer_key}")


@bp.post("/projects/<int:project_id>/codebook/poles")
@login_required
def codebook_poles(project_id: int):
    project, codebook = _teacher_codebook(project_id)
    form = PolesForm()
    if not form.validate_on_submit():
        _form_failed(form)
    else:
        try:
            changed = codebooks.set_poles(codebook, form.negative.data, form.positive.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            _report(changed, _("Saved the slant poles."), codebook.version)
    return _back(project, "rating-form")
