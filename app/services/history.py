"""The append-only log of annotation events: "where did my work go?"

Every flush that creates, changes or deletes a span, a passage's source type or a rating
form, or marks a document done or reopens it, appends one event per object with the state
before and after, whose annotation it is and who made the change. The hook sits on the
ORM session, so every service that writes annotations is logged without calling anything;
bulk imports record one event per document and annotator themselves.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from app.extensions import db, run_prepared
from app.models import (
    AnnotationEvent,
    Document,
    DocumentProgress,
    DocumentRating,
    PassageTag,
    Span,
    User,
    utcnow,
)
from app.services.errors import Forbidden, NotFound

_KINDS: dict[type, str] = {Span: "span", PassageTag: "passage_tag",
                           DocumentRating: "rating", DocumentProgress: "progress"}
_FIELDS = {
    "span": ("layer_id", "label_id", "start", "end", "note", "attributes", "version",
             "client_id"),
    "passage_tag": ("passage_id", "label_id", "version"),
    "rating": ("values", "version"),
    "progress": ("done_at",),
}
# Who acts when there is no signed-in user (the command line, the demo loader).
_ACTOR: contextvars.ContextVar[tuple[int | None, str] | None] = contextvars.ContextVar(
    "sourcemark_actor", default=None)
# document id -> project id; a document never changes project.
_PROJECT_OF: dict[int, int] = {}


@contextlib.contextmanager
def acting_as(name: str, user_id: int | None = None) -> Iterator[None]:
    """Attribute the events of the block to `name` (e.g. "command line")."""
    token = _ACTOR.set((user_id, name))
    try:
        yield
    finally:
        _ACTOR.reset(token)


def _actor() -> tuple[int | None, str]:
    override = _ACTOR.get()
    if override is not None:
        return override
    # The user Flask-Login loaded for this request, if any (never load one mid-flush).
    user = g.get("_login_user") if has_app_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username
    return None, "system"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _state(obj: Any, kind: str, *, before: bool = False) -> dict[str, Any]:
    """The tracked fields of an object: as they are, or as they were before this flush."""
    state = sa.inspect(obj)
    out = {}
    for name in _FIELDS[kind]:
        value = getattr(obj, name)
        if before:
            history = state.attrs[name].history
            if history.deleted:
                value = history.deleted[0]
        out[name] = _plain(value)
    return out


def _projects(connection: sa.Connection, document_ids: set[int]) -> None:
    missing = document_ids - _PROJECT_OF.keys()
    if missing:
        if len(_PROJECT_OF) > 50_000:
            _PROJECT_OF.clear()
        _PROJECT_OF.update(connection.execute(
            sa.select(Document.id, Document.project_id).where(Document.id.in_(missing))).all())


@sa.event.listens_for(Session, "after_flush")
def _log_flush(session: Session, _context: Any) -> None:
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        kind = _KINDS.get(type(obj))
        if kind is None or kind == "progress":
            continue  # a first progress row carries no work; done/reopen are updates
        rows.append({"kind": kind, "action": "create", "obj": obj, "before": None,
                     "after": _state(obj, kind)})
    for obj in session.dirty:
        kind = _KINDS.get(type(obj))
        if kind is None or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _state(obj, kind, before=True), _state(obj, kind)
        if before == after:
            continue
        action = "update"
        if kind == "progress":
            action = "done" if after["done_at"] else "reopen"
        rows.append({"kind": kind, "action": action, "obj": obj, "before": before,
                     "after": after})
    for obj in session.deleted:
        kind = _KINDS.get(type(obj))
        if kind is None or kind == "progress":
            continue
        rows.append({"kind": kind, "action": "delete", "obj": obj,
                     "before": _state(obj, kind), "after": None})
    if not rows:
        return
    connection = session.connection()
    _projects(connection, {row["obj"].document_id for row in rows})
    actor_id, actor_name = _actor()
    now = utcnow()
    connection.execute(sa.insert(AnnotationEvent.__table__), [
        {"at": now, "project_id": _PROJECT_OF[row["obj"].document_id],
         "document_id": row["obj"].document_id, "owner_id": row["obj"].user_id,
         "actor_id": actor_id, "actor_name": actor_name[:80], "kind": row["kind"],
         "object_id": row["obj"].id, "action": row["action"], "before": row["before"],
         "after": row["after"]}
        for row in rows])


_APPEND = sa.insert(AnnotationEvent.__table__)


def record(document: Document, owner_id: int, kind: str, action: str,
           after: dict[str, Any] | None = None, before: dict[str, Any] | None = None,
           object_id: int | None = None) -> None:
    """Append one event written by hand: by the write path that skips the ORM for speed
    (creating a span), by bulk imports and by archiving a document."""
    actor_id, actor_name = _actor()
    run_prepared(_APPEND, {
        "at": utcnow(), "project_id": document.project_id, "document_id": document.id,
        "owner_id": owner_id, "actor_id": actor_id, "actor_name": actor_name[:80],
        "kind": kind, "object_id": object_id, "action": action, "before": before,
        "after": after})


def record_many(events: list[tuple[Document, int, dict[str, Any]]], kind: str,
                action: str) -> None:
    """Append one hand-written event per (document, owner, after), in one statement: a
    bulk import's."""
    if not events:
        return
    actor_id, actor_name = _actor()
    now = utcnow()
    run_prepared(_APPEND, [
        {"at": now, "project_id": document.project_id, "document_id": document.id,
         "owner_id": owner_id, "actor_id": actor_id, "actor_name": actor_name[:80],
         "kind": kind, "object_id": None, "action": action, "before": None, "after": after}
        for document, owner_id, after in events])


