"""Errors raised by services; the web, API and CLI layers turn them into responses."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.texts import Problem


class ServiceError(Exception):
    """Base class: `code` is a stable machine-readable word, the message is for people."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(ServiceError):
    code = "invalid"
    status = 400


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    """A write named a version that is no longer current; `current` is the stored state
    (None when the thing was deleted meanwhile)."""

    code = "stale_version"

    def __init__(self, message: str, current: dict | None):
        super().__init__(message)
        self.current = current


class ConfirmationNeeded(Conflict):
    """The action would take other people's work with it: say how much (`counts`), and
    ask again with confirmation."""

    code = "confirmation_needed"

    def __init__(self, message: str, counts: dict[str, int]):
        super().__init__(message, {"confirm": "required"})
        self.counts = counts


class TooManyAttempts(ServiceError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ImportFailed(Invalid):
    """An import batch was refused as a whole; every problem found is listed."""

    code = "import_failed"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        summary = "; ".join(str(p) for p in self.problems[:5])
        more = " " + _("(and %(num)d more)", num=count - 5) if count > 5 else ""
        super().__init__(ngettext("Nothing was imported: %(num)d problem found.",
                                  "Nothing was imported: %(num)d problems found.", count)
                         + f" {summary}{more}")
