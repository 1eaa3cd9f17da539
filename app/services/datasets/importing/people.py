"""An import's annotators: the gold key, the project's members, or new student accounts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import User
from app.services import accounts, projects, quotas
from app.services.datasets.core import GOLD
from app.services.datasets.importing.problems import Where
from app.services.datasets.importing.state import Choice, Person, State
from app.services.errors import Invalid
from app.services.gold import GOLD_USERNAME, SYSTEM_ROLE, gold_user


class PeopleSteps(State):
    # --- annotators ------------------------------------------------------------------

    def user(self, name: Any, where: Where, field: str) -> User | None:
        """The account a file's annotator name stands for: the gold key, a member of this
        project, or else a new student account of the project's own. Accounts of other
        classes are never matched, nor is their existence told."""
        if not isinstance(name, str):
            self.problems.add(where, field, _("an annotator's name must be text"))
            return None
        key = name if name in (GOLD, GOLD_USERNAME) else accounts.normalize_username(name)
        if key in self.users:  # "Amina" and "amina" are one person, as usernames are
            return self.users[key]
        self.first_name[key] = name
        user: User | None = None
        choice = self.choices.get(name)
        if choice.kind == "gold" if choice else name in (GOLD, GOLD_USERNAME):
            user = gold_user()
            # The file's own gold key is one, whichever of its names it goes by.
            if self._claim(user, GOLD if name in (GOLD, GOLD_USERNAME) else name, where, field):
                self.summary.gold = True
            else:
                user = None
        else:
            if choice is not None:
                user = self._chosen(name, choice, where, field)
            else:
                user = self._proposed(name, where, field)
            if user is not None and not self._claim(user, name, where, field):
                user = None
            if user is not None:
                if user.id is None or user.id not in self.members:  # None: new, not written
                    try:
                        quotas.check_members(self.project, self.new_members + 1)
                    except Invalid as error:
                        self.problems.add(where, field, f"'{name}': {error.message}")
                        self.users[key] = None
                        return None
                    projects.add_member(self.project, user, "student")
                    self.new_members += 1
                    if user.id is not None:
                        self.members.add(user.id)
                if user.username not in self.summary.annotators:
                    self.summary.annotators.append(user.username)
        self.users[key] = user
        return user

    def count_work(self, name: str, before: tuple[int, int, int]) -> None:
        """Add what the summary gained since `before` to the work of `name`."""
        key = name if name in (GOLD, GOLD_USERNAME) else accounts.normalize_username(name)
        counts = self.work.setdefault(self.first_name.get(key, name), [0, 0, 0])
        now = (self.summary.spans, self.summary.passage_tags, self.summary.ratings)
        for index, (was, is_) in enumerate(zip(before, now, strict=True)):
            counts[index] += is_ - was

    def people(self) -> list[Person]:
        """Each name of the file (as first met), its work, and what it became."""
        found = []
        for key, name in self.first_name.items():
            user = self.users.get(key)
            if user is None:
                continue
            spans, tags, ratings = self.work.get(name, [0, 0, 0])
            if user.role == SYSTEM_ROLE:
                choice = Choice("gold")
                as_is = name in (GOLD, GOLD_USERNAME)
            else:
                # (a new account may have an id already: the gold key's creation flushes)
                new = user.username in self.new_usernames
                choice = Choice("new" if new else "member", user.username)
                as_is = choice.kind == "member" and user.username == key
            found.append(Person(name, spans, tags, ratings, choice, as_is))
        return found

    def _proposed(self, name: str, where: Where, field: str) -> User | None:
        """The account a name stands for when the teacher said nothing: a member of that
        username, else one an earlier import made for it, else a new one."""
        username = accounts.normalize_username(name)
        if not accounts.USERNAME.match(username) and username not in (GOLD, GOLD_USERNAME):
            # Another tool's name for a person ("Aigerim Bekova", an e-mail address):
            # a valid username made from it, the name itself kept as display name.
            username = accounts.username_for(name)
            self.summary.renamed[name] = username
        user = self._member(username, name)
        if user is not None and user.role == SYSTEM_ROLE:
            self.problems.add(where, field, _("'%(name)s' is not an annotator's name",
                                                      name=name))
            user = None
        elif user is None:
            user = self._new_account(username, name, where, field)
        if user is not None and name in self.summary.renamed:
            self.summary.renamed[name] = user.username
        return user

    def _chosen(self, name: str, choice: Choice, where: Where, field: str) -> User | None:
        """The account the teacher chose for a name: a member of this project, or a new
        student account of exactly the username given. Another class's account is never
        taken, nor is its existence told beyond "taken"."""
        username = accounts.normalize_username(choice.username)
        if choice.kind == "member":
            user = db.session.scalar(sa.select(User).where(
                User.username == username, User.id.in_(self.members))) if self.members else None
            if user is None or user.role == SYSTEM_ROLE:
                self.problems.add(where, field, _("'%(name)s': '%(username)s' is not a "
                                                    "member of this project", name=name,
                                                    username=username))
                return None
        elif choice.kind == "new":
            try:
                username = accounts.check_username(username)
            except Invalid as error:
                self.problems.add(where, field, f"'{name}': {error.message}")
                return None
            if username in self.new_usernames or accounts.username_taken(username):
                self.problems.add(where, field, _("'%(name)s': the username '%(username)s' "
                                                    "is taken; choose another", name=name,
                                                    username=username))
                return None
            password = accounts.generate_password()
            user = accounts.new_user(username, password, "student", name)
            self.new_usernames.add(username)
            self.summary.accounts.append((username, password))
        else:
            self.problems.add(where, field, _("'%(name)s': unknown choice '%(choice)s'",
                                                name=name, choice=choice.kind))
            return None
        if user.username != accounts.normalize_username(name):
            self.summary.renamed[name] = user.username
        return user

    def _claim(self, user: User, name: str, where: Where, field: str) -> bool:
        """Whether `user` is free for `name`: two names of a file never become one account
        (their work on one document would collide)."""
        other = self.claimed.setdefault(user.username, name)
        if other == name:
            return True
        shown = GOLD if user.role == SYSTEM_ROLE else user.username
        self.problems.add(where, field, _("'%(name)s' and '%(other)s' would both become "
                                            "'%(account)s'; give each their own account",
                                            name=name, other=other, account=shown))
        return False

    def _member(self, username: str, name: str) -> User | None:
        """The project's member of this username, or else the account an earlier import
        made for this name in this project ("amina-k7q2", named "amina")."""
        if not self.members:
            return None
        base = username[:accounts.MAX_USERNAME - 5]
        found = db.session.scalars(sa.select(User).where(
            User.id.in_(self.members),
            (User.username == username)
            | User.username.startswith(f"{base}-", autoescape=True)).order_by(User.id)).all()
        exact = [user for user in found if user.username == username
                 and name not in self.summary.renamed]
        made = [user for user in found if len(user.username) == len(base) + 5
                and user.display_name == name.strip()[:120]]
        return (exact or made or [None])[0]

    def _new_account(self, username: str, name: str, where: Where,
                     field: str) -> User | None:
        """A new student named after `username` with a random suffix ("amina-k7q2"), so the
        name it gets never depends on which accounts exist elsewhere on the server."""
        try:
            base = accounts.check_username(username)[:accounts.MAX_USERNAME - 5]
        except Invalid as error:
            self.problems.add(where, field, f"'{name}': {error.message}")
            return None
        password = accounts.generate_password()
        while True:
            candidate = f"{base}-{accounts.random_suffix(4)}"
            if candidate not in self.new_usernames and not accounts.username_taken(candidate):
                break
        user = accounts.new_user(candidate, password, "student", name)
        # Not flushed: written with the annotations once every check has passed (a write
        # would hold the database's writer through all the checks still to come).
        self.new_usernames.add(candidate)
        self.summary.accounts.append((user.username, password))
        return user

