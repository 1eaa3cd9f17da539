"""Changing one's own password, and resetting someone else's: a teacher their students', an
admin teachers'. Which passwords are refused is `app.services.passwords`."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import security_log
from app.extensions import db
from app.models import ApiToken, LoginSession, Membership, User, utcnow
from app.services import accounts
from app.services.errors import Forbidden, Invalid, NotFound


def change_own_password(user: User, current: str, new: str, keep_token: str | None) -> int:
    """Set the user's password after checking the current one; ends their other login
    sessions (the one named by `keep_token` stays). Returns how many ended."""
    if not user.check_password(current or ""):
        raise Invalid(_("The current password is wrong."), {"current": "wrong password"})
    accounts.check_password(new, user.username)
    if user.check_password(new):
        raise Invalid(_("Choose a password different from the current one."),
                      {"password": "same as the current one"})
    user.set_password(new)
    user.must_change_password = False
    # One commit: the new password and the end of the other sessions.
    ended = accounts.sign_out_everywhere(user, keep_token=keep_token)
    security_log.event("password_changed", user=user, object=f"user:{user.id}",
                       ended_sessions=ended)
    return ended


def teaches(teacher: User, student: User) -> bool:
    """Is the student a student in a project the teacher teaches?"""
    taught = sa.select(Membership.project_id).where(Membership.user_id == teacher.id,
                                                    Membership.role == "teacher")
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.user_id == student.id, Membership.role == "student",
        Membership.project_id.in_(taught)).limit(1)) is not None


def may_reset(actor: User, target: User) -> bool:
    """A teacher resets their own students' passwords; an admin, teachers' and students'
    (never another admin's, nor their own: that is a change, with the current password)."""
    if actor.id == target.id or target.role not in {"student", "teacher"}:
        return False
    if actor.role == "admin":
        return True
    return target.role == "student" and teaches(actor, target)


def reset_password(actor: User, target_id: int, *, expire: bool,
                   project_id: int | None = None) -> tuple[User, str]:
    """Give the target a new generated password; returns the user and the password (shown
    once). Their login sessions end and their API tokens are revoked (whoever found the old
    password may have made one). With `expire`, they must choose their own at sign-in.
    With `project_id`, the target must be a student of that project."""
    target = db.session.get(User, target_id)
    if project_id is not None and target is not None and db.session.scalar(
            sa.select(Membership.role).where(Membership.project_id == project_id,
                                             Membership.user_id == target.id)) != "student":
        target = None
    if target is None or not may_reset(actor, target):
        security_log.event("password_reset", "refused", user=actor,
                           object=f"user:{target_id}")
        if target is not None and actor.role == "admin":
            raise Forbidden(_("An admin resets teachers' and students' passwords, not an "
                              "admin's nor their own."))
        raise NotFound(_("No such student in your projects."))
    password = accounts.generate_password()
    target.set_password(password)
    target.must_change_password = expire
    ended = db.session.execute(
        sa.delete(LoginSession).where(LoginSession.user_id == target.id)).rowcount
    revoked = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == target.id,
                                  ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount
    db.session.commit()
    security_log.event("password_reset", user=actor, object=f"user:{target.id}",
                       target=target.username, expires=expire, ended_sessions=ended,
                       revoked_tokens=revoked)
    return target, password


def teachers() -> list[User]:
    """Every teacher account, by username (the admin page lists them for resets)."""
    return list(db.session.scalars(sa.select(User).where(User.role == "teacher")
                                   .order_by(User.username)))
