"""Sourcemark's agreement engine: inter-coder reliability in pure Python and numpy.

No Flask, no database and no imports from the rest of `app`: every function takes plain data
and returns numbers.

Coded items ("reliability data": one row per coder, one value per item; None, or NaN in a 2-D
numpy array, for missing; string labels allowed for nominal data):
- `percent_agreement` - Gwet's (2014) mean share of agreeing rater pairs;
- `cohen_kappa`, `scott_pi` - two coders;
- `fleiss_kappa`, `gwet_ac1` - any number of coders, missing ratings as in Gwet (2014);
- `krippendorff_alpha` - nominal, ordinal, interval or ratio (Krippendorff 2011);
- `bootstrap_alpha` - a bootstrap confidence interval for alpha (Hayes & Krippendorff 2007);
- `interpret_alpha` - Krippendorff's reading of an alpha.

Spans over a text:
- `unitizing_alpha` - Krippendorff's u-alpha over one continuum (Krippendorff 2004);
- `bootstrap_unitizing_alpha` - its document-level (cluster) bootstrap interval, overall and
  per label;
- `span_f1` - pairwise span precision, recall and F1; `pairwise_span_f1` for every pair;
  `overlap_pairs` - the spans overlap mode pairs (a maximum matching);
- `gamma` - Mathet, Widlöcher & Métivier's (2015) gamma: units aligned across annotators, their
  positional and categorical dissimilarity against that of random continua (`GammaResult`).

A coefficient that the data cannot define raises `Undefined` (a ValueError) saying why: a
stable reason code with its parameters (`_errors.REASONS`), in English as its str().
"""

from __future__ import annotations

from app.agreement._data import LEVELS
from app.agreement._errors import Undefined
from app.agreement.alpha import interpret_alpha, krippendorff_alpha
from app.agreement.bootstrap import Interval, bootstrap_alpha
from app.agreement.coefficients import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    scott_pi,
)
from app.agreement.gamma import GammaResult, UnitaryAlignment, gamma
from app.agreement.spans import SpanScores, overlap_pairs, pairwise_span_f1, span_f1
from app.agreement.unitizing import unitizing_alpha, unitizing_disagreement
from app.agreement.unitizing_bootstrap import bootstrap_unitizing_alpha

__all__ = [
    "LEVELS",
    "GammaResult",
    "Interval",
    "SpanScores",
    "Undefined",
    "UnitaryAlignment",
    "bootstrap_alpha",
    "bootstrap_unitizing_alpha",
    "cohen_kappa",
    "fleiss_kappa",
    "gamma",
    "gwet_ac1",
    "interpret_alpha",
    "krippendorff_alpha",
    "overlap_pairs",
    "pairwise_span_f1",
    "percent_agreement",
    "scott_pi",
    "span_f1",
    "unitizing_alpha",
    "unitizing_disagreement",
]
