"""Usernames made from people's names in any script.

Names are transliterated to ASCII with anyascii (ISC licence; one table per Unicode block,
covering Cyrillic with the Kazakh letters, Greek, Arabic, Hebrew, Georgian, Armenian, CJK
and more): "Айгерим Жұмабаева" reads "Aygerim Zhumabaeva", "Γιώργος" reads "Giorgos". The
username is the first name and the initial of the last: "aygerim.z".
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Room for a number after the name ("aygerim.z12") within the 32 characters a username has.
_STEM = 28


def transliterate(name: str) -> str:
    """The name in ASCII letters and digits, lower case, words kept apart by spaces.
    Only letters and digits are read (anyascii would spell an emoji out: ":smile:")."""
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " "
                   for c in unicodedata.normalize("NFC", name or ""))
    return " ".join(re.findall(r"[a-z0-9]+", anyascii(kept).lower()))


def from_name(name: str, fallback: str = "student") -> str:
    """A username stem for a person's name: "first.l" (or `fallback` for a name with no
    letter or digit in any script)."""
    parts = transliterate(name).split()
    if not parts:
        return fallback
    stem = parts[0] if len(parts) == 1 else f"{parts[0]}.{parts[-1][:1]}"
    return stem[:_STEM]
