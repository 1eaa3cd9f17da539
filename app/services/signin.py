"""Signing in and signing up, with rate limits a classroom behind one address never meets.

A school's pupils usually share one public address (NAT), so limits are per account first:
the first few failed sign-ins of an account are free, then each further one must wait a
delay that doubles, up to a cap. Per address only a number far above a class's size is
refused. Counts live in the database (`login_attempt`), so every app server sees the same.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import security_log
from app.extensions import db
from app.models import LoginAttempt, User, utcnow
from app.services.accounts import normalize_username
from app.services.errors import TooManyAttempts

SIGN_IN, SIGN_UP = "sign-in", "sign-up"

# A fixed hash to check against when the user does not exist, so that an unknown user and a
# wrong password take the same time.
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class Throttle:
    """Sign-in limits: per account `free_failures`, then a wait of `base_delay` seconds that
    doubles with each further failure up to `max_delay`; failures are forgotten after
    `forget_seconds` or at a correct sign-in. Per address `address_max_failures` in
    `address_window` seconds."""

    free_failures: int = 5
    base_delay: int = 2
    max_delay: int = 900
    forget_seconds: int = 86400
    address_max_failures: int = 500
    address_window: int = 900

    @classmethod
    def from_config(cls, config: Any) -> Throttle:
        return cls(config["LOGIN_FREE_FAILURES"], config["LOGIN_BASE_DELAY_SECONDS"],
                   config["LOGIN_MAX_DELAY_SECONDS"], config["LOGIN_FORGET_SECONDS"],
                   config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"])

    def delay(self, failures: int) -> int:
        """Seconds to wait after the account's `failures`-th failure in a row."""
        if failures < self.free_failures:
            return 0
        return min(self.base_delay * 2 ** min(failures - self.free_failures, 30),
                   self.max_delay)


def _seconds_until(moment: Any) -> int:
    # Timestamps come back timezone-aware on every database (UTCDateTime).
    return max(math.ceil((moment - utcnow()).total_seconds()), 1)


def _address_count(kind: str, remote_addr: str, window: int) -> tuple[int, Any]:
    since = utcnow() - timedelta(seconds=window)
    return db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id), sa.func.min(LoginAttempt.at)).where(
            LoginAttempt.kind == kind, LoginAttempt.remote_addr == remote_addr,
            LoginAttempt.at >= since)).one()


def _check_sign_in(username: str, remote_addr: str, throttle: Throttle) -> None:
    since = utcnow() - timedelta(seconds=throttle.forget_seconds)
    failures, last = db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.kind == SIGN_IN, LoginAttempt.username == username,
            LoginAttempt.at >= since)).one()
    delay = throttle.delay(failures)
    if delay and last + timedelta(seconds=delay) > utcnow():
        raise TooManyAttempts(_("Too many failed sign-ins for this account. Wait a moment and "
                                "try again."),
                              retry_after=_seconds_until(last + timedelta(seconds=delay)))
    count, oldest = _address_count(SIGN_IN, remote_addr, throttle.address_window)
    if count >= throttle.address_max_failures:
        raise TooManyAttempts(
            _("Too many failed sign-ins from this network. Wait a few minutes and try again."),
            retry_after=_seconds_until(oldest + timedelta(seconds=throttle.address_window)))


def _password_matches(user: User | None, password: str) -> bool:
    global _DUMMY_HASH
    if user is None:
        if _DUMMY_HASH is None:
            probe = User(username="x")
            probe.set_password(secrets.token_hex(8))
            _DUMMY_HASH = probe.password_hash
        User(password_hash=_DUMMY_HASH).check_password(password)
        return False
    return user.check_password(password) and user.active


def authenticate(username: str, password: str, remote_addr: str, throttle: Throttle
                 ) -> User | None:
    """Return the user for good credentials, None otherwise; raise TooManyAttempts when the
    account or the address is throttled. An unknown user and a wrong password are answered
    alike (same result, same time, same throttle)."""
    username = normalize_username(username)[:64]
    remote_addr = (remote_addr or "unknown")[:64]
    try:
        _check_sign_in(username, remote_addr, throttle)
    except TooManyAttempts as exc:
        security_log.event("sign_in", "throttled", username=username,
                           retry_after=exc.retry_after)
        raise
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if not _password_matches(user, password or ""):
        # Failures older than every window count for nothing: drop them as new ones come in.
        expired = utcnow() - timedelta(seconds=max(throttle.forget_seconds,
                                                   throttle.address_window))
        db.session.execute(sa.delete(LoginAttempt).where(
            LoginAttempt.kind == SIGN_IN, LoginAttempt.at < expired))
        db.session.add(LoginAttempt(kind=SIGN_IN, username=username, remote_addr=remote_addr))
        db.session.commit()
        security_log.event("sign_in", "failed", username=username)
        return None
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.kind == SIGN_IN, LoginAttempt.username == username))
    user.last_login_at = utcnow()
    db.session.commit()
    security_log.event("sign_in", "ok", user=user)
    return user


@dataclass(frozen=True)
class SignupLimit:
    """At most `max_per_address` sign-ups (teacher or student, accepted or not) from one
    address in `window` seconds: far above a class joining at the start of a lesson."""

    max_per_address: int = 300
    window: int = 3600

    @classmethod
    def from_config(cls, config: Any) -> SignupLimit:
        return cls(config["SIGNUP_MAX_PER_ADDRESS"], config["SIGNUP_WINDOW_SECONDS"])


def count_sign_up(username: str, remote_addr: str, limit: SignupLimit) -> None:
    """Count one sign-up attempt from the address (committed at once, so a refused one
    counts too), or raise TooManyAttempts when the address has used up its limit."""
    remote_addr = (remote_addr or "unknown")[:64]
    count, oldest = _address_count(SIGN_UP, remote_addr, limit.window)
    if count >= limit.max_per_address:
        retry = _seconds_until(oldest + timedelta(seconds=limit.window))
        security_log.event("sign_up", "throttled", username=normalize_username(username)[:64],
                           retry_after=retry)
        raise TooManyAttempts(_("Too many accounts were made from this network just now. Wait "
                                "a while and try again."), retry_after=retry)
    expired = utcnow() - timedelta(seconds=limit.window)
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.kind == SIGN_UP, LoginAttempt.at < expired))
    db.session.add(LoginAttempt(kind=SIGN_UP, username=normalize_username(username)[:64],
                                remote_addr=remote_addr))
    db.session.commit()
