"""Feedback against the gold key: a student's work on a document beside the key's answer,
their record over the project (the gradebook), and the class's most common confusions.

Everything compares one student with the key, never with a classmate, so a student's pages
show only their own work and the key. Which documents a student may see feedback on is the
reveal policy's call (`classroom.revealed`): `student_report(..., for_student=True)` withholds
the others without computing anything for them.

Totals, the gradebook and the class summary count the documents a student has submitted:
a document still in progress is listed with its figures, but half-done work says little
about judgement and would drag a total down for being unfinished, not for being wrong.

Conventions, the same on every page:
- passages: the agreement share is over the passages the key tags (one the student left
  untagged counts as a difference); Cohen's kappa is over the passages both tagged;
- spans of a layer (rhetoric, unsupported claims): overlapping spans of the same label are
  matched first, as many as can be paired one to one (largest overlaps preferred), exactly
  as `app.agreement.span_f1` in overlap mode scores them; of the rest, overlapping spans
  with other labels pair up as "label differs"; what is left is missed (only the key has
  it) or extra (only the student has it);
- ratings: every field side by side; scale fields the codebook measures agreement on
  (`agreement:` in the rating form) are scored by their difference, student minus key.
"""

from app.services.feedback.classwide import TOP, class_summary
from app.services.feedback.document import NO_KEY, classify_spans, student_feedback
from app.services.feedback.report import gradebook, student_report
from app.services.feedback.work import (
    EXCERPT_CHARS,
    LAYER_TITLES,
    SPAN_CHARS,
    SPAN_LAYERS,
    SpanTuple,
)

__all__ = [
    "EXCERPT_CHARS", "LAYER_TITLES", "NO_KEY", "SPAN_CHARS", "SPAN_LAYERS", "TOP", "SpanTuple",
    "class_summary", "classify_spans", "gradebook", "student_feedback", "student_report",
]
