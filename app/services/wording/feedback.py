"""A student's feedback on one document in a few sentences, in the reader's language: how
their source types, spans and ratings compare with the gold key's."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, ngettext

from app.services.wording import humanise
from app.services.wording.attributes import VALUES

UNTAGGED = "untagged"  # the confusion column of passages the student left without a tag


def _words(value: Any) -> str:
    """A stored key or value for a sentence, in the reader's language where the app knows
    it: "not_enough_info" reads "Not enough info"; a number stays a number."""
    if isinstance(value, (int, float)):
        return str(value)
    return str(VALUES[value]) if value in VALUES else humanise(str(value))


def _passage_sentence(passages: dict[str, Any]) -> str | None:
    """How the student's source types compare with the key's, in one sentence."""
    compared, agreed = passages["compared"], passages["agreed"]
    if not compared:
        return None
    if not passages["tagged"]:
        return ngettext("You tagged none of the %(num)d passage the key tags.",
                        "You tagged none of the %(num)d passages the key tags.", compared)
    if agreed == compared:
        return gettext("You agreed with the key on the one passage.") if compared == 1 else \
            ngettext("You agreed with the key on all %(num)d passages.",
                     "You agreed with the key on all %(num)d passages.", compared)
    top = passages["most_confused"]
    key, mine, times = top["key_name"], top["mine_name"], top["count"]
    if top["mine"] == UNTAGGED:
        how = gettext("most often you left “%(key)s” passages untagged", key=key)
    else:
        how = gettext("most often you tagged “%(key)s” as “%(mine)s”", key=key, mine=mine)
    if times > 1:
        how = ngettext("%(how)s (%(num)d time)", "%(how)s (%(num)d times)", times, how=how)
    return ngettext("You agreed with the key on %(agreed)d of %(num)d passage; %(how)s.",
                    "You agreed with the key on %(agreed)d of %(num)d passages; %(how)s.",
                    compared, agreed=agreed, how=how)


def _layer_sentence(layer: dict[str, Any]) -> str:
    """How the student's spans of one layer compare with the key's."""
    title, found, total = layer["title"], len(layer["matched"]), layer["key_count"]
    if not total and not layer["mine_count"]:
        return gettext("%(layer)s: neither you nor the key marked anything.", layer=title)
    if not total:
        return ngettext("%(layer)s: the key marks nothing here; you marked %(num)d span.",
                        "%(layer)s: the key marks nothing here; you marked %(num)d spans.",
                        layer["mine_count"], layer=title)
    parts = [gettext("%(found)d of %(total)d found", found=found, total=total)]
    if layer["label_differs"]:
        parts.append(ngettext("%(num)d with another label", "%(num)d with another label",
                              len(layer["label_differs"])))
    if layer["extra"]:
        parts.append(ngettext("%(num)d extra", "%(num)d extra", len(layer["extra"])))
    return gettext("%(layer)s: %(parts)s.", layer=title, parts=gettext(", ").join(parts))


def _ratings_sentence(ratings: dict[str, Any]) -> str | None:
    """How the student's ratings compare with the key's."""
    scored = [r for r in ratings["rows"] if r["scored"] and r["mine"] is not None
              and r["key"] is not None]
    if ratings["key_rated"] and not ratings["rated"]:
        return gettext("You did not rate the document.")
    if not scored:
        return None
    off = [r for r in scored if r["mine"] != r["key"]]
    if not off:
        return gettext("Your ratings match the key's.")
    return gettext("Ratings: %(list)s.", list=gettext("; ").join(
        gettext("%(field)s: %(mine)s (key: %(key)s)", field=r.get("name") or _words(r["field"]),
                mine=_words(r["mine"]), key=_words(r["key"])) for r in off))


def summary(passages: dict[str, Any], layers: dict[str, dict[str, Any]],
             ratings: dict[str, Any]) -> str:
    """The feedback of a document in a few sentences, in the reader's language."""
    out = [_passage_sentence(passages), *(_layer_sentence(layer) for layer in layers.values()),
           _ratings_sentence(ratings)]
    return " ".join(sentence for sentence in out if sentence)
