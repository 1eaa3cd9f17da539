"""A passage's source type, the document's rating form and "done": one row per annotator,
changed by naming the version it changes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    Document,
    DocumentProgress,
    DocumentRating,
    Passage,
    PassageTag,
    User,
    utcnow,
)
from app.services.annotations.checks import SOURCE_LAYER, _expect_version, _touch
from app.services.annotations.reading import rating_dict, tag_dict
from app.services.classroom import check_writable
from app.services.errors import Invalid, NotFound, StaleVersion
from app.services.vocabulary import vocabulary

# --- passage source types ------------------------------------------------------------------

def _passage(document: Document, passage_id: int) -> Passage:
    passage = db.session.get(Passage, passage_id)
    if passage is None or passage.document_id != document.id:
        raise NotFound(_("No such passage in this document."))
    return passage


def set_passage_tag(user: User, document: Document, passage_id: int, label_key: Any,
                    version: Any = None) -> dict[str, Any]:
    """Give a passage a source type. A first tag names no version; a change names the
    current one. Sending the stored label again is a harmless retry."""
    state = check_writable(user, document)
    passage = _passage(document, passage_id)
    words = vocabulary(document.project_id, state.codebook)
    label = words.label(words.layer(SOURCE_LAYER), label_key)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        if version is not None:
            raise StaleVersion(_("This passage's tag was removed meanwhile."), None)
        tag = PassageTag(passage_id=passage.id, document_id=document.id, user_id=user.id,
                         label_id=label.id, codebook_version=words.version)
        db.session.add(tag)
    elif tag.label_id == label.id and version in (None, tag.version):
        return tag_dict(tag, words)
    elif version != tag.version:
        raise StaleVersion(_("This passage was tagged meanwhile (in another tab?): "
                             "keep yours or the stored one."), tag_dict(tag, words))
    else:
        tag.label_id = label.id
        tag.version += 1
        tag.codebook_version = words.version
        tag.updated_at = utcnow()
    try:
        _touch(user, document, state)  # the tag's flush, here or at the commit, may clash
        db.session.commit()
    except (sa.exc.IntegrityError, StaleDataError):
        db.session.rollback()
        current = db.session.scalar(sa.select(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == user.id))
        raise StaleVersion(_("This passage was tagged meanwhile."),
                           tag_dict(current, words) if current else None) from None
    return tag_dict(tag, words)


def clear_passage_tag(user: User, document: Document, passage_id: int, version: Any) -> None:
    """Remove a passage's source type if `version` is current."""
    state = check_writable(user, document)
    passage = _passage(document, passage_id)
    version = _expect_version(version)
    tag = db.session.scalar(sa.select(PassageTag).where(PassageTag.passage_id == passage.id,
                                                        PassageTag.user_id == user.id))
    if tag is None:
        return
    if tag.version != version:
        raise StaleVersion(_("This passage was tagged meanwhile (in another tab?)."),
                           tag_dict(tag, vocabulary(document.project_id,
                                                    state.codebook)))
    db.session.delete(tag)
    try:
        _touch(user, document, state)
        db.session.commit()
    except StaleDataError:  # changed meanwhile: keep it; removed meanwhile: done already
        db.session.rollback()
        current = db.session.scalar(sa.select(PassageTag).where(
            PassageTag.passage_id == passage.id, PassageTag.user_id == user.id))
        if current is not None:
            raise StaleVersion(_("This passage was tagged meanwhile (in another tab?)."),
                               tag_dict(current, vocabulary(document.project_id,
                                                            state.codebook))) from None


# --- the rating form and "done" ------------------------------------------------------------

def save_rating(user: User, document: Document, values: Any, version: Any = None
                ) -> dict[str, Any]:
    """Store the rating form (partial forms are fine while working)."""
    state = check_writable(user, document)
    from app.services.ratings import clean_rating

    words = vocabulary(document.project_id, state.codebook)
    cleaned = clean_rating(words.document_form, values)
    rating = db.session.scalar(sa.select(DocumentRating).where(
        DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
    if rating is None:
        if version is not None:
            raise StaleVersion(_("This rating was removed meanwhile."), None)
        rating = DocumentRating(document_id=document.id, user_id=user.id, values=cleaned,
                                codebook_version=words.version)
        db.session.add(rating)
    elif rating.values == cleaned and version in (None, rating.version):
        return rating_dict(rating)
    elif version != rating.version:
        raise StaleVersion(_("The rating was changed meanwhile (in another tab?): "
                             "keep yours or the stored one."), rating_dict(rating))
    else:
        rating.values = cleaned
        rating.version += 1
        rating.codebook_version = words.version
        rating.updated_at = utcnow()
    try:
        _touch(user, document, state)
        db.session.commit()
    except (sa.exc.IntegrityError, StaleDataError):  # another tab saved it in between
        db.session.rollback()
        current = db.session.scalar(sa.select(DocumentRating).where(
            DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
        raise StaleVersion(_("The rating was changed meanwhile (in another tab?): keep yours "
                             "or the stored one."), rating_dict(current) if current else None
                           ) from None
    return rating_dict(rating)


def set_done(user: User, document: Document, done: bool) -> bool:
    """Mark the document done (or not) for this annotator; done needs the required
    rating fields."""
    state = check_writable(user, document, submitting=done)
    from app.services.ratings import missing_required

    if done:
        words = vocabulary(document.project_id, state.codebook)
        rating = db.session.scalar(sa.select(DocumentRating).where(
            DocumentRating.document_id == document.id, DocumentRating.user_id == user.id))
        missing = missing_required(words.document_form, rating.values if rating else {})
        if missing:
            names = {f["key"]: f.get("name", f["key"])
                     for f in words.document_form.get("fields", [])}
            raise Invalid(_("Before marking the document done, fill in: %(fields)s.",
                            fields=", ".join(names.get(k, k) for k in missing)),
                          {f"values.{k}": "required" for k in missing})
    _touch(user, document, state)
    db.session.flush()
    progress = db.session.scalar(sa.select(DocumentProgress).where(
        DocumentProgress.document_id == document.id, DocumentProgress.user_id == user.id))
    submitting = done and progress.done_at is None
    progress.done_at = (progress.done_at or utcnow()) if done else None
    if submitting:
        from app.services.lti.grades import queue_submission

        queue_submission(user, document)  # the LMS gradebook hears of it, if it is in one
    db.session.commit()
    return done
