"""Speakers' names as students write them, linked to canonical people and institutions."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, EntityAlias, Project, SourceEntity, Span, User
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.sources.corpus import (
    ENTITY_KINDS,
    SOURCE,
    normalize_name,
)
from app.tally import commonest

# --- entities and aliases ------------------------------------------------------------------

def _teaches(project: Project, user: User) -> bool:
    from app.services.projects import project_role

    return project_role(project, user) == "teacher"


def create_entity(project: Project, user: User, name: Any, kind: Any = "person",
                  description: Any = "") -> SourceEntity:
    """A new canonical person or institution (teachers)."""
    if not _teaches(project, user):
        raise Forbidden(_("Only the project's teachers add sources."))
    name = " ".join(str(name or "").split())
    if not name or len(name) > 200:
        raise Invalid(_("A source needs a name of 1 to 200 characters."), {"name": "1–200"})
    if kind not in ENTITY_KINDS:
        raise Invalid(_("A source is a person or an institution."), {"kind": "person/institution"})
    if not isinstance(description, str) or len(description) > 2000:
        raise Invalid(_("The description is text of at most 2,000 characters."),
                      {"description": "at most 2,000 characters"})
    taken = db.session.scalar(sa.select(SourceEntity.id).where(
        SourceEntity.project_id == project.id, SourceEntity.name == name))
    if taken is not None:
        raise Conflict(_("The project already has a source named '%(name)s'.",
                         name=name), {"name": "taken"})
    entity = SourceEntity(project_id=project.id, name=name, kind=kind,
                          description=description.strip(), created_by_id=user.id)
    db.session.add(entity)
    db.session.commit()
    return entity


def get_entity(project: Project, entity_id: int) -> SourceEntity:
    entity = db.session.get(SourceEntity, entity_id)
    if entity is None or entity.project_id != project.id:
        raise NotFound(_("No such source in this project."))
    return entity


def link_name(project: Project, user: User, written: Any, entity_id: int) -> EntityAlias:
    """Say that a name as written stands for an entity. A teacher's link holds at once and
    replaces any other approved link of that name; a student's is a proposal the teacher
    reviews. Linking again is harmless."""
    from app.services.projects import project_role

    role = project_role(project, user)
    if role is None:
        raise NotFound(_("No such project."))
    entity = get_entity(project, entity_id)
    alias = normalize_name(written)
    if not alias or len(alias) > 200:
        raise Invalid(_("Name the speaker as written (1 to 200 characters)."),
                      {"name": "1–200 characters"})
    teacher = role == "teacher"
    existing = db.session.scalar(sa.select(EntityAlias).where(
        EntityAlias.project_id == project.id, EntityAlias.alias == alias,
        EntityAlias.entity_id == entity.id))
    if teacher:
        # One approved meaning per name: a teacher's link replaces another approved one.
        db.session.execute(sa.delete(EntityAlias).where(
            EntityAlias.project_id == project.id, EntityAlias.alias == alias,
            EntityAlias.entity_id != entity.id, EntityAlias.status == "approved"))
    if existing is None:
        existing = EntityAlias(project_id=project.id, entity_id=entity.id, alias=alias,
                               written=" ".join(str(written).split())[:200],
                               status="approved" if teacher else "proposed",
                               proposed_by_id=user.id,
                               reviewed_by_id=user.id if teacher else None)
        db.session.add(existing)
    elif teacher and existing.status != "approved":
        existing.status, existing.reviewed_by_id = "approved", user.id
    db.session.commit()
    return existing


def review_alias(project: Project, user: User, alias_id: int, approve: bool) -> None:
    """The teacher accepts a student's link (replacing another approved meaning of the
    name) or turns it down (it is removed)."""
    if not _teaches(project, user):
        raise Forbidden(_("Only the project's teachers review links."))
    alias = db.session.get(EntityAlias, alias_id)
    if alias is None or alias.project_id != project.id:
        raise NotFound(_("No such link in this project."))
    if approve:
        db.session.execute(sa.delete(EntityAlias).where(
            EntityAlias.project_id == project.id, EntityAlias.alias == alias.alias,
            EntityAlias.id != alias.id, EntityAlias.status == "approved"))
        alias.status, alias.reviewed_by_id = "approved", user.id
    else:
        db.session.delete(alias)
    db.session.commit()


def unlink(project: Project, user: User, alias_id: int) -> None:
    """Remove a link: a teacher any, a student only their own proposal."""
    alias = db.session.get(EntityAlias, alias_id)
    if alias is None or alias.project_id != project.id:
        raise NotFound(_("No such link in this project."))
    if not _teaches(project, user) and not (alias.status == "proposed"
                                            and alias.proposed_by_id == user.id):
        raise Forbidden(_("Only the teacher removes a link (students their own proposals)."))
    db.session.delete(alias)
    db.session.commit()


def speaker_names(project: Project) -> list[dict[str, Any]]:
    """Every speaker's name written on a quoted voice in the project, with how often and
    by how many annotators, and what it is linked to (approved and proposed)."""
    corpus_names: dict[str, dict[str, Any]] = {}
    from app.services.vocabulary import vocabulary

    layer = vocabulary(project.id).layers.get(SOURCE)
    if layer is None:
        return []
    rows = db.session.execute(
        sa.select(Span.attributes, Span.user_id).join(Document, Document.id == Span.document_id)
        .where(Document.project_id == project.id, Span.layer_id == layer.id)).all()
    for attributes, user_id in rows:
        written = (attributes or {}).get("speaker")
        if (attributes or {}).get("role") != "voice" or not written:
            continue
        key = normalize_name(written)
        entry = corpus_names.setdefault(key, {"alias": key, "spellings": Counter(),
                                              "voices": 0, "annotators": set()})
        entry["spellings"][" ".join(written.split())] += 1
        entry["voices"] += 1
        entry["annotators"].add(user_id)
    links: dict[str, list[EntityAlias]] = defaultdict(list)
    for alias in db.session.scalars(sa.select(EntityAlias).where(
            EntityAlias.project_id == project.id)):
        links[alias.alias].append(alias)
    out = []
    for key, entry in corpus_names.items():
        out.append({"alias": key, "written": commonest(entry["spellings"]),
                    "voices": entry["voices"], "annotators": len(entry["annotators"]),
                    "links": links.get(key, [])})
    return sorted(out, key=lambda e: (-e["voices"], e["alias"]))
