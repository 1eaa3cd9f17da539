"""The gold key: a document's adjudicated answer, stored as the annotations of one
reserved account.

Keeping the key in the same tables as everyone's annotations means every check, version
and conflict rule for spans, passage tags and ratings holds for it too, and the agreement
report and exports read it like any annotator. The account cannot sign in (no usable
password, inactive) and its username cannot be chosen by anyone (usernames start with a
letter or digit); `SYSTEM_ROLE` keeps it out of user lists.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import User

GOLD_USERNAME = "~gold"
GOLD_NAME = "gold"  # how reports, reviews and exports name the gold key as a rater
SYSTEM_ROLE = "system"


def gold_user(create: bool = True) -> User | None:
    """The gold key's account; created on first use when `create`."""
    user = db.session.scalar(sa.select(User).where(User.username == GOLD_USERNAME))
    if user is None and create:
        user = User(username=GOLD_USERNAME, display_name="Gold key", role=SYSTEM_ROLE,
                    active=False, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


def gold_user_id() -> int | None:
    return db.session.scalar(sa.select(User.id).where(User.username == GOLD_USERNAME))


def rater_name() -> sa.ColumnElement[str]:
    """A column for queries joined to User: the username, or "gold" for the gold key."""
    return sa.case((User.username == GOLD_USERNAME, sa.literal(GOLD_NAME)),
                   else_=User.username)
