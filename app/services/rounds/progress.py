"""One student's agreement with the gold key over the rounds: for each round, pooled over the
round's documents they worked on in it that have a key (and, for the student's own page,
that the reveal policy has opened to them): passage agreement and Cohen's kappa, and span
F1 (overlap, as the feedback pages count it) per span layer."""

from __future__ import annotations

from typing import Any

from app import agreement as engine
from app.extensions import db
from app.models import Document, Project, User
from app.services import classroom
from app.services.agreement.reasons import why
from app.services.agreement.work import LIVE
from app.services.gold import gold_user_id
from app.services.rounds import as_dict, document_ids, rounds_of
from app.services.rounds.work import RoundWorkSource
from app.services.vocabulary import vocabulary

SPAN_LAYERS = ("rhetoric", "claim")


def _round_figures(project: Project, student: User, round_: Any, gold: int,
                   for_student: bool, words: Any) -> dict[str, Any]:
    work = RoundWorkSource(round_)
    ids = document_ids(round_)
    keyed = {doc for uid, doc in LIVE.workers(ids) if uid == gold}
    mine = {doc for uid, doc in work.workers(ids) if uid == student.id}
    docs = sorted(keyed & mine)
    if for_student:
        docs = [d for d in docs if classroom.revealed(project, db.session.get(Document, d),
                                                      student)]
    key_tags = {(doc, pid): lab for pid, doc, uid, lab in LIVE.tags(docs) if uid == gold}
    my_tags = {(doc, pid): lab for pid, doc, uid, lab in work.tags(docs) if uid == student.id}
    both = sorted(set(key_tags) & set(my_tags))
    agreed = sum(1 for k in both if key_tags[k] == my_tags[k])
    kappa = kappa_reason = None
    if both:
        try:
            kappa = engine.cohen_kappa([[key_tags[k] for k in both], [my_tags[k] for k in both]])
        except engine.Undefined as exc:  # e.g. one source type throughout: chance is total
            kappa_reason = why(exc)
    layers = {}
    for layer in SPAN_LAYERS:
        layer_id = words.layers[layer].id
        tp = mine_n = key_n = 0
        for doc in docs:
            key = [(s, e, lab) for d, uid, s, e, lab in LIVE.spans([doc], layer_id) if uid == gold]
            ours = [(s, e, lab) for d, uid, s, e, lab in work.spans([doc], layer_id)
                    if uid == student.id]
            tp += len(engine.overlap_pairs(sorted(key), sorted(ours)))
            mine_n, key_n = mine_n + len(ours), key_n + len(key)
        layers[layer] = {"f1": 2 * tp / (mine_n + key_n) if mine_n + key_n else None,
                         "true_positives": tp, "mine_count": mine_n, "key_count": key_n}
    return {**as_dict(round_), "compared_documents": len(docs), "compared": len(both),
            "agreed": agreed, "share": agreed / len(both) if both else None, "kappa": kappa,
            "kappa_reason": kappa_reason, "layers": layers}


def over_rounds(project: Project, student: User, *, for_student: bool = False
                ) -> list[dict[str, Any]]:
    """The student's figures against the key in each round of the project (empty without
    rounds or without a gold key)."""
    gold = gold_user_id()
    found = rounds_of(project)
    if gold is None or not found:
        return []
    words = vocabulary(project.id)
    return [_round_figures(project, student, r, gold, for_student, words) for r in found]
