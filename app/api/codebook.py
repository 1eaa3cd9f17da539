"""Codebook editing API (the project's teachers).

Every answer is the whole codebook, with its new version, so a client never holds a stale
copy. Labels are named by id; a label of another project's codebook is not found (404).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import Field, StrictBool, StrictInt

from app.api import bp
from app.api import schemas as s
from app.api.openapi import route
from app.api.routes import answer, parse
from app.models import Codebook
from app.services import codebooks, projects
from app.services.errors import NotFound

CODEBOOK = "/projects/<int:project_id>/codebook"


class LabelCreate(s.Strict):
    layer: str = Field(max_length=40, description="The layer's key: source, rhetoric, claim …")
    key: str = Field(max_length=80, description="Fixed once made: exports use it")
    name: str = Field(max_length=200)
    definition: str = Field(default="", max_length=2000)
    example: str = Field(default="", max_length=1000)
    shortcut: str = Field(default="", description="One letter of any script, or one digit "
                          "(stored lower-cased)")
    color: str = Field(default=codebooks.DEFAULT_COLOR, description="#RRGGBB")
    group: str = Field(default="", max_length=80)


class LabelUpdate(s.Strict):
    name: str | None = Field(default=None, max_length=200)
    definition: str | None = Field(default=None, max_length=2000)
    example: str | None = Field(default=None, max_length=1000)
    shortcut: str | None = Field(default=None,
                                 description="One letter of any script, or one digit; "
                                             "empty for none")
    color: str | None = Field(default=None, description="#RRGGBB")
    group: str | None = Field(default=None, max_length=80)
    position: StrictInt | None = Field(default=None, ge=0,
                                       description="0-based place in the layer")
    active: StrictBool | None = Field(default=None,
                                      description="false retires the label; true brings it back")


class PolesSet(s.Strict):
    negative: str = Field(max_length=200, description="What a slant of −3 favours")
    positive: str = Field(max_length=200, description="What a slant of +3 favours")


def _codebook(project_id: int) -> Codebook:
    codebook = projects.get_project(current_user, project_id, manage=True).codebook
    if codebook is None:
        raise NotFound(_("This project has no codebook."))
    return codebook


def _out(codebook: Codebook) -> s.CodebookOut:
    return s.CodebookOut(**codebooks.codebook_as_dict(codebook))


@route(bp, CODEBOOK + "/labels", "POST", "Add a label at the end of a layer (teachers)",
       tag="codebook", body=LabelCreate, response=s.CodebookOut, status=201, errors=(403, 409))
@login_required
def add_codebook_label(project_id: int):
    codebook = _codebook(project_id)
    body = parse(LabelCreate)
    codebooks.add_label(codebook, body.layer, body.key, body.name, body.definition,
                        body.example, body.shortcut, body.color, body.group)
    return answer(_out(codebook), 201)


@route(bp, CODEBOOK + "/labels/<int:label_id>", "PATCH",
       "Rename, redefine, recolour, reorder, retire or bring back a label (teachers); "
       "the key never changes", tag="codebook", body=LabelUpdate, response=s.CodebookOut,
       errors=(403, 409))
@login_required
def update_codebook_label(project_id: int, label_id: int):
    codebook = _codebook(project_id)
    label = codebooks.get_label(codebook, label_id)
    body = parse(LabelUpdate)
    codebooks.edit_label(label, **body.model_dump(exclude_none=True))
    return answer(_out(codebook))


@route(bp, CODEBOOK + "/labels/<int:label_id>", "DELETE",
       "Delete an unused label (teachers); 409 when annotations use it: retire it instead",
       tag="codebook", response=s.CodebookOut, errors=(403, 409))
@login_required
def delete_codebook_label(project_id: int, label_id: int):
    codebook = _codebook(project_id)
    codebooks.delete_label(codebooks.get_label(codebook, label_id))
    return answer(_out(codebook))


@route(bp, CODEBOOK + "/poles", "PUT",
       "Name the poles of the rating form's slant scale (teachers)", tag="codebook",
       body=PolesSet, response=s.CodebookOut, errors=(403,))
@login_required
def set_codebook_poles(project_id: int):
    codebook = _codebook(project_id)
    body = parse(PolesSet)
    codebooks.set_poles(codebook, body.negative, body.positive)
    return answer(_out(codebook))
