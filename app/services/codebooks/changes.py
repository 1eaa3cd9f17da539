"""What each codebook version changed, read off the pending edit before it is committed, and
the changes between two versions (shown beside the agreement figures they could explain).

A change is kept as data (what happened to which label, which of its fields) and put into
words when it is read, in the reader's language: the page of a Kazakh class says
«'Жүктелген сөз': анықтамасы өзгертілді (2-нұсқа)» for the change an English teacher made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Codebook, CodebookChange, Label

# The label fields whose change can move agreement; `active` is told as retired / restored.
_FIELDS = ("name", "definition", "example", "group")
FIELD_WORDS = {"name": _l("name"), "definition": _l("definition"), "example": _l("example"),
               "group": _l("group")}
KINDS = ("added", "deleted", "changed", "form")
STATUSES = ("retired", "restored")


@dataclass(frozen=True)
class Change:
    """One change of meaning: `kind` is one of KINDS; `fields` the changed fields of a
    "changed" label, with "retired" or "restored" among them when its status changed."""

    layer: str
    label: str
    kind: str
    name: str = ""
    fields: tuple[str, ...] = ()

    @property
    def english(self) -> str:
        """The change in English words, kept beside the data for anyone reading the table."""
        status = [f for f in self.fields if f in STATUSES]
        rest = [f for f in self.fields if f not in STATUSES]
        if self.kind == "form":
            return "the rating form changed"
        if self.kind != "changed":
            return f"'{self.name}' {self.kind}"
        words = [{"retired": "retired", "restored": "brought back"}[s] for s in status]
        if rest:
            words.append(f"{' and '.join(rest)} changed")
        return f"'{self.name}' {'; '.join(words)}"


def _changed_fields(label: Label) -> tuple[str, ...]:
    attrs = sa.inspect(label).attrs
    out = [field for field in _FIELDS if attrs[field].history.has_changes()]
    if attrs["active"].history.has_changes():
        out.insert(0, "restored" if label.active else "retired")
    return tuple(out)


def pending(codebook: Codebook) -> list[Change]:
    """Each change of meaning the session is about to commit to the codebook's labels."""
    session = db.session
    out: list[Change] = []
    for label in session.new:
        if isinstance(label, Label):
            out.append(Change(label.layer.key, label.key, "added", label.name))
    for label in session.dirty:
        if not isinstance(label, Label):
            continue
        if label.layer is None:  # removed from its layer: deleted as an orphan at the flush
            former = sa.inspect(label).attrs.layer.history.deleted
            out.append(Change(former[0].key if former else "", label.key, "deleted",
                              label.name))
        elif session.is_modified(label):
            fields = _changed_fields(label)
            if fields:
                out.append(Change(label.layer.key, label.key, "changed", label.name, fields))
    if sa.inspect(codebook).attrs.document_form.history.has_changes():
        out.append(Change("", "", "form"))
    return sorted(out, key=lambda c: (c.layer, c.label, c.kind))


def record(codebook: Codebook, changes: list[Change]) -> None:
    """Keep the changes under the codebook's version as it stands after the pending bump
    (read in SQL: a concurrent edit has its own version). Colours, shortcuts and order
    change no meaning: such a version keeps no entry."""
    if not changes:
        return
    db.session.flush()
    version = db.session.scalar(sa.select(Codebook.version).where(Codebook.id == codebook.id))
    for change in changes:
        db.session.add(CodebookChange(
            codebook_id=codebook.id, version=version, layer_key=change.layer,
            label_key=change.label, kind=change.kind, label_name=change.name[:200],
            fields=",".join(change.fields), summary=change.english[:500]))


def _fields(row: CodebookChange) -> list[str]:
    return [f for f in row.fields.split(",") if f]


def describe(row: CodebookChange) -> str:
    """The change in the reader's language, with its version."""
    fields = _fields(row)
    status = next((f for f in fields if f in STATUSES), None)
    words = [str(FIELD_WORDS[f]) for f in fields if f in FIELD_WORDS]
    listed = format_list(words, locale=str(get_locale() or "en")) if words else ""
    label, version = row.label_name, row.version
    if row.kind == "added":
        return _("'%(label)s' added in version %(version)s", label=label, version=version)
    if row.kind == "deleted":
        return _("'%(label)s' deleted in version %(version)s", label=label, version=version)
    if row.kind == "form":
        return _("The rating form changed in version %(version)s", version=version)
    if row.kind == "changed" and status == "retired":
        if listed:
            return _("'%(label)s' retired and its %(fields)s changed in version %(version)s",
                     label=label, fields=listed, version=version)
        return _("'%(label)s' retired in version %(version)s", label=label, version=version)
    if row.kind == "changed" and status == "restored":
        if listed:
            return _("'%(label)s' brought back and its %(fields)s changed in version "
                     "%(version)s", label=label, fields=listed, version=version)
        return _("'%(label)s' brought back in version %(version)s", label=label,
                 version=version)
    if row.kind == "changed" and listed:
        return _("'%(label)s' %(fields)s changed in version %(version)s", label=label,
                 fields=listed, version=version)
    # A change kept before changes were kept as data: its English words, as stored.
    return _("%(change)s in version %(version)s", change=row.summary, version=version)


def between(codebook_id: int, after: int, upto: int) -> list[dict[str, Any]]:
    """The changes of versions after `after` up to `upto`, oldest first."""
    rows = db.session.scalars(
        sa.select(CodebookChange).where(CodebookChange.codebook_id == codebook_id,
                                        CodebookChange.version > after,
                                        CodebookChange.version <= upto)
        .order_by(CodebookChange.version, CodebookChange.id))
    return [{"version": row.version, "layer": row.layer_key, "label": row.label_key,
             "kind": row.kind, "fields": _fields(row),
             "summary": describe(row), "at": row.at.isoformat()}
            for row in rows]
