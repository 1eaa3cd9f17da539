"""Personal API tokens: shown once at creation, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import adopt, db, run_prepared
from app.models import ApiToken, User, utcnow
from app.services.errors import Invalid, NotFound

PREFIX = "smk_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is never shown again."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid(_("Name the token (1 to 80 characters), e.g. 'export script'."),
                      {"name": "1–80 characters"})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.commit()
    return token, secret


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


# Every API request starts here, so the statements are built once (bound parameters).
_BY_HASH = (
    sa.select(User.__table__, ApiToken.id.label("token_id"),
              ApiToken.revoked_at.label("token_revoked_at"),
              ApiToken.last_used_at.label("token_last_used_at"))
    .join(ApiToken, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("hash"))
)
_USED = sa.update(ApiToken.__table__).where(ApiToken.__table__.c.id == sa.bindparam("token"))


def user_for_token(secret: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not secret.startswith(PREFIX):
        return None
    row = run_prepared(_BY_HASH, {"hash": _digest(secret)}).first()
    if row is None or row.token_revoked_at is not None or not row.active:
        return None
    now = utcnow()
    last = row.token_last_used_at
    # Record use at most once a minute, to keep reads from turning into writes.
    if last is None or (now - last).total_seconds() > 60:
        run_prepared(_USED, {"token": row.token_id, "last_used_at": now})
        db.session.commit()
    return adopt(User, row)
