"""The agreement report over the API (the project's teachers): by round, as `flask agreement
PROJECT --by round --json` prints it."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import BaseModel

from app.api import bp
from app.api.openapi import route
from app.api.routes import answer
from app.services import projects
from app.services.errors import Invalid
from app.services.rounds.report import by_round

GROUPINGS = ("round",)


class AgreementByRound(BaseModel):
    """Each round's figures (every layer, and per codebook version where a round's work was
    made under several), the series over rounds, and the test–retest."""

    project: dict[str, Any]
    codebook_version: int
    rounds: list[dict[str, Any]]
    series: dict[str, Any]
    retest: list[dict[str, Any]]


@route(bp, "/projects/<int:project_id>/agreement", "GET",
       "The agreement report by round (?by=round)", tag="agreement",
       response=AgreementByRound, errors=(400, 403))
@login_required
def agreement_report(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    by = request.args.get("by", "round")
    if by not in GROUPINGS:
        raise Invalid(_("'by' is one of: %(value)s.",
                        value=', '.join(GROUPINGS)), {"by": "unknown"})
    return answer(AgreementByRound(**by_round(project)))
