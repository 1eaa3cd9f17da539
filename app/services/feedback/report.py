"""A student's documents with their feedback and totals, and the gradebook of every student."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.models import Project, User
from app.services import classroom
from app.services.feedback.document import document_feedback
from app.services.feedback.work import SPAN_LAYERS, Data, load_work

# --- one student over the project ----------------------------------------------------------

@dataclass
class _Totals:
    """Pooled counts over the documents a student submitted that have a key."""

    documents: int = 0
    agreed: int = 0
    compared: int = 0
    spans: dict[str, list[int]] = field(  # layer -> [true positives, student spans, key spans]
        default_factory=lambda: {layer: [0, 0, 0] for layer in SPAN_LAYERS})
    abs_difference: float = 0.0
    scored: int = 0

    def add(self, feedback: dict[str, Any]) -> None:
        self.documents += 1
        self.agreed += feedback["passages"]["agreed"]
        self.compared += feedback["passages"]["compared"]
        for layer, figures in feedback["layers"].items():
            counts = self.spans[layer]
            counts[0] += figures["true_positives"]
            counts[1] += figures["mine_count"]
            counts[2] += figures["key_count"]
        self.abs_difference += feedback["ratings"]["abs_difference_sum"]
        self.scored += feedback["ratings"]["scored"]

    def as_dict(self) -> dict[str, Any]:
        layers = {}
        for layer, (tp, mine, key) in self.spans.items():
            layers[layer] = {"true_positives": tp, "mine_count": mine, "key_count": key,
                             "precision": tp / mine if mine else None,
                             "recall": tp / key if key else None,
                             "f1": 2 * tp / (mine + key) if mine + key else None}
        return {"documents": self.documents, "agreed": self.agreed, "compared": self.compared,
                "share": self.agreed / self.compared if self.compared else None,
                "layers": layers,
                "mean_abs_difference": self.abs_difference / self.scored if self.scored
                else None, "scored": self.scored}


def _report(project: Project, student: User, data: Data, for_student: bool,
            items: list[dict[str, Any]] | None = None, reveal: bool = True) -> dict[str, Any]:
    """`reveal` False skips asking whether each document is revealed to the student (the
    gradebook does not say); `revealed` is then None."""
    items = classroom.my_assignments(project, student) if items is None else items
    totals = _Totals()
    rows = []
    for item in items:
        document = item["document"]
        shown = classroom.revealed(project, document, student) \
            if reveal or for_student else None
        row: dict[str, Any] = {"document_id": document.id, "title": document.title,
                               "status": item["status"], "due": item["due"],
                               "revealed": shown, "withheld": for_student and not shown}
        if not row["withheld"]:
            feedback = document_feedback(document, data, student.id)
            row["feedback"] = feedback
            row["counted"] = feedback["has_key"] and feedback["submitted"]
            if row["counted"]:
                totals.add(feedback)
        rows.append(row)
    return {
        "student": {"id": student.id, "username": student.username, "name": student.name,
                    "display_name": student.display_name},
        "assigned": len(items),
        "submitted": sum(1 for item in items if item["status"] == classroom.SUBMITTED),
        "rows": rows, "totals": totals.as_dict(),
        "withheld": sum(1 for row in rows if row["withheld"]),
    }


def student_report(project: Project, student: User, *, for_student: bool = False
                   ) -> dict[str, Any]:
    """A student's documents (their assignments, or every document when the project assigns
    none) with each one's feedback, and totals over the submitted documents that have a
    key: passage agreement, span precision/recall/F1 per layer (pooled counts) and the mean
    absolute difference of scored ratings.

    `for_student`: the student is the reader, so documents not revealed to them are
    withheld: listed with their status only, and left out of the totals.
    """
    items = classroom.my_assignments(project, student)
    data = load_work(project, [student.id], [item["document"].id for item in items])
    return _report(project, student, data, for_student, items)


def gradebook(project: Project) -> list[dict[str, Any]]:
    """One row per student of the project: assigned, submitted, and the totals of
    `student_report` (every document, whatever the reveal policy: teachers read this)."""
    people = classroom.students(project)
    data = load_work(project, [p.id for p in people])
    rows = []
    for person in people:
        report = _report(project, person, data, for_student=False, reveal=False)
        totals = report["totals"]
        rows.append({
            "username": person.username, "display_name": person.display_name,
            "assigned": report["assigned"], "submitted": report["submitted"],
            "compared": totals["documents"], "passage_agreement": totals["share"],
            "rhetoric_f1": totals["layers"]["rhetoric"]["f1"],
            "claim_f1": totals["layers"]["claim"]["f1"],
            "mean_abs_rating_difference": totals["mean_abs_difference"],
        })
    return rows
