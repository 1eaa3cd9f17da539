"""A document's language: detected from its text when it is made, or set by the teacher.

py3langid (a maintained fork of langid.py: 97 languages, Kazakh, Russian and Arabic among
them, its model shipped in the package, nothing fetched) classifies the first few thousand
characters. A text too short to tell, or a guess without confidence, stays unknown ("")
rather than wrong: the pages then let the browser guess the direction (`dir="auto"`) and say
no language.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

# Enough text to tell closely related languages apart (Kazakh from Russian), little enough
# to cost well under a millisecond per document.
SAMPLE = 600
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.8
RTL = {"ar", "fa", "he", "ur", "ps", "yi", "dv", "ug", "ku", "sd"}


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # The model shipped inside the package (a relative name is read from there).
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Languages with a two-letter code only: the varieties (Moroccan or Egyptian Arabic,
    # Nigerian Pidgin …) would split a language's confidence between its own varieties.
    identifier.set_languages(sorted({c for c in identifier.nb_classes if len(c) == 2}))
    return identifier


def warm() -> None:
    """Load the model now (a second or more), rather than in the first import a server
    process answers."""
    _identifier()


def _has_letters(sample: str, least: int) -> bool:
    """Whether the sample holds at least `least` letters (stops counting there: a text is
    mostly letters, and counting all of them cost as much as a short text's guess)."""
    for ch in sample:
        if ch.isalpha():
            least -= 1
            if not least:
                return True
    return least <= 0


def detect(text: str) -> str:
    """The text's language code (ISO 639-1), or "" when it cannot be told with confidence."""
    sample = text[:SAMPLE]
    if not _has_letters(sample, MIN_LETTERS):
        return ""
    code, confidence = _identifier().classify(sample)
    return str(code) if confidence >= MIN_CONFIDENCE else ""


def known(code: str) -> bool:
    """Whether `code` names a language (as Babel knows them)."""
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True


def direction(code: str) -> str:
    """The HTML `dir` for a document in this language: rtl, ltr, or auto when unknown."""
    if not code:
        return "auto"
    return "rtl" if code.split("-")[0] in RTL else "ltr"


@cache
def choices(display: str) -> list[tuple[str, str]]:
    """The languages a teacher may set, named in the interface's language, by name."""
    codes = sorted(set(_identifier().nb_classes))  # the languages the detector tells
    out = []
    for code in codes:
        try:
            name = Locale.parse(code).get_display_name(display) or code
        except (ValueError, UnknownLocaleError):
            continue
        out.append((code, name[:1].upper() + name[1:]))
    return sorted(out, key=lambda pair: pair[1])


def _on_new_document(target, args, kwargs) -> None:
    """A document made without a language gets the one its text is detected in."""
    if not kwargs.get("language") and kwargs.get("text"):
        kwargs["language"] = detect(kwargs["text"])


def listen() -> None:
    """Detect the language of every document made from now on (once per process)."""
    from sqlalchemy import event

    from app.models import Document

    if not event.contains(Document, "init", _on_new_document):
        event.listen(Document, "init", _on_new_document)
