"""Label shortcut keys: what a teacher may choose, and which physical key each one is.

A shortcut is one letter of any script (one grapheme whose first character is a Unicode
letter) or one digit, stored lower-cased. The annotation page matches a key press by the
letter it types (`KeyboardEvent.key`) and by the physical key pressed (`KeyboardEvent.code`),
so that the N key tags "n" whatever layout is active. For that, a Latin letter or a digit
is the key a US layout has it on, and a Cyrillic letter the key the Russian and Kazakh
layouts put it on (ЙЦУКЕН, with the Kazakh letters on the digit row): "т" is KeyN, "і" is
Digit3. Other scripts' letters have no fixed key here and match by the letter typed only.

Two shortcuts on one physical key would be the same key press on one of these layouts, so a
layer refuses the second ("т" where "n" is taken). Keys the page itself uses in a passage
(the word caret's [ and ], the find key /) cannot be a label's either.
"""

from __future__ import annotations

import unicodedata

import regex

# The Cyrillic letters of the Russian and Kazakh layouts, by the physical key (the `code`
# of a KeyboardEvent) that types them.
CYRILLIC = {
    "й": "KeyQ", "ц": "KeyW", "у": "KeyE", "к": "KeyR", "е": "KeyT", "н": "KeyY",
    "г": "KeyU", "ш": "KeyI", "щ": "KeyO", "з": "KeyP", "х": "BracketLeft",
    "ъ": "BracketRight", "ф": "KeyA", "ы": "KeyS", "в": "KeyD", "а": "KeyF", "п": "KeyG",
    "р": "KeyH", "о": "KeyJ", "л": "KeyK", "д": "KeyL", "ж": "Semicolon", "э": "Quote",
    "я": "KeyZ", "ч": "KeyX", "с": "KeyC", "м": "KeyV", "и": "KeyB", "т": "KeyN",
    "ь": "KeyM", "б": "Comma", "ю": "Period", "ё": "Backquote",
    # Kazakh: its own letters take the digit row (Shift gives the digits' punctuation).
    "ә": "Digit2", "і": "Digit3", "ң": "Digit4", "ғ": "Digit5", "ү": "Digit8", "ұ": "Digit9",
    "қ": "Digit0", "ө": "Minus", "һ": "Equal",
}
# Keys the annotation page uses in a focused passage: a label there would never fire.
RESERVED = {"BracketLeft": "[", "BracketRight": "]", "Slash": "/"}
MAX_LENGTH = 8  # the column's width, in characters


def clean(value: str) -> str | None:
    """The shortcut as stored (NFC, lower-cased), or None when it is not one letter or digit."""
    text = unicodedata.normalize("NFC", value.strip())
    if not text or len(text) > MAX_LENGTH or not regex.fullmatch(r"\X", text):
        return None
    first = unicodedata.category(text[0])
    if first.startswith("L"):
        # str.lower, not casefold: casefold turns one key's letter into two ("ß" -> "ss").
        lowered = unicodedata.normalize("NFC", text.lower())
        return lowered if regex.fullmatch(r"\X", lowered) else text
    if first == "Nd" and len(text) == 1:
        return text
    return None


def physical_key(shortcut: str) -> str | None:
    """The `KeyboardEvent.code` of the key that types the shortcut, or None if not known."""
    if len(shortcut) == 1 and "a" <= shortcut <= "z":
        return f"Key{shortcut.upper()}"
    if len(shortcut) == 1 and "0" <= shortcut <= "9":
        return f"Digit{shortcut}"
    return CYRILLIC.get(shortcut)


def same_key(one: str, other: str) -> bool:
    """Whether two shortcuts are the same key press (the same letter, or the same key)."""
    if one == other:
        return True
    code = physical_key(one)
    return code is not None and code == physical_key(other)


def reserved(shortcut: str) -> str | None:
    """The page's own key on the shortcut's physical key ("[" for "х"), or None."""
    return RESERVED.get(physical_key(shortcut) or "")
