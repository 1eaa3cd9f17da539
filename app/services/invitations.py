"""Teacher invitations: a single-use, expiring link that opens sign-up for one teacher.

A teacher can upload, import and create accounts, so a production server keeps teacher
sign-up closed; an admin hands out an invitation instead. Only the SHA-256 of its token is
stored: the link is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app import security_log
from app.extensions import db
from app.models import Invitation, User, utcnow
from app.services import accounts
from app.services.errors import Invalid, NotFound

DEFAULT_DAYS = 7
MAX_DAYS = 90


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(admin: User | None, days: int = DEFAULT_DAYS, note: str = "") -> tuple[Invitation, str]:
    """Make an invitation valid for `days`; returns it and its token (shown only now)."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(_("An invitation lasts 1 to %(max_days)s days.",
                        max_days=MAX_DAYS), {"days": f"1–{MAX_DAYS}"})
    token = secrets.token_urlsafe(24)
    invitation = Invitation(token_hash=_hash(token), note=(note or "").strip()[:200],
                            created_by_id=admin.id if admin else None,
                            expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.commit()
    security_log.event("invitation_created", user=admin, object=f"invitation:{invitation.id}",
                       expires_at=invitation.expires_at.isoformat())
    return invitation, token


def pending() -> list[Invitation]:
    """Invitations not used yet and not expired, newest first."""
    return list(db.session.scalars(sa.select(Invitation).where(
        Invitation.used_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id.desc())))


def valid(token: str | None) -> Invitation | None:
    """The unused, unexpired invitation of a token, or None."""
    if not token:
        return None
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.used_at is not None \
            or invitation.expires_at <= utcnow():
        return None
    return invitation


def sign_up_teacher(username: str, password: str, display_name: str = "",
                    token: str | None = None) -> User:
    """A new teacher account: while teacher sign-up is open, or with a valid invitation,
    which it uses up (in the same transaction: two sign-ups with one link make one
    account)."""
    invitation = valid(token)
    if invitation is None and not accounts.teacher_signup_open():
        raise NotFound(_("Teacher sign-up is closed; ask an admin for an invitation."),
                       {"invite": "invalid or used"})
    try:
        user = accounts.new_user(username, password, "teacher", display_name)
        db.session.flush()
        if invitation is not None:
            used = db.session.execute(
                sa.update(Invitation).where(Invitation.id == invitation.id,
                                            Invitation.used_at.is_(None))
                .values(used_at=utcnow(), used_by_id=user.id)).rowcount
            if used != 1:
                raise NotFound(_("This invitation has just been used."), {"invite": "used"})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    security_log.event("sign_up", user=user, role="teacher",
                       object=f"invitation:{invitation.id}" if invitation else None)
    return user
