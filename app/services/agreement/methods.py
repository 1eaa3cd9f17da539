"""How the report computes each figure, in words, with references: shown on the agreement
page and included in the JSON, so that a figure can be matched against another tool."""

from __future__ import annotations

from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _

from app.services.agreement.figures import BOOTSTRAP_SAMPLES, CONFIDENCE, MIN_INTERVAL_UNITS
from app.services.agreement.people import WORKED_ON


def definitions() -> list[tuple[str, str]]:
    """Each figure's name and how it is computed, in the reader's language."""
    percent = "%.0f" % (100 * CONFIDENCE)
    samples = format_number(BOOTSTRAP_SAMPLES)
    # Formulas, authors, years and package names stay as they are in every language.
    return [
        (_("Coders"),
         str(WORKED_ON) + " " + _(
             "Every such annotator is a coder of every layer of that document, whether or not "
             "they marked anything in it: a span layer left empty is an observation (no "
             "rhetoric found), and it disagrees with those who marked something. A passage "
             "left untagged, or a rating field left empty, is missing for that annotator (not "
             "a disagreement).")),
        (_("Percent agreement"),
         _("Gwet's: the mean, over items with two or more values, of the share of agreeing "
           "pairs of raters, Σₖ rᵢₖ(rᵢₖ − 1) / rᵢ(rᵢ − 1) (Gwet 2014, ch. 2; irrCAC's "
           "pa.coeff.raw). Not chance-corrected. Averaging over pairs of coders instead (as "
           "NLTK's avg_Ao) gives other numbers when raters are missing.")),
        (_("Fleiss' kappa"),
         _("Gwet's generalisation to missing ratings (Gwet 2014, ch. 2; irrCAC's "
           "fleiss.kappa.raw): p_a as for percent agreement, πₖ the mean over items rated at "
           "least once of rᵢₖ / rᵢ, p_e = Σ πₖ². With every item rated by every coder it is "
           "Fleiss' (1971) kappa, as statsmodels' fleiss_kappa and DKPro's "
           "FleissKappaAgreement compute it.")),
        (_("Gwet's AC1"),
         _("Gwet (2008; 2014): p_e = Σ πₖ(1 − πₖ) / (q − 1) with q the number of labels the "
           "codebook offers for the layer (irrCAC's gwet.ac1.raw given the labels as categ). "
           "“Gwet's AC1, labels in use only” takes q as the labels in use instead (irrCAC "
           "without categ).")),
        (_("Krippendorff's alpha"),
         _("From the coincidence matrix of the items with two or more values (Krippendorff "
           "2011, “Computing Krippendorff's Alpha-Reliability”). Nominal for source types and "
           "category fields, interval and ordinal for rating scales; the ordinal metric is "
           "Krippendorff's, on the coincidence marginals (as the krippendorff Python "
           "package), not rank weights. Items: passages (source type per passage), "
           "characters covered by two or more coders (per character), documents (ratings). "
           "Per label: that label against all others.")),
        (_("u-alpha"),
         _("Krippendorff's alpha for unitizing (Krippendorff 1995; 2004, Content Analysis "
           "§12.4), term by term as DKPro Agreement's KrippendorffAlphaUnitizingAgreement. "
           "Overall and per label over the documents laid end to end, with every coder of "
           "any of them; per document with that document's coders. An annotator's "
           "overlapping spans of one label count as the text they cover. The overall value "
           "averages observed and expected disagreement over the labels in use.")),
        (_("γ (gamma)"),
         _("Mathet, Widlöcher & Métivier's (2015) gamma: the spans of all annotators are "
           "aligned (at most one span of each annotator per group) so that their disorder is "
           "least, and that observed disorder is set against the mean disorder of random "
           "continua, γ = 1 − observed / expected. Two spans differ by ((|s₁ − s₂| + "
           "|e₁ − e₂|) / (l₁ + l₂))² for position plus 1 if their labels differ; a span "
           "without a partner counts 1 against each missing annotator (pygamma-agreement's "
           "defaults). Unlike u-alpha it tolerates a small boundary slip and needs no overlap "
           "rule. The random continua draw each annotator's number of spans, gaps, lengths "
           "and labels from the observed ones until the expected disorder is known within "
           "%(precision)s%% (at least %(least)s, fixed seed). Overall over the documents laid "
           "end to end, and per document; each span counts as marked (overlaps are not "
           "merged). Computed for up to five annotators: the exact alignment grows too fast "
           "beyond.", precision=5, least=30)),
        (_("Span F1"),
         _("Per pair of annotators over the documents both worked on, the first as reference "
           "(Hripcsak & Rothschild 2005). Exact: same start, end and label. Overlap: same "
           "label and overlapping text, paired one to one, as many pairs as possible (a "
           "maximum matching). Precision or recall is 0 for a side with no spans; with no "
           "span on either side the pair has no F1.")),
        (_("Cohen's kappa"),
         _("Per pair of annotators, over the passages both tagged (Cohen 1960).")),
        (_("Intervals"),
         _("%(percent)s%% percentile bootstrap intervals for alpha: the units (passages, or "
           "documents for ratings) with two or more values are resampled with replacement "
           "%(samples)s times with a fixed seed and alpha recomputed on each (a unit-level "
           "bootstrap in the spirit of Hayes & Krippendorff 2007; their KALPHA macro "
           "resamples pairs of values instead and gives other bounds). Only from %(min)s "
           "such units: with fewer such intervals cover the true value far less often than "
           "they claim (about 87%% with 10 units, 72%% with 5), so the report shows the value "
           "alone and says “%(withheld)s”.", percent=percent, samples=samples,
           min=MIN_INTERVAL_UNITS, withheld=_("too few documents for an interval"))),
        (_("Intervals for u-alpha"),
         _("Spans in one document are not independent of each other (one text, one "
           "reading), so for the span layers the documents are what is resampled: each of "
           "the %(samples)s resamples draws as many documents as there are, with replacement, "
           "lays the drawn copies end to end and computes u-alpha over them with the same "
           "coders, overall and per label (a document-level, or cluster, bootstrap: Field & "
           "Welsh 2007). The interval holds the middle %(percent)s%% of those values. Only "
           "from %(min)s documents that two or more annotators worked on.",
           samples=samples, percent=percent, min=MIN_INTERVAL_UNITS)),
        (_("Reading"),
         _("Krippendorff's (2004, p. 241): α ≥ .800 reliable, ≥ .667 tentative, below that "
           "unreliable.")),
    ]


