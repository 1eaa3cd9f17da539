"""The claims board: claims across the corpus filed under questions, lined up with who
says them, when, what value, how they are sourced and what students found.

A question ("How many people died in Zhanaozen on 16 December 2011?") expects numbers,
dates or text. A claim filed under it is a stretch of a document with the value it asserts
("at least 17 (some estimates up to 70)" = 17 to 70, "16 + 1" = 17). Claims whose values
cannot both be true contradict each other, and the board says so. Students give verdicts
(supported, refuted, not enough information) with evidence; their agreement is
Krippendorff's alpha like any other layer's.
"""

from app.services.claims.core import (
    create_question,
    delete_question,
    get_question,
    links_of,
    questions,
)
from app.services.claims.filing import (
    SOURCING_BY_LABEL,
    file_claim,
    get_link,
    unfile_claim,
    unfiled_claims,
)
from app.services.claims.lineup import board
from app.services.claims.verdicts import (
    evidence_words,
    set_verdict,
    verdict_agreement,
    verdict_dict,
)

__all__ = [
    "SOURCING_BY_LABEL", "board", "create_question", "delete_question",
    "evidence_words", "file_claim", "get_link", "get_question", "links_of", "questions",
    "set_verdict", "unfile_claim", "unfiled_claims", "verdict_agreement", "verdict_dict",
]
