"""The one error type of the agreement engine, and the reasons it gives."""

from __future__ import annotations

from typing import Any

# Every reason the engine (and the report built on it) gives for an undefined coefficient:
# a stable code, and its English wording with the parameters it names. Pages, the API and the
# CLI translate by code, so a new reason needs an entry here and a catalogue message.
REASONS: dict[str, str] = {
    "empty_study": "the study is empty ({coders} coders, {items} items): there is nothing to "
                   "compare",
    "no_pairable_values": "no item has values from at least two coders, so there are no "
                          "pairable values to compare",
    "no_variation": "the pairable values all take a single value, so there is no variation "
                    "and expected disagreement is 0: alpha is 0/0",
    "no_rater_pairs": "no item has at least two ratings, so there are no rater pairs to "
                      "compare",
    "no_shared_items": "no item was rated by both coders, so {name} has nothing to compare",
    "single_category": "a single category is in use, so chance agreement is 1 and {name} is 0/0",
    "single_category_kappa": "both coders used a single, identical category on the items they "
                             "share, so chance agreement is 1 and Cohen's kappa is 0/0",
    "single_category_pi": "a single category is in use on the items both coders rated, so "
                          "chance agreement is 1 and Scott's pi is 0/0",
    "single_category_offered": "a single category to choose from, so Gwet's AC1 is 0/0",
    "alpha_no_interval": "alpha is undefined in every resample (each showed a single value), "
                         "so there is no interval",
    "u_alpha_too_few_coders": "u-alpha compares at least two coders; got {n}",
    "u_alpha_no_expected": "expected disagreement is 0, so u-alpha is 0/0",
    "u_alpha_label_unused": "no unit has the label {label!r}, so it has no u-alpha",
    "u_alpha_no_interval": "u-alpha is undefined in every resample of the documents, so there "
                           "is no interval",
    "no_units": "no coder marked any unit: the study is empty",
    "no_text": "no text to compare: the documents are empty or none chosen",
    "no_spans": "neither side has a span, so precision, recall and F1 are 0/0",
    "gamma_too_few_annotators": "gamma compares at least two annotators; got {n}",
    "gamma_too_many_annotators": "gamma is computed for up to {limit} annotators (its exact "
                                 "alignment grows too fast beyond); there are {n} here",
    "gamma_no_units": "no annotator marked any unit: the study is empty",
    "gamma_no_expected_disorder": "the expected disorder is 0 (every random continuum aligns "
                                  "perfectly)",
}


class Undefined(ValueError):
    """A coefficient that is undefined for the data given: a reason code from REASONS and its
    parameters, worded in English by str().

    Raised instead of returning a made-up value (1.0, 0.0) or a bare NaN: for example when only
    one category is in use, when no item has two ratings to pair, or when the study is empty.
    It is a `ValueError`, so callers that already catch bad input catch this too.
    """

    def __init__(self, code: str, **params: Any) -> None:
        if code not in REASONS:
            raise KeyError(f"no reason with the code {code!r}")
        self.code = code
        self.params = params
        super().__init__(REASONS[code].format(**params))

    def __reduce__(self):  # picklable across processes despite the keyword parameters
        return _rebuild, (self.code, self.params)


def _rebuild(code: str, params: dict[str, Any]) -> Undefined:
    return Undefined(code, **params)
