"""The values claims assert, as people write them: numbers and ranges ("14-15", "16 + 1",
"at least 17"), dates and text; how the board shows them and which cannot both be true."""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _

from app.models import ClaimLink
from app.services.errors import Invalid

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def parse_number(raw: str) -> tuple[float | None, float | None]:
    """A number or range as people write them: "13", "14-15", "14 or 15", "16 + 1",
    "at least 17", ">= 17", "up to 64", "17 to 70". Returns (low, high); None is open."""
    text = " ".join(raw.strip().lower().replace("–", "-").replace("—", "-").split())
    patterns = [
        (rf"^{_NUMBER}$", lambda a: (_num(a), _num(a))),
        (rf"^{_NUMBER} ?(?:-|to|or) ?{_NUMBER}$", lambda a, b: (_num(a), _num(b))),
        (rf"^{_NUMBER} ?\+ ?{_NUMBER}$", lambda a, b: (_num(a) + _num(b),) * 2),
        (rf"^(?:at least|>=|≥|more than|over|>) ?{_NUMBER}$", lambda a: (_num(a), None)),
        (rf"^(?:up to|at most|<=|≤|fewer than|under|<) ?{_NUMBER}$", lambda a: (None, _num(a))),
    ]
    for pattern, build in patterns:
        match = re.match(pattern, text)
        if match:
            low, high = build(*match.groups())
            if low is not None and high is not None and low > high:
                low, high = high, low
            return low, high
    raise Invalid(_("'%(raw)s' is not a number or range the board reads: write 13, 14-15, 16 + 1, "
                    "at least 17 or up to 64.", raw=raw), {"value": "number or range"})


def clean_value(kind: str, value: Any, stated: Any) -> dict[str, Any]:
    """The stored form of a claim's value for a question of this kind."""
    value = value.strip() if isinstance(value, str) else ""
    stated = " ".join(stated.split())[:200] if isinstance(stated, str) else ""
    out = {"value_text": stated or value, "value_low": None, "value_high": None,
           "value_date": ""}
    if not value:
        raise Invalid(_("Say what value the claim asserts."), {"value": "required"})
    if kind == "number":
        out["value_low"], out["value_high"] = parse_number(value)
    elif kind == "date":
        if not _DATE.match(value):
            raise Invalid(_("A date is written YYYY-MM-DD (or YYYY-MM)."), {"value": "date"})
        out["value_date"] = value
    elif len(value) > 200:
        raise Invalid(_("The value is at most 200 characters."), {"value": "too long"})
    else:
        out["value_text"] = stated or value
    return out


def value_label(link: ClaimLink, kind: str) -> str:
    if kind == "date":
        return link.value_date
    if kind == "text":
        return link.value_text
    low, high = link.value_low, link.value_high

    def show(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    if low is not None and high is not None:
        return show(low) if low == high else f"{show(low)}–{show(high)}"
    if low is not None:
        return f"at least {show(low)}"
    if high is not None:
        return f"up to {show(high)}"
    return ""


def contradicts(a: ClaimLink, b: ClaimLink, kind: str) -> bool:
    """Can both claims not be true at once?"""
    if kind == "number":
        a_low, a_high = (a.value_low if a.value_low is not None else -math.inf,
                         a.value_high if a.value_high is not None else math.inf)
        b_low, b_high = (b.value_low if b.value_low is not None else -math.inf,
                         b.value_high if b.value_high is not None else math.inf)
        return a_high < b_low or b_high < a_low
    if kind == "date":
        shorter = min(len(a.value_date), len(b.value_date))
        return a.value_date[:shorter] != b.value_date[:shorter]
    return a.value_text.casefold().strip() != b.value_text.casefold().strip()
