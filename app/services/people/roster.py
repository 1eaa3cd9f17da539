"""Student accounts from a pasted roster: one printable login slip each, all made or none."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.extensions import db
from app.models import Project
from app.services import accounts, quotas
from app.services.errors import Conflict, Invalid
from app.services.people.usernames import from_name
from app.services.projects import add_member

MAX_ROSTER = 200


@dataclass(frozen=True)
class Slip:
    """A printable login slip: shown once, since only the password's hash is kept."""

    display_name: str
    username: str
    password: str


def _free_username(base: str, taken: set[str]) -> str:
    """The base, or the base with the smallest number after it that nobody on the server
    (nor earlier in this roster) has."""
    candidate, n = base, 1
    while candidate in taken or accounts.username_taken(candidate) or len(candidate) < 2:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def add_roster(project: Project, roster: str, *, expire: bool = False) -> list[Slip]:
    """Create student accounts from a pasted roster and add them to the project.

    One student a line: `Full Name`, or `Full Name, username` to choose the username;
    usernames made from names are transliterated from any script. All accounts are made,
    or none. With `expire`, each generated password works once: the student then chooses
    their own.
    """
    lines = [line.strip() for line in (roster or "").splitlines() if line.strip()]
    if not lines:
        raise Invalid(_("Paste at least one student name, one a line."), {"roster": "empty"})
    if len(lines) > MAX_ROSTER:
        raise Invalid(_("A roster holds at most %(max_roster)s students.",
                        max_roster=MAX_ROSTER), {"roster": "too long"})
    quotas.check_members(project, len(lines))  # all of them, before any account is made
    slips: list[Slip] = []
    taken: set[str] = set()
    try:
        for number, line in enumerate(lines, start=1):
            name, _comma, wanted = (part.strip() for part in line.partition(","))
            if len(name) > 120:
                raise Invalid(_("Line %(number)s: the name is too long (120 characters at most).",
                                number=number),
                              {"roster": f"line {number}"})
            if wanted:
                try:
                    username = accounts.check_username(wanted)
                except Invalid as exc:
                    raise Invalid(_("Line %(number)s: %(message)s",
                                    number=number, message=exc.message),
                                  {"roster": f"line {number}"}) from None
                if username in taken or accounts.username_taken(username):
                    raise Conflict(_("Line %(number)s: the username '%(username)s' is taken.",
                                     number=number, username=username),
                                   {"roster": f"line {number}"})
                taken.add(username)
            else:
                username = _free_username(from_name(name), taken)
            password = accounts.generate_password()
            user = accounts.new_user(username, password, "student", name)
            user.must_change_password = expire
            add_member(project, user, "student")
            slips.append(Slip(display_name=name, username=username, password=password))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return slips
