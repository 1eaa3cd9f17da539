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
from app.models import GoldKey, Membership, User, utcnow

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


def can_adjudicate(project_id: int, user: User) -> bool:
    """Teachers and adjudicators of the project (and admins) edit its gold key."""
    if user.role == "admin":
        return True
    role = db.session.scalar(sa.select(Membership.role).where(
        Membership.project_id == project_id, Membership.user_id == user.id))
    return role in ("teacher", "adjudicator")


def bump(document_id: int, actor: User | None, *, commit: bool = True) -> GoldKey:
    """Count one more change to a document's gold key, and who made it. With commit=False
    the count rides on the change's own transaction: stored with it, or not at all."""
    key = db.session.get(GoldKey, document_id)
    if key is None:
        key = GoldKey(document_id=document_id, version=1,
                      updated_by_id=actor.id if actor else None, updated_at=utcnow())
        db.session.add(key)
    else:
        key.version += 1
        key.updated_by_id = actor.id if actor else None
        key.updated_at = utcnow()
    if commit:
        db.session.commit()
    return key


def key_info(document_id: int) -> dict | None:
    """The gold key's version, last editor and time, or None before its first change."""
    row = db.session.execute(
        sa.select(GoldKey.version, GoldKey.updated_at, User.username)
        .outerjoin(User, User.id == GoldKey.updated_by_id)
        .where(GoldKey.document_id == document_id)).first()
    if row is None:
        return None
    return {"version": row.version, "updated_at": row.updated_at, "by": row.username}
