"""JSON API views: parse the body, call a service, answer with a schema."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import BaseModel, ValidationError

from app.api import bp
from app.api import schemas as s
from app.api.openapi import build_spec, route
from app.extensions import csrf
from app.models import Document, Project
from app.security import bearer_token
from app.services import projects, tokens
from app.services.codebooks import codebook_as_dict
from app.services.documents import add_documents, import_seeds, read_files, read_records
from app.services.errors import Forbidden, Invalid
from app.services.people import roster

M = TypeVar("M", bound=BaseModel)

# Token-authenticated requests carry no ambient credential, so CSRF does not apply to them;
# requests riding on the browser session are checked below.
csrf.exempt(bp)


@bp.before_request
def csrf_for_sessions():
    # A request naming a bearer token is signed in by that token alone (app.security
    # ignores its cookie), so a cookie's request is always CSRF-checked. Anonymous
    # requests fall through to login_required and get a plain 401.
    if (request.method not in {"GET", "HEAD", "OPTIONS"} and bearer_token(request) is None
            and current_user.is_authenticated):
        csrf.protect()


def parse(model: type[M]) -> M:
    """Validate the JSON body against a model; errors name each field."""
    if not request.is_json:
        raise Invalid(_("Send a JSON body with 'Content-Type: application/json'."))
    payload = request.get_json(silent=True)
    if payload is None:
        raise Invalid(_("The body is not valid JSON."))
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        fields = {".".join(str(p) for p in err["loc"]) or "body": err["msg"]
                  for err in exc.errors()}
        raise Invalid(_("Some fields are invalid."), fields) from None


def answer(model: BaseModel, status: int = 200):
    response = current_app.response_class(model.model_dump_json(), mimetype="application/json")
    response.status_code = status
    return response


def _project_out(project: Project, role: str, count: int | None = None) -> s.ProjectOut:
    teacher = role == "teacher"
    return s.ProjectOut(
        id=project.id, title=project.title, instructions=project.instructions, role=role,
        created_at=project.created_at, time_zone=project.time_zone,
        join_code=project.join_code if teacher else None,
        join_enabled=project.join_enabled if teacher else None,
        document_count=count,
    )


def _summary(doc: Document, passages: int) -> dict:
    return dict(id=doc.id, title=doc.title, publisher=doc.publisher, author=doc.author,
                published=doc.published, url=doc.url, source_name=doc.source_name,
                char_count=doc.char_count, text_sha256=doc.text_sha256, passage_count=passages)


@route(bp, "/openapi.json", "GET", "This API's OpenAPI document", tag="meta", auth=False)
def openapi():
    return jsonify(build_spec("/api/v1", "Sourcemark API", "1"))


@route(bp, "/me", "GET", "The signed-in user", tag="account", response=s.UserOut)
@login_required
def me():
    return answer(s.UserOut(id=current_user.id, username=current_user.username,
                            display_name=current_user.display_name, role=current_user.role))


@route(bp, "/projects", "GET", "Projects you belong to", tag="projects", response=s.ProjectList)
@login_required
def list_projects():
    items = [_project_out(p, projects.project_role(p, current_user) or "student")
             for p in projects.visible_projects(current_user)]
    return answer(s.ProjectList(projects=items))


@route(bp, "/projects", "POST", "Create a project (teachers)", tag="projects",
       body=s.ProjectCreate, response=s.ProjectOut, status=201, errors=(403,))
@login_required
def create_project():
    if current_user.role not in {"teacher", "admin"}:
        raise Forbidden(_("Only teachers create projects."))  # before reading the body
    body = parse(s.ProjectCreate)
    project = projects.create_project(current_user, body.title, body.instructions,
                                      body.time_zone, language=body.language)
    return answer(_project_out(project, "teacher", 0), 201)


@route(bp, "/projects/join", "POST", "Join a project with its code", tag="projects",
       body=s.JoinRequest, response=s.ProjectOut)
@login_required
def join_project():
    project = projects.join_with_code(current_user, parse(s.JoinRequest).code)
    return answer(_project_out(project, projects.project_role(project, current_user)))


@route(bp, "/projects/<int:project_id>", "GET", "One project", tag="projects",
       response=s.ProjectOut)
@login_required
def get_project(project_id: int):
    project = projects.get_project(current_user, project_id)
    return answer(_project_out(project, projects.project_role(project, current_user),
                               len(project.documents)))


@route(bp, "/projects/<int:project_id>", "PATCH",
       "Change a project's title, instructions or time zone", tag="projects",
       body=s.ProjectUpdate, response=s.ProjectOut, errors=(403,))
@login_required
def update_project(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    body = parse(s.ProjectUpdate)
    projects.update_project(project, body.title if body.title is not None else project.title,
                            body.instructions if body.instructions is not None
                            else project.instructions, body.time_zone)
    if body.join_enabled is not None:
        projects.set_joining(project, body.join_enabled)
    return answer(_project_out(project, "teacher", len(project.documents)))


@route(bp, "/projects/<int:project_id>/join-code", "POST",
       "Replace the project's join code (the old one stops working)", tag="projects",
       response=s.ProjectOut, errors=(403,))
@login_required
def new_join_code(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    projects.regenerate_join_code(project)
    return answer(_project_out(project, "teacher", len(project.documents)))


@route(bp, "/projects/<int:project_id>/members", "GET", "Members of a project", tag="projects",
       response=s.MemberList)
@login_required
def list_members(project_id: int):
    project = projects.get_project(current_user, project_id)
    return answer(s.MemberList(members=[
        s.MemberOut(user_id=m.user.id, username=m.user.username,
                    display_name=m.user.display_name, role=m.role)
        for m in projects.members(project)]))


@route(bp, "/projects/<int:project_id>/roster", "POST",
       "Create student accounts from a roster; the passwords are returned once",
       tag="projects", body=s.RosterRequest, response=s.SlipList, status=201,
       errors=(403, 409))
@login_required
def add_roster(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    body = parse(s.RosterRequest)
    slips = roster.add_roster(project, body.roster, expire=body.expire)
    return answer(s.SlipList(slips=[s.SlipOut(**vars(slip)) for slip in slips]), 201)


@route(bp, "/projects/<int:project_id>/codebook", "GET", "The project's codebook",
       tag="projects", response=s.CodebookOut)
@login_required
def get_codebook(project_id: int):
    project = projects.get_project(current_user, project_id)
    return answer(s.CodebookOut(**codebook_as_dict(project.codebook)))


@route(bp, "/projects/<int:project_id>/documents", "GET", "Documents of a project",
       tag="documents", response=s.DocumentList)
@login_required
def list_documents(project_id: int):
    project = projects.get_project(current_user, project_id)
    return answer(s.DocumentList(documents=[
        s.DocumentSummary(**_summary(doc, n)) for doc, n in projects.document_rows(project)]))


_UPLOAD = {"type": "object", "required": ["files"], "properties": {
    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}


@route(bp, "/projects/<int:project_id>/documents", "POST",
       "Import documents: JSON `documents` records, or multipart `files` (.txt .md .html "
       ".jsonl). All are stored, or none.", tag="documents", body=s.DocumentsCreate,
       multipart=_UPLOAD, response=s.DocumentList, status=201, errors=(403, 409, 413))
@login_required
def create_documents(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    max_bytes = current_app.config["DOCUMENT_MAX_BYTES"]
    if request.mimetype == "multipart/form-data":
        files = [(f.filename or "upload", f.read()) for f in request.files.getlist("files")]
        drafts = read_files(files, max_bytes)
    else:
        body = parse(s.DocumentsCreate)
        drafts = read_records([d.model_dump() for d in body.documents], max_bytes)
    added = add_documents(project, drafts, current_user)
    return answer(s.DocumentList(documents=[
        s.DocumentSummary(**_summary(doc, passages)) for doc, passages in added]), 201)


@route(bp, "/projects/<int:project_id>/documents/seeds", "POST",
       "Add the sample texts the project does not hold yet", tag="documents",
       response=s.DocumentList, status=201, errors=(403,))
@login_required
def import_seed_documents(project_id: int):
    project = projects.get_project(current_user, project_id, manage=True)
    added = import_seeds(project, Path(current_app.config["SEEDS_DIR"]),
                         current_app.config["DOCUMENT_MAX_BYTES"], current_user)
    return answer(s.DocumentList(documents=[
        s.DocumentSummary(**_summary(doc, len(doc.passages))) for doc in added]), 201)


@route(bp, "/projects/<int:project_id>/documents/<int:document_id>", "GET",
       "A document with its canonical text and passages (code-point offsets)",
       tag="documents", response=s.DocumentOut)
@login_required
def get_document(project_id: int, document_id: int):
    doc = projects.get_document(current_user, project_id, document_id)
    return answer(s.DocumentOut(
        **_summary(doc, len(doc.passages)), notes=doc.notes, text=doc.text,
        passages=[s.PassageOut(index=p.index, start=p.start, end=p.end) for p in doc.passages]))


def _token_out(token) -> dict:
    return dict(id=token.id, name=token.name, prefix=token.prefix, created_at=token.created_at,
                last_used_at=token.last_used_at, revoked_at=token.revoked_at)


@route(bp, "/tokens", "GET", "Your API tokens", tag="account", response=s.TokenList)
@login_required
def list_tokens():
    return answer(s.TokenList(tokens=[s.TokenOut(**_token_out(t))
                                      for t in tokens.user_tokens(current_user)]))


@route(bp, "/tokens", "POST", "Create an API token; its secret is returned once",
       tag="account", body=s.TokenCreate, response=s.TokenCreated, status=201)
@login_required
def create_token():
    token, secret = tokens.create_token(current_user, parse(s.TokenCreate).name)
    return answer(s.TokenCreated(**_token_out(token), token=secret), 201)


@route(bp, "/tokens/<int:token_id>", "DELETE", "Revoke an API token", tag="account",
       status=204)
@login_required
def revoke_token(token_id: int):
    tokens.revoke_token(current_user, token_id)
    return "", 204


@route(bp, "/projects/<int:project_id>/documents/<int:document_id>", "DELETE",
       "Delete a document (teachers). One with annotations answers 409 "
       "`confirmation_needed` with their counts; `?confirm=yes` then archives it with "
       "everything on it (restorable), never destroying annotations",
       tag="documents", status=204, errors=(403, 409))
@login_required
def delete_document(project_id: int, document_id: int):
    from app.services import archive

    projects.get_project(current_user, project_id, manage=True)
    document = projects.get_document(current_user, project_id, document_id)
    archive.remove_document(current_user, document,
                            confirm=request.args.get("confirm") == "yes")
    return "", 204


@route(bp, "/projects/<int:project_id>/archive/<int:document_id>/restore", "POST",
       "Bring an archived document back into the project (teachers)", tag="documents",
       response=s.DocumentSummary, errors=(403,))
@login_required
def restore_document(project_id: int, document_id: int):
    from app.services import archive

    project = projects.get_project(current_user, project_id, manage=True)
    document = archive.restore_document(current_user, project, document_id)
    return answer(s.DocumentSummary(**_summary(document, len(document.passages))))
