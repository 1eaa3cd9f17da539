"""A class's members over time: a student removed from a project (their work stays, kept
under their name or pseudonymised), moved to another of the teacher's projects, and a
project's codebook and settings carried into a new one."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import security_log
from app.extensions import db
from app.i18n import role_name
from app.models import (
    Assignment,
    ClaimLink,
    ClaimVerdict,
    Codebook,
    CodebookLayer,
    Document,
    DocumentProgress,
    DocumentRating,
    EntityAlias,
    Label,
    Membership,
    PassageTag,
    Project,
    RoundWork,
    Span,
    User,
)
from app.models_people import Pseudonym
from app.services import accounts, projects
from app.services.errors import ConfirmationNeeded, Invalid, NotFound

REMOVALS = ("keep", "pseudonymise")
# The work a student leaves in a project, by what it is called on the page.
_WORK = {"spans": Span, "passage tags": PassageTag, "ratings": DocumentRating,
         "documents started": DocumentProgress}


def student_of(project: Project, user_id: int) -> User:
    """A student member of the project, or NotFound (teachers change roles instead)."""
    user = db.session.scalar(sa.select(User).join(Membership).where(
        Membership.project_id == project.id, Membership.user_id == user_id,
        Membership.role == "student"))
    if user is None:
        raise NotFound(_("No such student in this project."))
    return user


def _in_project(project: Project) -> sa.Select:
    return sa.select(Document.id).where(Document.project_id == project.id)


def work_counts(project: Project, user: User) -> dict[str, int]:
    """How much of the student's work the project holds (what a removal leaves behind)."""
    return {name: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
        model.user_id == user.id, model.document_id.in_(_in_project(project))))
        for name, model in _WORK.items()}


@dataclass(frozen=True)
class Removal:
    user: User
    kept_as: str  # the username the work now stands under


def _stand_in(project: Project, student: User) -> User:
    """A new account that can never sign in, to hold the student's pseudonymised work in the
    project (a new one each time: the work of a second stay may overlap the first's)."""
    while True:
        username = f"former-{accounts.random_suffix(8)}"
        if not accounts.username_taken(username):
            break
    user = User(username=username, display_name="Former student", role="student",
                active=False)
    user.set_password(secrets.token_urlsafe(32))  # never told to anyone
    db.session.add(user)
    db.session.flush()
    # The history shows all of the student's changes in the project under the newest name.
    pseudonym = db.session.scalar(sa.select(Pseudonym).where(
        Pseudonym.project_id == project.id, Pseudonym.user_id == student.id))
    if pseudonym is None:
        db.session.add(Pseudonym(project_id=project.id, user_id=student.id, stand_in_id=user.id))
    else:
        pseudonym.stand_in_id = user.id
    return user


def _hand_over(project: Project, old: User, new: User) -> None:
    """Move the student's work in the project to the stand-in account."""
    documents = _in_project(project)
    for model in (*_WORK.values(), Assignment):
        db.session.execute(sa.update(model).where(
            model.user_id == old.id, model.document_id.in_(documents))
            .values(user_id=new.id).execution_options(synchronize_session=False))
    links = sa.select(ClaimLink.id).where(ClaimLink.document_id.in_(documents))
    db.session.execute(sa.update(ClaimVerdict).where(
        ClaimVerdict.user_id == old.id, ClaimVerdict.link_id.in_(links))
        .values(user_id=new.id).execution_options(synchronize_session=False))
    db.session.execute(sa.update(ClaimLink).where(
        ClaimLink.linked_by_id == old.id, ClaimLink.document_id.in_(documents))
        .values(linked_by_id=new.id).execution_options(synchronize_session=False))
    # The work frozen by rounds names them too. The history of changes is append-only: it
    # is shown under the stand-in's name (app.services.history reads the Pseudonym).
    db.session.execute(sa.update(RoundWork).where(
        RoundWork.user_id == old.id, RoundWork.document_id.in_(documents))
        .values(user_id=new.id).execution_options(synchronize_session=False))
    db.session.execute(sa.update(EntityAlias).where(
        EntityAlias.proposed_by_id == old.id, EntityAlias.project_id == project.id)
        .values(proposed_by_id=new.id).execution_options(synchronize_session=False))


