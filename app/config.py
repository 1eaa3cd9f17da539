"""Settings from the environment, with safe defaults (SQLite under instance/)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs every session cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'sourcemark.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


MIB = 1024 * 1024

# Resource limits, each checked before the work it guards: config key -> (environment
# variable, default). README.md "Limits" says why each default is what it is.
LIMITS: dict[str, tuple[str, int]] = {
    "DOCUMENT_MAX_BYTES": ("SOURCEMARK_DOCUMENT_MAX_BYTES", 2 * MIB),
    "DOCUMENT_FILE_MAX_BYTES": ("SOURCEMARK_DOCUMENT_FILE_MAX_BYTES", 10 * MIB),
    "ZIP_MAX_ENTRIES": ("SOURCEMARK_ZIP_MAX_ENTRIES", 200_000),
    "ZIP_MAX_MEMBER_BYTES": ("SOURCEMARK_ZIP_MAX_MEMBER_BYTES", 128 * MIB),
    "ZIP_MAX_TOTAL_BYTES": ("SOURCEMARK_ZIP_MAX_TOTAL_BYTES", 256 * MIB),
    "ZIP_MAX_RATIO": ("SOURCEMARK_ZIP_MAX_RATIO", 100),
    "JSON_MAX_DEPTH": ("SOURCEMARK_JSON_MAX_DEPTH", 64),
    "MAX_DOCUMENTS_PER_IMPORT": ("SOURCEMARK_MAX_DOCUMENTS_PER_IMPORT", 50_000),
    "MAX_DOCUMENTS_PER_PROJECT": ("SOURCEMARK_MAX_DOCUMENTS_PER_PROJECT", 100_000),
    "MAX_LABELS_PER_LAYER": ("SOURCEMARK_MAX_LABELS_PER_LAYER", 100),
    "MAX_MEMBERS_PER_PROJECT": ("SOURCEMARK_MAX_MEMBERS_PER_PROJECT", 500),
}


def _limits() -> dict[str, int]:
    return {key: int(os.environ.get(env, default)) for key, (env, default) in LIMITS.items()}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


WEAK_KEYS = {"dev", "secret", "change-me", "changeme", "test", "test-secret", "bench"}
MIN_KEY_LENGTH = 32


def check_production(config: dict) -> None:
    """In production the app refuses to start without a real SECRET_KEY from the
    environment: several app servers must share it, and a weak one forges sessions."""
    if not config.get("PRODUCTION"):
        return
    key = str(config.get("SECRET_KEY") or "")
    if not key:
        raise RuntimeError("SOURCEMARK_ENV=production needs SECRET_KEY in the environment "
                           "(the same on every app server), for example: export SECRET_KEY="
                           "$(python3 -c 'import secrets; print(secrets.token_hex(32))')")
    if len(key) < MIN_KEY_LENGTH or key.lower() in WEAK_KEYS:
        raise RuntimeError(f"SECRET_KEY is too weak for production: use at least "
                           f"{MIN_KEY_LENGTH} random characters.")


def build_config(instance_path: Path) -> dict:
    """Collect the app's settings; every one can be overridden by create_app(config)."""
    max_upload_mb = float(os.environ.get("SOURCEMARK_MAX_UPLOAD_MB", "20"))
    production = os.environ.get("SOURCEMARK_ENV", "").lower() == "production"
    secure_default = "1" if production else "0"
    return {
        "PRODUCTION": production,
        # Behind a reverse proxy: trust this many proxies' X-Forwarded-For/-Proto headers.
        "PROXIES": int(os.environ.get("SOURCEMARK_PROXIES", "0")),
        "SECRET_KEY": os.environ.get("SECRET_KEY") if production else _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {},  # create_app adds pool_pre_ping for servers
        # Size caps (one document's text in bytes of UTF-8, zip archives, JSON nesting)
        # and counts (documents, labels, members): see LIMITS.
        **_limits(),
        # A larger import is written this many documents per transaction, hidden until it
        # is complete, so it never holds the database's writer for long.
        "IMPORT_PART_DOCUMENTS": int(os.environ.get("SOURCEMARK_IMPORT_PART_DOCUMENTS", "100")),
        # … or at most this many characters of text per transaction.
        "IMPORT_PART_CHARACTERS": int(os.environ.get("SOURCEMARK_IMPORT_PART_CHARACTERS",
                                                     str(1 << 20))),
        # An import that has not moved for this long was abandoned (a crash): the next
        # import deletes what it had stored.
        "IMPORT_STALE_MINUTES": int(os.environ.get("SOURCEMARK_IMPORT_STALE_MINUTES", "30")),
        # Whole request cap for uploads (several files at once).
        "MAX_CONTENT_LENGTH": int(max_upload_mb * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SOURCEMARK_SECURE_COOKIES",
                                                secure_default) == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SOURCEMARK_SECURE_COOKIES",
                                                 secure_default) == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Sign-in limits (app.services.signin): per account, this many failures are free,
        # then each further one waits a delay that doubles from the base up to the cap;
        # failures are forgotten after a day or at a correct sign-in. Per client address
        # (a whole school may share one), only far more failures than a class makes.
        "LOGIN_FREE_FAILURES": _int("SOURCEMARK_LOGIN_FREE_FAILURES", 5),
        "LOGIN_BASE_DELAY_SECONDS": _int("SOURCEMARK_LOGIN_BASE_DELAY_SECONDS", 2),
        "LOGIN_MAX_DELAY_SECONDS": _int("SOURCEMARK_LOGIN_MAX_DELAY_SECONDS", 900),
        "LOGIN_FORGET_SECONDS": _int("SOURCEMARK_LOGIN_FORGET_SECONDS", 86400),
        "LOGIN_ADDRESS_MAX_FAILURES": _int("SOURCEMARK_LOGIN_ADDRESS_MAX_FAILURES", 500),
        # A source's rates (rhetoric and claims per 1,000 words) need this much text.
        "SOURCES_MIN_WORDS": _int("SOURCEMARK_SOURCES_MIN_WORDS", 100),
        "LOGIN_WINDOW_SECONDS": _int("SOURCEMARK_LOGIN_WINDOW_SECONDS", 900),
        # Sign-ups (teachers and students joining) per client address in the window.
        "SIGNUP_MAX_PER_ADDRESS": _int("SOURCEMARK_SIGNUP_MAX_PER_ADDRESS", 300),
        "SIGNUP_WINDOW_SECONDS": _int("SOURCEMARK_SIGNUP_WINDOW_SECONDS", 3600),
        "DEMO_ANNOTATIONS": os.environ.get(
            "SOURCEMARK_DEMO_ANNOTATIONS",
            str(Path(__file__).resolve().parent.parent / "annotations" / "demo.jsonl")),
        "DEMO_BOARD": os.environ.get(
            "SOURCEMARK_DEMO_BOARD",
            str(Path(__file__).resolve().parent.parent / "annotations" / "board.yaml")),
        "SEEDS_DIR": os.environ.get(
            "SOURCEMARK_SEEDS_DIR", str(Path(__file__).resolve().parent.parent / "seeds")
        ),
    }
