"""The one error type of the agreement engine."""

from __future__ import annotations


class Undefined(ValueError):
    """A coefficient that is undefined for the data given, with the reason in words.

    Raised instead of returning a made-up value (1.0, 0.0) or a bare NaN: for example when only
    one category is in use, when no item has two ratings to pair, or when the study is empty.
    It is a `ValueError`, so callers that already catch bad input catch this too.
    """
