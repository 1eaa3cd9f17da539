"""Annotation API: an annotator's spans, passage source types, rating form and "done".

Each annotator reads and writes only their own annotations here.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.api import bp
from app.api import schemas as s
from app.api.openapi import route
from app.api.routes import answer, parse
from app.services import annotations as notes
from app.services import gold, projects
from app.services.errors import Forbidden, Invalid
from app.services.gold import GOLD_NAME

DOC = "/projects/<int:project_id>/documents/<int:document_id>"


def _document(project_id: int, document_id: int):
    return projects.get_document(current_user, project_id, document_id)


def _actor(document, *, writing: bool = True):
    """Whose annotations a request reads and writes: the caller's own, or with `?as=gold`
    the document's gold key (teachers and adjudicators only). A write to the gold key counts
    as a new version of it, in the write's own transaction: the service's commit stores
    both, and a write refused or changing nothing stores neither."""
    wanted = request.args.get("as")
    if wanted is None:
        return current_user
    if wanted != GOLD_NAME:
        raise Invalid(_("'as' can only be 'gold' (the gold key)."), {"as": "gold"})
    if not gold.can_adjudicate(document.project_id, current_user):
        raise Forbidden(_("Only the project's teachers and adjudicators edit the gold key."))
    actor = gold.gold_user()
    if writing:
        gold.bump(document.id, current_user, commit=False)
    return actor


def _version_arg() -> int:
    raw = request.args.get("version", "")
    if not raw.isdigit() or int(raw) < 1:
        raise Invalid(_("Name the version you are deleting: ?version=N."), {"version": "required"})
    return int(raw)


@route(bp, DOC + "/annotations", "GET",
       "Your annotations of a document. On this and every write below, `?as=gold` reads or "
       "changes the document's gold key instead (teachers and adjudicators)",
       tag="annotations", response=s.AnnotationsOut, errors=(403,))
@login_required
def get_annotations(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    return answer(s.AnnotationsOut(**notes.my_annotations(_actor(document, writing=False),
                                                          document)))


@route(bp, "/csrf-token", "GET",
       "A CSRF token for this browser session, for a page whose own token is stale (the "
       "user signed out and in again elsewhere), and whose session it is; send it in "
       "`X-CSRFToken`",
       tag="account", response=s.CsrfTokenOut)
@login_required
def csrf_token():
    return answer(s.CsrfTokenOut(csrf_token=generate_csrf(), username=current_user.username))


@route(bp, DOC + "/spans", "POST",
       "Create a span (201); a retry with the same client_id returns the first one (200)",
       tag="annotations", body=s.SpanCreate, response=s.SpanOut, status=201, errors=(403, 409, 423))
@login_required
def create_span(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    body = parse(s.SpanCreate)
    span, created = notes.create_span(actor, document, body.model_dump())
    return answer(s.SpanOut(**span), 201 if created else 200)


@route(bp, DOC + "/spans/<int:span_id>", "PATCH",
       "Change a span's label, boundaries, note or attributes; 409 with the current state "
       "when `version` is stale", tag="annotations", body=s.SpanUpdate, response=s.SpanOut,
       errors=(403, 409, 423))
@login_required
def update_span(project_id: int, document_id: int, span_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    body = parse(s.SpanUpdate)
    changes = body.model_dump(exclude_unset=True)
    span = notes.update_span(actor, document, span_id, changes)
    return answer(s.SpanOut(**span))


@route(bp, DOC + "/spans/<int:span_id>", "DELETE",
       "Delete a span (?version=N); 409 with the current state when the version is stale",
       tag="annotations", status=204, errors=(400, 403, 409, 423))
@login_required
def delete_span(project_id: int, document_id: int, span_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    notes.delete_span(actor, document, span_id, _version_arg())
    return "", 204


@route(bp, DOC + "/passages/<int:passage_id>/tag", "PUT",
       "Set a passage's source type (name the current version to change it)",
       tag="annotations", body=s.PassageTagSet, response=s.PassageTagOut, errors=(403, 409, 423))
@login_required
def set_passage_tag(project_id: int, document_id: int, passage_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    body = parse(s.PassageTagSet)
    tag = notes.set_passage_tag(actor, document, passage_id, body.label, body.version)
    return answer(s.PassageTagOut(**tag))


@route(bp, DOC + "/passages/<int:passage_id>/tag", "DELETE",
       "Remove a passage's source type (?version=N)", tag="annotations", status=204,
       errors=(400, 403, 409, 423))
@login_required
def clear_passage_tag(project_id: int, document_id: int, passage_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    notes.clear_passage_tag(actor, document, passage_id, _version_arg())
    return "", 204


@route(bp, DOC + "/rating", "PUT", "Save your rating form for the document",
       tag="annotations", body=s.RatingSave, response=s.RatingOut, errors=(403, 409, 423))
@login_required
def save_rating(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    actor = _actor(document)
    body = parse(s.RatingSave)
    rating = notes.save_rating(actor, document, body.values, body.version)
    return answer(s.RatingOut(**rating))


@route(bp, DOC + "/done", "PUT",
       "Submit the document (done), or take it back while it is not locked; a student's "
       "submitted document is locked (423) until a teacher reopens it", tag="annotations",
       body=s.DoneSet, response=s.DoneOut, errors=(403, 423))
@login_required
def set_done(project_id: int, document_id: int):
    document = _document(project_id, document_id)
    done = notes.set_done(current_user, document, parse(s.DoneSet).done)
    return answer(s.DoneOut(done=done))


@route(bp, DOC + "/revealed", "GET",
       "Your work beside the gold key and classmates' work, once the project's reveal policy "
       "allows it (403 with the reason before)", tag="annotations", response=s.RevealOut,
       errors=(403,))
@login_required
def get_revealed(project_id: int, document_id: int):
    from app.services import classroom

    document = _document(project_id, document_id)
    view = classroom.reveal_view(document.project, document, current_user)
    passages = [{"index": p["index"], "text": p["text"], "tags": p["tags"],
                 "spans": {who: [{k: span[k] for k in ("layer", "label", "name", "start",
                                                        "end", "text", "note")}
                                 for span in spans] for who, spans in p["spans"].items()}}
                for p in view["passages"]]
    return answer(s.RevealOut(annotators=view["annotators"], passages=passages))


@route(bp, DOC + "/history", "GET",
       "The append-only log of changes to the annotations of a document, newest first "
       "(yours; a teacher's view holds everyone's; `?user=NAME` narrows it to one annotator)",
       tag="annotations", response=s.HistoryOut)
@login_required
def get_history(project_id: int, document_id: int):
    from app.services import history

    document = _document(project_id, document_id)
    owners = history.owner_filter(document.project, current_user, request.args.get("user") or None)
    rows = history.events(document, owners)
    for row in rows:
        row["owner"] = GOLD_NAME if row["owner"] == gold.GOLD_USERNAME else row["owner"]
    return answer(s.HistoryOut(document_id=document.id,
                               events=[s.HistoryEvent(**row) for row in rows]))


@route(bp, DOC + "/history/<int:event_id>/restore", "POST",
       "Bring back a deleted span from its delete event (201; 200 when it is back already)",
       tag="annotations", response=s.SpanOut, status=201, errors=(403, 409, 423))
@login_required
def restore_span(project_id: int, document_id: int, event_id: int):
    from app.services import history

    document = _document(project_id, document_id)
    span, created = history.restore_span(current_user, document, event_id)
    return answer(s.SpanOut(**span), 201 if created else 200)
