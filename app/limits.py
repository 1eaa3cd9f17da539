"""The configured resource limits, and how an error names one (its value and setting)."""

from __future__ import annotations

from flask import current_app, has_app_context

from app.config import LIMITS


def setting(key: str) -> int:
    """The limit `key` of the running app (its default outside one)."""
    if has_app_context():
        value = current_app.config.get(key)
        if value is not None:
            return int(value)
    return LIMITS[key][1]


def env(key: str) -> str:
    """The environment variable that sets the limit `key`."""
    return LIMITS[key][0]
