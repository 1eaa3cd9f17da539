"""An import's annotations: spans, passage tags, ratings and progress, checked, then
written in bulk."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document, DocumentProgress, DocumentRating, PassageTag, Span, User, utcnow
from app.services import history
from app.services.annotations import MAX_NOTE, SOURCE_LAYER
from app.services.attributes import clean_attributes
from app.services.datasets.core import GOLD
from app.services.datasets.importing.problems import Where
from app.services.datasets.importing.state import Doc, State
from app.services.errors import Invalid
from app.services.gold import SYSTEM_ROLE
from app.services.ratings import clean_rating


class AnnotationSteps(State):
    # --- annotations -----------------------------------------------------------------

    def annotations(self, docs: list[Doc]) -> None:
        db.session.flush()
        for doc in docs:
            if isinstance(doc.record.get("id"), int):
                self.id_map[doc.record["id"]] = doc.document.id
        # Check everything, then write it in bulk: a write takes the database's writer (on
        # SQLite, until the commit), so none goes out while the checks still run.
        with db.session.no_autoflush:
            for doc in docs:
                self._annotate(doc)
        if self.problems.items:
            return
        db.session.flush()  # the new accounts and memberships: now they have their ids
        for model, key in ((Span, "spans"), (PassageTag, "tags"),
                           (DocumentProgress, "progress"), (DocumentRating, "ratings")):
            if self.later[key]:  # plain Core: no ORM objects, none of its per-row work
                for row in self.later[key]:
                    row["user_id"] = row["user_id"].id
                db.session.execute(sa.insert(model.__table__), self.later[key])
        # Bulk inserts pass the session's change log by: one event says what came in.
        history.record_many([(document, user.id, after)
                             for document, user, after in self.later["events"]],
                            "import", "import")

    def check(self, docs: list[Doc]) -> None:
        """Check the annotations of `docs` (whose documents are not stored) and write
        nothing: for an import already refused, so that it lists every problem at once."""
        with db.session.no_autoflush:
            for doc in docs:
                self._annotate(doc)

    def _annotate(self, doc: Doc) -> None:
        record, where = doc.record, doc.where
        work: dict[str, dict[str, Any]] = {}
        annotators = record.get("annotators") or {}
        if not isinstance(annotators, dict):
            self.problems.add(where, "annotators", _("must be an object"))
            return
        for name, given in annotators.items():
            work[name] = given if isinstance(given, dict) else {}
        if record.get("gold"):
            work[GOLD] = record["gold"]
        tags: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)  # name -> index -> label
        for index, passage in enumerate(record.get("passages") or []):
            for name, label in (passage.get("source_type") or {}).items():
                tags[name][index] = (label, f"passages[{index}].source_type.{name}")
                work.setdefault(name, {})
            if passage.get("gold"):
                tags[GOLD][index] = (passage["gold"], f"passages[{index}].gold")
                work.setdefault(GOLD, {})
        for name, given in work.items():
            field = "gold" if name == GOLD and name not in annotators else f"annotators.{name}"
            user = self.user(name, where, field)
            if user is None:
                continue
            if not doc.new and self._has_work(doc.document, user):
                self.problems.add(where, field, _("'%(name)s' already has annotations on "
                                  "'%(title)s' in this project; nothing is merged",
                                  name=name, title=doc.document.title))
                continue
            before = (self.summary.spans, self.summary.passage_tags, self.summary.ratings)
            self._work(doc, user, given, tags.get(name, {}), field)
            self.count_work(name, before)

    def _has_work(self, document: Document, user: User) -> bool:
        if user.id is None:  # a new account has no work anywhere
            return False
        for model in (Span, PassageTag, DocumentRating):
            if db.session.scalar(sa.select(model.id).where(
                    model.document_id == document.id, model.user_id == user.id).limit(1)):
                return True
        return False

    def _label(self, layer_key: Any, label_key: Any, where: Where, field: str,
               label_field: str | None = None) -> tuple[Any, Any] | None:
        layer = self.words.layers.get(layer_key) if isinstance(layer_key, str) else None
        if layer is None:
            self.problems.add(where, f"{field}.layer", _("the project's codebook has no layer "
                                "'%(layer)s'", layer=layer_key))
            return None
        label = self.words.labels.get((layer.key, label_key)) if isinstance(label_key, str) \
            else None
        if label is None:
            self.problems.add(where, label_field or f"{field}.label",
                              _("the layer '%(layer)s' has no label "
                                "'%(label)s' in the project's codebook",
                                layer=layer.key, label=label_key))
            return None
        return layer, label

    def _range(self, doc: Doc, span: dict[str, Any], where: Where,
               field: str) -> tuple[int, int] | None:
        start, end = span.get("start"), span.get("end")
        raw = doc.record["text"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end
                and end <= len(raw)):
            self.problems.add(where, field, _("[%(start)s, %(end)s) is not a range inside the "
                                "text (%(length)s code points)", start=start, end=end,
                                length=format_number(len(raw))))
            return None
        given = span.get("text")
        if given is not None and given != raw[start:end]:
            self.problems.add(where, f"{field}.text", _("'%(given)s' is not the text at "
                                "[%(start)s, %(end)s), which reads '%(found)s'",
                                given=_short(given), start=start, end=end,
                                found=_short(raw[start:end])))
            return None
        if doc.offsets is None:
            return start, end
        new_start, new_end = doc.offsets.at(start), doc.offsets.at(end)
        if new_start is None or new_end is None or new_start >= new_end:
            self.problems.add(where, field, _("[%(start)s, %(end)s) cuts through a character "
                                "sequence that canonical text joins (a CR LF pair or a letter "
                                "with its accents)", start=start, end=end))
            return None
        return new_start, new_end

    def _work(self, doc: Doc, user: User, given: dict[str, Any],
              tags: dict[int, tuple[str, str]], field: str) -> None:
        where, document = doc.where, doc.document
        by_range = {r: i for i, r in enumerate(doc.passages)}
        tag_rows: dict[int, tuple[int, str]] = {}
        for index, (label_key, tag_field) in tags.items():
            found = self._label(SOURCE_LAYER, label_key, where, tag_field, tag_field)
            if found:
                tag_rows[index] = (found[1].id, tag_field)
        span_rows: list[dict[str, Any]] = []
        voices: list[tuple[int, int]] = []
        spans = given.get("spans") or []
        if not isinstance(spans, list):
            self.problems.add(where, f"{field}.spans", _("must be a list"))
            spans = []
        for number, span in enumerate(spans):
            span_field = f"{field}.spans[{number}]"
            if not isinstance(span, dict):
                self.problems.add(where, span_field, _("must be an object"))
                continue
            found = self._label(span.get("layer"), span.get("label"), where, span_field)
            bounds = self._range(doc, span, where, span_field)
            if not found or not bounds:
                continue
            layer, label = found
            attributes = dict(span.get("attributes") or {})
            if layer.key == SOURCE_LAYER and "role" not in attributes \
                    and "passages" not in doc.record and bounds in by_range \
                    and by_range[bounds] not in tag_rows:
                # A format without passages: the first role-less source span over a whole
                # passage is its source type (see core.passage_spans).
                tag_rows[by_range[bounds]] = (label.id, span_field)
                continue
            if layer.key == SOURCE_LAYER:
                attributes.setdefault("role", "segment" if bounds in by_range else "voice")
                if not self._nests(doc, bounds, voices, where, span_field):
                    continue
                voices.append(bounds)
            self._remap_evidence(attributes)
            note = span.get("note") or ""
            if not isinstance(note, str) or len(note) > MAX_NOTE:
                self.problems.add(where, f"{span_field}.note",
                                  _("must be text of at most %(limit)s characters",
                                    limit=format_number(MAX_NOTE)))
                continue
            try:
                attributes = clean_attributes(layer, attributes, document)
            except Invalid as error:
                self.problems.add(where, f"{span_field}.attributes", error.message)
                continue
            span_rows.append({
                "document_id": document.id, "user_id": user, "layer_id": layer.id,
                "label_id": label.id, "client_id": uuid.uuid4().hex, "start": bounds[0],
                "end": bounds[1], "note": note.strip(), "attributes": attributes,
                "codebook_version": self.words.version})
        rating = given.get("rating")
        if rating is not None:
            try:
                rating = clean_rating(self.words.document_form, rating)
            except Invalid as error:
                self.problems.add(where, f"{field}.rating", error.message)
                rating = None
        if self.problems.items:
            return  # nothing will be stored: skip the writes, keep checking
        now = utcnow()
        self.later["spans"].extend(dict(r, created_at=now, updated_at=now) for r in span_rows)
        passage_ids = {p.index: p.id for p in document.passages}
        self.later["tags"].extend(
            {"passage_id": passage_ids[index], "document_id": document.id,
             "user_id": user, "label_id": label_id, "updated_at": now,
             "codebook_version": self.words.version}
            for index, (label_id, _) in sorted(tag_rows.items()))
        if rating:
            self.later["ratings"].append({
                "document_id": document.id, "user_id": user, "values": rating,
                "codebook_version": self.words.version, "updated_at": now})
        if user.role != SYSTEM_ROLE:
            done = given.get("done") is True
            self.later["progress"].append({"document_id": document.id, "user_id": user,
                                           "done_at": now if done else None,
                                           "last_activity_at": now})
        self.later["events"].append((document, user, {
            "spans": len(span_rows), "passage_tags": len(tag_rows),
            "ratings": 1 if rating else 0, "source": self.file}))
        self.summary.spans += len(span_rows)
        self.summary.passage_tags += len(tag_rows)
        self.summary.ratings += 1 if rating else 0

    def _nests(self, doc: Doc, bounds: tuple[int, int], voices: list[tuple[int, int]],
               where: Where, field: str) -> bool:
        start, end = bounds
        if not any(s <= start and end <= e for s, e in doc.passages):
            self.problems.add(where, field, _("a quoted voice lies inside one passage; "
                                                      "this one spans several"))
            return False
        for s, e in voices:
            if (s, e) == bounds:
                self.problems.add(where, field, _("marks the same voice twice"))
                return False
            if s < end and start < e and not (s <= start and end <= e) \
                    and not (start <= s and e <= end):
                self.problems.add(where, field, _("crosses the voice at [%(start)s, %(end)s): "
                                                    "source spans nest or stay apart",
                                                    start=s, end=e))
                return False
        return True

    def _remap_evidence(self, attributes: dict[str, Any]) -> None:
        """Evidence that points into a document of the same file follows it to its new id."""
        evidence = attributes.get("evidence")
        if not isinstance(evidence, list):
            return
        for item in evidence:
            if isinstance(item, dict) and item.get("kind") == "span" \
                    and isinstance(item.get("document_id"), int):
                new = self.id_map.get(item["document_id"])
                item["document_id"] = new if new is not None else -1


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


