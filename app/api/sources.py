"""Source profiles, speakers' names and the claims board through the API."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import bp
from app.api import schemas as s
from app.api.openapi import route
from app.api.routes import answer, parse
from app.services import board_export, claims, projects, sources
from app.services.errors import Forbidden

P = "/projects/<int:project_id>"


def _teacher(project_id: int):
    project = projects.get_project(current_user, project_id)
    if projects.project_role(project, current_user) != "teacher":
        raise Forbidden(_("Only the project's teachers do this."))
    return project


def _figures(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "schema"}


@route(bp, P + "/sources", "GET",
       "Every publisher and speaker with the class's figures: ratings (mean, 95% interval, "
       "interval alpha), rhetoric and unsupported claims per 1,000 words (teachers)",
       tag="sources", response=s.SourceList, errors=(403,))
@login_required
def list_sources(project_id: int):
    project = _teacher(project_id)
    return answer(s.SourceList(sources=[
        s.SourceFigures(**_figures(r)) for r in board_export.source_records(project)]))


@route(bp, P + "/sources/profile", "GET",
       "One publisher or speaker (`?ref=publisher:…`, `entity:ID` or `name:…`): its figures, "
       "statements and every attributed span (teachers)",
       tag="sources", response=s.SourceProfile, errors=(403,))
@login_required
def get_source(project_id: int):
    project = _teacher(project_id)
    detail = sources.profile_detail(project, request.args.get("ref", ""))
    figures = _figures(board_export.source_record(detail))
    spans = [s.AttributedSpan(document_id=item["document"].id, start=item["start"],
                              end=item["end"], text=item["text"], note=item["note"],
                              annotator=item["annotator"], layer=group["layer"],
                              label=group["label"])
             for group in detail["by_label"] for item in group["spans"]]
    statements = [s.Statement(document_id=st["document"].id, start=st["start"], end=st["end"],
                              text=st["text"], annotators=st["annotators"])
                  for st in detail["statements"]]
    return answer(s.SourceProfile(**figures, document_ids=[d.id for d in
                                                           detail["document_list"]],
                                  statements=statements, spans=spans))


def _entity_out(entity) -> s.EntityOut:
    return s.EntityOut(id=entity.id, name=entity.name, kind=entity.kind,
                       description=entity.description,
                       aliases=[s.AliasOut(id=a.id, name=a.written or a.alias, status=a.status)
                                for a in entity.aliases])


@route(bp, P + "/sources/entities", "GET",
       "People and institutions of the project with the names linked to them",
       tag="sources", response=s.EntityList)
@login_required
def list_entities(project_id: int):
    project = projects.get_project(current_user, project_id)
    entities = sorted(sources.resolver(project.id).entities.values(), key=lambda e: e.name)
    return answer(s.EntityList(entities=[_entity_out(e) for e in entities]))


@route(bp, P + "/sources/entities", "POST", "Add a person or institution (teachers)",
       tag="sources", body=s.EntityCreate, response=s.EntityOut, status=201,
       errors=(403, 409))
@login_required
def create_entity(project_id: int):
    project = _teacher(project_id)  # before reading the body
    body = parse(s.EntityCreate)
    entity = sources.create_entity(project, current_user, body.name, body.kind,
                                   body.description)
    return answer(_entity_out(entity), 201)


@route(bp, P + "/sources/links", "POST",
       "Link a speaker's name as written to a person or institution (a teacher's link holds "
       "at once; a student's is a proposal for the teacher)", tag="sources",
       body=s.LinkCreate, response=s.AliasOut, status=201)
@login_required
def link_name(project_id: int):
    project = projects.get_project(current_user, project_id)
    body = parse(s.LinkCreate)
    alias = sources.link_name(project, current_user, body.name, body.entity_id)
    return answer(s.AliasOut(id=alias.id, name=alias.written or alias.alias,
                             status=alias.status), 201)


def _question_out(question, count: int) -> s.QuestionOut:
    return s.QuestionOut(id=question.id, text=question.text, value_kind=question.value_kind,
                         claims=count)


@route(bp, P + "/claims", "GET", "The claims board's questions", tag="claims",
       response=s.QuestionList)
@login_required
def list_questions(project_id: int):
    project = projects.get_project(current_user, project_id)
    return answer(s.QuestionList(questions=[_question_out(q, n)
                                            for q, n in claims.questions(project)]))


@route(bp, P + "/claims", "POST",
       "Ask a question that claims answer with a number, a date or text", tag="claims",
       body=s.QuestionCreate, response=s.QuestionOut, status=201)
@login_required
def create_question(project_id: int):
    project = projects.get_project(current_user, project_id)
    body = parse(s.QuestionCreate)
    question = claims.create_question(project, current_user, body.text, body.value_kind)
    return answer(_question_out(question, 0), 201)


@route(bp, P + "/claims/<int:question_id>", "GET",
       "The board of a question: every claim filed under it, lined up by value, with who "
       "says it, sourcing, verdict counts, evidence and the claims it contradicts",
       tag="claims", response=s.BoardOut)
@login_required
def get_board(project_id: int, question_id: int):
    project = projects.get_project(current_user, project_id)
    question = claims.get_question(project, question_id)
    board = claims.board(project, question)
    records = [board_export.claim_record(question, row) for row in board["rows"]]
    return answer(s.BoardOut(
        question=_question_out(question, len(records)),
        claims=[s.BoardClaim(**{k: v for k, v in r.items()
                                if k not in ("schema", "question_id", "question",
                                             "value_kind")}) for r in records],
        verdict_alpha=board["agreement"]["alpha"],
        verdict_agreement=board["agreement"]["agreement"]))


@route(bp, P + "/claims/<int:question_id>/claims", "POST",
       "File a claim under a question: a stretch of a document (its text exactly) with the "
       "value it asserts (13, 14-15, 16 + 1, at least 17, up to 64; or a date)",
       tag="claims", body=s.ClaimFile, response=s.BoardClaim, status=201, errors=(403, 409))
@login_required
def file_claim(project_id: int, question_id: int):
    project = projects.get_project(current_user, project_id)
    body = parse(s.ClaimFile)
    link = claims.file_claim(project, current_user, question_id, body.model_dump())
    question = claims.get_question(project, question_id)
    row = next(r for r in claims.board(project, question)["rows"] if r["link"].id == link.id)
    record = board_export.claim_record(question, row)
    return answer(s.BoardClaim(**{k: v for k, v in record.items()
                                  if k not in ("schema", "question_id", "question",
                                               "value_kind")}), 201)


@route(bp, P + "/claims/filed/<int:link_id>", "DELETE",
       "Take a claim off the board (the teacher, or whoever filed it). One with verdicts "
       "by others answers 409: `confirmation_needed` with their counts for the teacher "
       "(`?confirm=yes` then removes it with them), a plain conflict for its filer",
       tag="claims", status=204, errors=(403, 409))
@login_required
def unfile_claim(project_id: int, link_id: int):
    project = projects.get_project(current_user, project_id)
    claims.unfile_claim(project, current_user, link_id,
                        confirm=request.args.get("confirm") == "yes")
    return "", 204


@route(bp, P + "/claims/filed/<int:link_id>/verdict", "PUT",
       "Your verdict on a claim (supported, refuted, not_enough_info) with evidence; a "
       "change names the current version (409 when stale)", tag="claims",
       body=s.VerdictSet, response=s.VerdictOut, errors=(409,))
@login_required
def set_verdict(project_id: int, link_id: int):
    project = projects.get_project(current_user, project_id)
    body = parse(s.VerdictSet)
    verdict = claims.set_verdict(project, current_user, link_id, body.model_dump())
    return answer(s.VerdictOut(**claims.verdict_dict(verdict)))
