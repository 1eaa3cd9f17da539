"""Who is who, said before anything is stored.

A file from another tool names people as that tool does ("Aigerim Bekova", an e-mail
address) or names students who are not in the class yet. Such an upload is checked in full,
then kept on the server (so every app server sees it, and nothing goes in the session
cookie) for the teacher who uploaded it: they see each name, the work it carries and the
account it would become, correct it, and import or cancel. A file whose every name is
already a member's username imports at once.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import PendingImport, Project, User, utcnow
from app.services import accounts, projects
from app.services.datasets.core import GOLD
from app.services.datasets.importing import Plan, import_file, plan_file
from app.services.datasets.importing.state import Choice, ImportSummary
from app.services.errors import Invalid, NotFound
from app.services.gold import GOLD_USERNAME, SYSTEM_ROLE

__all__ = ["Begun", "Choice", "Pending", "begin", "cancel", "check_choices", "choice_for",
           "confirm", "load", "member_names", "names"]

KEEP = timedelta(hours=1)


@dataclass
class Begun:
    """An upload imported at once (`summary`), or kept until the teacher says who is who
    (`token`)."""

    summary: ImportSummary | None = None
    token: str | None = None


@dataclass
class Pending:
    """A kept upload as its page shows it: the file, its people, and who they may become."""

    token: str
    file: str
    format: str
    plan: Plan
    members: list[tuple[str, str]]  # (username, display name) of the project's members


def begin(project: Project, user: User, fmt: str, name: str, raw: bytes,
          ground_truth_gold: bool = False) -> Begun:
    """Check an upload; import it when every name is a member already, else keep it for
    `user` to say who is who. ImportFailed lists every problem of the file."""
    plan = plan_file(project, fmt, name, raw, user, ground_truth_gold=ground_truth_gold)
    if plan.as_is:
        return Begun(summary=import_file(project, fmt, name, raw, user,
                                         ground_truth_gold=ground_truth_gold))
    # Each kept upload sweeps the expired ones: no scheduler needed.
    db.session.execute(sa.delete(PendingImport).where(PendingImport.created_at < _cutoff()))
    token = secrets.token_urlsafe(24)
    db.session.add(PendingImport(
        token=token, project_id=project.id, user_id=user.id, file=name[:255], format=fmt,
        ground_truth_gold=ground_truth_gold, content=raw,
        choices={p.name: [p.choice.kind, p.choice.username] for p in plan.people}))
    db.session.commit()
    return Begun(token=token)


def load(project: Project, user: User, token: str) -> Pending:
    """The kept upload `token` of `user` in `project`, with its proposals; NotFound for
    anyone else, another project, or once it has expired."""
    kept = _kept(project, user, token)
    plan = plan_file(project, kept.format, kept.file, kept.content, user,
                     ground_truth_gold=kept.ground_truth_gold)
    # The proposals made at upload stand (a new proposal would draw new random suffixes);
    # they are checked again when the teacher confirms.
    proposed = _choices(kept.choices)
    plan = Plan([dataclasses.replace(person, choice=proposed.get(person.name, person.choice))
                 for person in plan.people])
    return Pending(kept.token, kept.file, kept.format, plan, member_names(project))


def names(project: Project, user: User, token: str) -> tuple[str, list[str]]:
    """A kept upload's file name, and the names in it in the order its page lists them."""
    kept = _kept(project, user, token)
    return kept.file, list(kept.choices)


def confirm(project: Project, user: User, token: str,
            choices: dict[str, Choice]) -> ImportSummary:
    """Import a kept upload with the teacher's `choices` (one per name of the file), all
    or nothing. Invalid names the rows that cannot be (`fields`: name -> message);
    ImportFailed lists any other problem; either way nothing is stored and the upload stays."""
    kept = _kept(project, user, token)
    names = list(_choices(kept.choices))
    errors = check_choices(project, {name: choices.get(name) for name in names})
    if errors:
        raise Invalid(_("%(count)s name(s) cannot become the account chosen; nothing was imported.",
                        count=len(errors)), errors)
    summary = import_file(project, kept.format, kept.file, kept.content, user,
                          ground_truth_gold=kept.ground_truth_gold,
                          choices={name: choices[name] for name in names})
    db.session.execute(sa.delete(PendingImport).where(PendingImport.id == kept.id))
    db.session.commit()
    return summary


def cancel(project: Project, user: User, token: str) -> None:
    """Forget a kept upload; nothing was stored."""
    db.session.delete(_kept(project, user, token))
    db.session.commit()


def check_choices(project: Project, choices: dict[str, Choice | None]) -> dict[str, str]:
    """What is wrong with each name's choice (name -> message): a new account's username
    invalid or taken, an account that is not a member of this project, two names made one."""
    errors: dict[str, str] = {}
    members = {username for username, _ in member_names(project)}
    taken: dict[str, str] = {}
    for name, choice in choices.items():
        if choice is None or choice.kind not in ("new", "member", "gold"):
            errors[name] = _("Choose what this name becomes.")
            continue
        username = GOLD if choice.kind == "gold" else \
            accounts.normalize_username(choice.username)
        if choice.kind == "new":
            try:
                accounts.check_username(username)
            except Invalid as error:
                errors[name] = error.message
                continue
            if accounts.username_taken(username):
                errors[name] = _("The username '%(username)s' is taken; choose another "
                                 "or one of the class's members.", username=username)
                continue
        elif choice.kind == "member" and username not in members:
            errors[name] = _("'%(username)s' is not a member of this project.",
                             username=username)
            continue
        if username in taken:
            errors[name] = _("'%(name)s' already becomes '%(username)s': give each "
                             "name its own account.", name=taken[username], username=username)
            continue
        taken[username] = name
    return errors


def choice_for(project: Project, target: str) -> Choice:
    """What `--map NAME=TARGET` means: the gold key, a member of this project, or else a
    new student account of that username."""
    username = accounts.normalize_username(target)
    if username in (GOLD, GOLD_USERNAME):
        return Choice("gold")
    members = {name for name, _ in member_names(project)}
    return Choice("member" if username in members else "new", username)


def member_names(project: Project) -> list[tuple[str, str]]:
    """(username, display name) of the project's people a name may become."""
    return [(m.user.username, m.user.display_name or "") for m in projects.members(project)
            if m.user.role != SYSTEM_ROLE]


def _choices(stored: dict[str, Any]) -> dict[str, Choice]:
    return {name: Choice(kind, username) for name, (kind, username) in stored.items()}


def _cutoff():
    return utcnow() - KEEP


def _kept(project: Project, user: User, token: str) -> PendingImport:
    kept = db.session.scalar(sa.select(PendingImport).where(
        PendingImport.token == token[:64], PendingImport.project_id == project.id,
        PendingImport.user_id == user.id, PendingImport.created_at >= _cutoff()))
    if kept is None:
        raise NotFound(_("This import has expired or was already done or cancelled; "
                         "choose the file again."))
    return kept