REFERENCES = [
    "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and "
    "Psychological Measurement 20: 37–46.",
    "Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. Journal of the Royal "
    "Statistical Society B 69: 369–390.",
    "Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. "
    "Psychological Bulletin 76: 378–382.",
    "Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence "
    "of high agreement. British Journal of Mathematical and Statistical Psychology 61: 29–48.",
    "Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics; "
    "R package irrCAC.",
    "Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability "
    "measure for coding data. Communication Methods and Measures 1: 77–89.",
    "Hripcsak, G. & Rothschild, A. S. (2005). Agreement, the F-measure, and reliability in "
    "information retrieval. JAMIA 12: 296–298.",
    "Krippendorff, K. (1995). On the reliability of unitizing contiguous data. Sociological "
    "Methodology 25: 47–76.",
    "Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology, 2nd ed. "
    "Sage.",
    "Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School "
    "for Communication, University of Pennsylvania.",
    "Mathet, Y., Widlöcher, A. & Métivier, J.-P. (2015). The unified and holistic method "
    "gamma (γ) for inter-annotator agreement measure and alignment. Computational "
    "Linguistics 41(3): 437–479.",
    "Meyer, C. M., Mieskes, M., Stab, C. & Gurevych, I. (2014). DKPro Agreement: an "
    "open-source Java library for measuring inter-rater agreement. COLING 2014 demos.",
]


def methods() -> dict[str, Any]:
    """The definitions and settings behind the report's figures, as plain data."""
    return {
        "worked_on": str(WORKED_ON),
        "interval": {"method": "unit-level percentile bootstrap", "samples": BOOTSTRAP_SAMPLES,
                     "confidence": CONFIDENCE, "min_units": MIN_INTERVAL_UNITS,
                     "u_alpha": "document-level percentile bootstrap"},
        "definitions": [{"term": term, "text": text} for term, text in definitions()],
        "references": REFERENCES,
    }
