"""Accounts: creating users, choosing passwords, login sessions, site settings.

Signing in and its rate limits are in `signin`; which passwords are refused, `passwords`."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from app import security_log
from app.extensions import adopt, db, run_prepared
from app.models import ROLES, LoginSession, Setting, User, utcnow
from app.services import passwords
from app.services.errors import Conflict, Invalid

MAX_USERNAME = 32
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# Exports name the gold key "gold" where a format only knows annotators.
RESERVED_USERNAMES = frozenset({"gold"})
# Words that read unambiguously when printed on a login slip (no 0/O or 1/l/I).
_SLIP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

SETTINGS_DEFAULTS = {"teacher_signup": "on"}
# A production server opens teacher sign-up only when an admin says so (or by invitation).
PRODUCTION_DEFAULTS = {"teacher_signup": "off"}


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def username_for(name: str) -> str:
    """A valid username (without the import's suffix) for a person named in another tool's
    file: an e-mail address's local part, "First Last" as "first.last", accents dropped,
    "annotator" when nothing usable is left (a name in another script)."""
    import unicodedata

    text = name.strip().split("@", 1)[0] if "@" in name else name.strip()
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9._-]+", ".", text)
    text = re.sub(r"[._-]*([._-])[._-]*", r"\1", text).strip("._-")
    text = text[:MAX_USERNAME - 5].strip("._-")
    if len(text) < 2 or text in RESERVED_USERNAMES or not USERNAME.match(text):
        return "annotator"
    return text


def check_username(username: str) -> str:
    """Return the normalised username or raise Invalid with the rule it breaks."""
    username = normalize_username(username)
    if username in RESERVED_USERNAMES:
        raise Invalid(_("The username '%(username)s' is reserved; choose another.",
                        username=username),
                      {"username": "reserved"})
    if not USERNAME.match(username):
        raise Invalid(
            _("Choose a username of 2 to 32 characters: letters, digits, '.', '_' or '-', "
              "starting with a letter or digit."),
            {"username": "2–32 letters, digits, '.', '_' or '-'"},
        )
    return username


def check_password(password: str, username: str = "") -> str:
    """Return the password, or raise Invalid: too short, too long or too common."""
    return passwords.check_password(password, username)


def username_taken(username: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.username == username)) is not None


def new_user(username: str, password: str, role: str = "student",
             display_name: str = "") -> User:
    """Make a checked user and add it to the session (not committed)."""
    if role not in ROLES:
        raise Invalid(_("Unknown role '%(role)s'; use one of %(value)s.",
                        role=role, value=', '.join(ROLES)), {"role": "unknown"})
    username = check_username(username)
    check_password(password, username)
    if username_taken(username):
        raise Conflict(_("The username '%(username)s' is taken.",
                         username=username), {"username": "taken"})
    user = User(username=username, role=role, display_name=display_name.strip()[:120])
    user.set_password(password)
    db.session.add(user)
    return user


def create_user(username: str, password: str, role: str = "student",
                display_name: str = "") -> User:
    """Create and commit one user."""
    user = new_user(username, password, role, display_name)
    db.session.commit()
    return user


def change_password(user: User, password: str) -> None:
    """Set a user's password (checked like a chosen one) and sign them out everywhere."""
    check_password(password, user.username)
    user.set_password(password)
    user.must_change_password = False
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    security_log.event("password_changed", object=f"user:{user.id}",
                       target=user.username)


def random_suffix(length: int) -> str:
    """Random characters that read unambiguously (for usernames made by the app)."""
    return "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(length))


def generate_password(words: int = 3) -> str:
    """A password that is easy to type from a printed slip: 3 groups of 4 characters."""
    while True:
        password = "-".join(random_suffix(4) for _ in range(words))
        if not passwords.is_guessable(password):  # never, in practice; but never is checked
            return password


def get_setting(key: str) -> str:
    value = db.session.scalar(sa.select(Setting.value).where(Setting.key == key))
    if value is not None:
        return value
    if has_app_context() and current_app.config.get("PRODUCTION") \
            and key in PRODUCTION_DEFAULTS:
        return PRODUCTION_DEFAULTS[key]
    return SETTINGS_DEFAULTS[key]


def set_setting(key: str, value: str) -> None:
    if key not in SETTINGS_DEFAULTS:
        raise Invalid(_("Unknown setting '%(key)s'; known: %(value)s.",
                        key=key, value=', '.join(SETTINGS_DEFAULTS)))
    if key == "teacher_signup" and value not in {"on", "off"}:
        raise Invalid(_("teacher_signup is 'on' or 'off'."))
    setting = db.session.get(Setting, key) or Setting(key=key)
    setting.value = value
    db.session.add(setting)
    db.session.commit()
    security_log.event("setting_changed", object=f"setting:{key}", value=value)


def teacher_signup_open() -> bool:
    return get_setting("teacher_signup") == "on"


# --- login sessions: one row per signed-in browser -------------------------------------------

# A browser unused this long is signed out.
SESSION_IDLE = timedelta(days=14)
# How often a session's last use is written down (not on every request).
_SEEN_EVERY = timedelta(minutes=10)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, user_agent: str = "") -> str:
    """Start a new login session for the user; returns the token the cookie carries.
    Every sign-in gets a new one, so an id planted before it is worth nothing."""
    now = utcnow()
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.last_seen_at < now - SESSION_IDLE))
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id,
                                user_agent=(user_agent or "")[:200], created_at=now,
                                last_seen_at=now))
    db.session.commit()
    return token


# Every signed-in request starts here, so the statements are built once (bound parameters).
_SESSION_USER = (
    sa.select(User.__table__, LoginSession.id.label("login_id"),
              LoginSession.last_seen_at.label("login_last_seen_at"))
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == sa.bindparam("hash"), User.id == sa.bindparam("user"))
)
_SEEN = sa.update(LoginSession.__table__).where(
    LoginSession.__table__.c.id == sa.bindparam("login"))


def session_user(user_id: int, token: str) -> User | None:
    """The user of a live login session, or None (signed out, expired, or never was)."""
    row = run_prepared(_SESSION_USER, {"hash": _token_hash(token), "user": user_id}).first()
    if row is None:
        return None
    now = utcnow()
    if row.login_last_seen_at < now - SESSION_IDLE:
        return None
    if row.login_last_seen_at < now - _SEEN_EVERY:
        run_prepared(_SEEN, {"login": row.login_id, "last_seen_at": now})
        db.session.commit()
    return adopt(User, row)


def close_session(token: str) -> None:
    """End one login session (signing out): its cookie no longer signs anyone in."""
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.token_hash == _token_hash(token)))
    db.session.commit()


def sessions_of(user: User) -> list[LoginSession]:
    return list(db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == user.id).order_by(LoginSession.last_seen_at.desc())))


def sign_out_everywhere(user: User, keep_token: str | None = None) -> int:
    """End every login session of the user (but the one named by `keep_token`)."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    ended = db.session.execute(query).rowcount
    db.session.commit()
    return ended


def set_locale(user: User, code: str) -> None:
    """Remember the interface language the user chose ("" to follow the browser)."""
    user.locale = code
    db.session.commit()


def set_time_zone(user: User, zone: str) -> None:
    """The zone the user reads times in; "" follows their browser."""
    from app import zones

    user.time_zone = zones.check_zone(zone) if zone else ""
    db.session.commit()
