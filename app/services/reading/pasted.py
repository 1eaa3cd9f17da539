"""A text pasted into a form: checked like a file's, stored as one document."""

from __future__ import annotations

from flask_babel import gettext as _

from app.models import Document, Project, User
from app.services.documents import record_draft, store_documents
from app.services.errors import ImportFailed, Invalid
from app.services.texts import TextError

SOURCE_NAME = "pasted text"
#: The form's names for the record's fields (a record calls the publisher its "source").
_FORM_FIELDS = {"source": "publisher"}


def paste_document(project: Project, values: dict[str, str], max_bytes: int,
                   user: User | None = None) -> Document:
    """Store a pasted text with its title and metadata; Invalid names the field at fault."""
    record = {"title": values.get("title", ""), "text": values.get("text", ""),
              "source": values.get("publisher", ""), "author": values.get("author", ""),
              "published": values.get("published", ""), "url": values.get("url", "")}
    try:
        draft = record_draft(record, SOURCE_NAME, None, max_bytes)
    except TextError as exc:
        field = _FORM_FIELDS.get(exc.problem.field or "text", exc.problem.field or "text")
        raise Invalid(_("Nothing was stored: %(message)s.", message=exc.problem.message),
                      {field: exc.problem.message}) from None
    try:
        (document,) = store_documents(project, [draft], user)
    except ImportFailed as exc:
        message = exc.problems[0].message
        raise Invalid(_("Nothing was stored: %(message)s.",
                        message=message), {"text": message}) from None
    return document
