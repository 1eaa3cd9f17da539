"""JSON parsing that refuses input nested too deep before the parser recurses into it.

Python's decoder recurses once per array or object level and fails with RecursionError
(a 500) at about a thousand levels; a body of `[[[[…` is enough. Every JSON parse of the
app goes through `loads`: request bodies (via `JSONProvider`), JSONL lines and files of
imports. The pre-scan is linear and runs in C: all but quotes and brackets is deleted,
strings are cut out at their quotes, and the brackets left over are summed; a text with
fewer brackets than the limit is not scanned at all, so small bodies (a span, a rating)
cost nothing.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

from app import limits

# Every byte but quotes and brackets, deleted in one C pass before the depth is summed.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# A string (to its closing quote, or to the end when it has none: matching never fails,
# so the scan stays linear) or a bracket; only used to locate a refusal.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


class TooDeep(json.JSONDecodeError):
    """JSON nested deeper than the limit; a JSONDecodeError, so that every caller that
    reports invalid JSON (with its file, line and column) reports this too."""

    def __init__(self, doc: str, pos: int, depth: int):
        super().__init__(f"nested deeper than the limit of {depth} levels "
                         f"({limits.env('JSON_MAX_DEPTH')})", doc, pos)
        self.depth = depth


def max_depth(text: str | bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings aside)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"\\" in data:
        # Escaped backslashes, then escaped quotes, go: a quote left over opens or closes
        # a string. (Outside strings a backslash is invalid JSON anyway.)
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    pieces = data.translate(None, _NOT_STRUCTURE).split(b'"')
    brackets = b"".join(pieces[::2])  # the odd pieces lie inside strings
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=0))


def _position(text: str, limit: int) -> int:
    """Where the first bracket beyond `limit` levels opens (only on the refusing path)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif char in "]}":
            depth -= 1
    return 0


def check_depth(text: str | bytes, limit: int | None = None) -> None:
    """Raise TooDeep when the JSON text nests deeper than `limit` (the configured one)."""
    limit = limits.setting("JSON_MAX_DEPTH") if limit is None else limit
    if isinstance(text, bytes | bytearray):
        if text.count(b"[") + text.count(b"{") <= limit or max_depth(text) <= limit:
            return
        text = bytes(text).decode("utf-8", "replace")
    elif text.count("[") + text.count("{") <= limit or max_depth(text) <= limit:
        return
    raise TooDeep(text, _position(text, limit), limit)


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """`json.loads`, refusing (TooDeep) a text nested deeper than the configured limit."""
    check_depth(text)
    return json.loads(text, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: `request.get_json` anywhere refuses too deep a body with a 400."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        from app.services.errors import Invalid

        try:
            check_depth(s)
        except TooDeep as error:
            # Not a ValueError: get_json(silent=True) must not hide it as "no body".
            raise Invalid(_("The JSON body is %(msg)s, at column %(colno)s.",
                            msg=error.msg, colno=error.colno),
                          {"body": "too deeply nested"}) from None
        return super().loads(s, **kwargs)
