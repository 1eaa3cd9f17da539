"""The security log: one JSON object a line, one event each, through `sourcemark.security`.

Each line names the event, its time (UTC, ISO 8601), who (user id and username), from where
(the client address), the project and object concerned, and the outcome. It goes wherever
the app's log goes: stderr, which gunicorn writes to its error log under `make serve`.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("sourcemark.security")


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (as logging's last resort)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_app(app: Any) -> None:
    """Send the security log to stderr once per process, one bare JSON line per record."""
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _who() -> tuple[int | None, str | None, str | None]:
    """The signed-in user and client address of the current request, if there is one."""
    from flask import has_request_context, request
    from flask_login import current_user

    if not has_request_context():
        return None, None, None
    user_id = username = None
    try:
        if current_user.is_authenticated:
            user_id, username = current_user.id, current_user.username
    except Exception:  # noqa: BLE001 (logging must never break the request it describes)
        pass
    return user_id, username, request.remote_addr


def event(name: str, outcome: str = "ok", *, user: Any = None, username: str | None = None,
          project_id: int | None = None, object: str | None = None,  # noqa: A002
          **details: Any) -> None:
    """Write one security event; `user` (or `username`) defaults to the request's user."""
    user_id, who, remote_addr = _who()
    if user is not None:
        user_id, who = user.id, user.username
    elif username is not None:
        user_id, who = None, username
    record = {"event": name, "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
              "user_id": user_id, "username": who, "remote_addr": remote_addr,
              "project_id": project_id, "object": object, "outcome": outcome}
    record.update({key: value for key, value in details.items() if value is not None})
    logger.info(json.dumps(record, ensure_ascii=False, default=str, sort_keys=False))