def span_state(values: dict[str, Any]) -> dict[str, Any]:
    """What the log keeps of a span, from its column values."""
    return {name: _plain(values[name]) for name in _FIELDS["span"]}


# --- reading the log -----------------------------------------------------------------------

def _quote(text: str, start: int, end: int, limit: int = 90) -> str:
    piece = text[start:end]
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def _describe(event: AnnotationEvent, document: Document, words: Any) -> str:
    """One line in words, in the reader's language: what changed."""
    def label(state: dict[str, Any] | None) -> str:
        info = words.label_by_id.get((state or {}).get("label_id"))
        return info.name if info else _("a removed label")

    before, after = event.before or {}, event.after or {}
    if event.kind == "span":
        state = after or before
        quote = _quote(document.text, state["start"], state["end"])
        if event.action == "create":
            return _("Marked “%(quote)s” as %(label)s", quote=quote, label=label(after))
        if event.action == "delete":
            return _("Deleted the %(label)s span on “%(quote)s”", label=label(before),
                     quote=quote)
        changes = []
        if before.get("label_id") != after.get("label_id"):
            changes.append(_("label %(before)s → %(after)s", before=label(before),
                             after=label(after)))
        if (before.get("start"), before.get("end")) != (after.get("start"), after.get("end")):
            changes.append(_("boundaries “%(before)s” → “%(after)s”",
                             before=_quote(document.text, before["start"], before["end"]),
                             after=quote))
        if before.get("note") != after.get("note"):
            changes.append(_("note"))
        if before.get("attributes") != after.get("attributes"):
            changes.append(_("attributes"))
        return _("Changed the %(label)s span on “%(quote)s”: %(changes)s", label=label(after),
                 quote=quote, changes=", ".join(changes) or _("no visible change"))
    if event.kind == "passage_tag":
        passage = (after or before).get("passage_id")
        number = _passage_number(document, passage)
        if event.action == "create":
            return _("Tagged passage %(number)s as %(label)s", number=number,
                     label=label(after))
        if event.action == "delete":
            return _("Removed the source type of passage %(number)s (%(label)s)",
                     number=number, label=label(before))
        return _("Changed passage %(number)s: %(before)s → %(after)s", number=number,
                 before=label(before), after=label(after))
    if event.kind == "rating":
        if event.action == "delete":
            return _("Removed the rating")
        old, new = before.get("values", {}), after.get("values", {})
        names = _rating_field_names(words)
        order = {key: n for n, key in enumerate(names)}  # as the rating form lists them
        changed = sorted((k for k in set(old) | set(new) if old.get(k) != new.get(k)),
                         key=lambda k: (order.get(k, len(order)), k))
        return _("Rated the document: %(fields)s",
                 fields=", ".join(names.get(k, k) for k in changed) or _("no change"))
    if event.kind == "progress":
        return _("Marked the document done") if event.action == "done" else \
            _("Reopened the document (no longer done)")
    if event.kind == "import":
        parts = {
            "spans": ngettext("%(num)d span", "%(num)d spans", after.get("spans", 0)),
            "tags": ngettext("%(num)d passage tag", "%(num)d passage tags",
                             after.get("passage_tags", 0)),
            "ratings": ngettext("%(num)d rating", "%(num)d ratings", after.get("ratings", 0))}
        if after.get("source"):
            return _("Imported %(spans)s, %(tags)s and %(ratings)s from %(source)s",
                     source=after["source"], **parts)
        return _("Imported %(spans)s, %(tags)s and %(ratings)s", **parts)
    if event.kind == "document":
        return _("Archived the document") if event.action == "archive" else \
            _("Restored the document from the archive")
    return _("%(action)s %(kind)s", action=event.action, kind=event.kind)


def _rating_field_names(words: Any) -> dict[str, str]:
    """The rating form's fields by key, as the codebook names them (the key when unnamed),
    as the rating form and the agreement report show them."""
    names = {}
    for spec in (words.document_form or {}).get("fields", []):
        name = spec.get("name")
        names[spec["key"]] = name.strip() if isinstance(name, str) and name.strip() \
            else spec["key"]
    return names


def _passage_number(document: Document, passage_id: Any) -> str:
    for passage in document.passages:
        if passage.id == passage_id:
            return str(passage.index + 1)
    return "?"


