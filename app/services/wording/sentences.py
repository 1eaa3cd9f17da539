"""The sentences that lead the agreement and feedback pages: what the figures say, in words
a 15-year-old reads at a glance; the figures themselves stay one click further."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from app.services.wording.coefficients import reading_name

CODERS_NEEDED = 2  # agreement is about two or more people on the same text


def feedback_sentences(totals: dict[str, Any], name: str | None = None) -> list[str]:
    """A student's totals against the key in words ("You and the key agreed on 27 of 31
    passages. You found 5 of the key's 7 rhetoric spans …"); `name` for a teacher reading
    a student's page. Empty when no submitted document with a key counts yet."""
    if not totals.get("documents"):
        return []
    out = []
    if totals["compared"]:
        out.append(ngettext(
            "You and the key agreed on %(agreed)s of %(num)d passage.",
            "You and the key agreed on %(agreed)s of %(num)d passages.",
            totals["compared"], agreed=totals["agreed"]) if name is None else ngettext(
            "%(name)s and the key agreed on %(agreed)s of %(num)d passage.",
            "%(name)s and the key agreed on %(agreed)s of %(num)d passages.",
            totals["compared"], agreed=totals["agreed"], name=name))
    for layer in ("rhetoric", "claim"):
        counts = totals["layers"].get(layer)
        if not counts:
            continue
        found, key, mine = counts["true_positives"], counts["key_count"], counts["mine_count"]
        if key:
            out.append(_found(layer, found, key, name))
        extra = mine - found
        if extra > 0:
            out.append(_extra(layer, extra, name))
    return out


def _found(layer: str, found: int, key: int, name: str | None) -> str:
    if layer == "rhetoric":
        if name is None:
            return ngettext("You found %(found)s of the key's %(num)d rhetoric span.",
                            "You found %(found)s of the key's %(num)d rhetoric spans.",
                            key, found=found)
        return ngettext("%(name)s found %(found)s of the key's %(num)d rhetoric span.",
                        "%(name)s found %(found)s of the key's %(num)d rhetoric spans.",
                        key, found=found, name=name)
    if name is None:
        return ngettext("You found %(found)s of the key's %(num)d unsupported claim.",
                        "You found %(found)s of the key's %(num)d unsupported claims.",
                        key, found=found)
    return ngettext("%(name)s found %(found)s of the key's %(num)d unsupported claim.",
                    "%(name)s found %(found)s of the key's %(num)d unsupported claims.",
                    key, found=found, name=name)


def _extra(layer: str, extra: int, name: str | None) -> str:
    if name is None:
        if layer == "rhetoric":
            return ngettext("%(num)d of your rhetoric spans is not in the key.",
                            "%(num)d of your rhetoric spans are not in the key.", extra)
        return ngettext("%(num)d of your unsupported claims is not in the key.",
                        "%(num)d of your unsupported claims are not in the key.", extra)
    if layer == "rhetoric":
        return ngettext("%(num)d of %(name)s's rhetoric spans is not in the key.",
                        "%(num)d of %(name)s's rhetoric spans are not in the key.",
                        extra, name=name)
    return ngettext("%(num)d of %(name)s's unsupported claims is not in the key.",
                    "%(num)d of %(name)s's unsupported claims are not in the key.",
                    extra, name=name)


def feedback_waiting(submitted: int, assigned: int, name: str | None = None) -> str:
    """What the feedback page will show, and when, while nothing counts yet; `name` for a
    teacher reading a student's page."""
    if name is not None:
        return ngettext(
            "Feedback appears here once %(name)s has submitted a document that has a key: "
            "%(submitted)s of %(num)d document submitted so far.",
            "Feedback appears here once %(name)s has submitted a document that has a key: "
            "%(submitted)s of %(num)d documents submitted so far.",
            assigned, submitted=submitted, name=name)
    return ngettext(
        "Your feedback appears here once you have submitted a document that has a key (your "
        "teacher's answers) and the key is open to you: %(submitted)s of %(num)d document "
        "submitted so far.",
        "Your feedback appears here once you have submitted a document that has a key (your "
        "teacher's answers) and the key is open to you: %(submitted)s of %(num)d documents "
        "submitted so far.", assigned, submitted=submitted)


def agreement_waiting(report: dict[str, Any]) -> str | None:
    """While no document has two annotators, what the agreement page will show and when;
    None once there is something to show."""
    most = report.get("most_coders_on_a_document", 0)
    if most >= CODERS_NEEDED:
        return None
    return _("Agreement appears once two people have annotated the same document: "
             "%(most)s of %(needed)s so far.", most=most, needed=CODERS_NEEDED)


def _figure(layer: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((f for f in layer.get("coefficients", []) if f["name"] == name), None)


def agreement_sentences(report: dict[str, Any]) -> list[str]:
    """The class's agreement in words: how often two people chose the same source type for
    a passage, and how far they agree on rhetoric and unsupported claims."""
    layers = report["layers"]
    out = []
    passages = layers["source_passages"]
    share = _figure(passages, "percent_agreement")
    alpha = _figure(passages, "alpha_nominal")
    if share and share["value"] is not None:
        said = _("When two people tagged the same passage, they chose the same source type "
                 "%(percent)s%% of the time.", percent=round(100 * share["value"]))
        if alpha and alpha.get("reading"):
            said += " " + _("Allowing for chance, that agreement is %(reading)s.",
                            reading=reading_name(alpha["reading"]))
        out.append(said)
    for key, sentence in (
            ("rhetoric", _("On rhetoric, agreement on which words to mark is %(reading)s.")),
            ("claim", _("On unsupported claims, agreement on which words to mark is "
                        "%(reading)s."))):
        u_alpha = _figure(layers[key], "u_alpha")
        if u_alpha and u_alpha.get("reading"):
            said = sentence % {"reading": reading_name(u_alpha["reading"])}
            if u_alpha.get("ci"):
                # The interval in words, as the chart's whisker draws it.
                low, high = u_alpha["ci"]
                said += " " + _("It is %(value)s now; on other texts like these it would most "
                                "likely come out between %(low)s and %(high)s.",
                                value=_number(u_alpha["value"]), low=_number(low),
                                high=_number(high))
            out.append(said)
    return out


def _number(value: float) -> str:
    """A coefficient as the charts show it (two decimals), in the reader's language."""
    return format_decimal(round(value, 2), "0.00")