def remove_student(project: Project, user_id: int, how: str, *, confirm: bool) -> Removal:
    """Take a student out of the project. Their work stays: under their name (`keep`), or
    handed to a new account that can never sign in, named `former-…` (`pseudonymise`), so
    that exports, agreement and the claims board no longer name them. Without `confirm`,
    raises ConfirmationNeeded with the work that stays."""
    user = student_of(project, user_id)
    if how not in REMOVALS:
        raise Invalid(_("Choose whether the work stays under the student's name ('keep') or "
                        "is pseudonymised ('pseudonymise')."), {"how": "keep or pseudonymise"})
    if not confirm:
        raise ConfirmationNeeded(_("Confirm the removal."), work_counts(project, user))
    kept_as = user.username
    try:
        if how == "pseudonymise":
            stand_in = _stand_in(project, user)
            _hand_over(project, user, stand_in)
            kept_as = stand_in.username
        _leave(project, user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    # The log says the work was pseudonymised, not under which name: it would undo it.
    security_log.event("member_removed", project_id=project.id, object=f"user:{user.id}",
                       work="pseudonymised" if how == "pseudonymise" else "kept")
    return Removal(user, kept_as)


def _leave(project: Project, user: User) -> None:
    """End the membership and the assignments nobody worked on (worked ones stay, so the
    progress of what was done is still read right)."""
    worked = sa.union(*[sa.select(model.document_id).where(model.user_id == user.id)
                        for model in _WORK.values()])
    db.session.execute(sa.delete(Assignment).where(
        Assignment.project_id == project.id, Assignment.user_id == user.id,
        Assignment.document_id.not_in(worked)).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Membership).where(
        Membership.project_id == project.id, Membership.user_id == user.id))


def move_student(actor: User, project: Project, user_id: int, target_id: int) -> Project:
    """Move a student to another project the actor teaches; their work so far stays in
    this one under their name."""
    user = student_of(project, user_id)
    if target_id == project.id:
        raise Invalid(_("Choose another project."), {"target": "same project"})
    try:
        target = projects.get_project(actor, target_id, manage=True)
    except NotFound:
        raise Invalid(_("Choose one of your projects."), {"target": "not your project"}) from None
    existing = projects.membership(target, user)
    if existing is not None and existing.role != "student":
        raise Invalid(_("%(username)s is already in that project, as: %(role)s.",
                        username=user.username, role=role_name(existing.role)),
                      {"target": "member"})
    try:
        if existing is None:
            projects.add_member(target, user, "student")
        _leave(project, user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    security_log.event("member_moved", project_id=project.id, object=f"user:{user.id}",
                       to_project=target.id)
    return target


def taught_projects(actor: User, besides: Project) -> list[Project]:
    """The other projects the actor teaches (where a student may move)."""
    return [p for p in projects.visible_projects(actor) if p.id != besides.id
            and projects.project_role(p, actor) == "teacher"]


def _copy_codebook(source: Codebook) -> Codebook:
    codebook = Codebook(key=source.key, name=source.name, description=source.description,
                        version=1, document_form=copy.deepcopy(source.document_form))
    for layer in source.layers:
        new_layer = CodebookLayer(
            key=layer.key, name=layer.name, position=layer.position, overlap=layer.overlap,
            max_depth=layer.max_depth, shortcut=layer.shortcut,
            attributes=copy.deepcopy(layer.attributes), groups=copy.deepcopy(layer.groups))
        new_layer.labels = [Label(
            key=label.key, name=label.name, definition=label.definition,
            example=label.example, example_file=label.example_file, group=label.group,
            shortcut=label.shortcut, color=label.color, position=label.position,
            active=label.active, maps_to=copy.deepcopy(label.maps_to),
            requires=copy.deepcopy(label.requires)) for label in layer.labels]
        codebook.layers.append(new_layer)
    return codebook


def copy_project(actor: User, source: Project, title: str) -> Project:
    """A new project with the source's codebook (as edited), instructions, reveal policy
    and time zone; no documents, members or work. The actor is its teacher."""
    project = Project(title=projects.check_title(title), instructions=source.instructions,
                      join_code=projects.new_join_code(), created_by_id=actor.id,
                      reveal=source.reveal, reveal_anonymous=source.reveal_anonymous,
                      time_zone=source.time_zone)
    source_codebook = source.codebook  # loaded before the new rows join the session
    project.memberships.append(Membership(user_id=actor.id, role="teacher"))
    if source_codebook is not None:
        project.codebook = _copy_codebook(source_codebook)
    db.session.add(project)
    db.session.commit()
    security_log.event("project_copied", project_id=project.id,
                       object=f"project:{source.id}")
    return project
