"""The catalogues keep to their glossary: a span (a marked stretch of text) is «выделение» in
Russian and «белгіленген бөлік» in Kazakh, never «отметка» or a bare «белгі» (a label)."""

from __future__ import annotations

import re

import pytest

from app.i18n import catalogues

SPAN = re.compile(r"\bspans?\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")  # "%(spans)s" names a number, not a span
# Where "span" is no span: a verb, or the name of a field in a file.
NOT_A_SPAN = {"A quoted voice lies inside one passage; this selection spans several.",
              "a quoted voice lies inside one passage; this one spans several",
              "spans must be a list"}
WORDS = {"ru": re.compile(r"выдел", re.IGNORECASE), "kk": re.compile(r"бөлі", re.IGNORECASE)}
# Kazakh says a claim span as the claim someone marked («сіз белгілеген тұжырымдар»).
CLAIM = re.compile(r"тұжырым", re.IGNORECASE)
OLD = re.compile(r"отметк|отмето", re.IGNORECASE)  # Russian's old word for a span


def _span_messages(code: str) -> list[tuple[str, str]]:
    out = []
    for message in catalogues.read(code):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        if not message.id or ids[0] in NOT_A_SPAN or not any(
                SPAN.search(PLACEHOLDER.sub("", i)) for i in ids):
            continue
        strings = [message.string] if isinstance(message.string, str) else message.string
        out += [(ids[0], string) for string in strings]
    return out


@pytest.mark.parametrize("code", ["ru", "kk"])
def test_every_message_about_a_span_uses_the_glossary_word(code):
    messages = _span_messages(code)
    assert len(messages) > 100  # the scan finds them
    wrong = [(msgid, string) for msgid, string in messages
             if OLD.search(string) or not (WORDS[code].search(string) or (
                 code == "kk" and "claim span" in msgid.lower() and CLAIM.search(string)))]
    assert not wrong, wrong


def test_the_kind_of_span_is_named_with_the_glossary_word():
    assert dict(_span_messages("ru"))["Kind of span"] == "Тип выделения"
    assert dict(_span_messages("kk"))["Kind of span"] == "Белгіленген бөлік түрі"