def viewable_owners(project: Any, user: User) -> list[int] | None:
    """Whose history a user may read: a teacher everyone's (None), an adjudicator their
    own and the gold key's, a student their own."""
    from app.services import gold, projects

    role = projects.project_role(project, user)
    if role == "teacher":
        return None
    owners = [user.id]
    if role == "adjudicator":
        gold_id = gold.gold_user_id()
        if gold_id is not None:
            owners.append(gold_id)
    return owners


def owner_filter(project: Any, user: User, wanted: str | None) -> list[int] | None:
    """The owners to show: those the user may see, narrowed to `wanted` (a username)."""
    from app.services import gold

    allowed = viewable_owners(project, user)
    if not wanted:
        return allowed
    name = gold.GOLD_USERNAME if wanted == gold.GOLD_NAME else wanted.strip().lower()
    found = db.session.scalar(sa.select(User.id).where(User.username == name))
    if found is None or (allowed is not None and found not in allowed):
        return []
    stand_ins = _stand_ins(project.id)
    if found in stand_ins:  # a pseudonymised student is not found by their own name
        return []
    return [found, *(real for real, stand_in in stand_ins.items() if stand_in == found)]


def _stand_ins(project_id: int) -> dict[int, int]:
    """The project's pseudonymised students: their account -> the account shown instead."""
    from app.models_people import Pseudonym

    return dict(db.session.execute(sa.select(Pseudonym.user_id, Pseudonym.stand_in_id).where(
        Pseudonym.project_id == project_id)).all())


def events(document: Document, owner_ids: list[int] | None = None, limit: int = 1000
           ) -> list[dict[str, Any]]:
    """The document's events, newest first, of the given annotators (all when None)."""
    from app.services.vocabulary import vocabulary

    query = sa.select(AnnotationEvent).where(AnnotationEvent.document_id == document.id)
    if owner_ids is not None:
        query = query.where(AnnotationEvent.owner_id.in_(owner_ids))
    rows = db.session.scalars(query.order_by(AnnotationEvent.id.desc()).limit(limit)).all()
    shown = _stand_ins(document.project_id)  # the log keeps pseudonymised students' accounts
    names = dict(db.session.execute(sa.select(User.id, User.username).where(
        User.id.in_({shown.get(r.owner_id, r.owner_id) for r in rows}
                    | {shown[r.actor_id] for r in rows if r.actor_id in shown}))).all()
                 ) if rows else {}
    words = vocabulary(document.project_id)
    return [{
        "id": r.id, "at": r.at.isoformat(), "when": r.at,
        "owner": names.get(shown.get(r.owner_id, r.owner_id), "?"),
        "owner_id": shown.get(r.owner_id, r.owner_id),
        "actor": names.get(shown[r.actor_id], "?") if r.actor_id in shown else r.actor_name,
        "kind": r.kind, "action": r.action,
        "object_id": r.object_id, "before": r.before, "after": r.after,
        "summary": _describe(r, document, words),
        "restorable": r.kind == "span" and r.action == "delete",
    } for r in rows]


def restore_span(user: User, document: Document, event_id: int
                 ) -> tuple[dict[str, Any], bool]:
    """Bring a deleted span back from its delete event: the same label, characters, note
    and attributes, checked like any new span. Restoring twice gives the same span."""
    from app.services import annotations, gold
    from app.services.vocabulary import vocabulary

    event = db.session.get(AnnotationEvent, event_id)
    if event is None or event.document_id != document.id or event.kind != "span" \
            or event.action != "delete":
        raise NotFound(_("No such deleted span in this document's history."))
    owner = db.session.get(User, _stand_ins(document.project_id).get(event.owner_id,
                                                                       event.owner_id))
    if owner is None:
        raise NotFound(_("The annotator of this span no longer exists."))
    if owner.id != user.id and not (owner.username == gold.GOLD_USERNAME
                                    and gold.can_adjudicate(document.project_id, user)):
        raise Forbidden(_("Only the annotator can bring back their own span."))
    before = event.before or {}
    words = vocabulary(document.project_id)
    label = words.label_by_id.get(before.get("label_id"))
    if label is None:
        raise NotFound(_("The span's label is no longer in the codebook."))
    # Already back (restored from another of its delete events, or marked again)?
    existing = db.session.scalar(sa.select(Span).where(
        Span.document_id == document.id, Span.user_id == owner.id,
        Span.label_id == label.id, Span.start == before["start"], Span.end == before["end"]))
    if existing is not None:
        return annotations.span_dict(existing, document.text, words, owner.username), False
    span, created = annotations.create_span(owner, document, {
        "client_id": f"restored-{event.id}", "layer": label.layer_key, "label": label.key,
        "start": before["start"], "end": before["end"],
        "text": document.text[before["start"]:before["end"]],
        "note": before.get("note") or "", "attributes": before.get("attributes") or {}})
    if created and owner.id != user.id:
        gold.bump(document.id, user)
    return span, created
