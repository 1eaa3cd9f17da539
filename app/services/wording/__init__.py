"""Plain words for what the database keeps as keys: attribute names and values, agreement
coefficients, and the sentences that lead the agreement and feedback pages."""

from __future__ import annotations

import re


def humanise(key: str) -> str:
    """A key as words: `not_enough_info` -> "Not enough info", `claim.no_source` -> "No
    source" (a dotted key's last part)."""
    words = re.sub(r"[_\s]+", " ", str(key).rsplit(".", 1)[-1]).strip()
    return words[:1].upper() + words[1:] if words else str(key)
