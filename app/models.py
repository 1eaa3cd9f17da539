"""Typed models. Invariants live in the database too: keys, uniques and checks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

ROLES = ("admin", "teacher", "student")
PROJECT_ROLES = ("teacher", "adjudicator", "student")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on every database.

    SQLite keeps no time zone and hands back naive datetimes; this type stores UTC and
    gives it back marked as UTC, so comparisons never mix naive and aware values.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (use app.models.utcnow())")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'teacher', 'student', 'system')", name="role"),
        sa.CheckConstraint("username = lower(username)", name="username_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default="student")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The interface language the user chose in the header ("": follow the browser).
    locale: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    # Set when a teacher or admin hands out a password that expires at first sign-in: the
    # user then chooses their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    # The IANA zone times are shown in ("" follows the browser, else the project).
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        # What the login cookie holds: the user and the login session (see LoginSession),
        # set by the sign-in that opened it.
        return f"{self.id}:{getattr(self, 'login_token', '')}"

    def login_token_hash(self) -> str:
        """The SHA-256 of this request's login session token ("" without one)."""
        token = getattr(self, "login_token", "")
        return hashlib.sha256(token.encode()).hexdigest() if token else ""

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class LoginSession(db.Model):
    """One signed-in browser. The login cookie names it by a random token of which only
    the SHA-256 is kept; signing out deletes the row, so a copied cookie stops working."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class Setting(db.Model):
    """Site-wide settings an admin changes (for example whether teachers may sign up)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(255))


ATTEMPT_KINDS = ("sign-in", "sign-up")


class LoginAttempt(db.Model):
    """Failed sign-ins and every sign-up, kept in the database so that every app server
    sees the same counts (the rate limits of app.services.accounts)."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.CheckConstraint("kind IN ('sign-in', 'sign-up')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="sign-in",
                                      server_default="sign-in")
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Invitation(db.Model):
    """A single-use, expiring link an admin hands out: it opens sign-up for one teacher
    account while teacher sign-up is closed. Only the SHA-256 of its token is kept."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


REVEAL_POLICIES = ("never", "after_submit", "after_due")


class Project(db.Model):
    """A class project (an assignment): its documents, codebook and members."""

    __tablename__ = "project"
    __table_args__ = (
        sa.CheckConstraint("reveal IN ('never', 'after_submit', 'after_due')", name="reveal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    join_enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When a student may see classmates' annotations and the gold key of a document:
    # never, once they have submitted it, or once its due date has passed.
    reveal: Mapped[str] = mapped_column(sa.String(16), default="never",
                                        server_default="never")
    reveal_anonymous: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The class's language: its pages' language for a browser that asks for none we offer.
    language: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en")
    # The IANA zone the class works in: a due date ends at the end of its day there.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Document.position"
    )
    codebook: Mapped[Codebook | None] = relationship(
        back_populates="project", cascade="all, delete-orphan", uselist=False
    )


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "user_id"),
        sa.CheckConstraint("role IN ('teacher', 'adjudicator', 'student')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="student")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Codebook(db.Model):
    """A project's own copy of the codebook; `version` grows with every edit."""

    __tablename__ = "codebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    key: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    # The document rating form (fields, scales, poles) as in the codebook file.
    document_form: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="codebook")
    layers: Mapped[list[CodebookLayer]] = relationship(
        back_populates="codebook", cascade="all, delete-orphan", order_by="CodebookLayer.position"
    )


class CodebookLayer(db.Model):
    """An annotation layer: source type, rhetoric, claim."""

    __tablename__ = "codebook_layer"
    __table_args__ = (
        sa.UniqueConstraint("codebook_id", "key"),
        sa.CheckConstraint("overlap IN ('nest_only', 'free')", name="overlap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(sa.ForeignKey("codebook.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    overlap: Mapped[str] = mapped_column(sa.String(16), default="free")
    max_depth: Mapped[int | None] = mapped_column()
    shortcut: Mapped[str] = mapped_column(sa.String(16), default="")
    # Attribute definitions (speaker, note, evidence …) and label groups, as declared.
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    groups: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    codebook: Mapped[Codebook] = relationship(back_populates="layers")
    labels: Mapped[list[Label]] = relationship(
        back_populates="layer", cascade="all, delete-orphan", order_by="Label.position"
    )


class Label(db.Model):
    """A label of a layer. Labels in use are retired (active=False), never deleted."""

    __tablename__ = "label"
    __table_args__ = (sa.UniqueConstraint("layer_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(sa.ForeignKey("codebook_layer.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[str] = mapped_column(sa.Text, default="")
    example: Mapped[str] = mapped_column(sa.Text, default="")
    example_file: Mapped[str] = mapped_column(sa.String(200), default="")
    group: Mapped[str] = mapped_column(sa.String(80), default="")
    shortcut: Mapped[str] = mapped_column(sa.String(8), default="")
    color: Mapped[str] = mapped_column(sa.String(7), default="#888888")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    maps_to: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    requires: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    layer: Mapped[CodebookLayer] = relationship(back_populates="labels")


class ImportBatch(db.Model):
    """A large import. Its documents are written in several short transactions and stay
    hidden everywhere until one last short transaction publishes the batch (sets
    `published_at`); an unpublished batch that fails or is abandoned is deleted with its
    documents."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Moved on by every stored part: a batch left still for long was abandoned (a crash).
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportReport(db.Model):
    """What a refused import found wrong, kept on the server for the teacher who tried it
    (a list of problems is too big for the session cookie) and shown by its token."""

    __tablename__ = "import_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(sa.String(255), default="")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ImportPreview(db.Model):
    """An upload read and checked but not stored: the teacher sees it, then imports or
    cancels it. `drafts` is the JSON of the checked documents; a preview older than an hour
    is swept away by the next one."""

    __tablename__ = "import_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    drafts: Mapped[str] = mapped_column(sa.Text())


class PendingImport(db.Model):
    """An annotated file checked but not stored because it names people who are not yet
    members: kept for the teacher who uploaded it to say who is who, then import or cancel.
    `choices` holds the names' proposed accounts; one older than an hour is swept away."""

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str] = mapped_column(sa.String(32))
    ground_truth_gold: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary())
    choices: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Document(db.Model):
    """A text in a project. `text` is canonical and fixed at import; `text_sha256` proves it."""

    __tablename__ = "document"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "text_sha256"),
        sa.CheckConstraint("char_count >= 0", name="char_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    author: Mapped[str] = mapped_column(sa.String(200), default="")
    published: Mapped[str] = mapped_column(sa.String(32), default="")
    url: Mapped[str] = mapped_column(sa.String(2000), default="")
    source_name: Mapped[str] = mapped_column(sa.String(255), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The text's language (ISO 639-1), detected at import or set by a teacher; "" unknown.
    language: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    text: Mapped[str] = mapped_column(sa.Text)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    char_count: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A deleted document is archived with all its annotations, never destroyed: it leaves
    # every list, report and export, and a teacher can bring it back.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # The large import that stored it: hidden like an archived document until that import
    # is published. Publishing marks the batch only: rewriting thousands of rows with
    # their texts would hold the database's writer for long.
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batch.id"), index=True)

    project: Mapped[Project] = relationship(back_populates="documents")
    passages: Mapped[list[Passage]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Passage.index"
    )


@sa.event.listens_for(Document.text, "set", active_history=True)
def _text_is_fixed(target: Document, value: str, oldvalue: Any, initiator: Any) -> None:
    """Refuse any change to a stored document's text: offsets into it must stay valid."""
    if target.id is not None and oldvalue is not NO_VALUE and oldvalue != value:
        raise ValueError("a document's text is fixed at import and cannot be changed")


def published(document: Any = None) -> Any:
    """The condition that a document's import (if any) is published, for statements that
    skip the ORM's criteria (prepared Core statements name it themselves)."""
    cls = document if document is not None else Document
    return ~sa.exists().where(ImportBatch.id == cls.import_batch_id,
                              ImportBatch.published_at.is_(None))


# What an ORM query sees of documents, by what it asked to include.
_SHOWN = {
    (False, False): lambda cls: cls.archived_at.is_(None) & published(cls),
    (True, False): lambda cls: published(cls),
    (False, True): lambda cls: cls.archived_at.is_(None),
}


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _hide_archived(state: sa.orm.ORMExecuteState) -> None:
    """Archived documents, and those of an import not yet published, leave every ORM query
    (lists, joins, subqueries, relationships, reports, exports) unless it asks for them with
    `execution_options(include_archived=True)` or `include_pending=True`.
    Refreshing an object already loaded (a column load) is never filtered."""
    if not state.is_select or state.is_column_load:
        return
    options = state.execution_options
    # One criterion for both: a second with_loader_criteria of an entity replaces the first.
    criteria = _SHOWN.get((bool(options.get("include_archived", False)),
                           bool(options.get("include_pending", False))))
    if criteria is not None:
        state.statement = state.statement.options(
            sa.orm.with_loader_criteria(Document, criteria, include_aliases=True))


class Passage(db.Model):
    """A unit students tag by source type: [start, end) in code points of the text."""

    __tablename__ = "passage"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "index"),
        sa.CheckConstraint("start >= 0 AND start < \"end\"", name="bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()

    document: Mapped[Document] = relationship(back_populates="passages")

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]


# --- Annotations ---------------------------------------------------------------------------

class Span(db.Model):
    """A labelled character range of one annotator: [start, end) in code points.

    `client_id` is chosen by the annotator's browser for each new span, so a retried save
    never makes a second span. `version` grows with every change; writes name the version
    they change, and a stale one is refused (no silent overwrite).
    """

    __tablename__ = "span"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "client_id"),
        sa.CheckConstraint('start >= 0 AND start < "end"', name="bounds"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.Index("ix_span_document_user", "document_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    layer_id: Mapped[int] = mapped_column(sa.ForeignKey("codebook_layer.id"), index=True)
    label_id: Mapped[int] = mapped_column(sa.ForeignKey("label.id"), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Layer attributes: speaker, role, quote_form, embedded_from, is_requote, verdict, evidence.
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    codebook_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship()
    user: Mapped[User] = relationship()
    layer: Mapped[CodebookLayer] = relationship()
    label: Mapped[Label] = relationship()

    # Every UPDATE and DELETE names the version it read (WHERE version = …): a change
    # committed by another request in between makes it match nothing, and the write is
    # refused as stale instead of overwriting that change.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class PassageTag(db.Model):
    """An annotator's source type for a whole passage (one per passage and annotator)."""

    __tablename__ = "passage_tag"
    __table_args__ = (
        sa.UniqueConstraint("passage_id", "user_id"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.Index("ix_passage_tag_document_user", "document_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    passage_id: Mapped[int] = mapped_column(sa.ForeignKey("passage.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    label_id: Mapped[int] = mapped_column(sa.ForeignKey("label.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    codebook_version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    passage: Mapped[Passage] = relationship()
    label: Mapped[Label] = relationship()

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class DocumentRating(db.Model):
    """An annotator's rating form for a document (reliability, slant, genre …)."""

    __tablename__ = "document_rating"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "user_id"),
        sa.CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    # Field values keyed by the codebook's document_form field keys.
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    codebook_version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class DocumentProgress(db.Model):
    """Where an annotator stands with a document; `done_at` is set when they mark it done."""

    __tablename__ = "document_progress"
    __table_args__ = (sa.UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(),
                                                       default=utcnow)


class Assignment(db.Model):
    """A document a teacher gave a student to annotate, with an optional due date."""

    __tablename__ = "assignment"
    __table_args__ = (sa.UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"),
                                            index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The round the assignment was made for (a document in two rounds has one assignment
    # per student: the later round takes it over with its own due date).
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round.id", ondelete="SET NULL"), index=True)


class Round(db.Model):
    """A named set of a project's documents annotated together, with its dates. A round may
    reuse documents of an earlier one (a test–retest)."""

    __tablename__ = "round"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "name"),
        sa.CheckConstraint("due_at IS NULL OR starts_at IS NULL OR due_at >= starts_at",
                           name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the teacher started a round that reuses documents: the earlier round's work on
    # them was frozen (RoundWork) and the annotators begin those documents afresh.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    documents: Mapped[list[RoundDocument]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundDocument.id")


class RoundDocument(db.Model):
    """A document of a round."""

    __tablename__ = "round_document"
    __table_args__ = (sa.UniqueConstraint("round_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True)

    round: Mapped[Round] = relationship(back_populates="documents")


class RoundWork(db.Model):
    """One annotator's work on one document as it stood when a later round reusing the
    document started: spans, passage tags, rating and whether it was submitted, each with
    the codebook version it was made under. Frozen: never changed after it is written."""

    __tablename__ = "round_work"
    __table_args__ = (sa.UniqueConstraint("round_id", "document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    # {"spans": [[layer_id, label_id, start, end, codebook_version], …],
    #  "tags": [[passage_id, label_id, codebook_version], …],
    #  "rating": {"values": {…}, "codebook_version": n} | null, "done": bool}
    work: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CodebookChange(db.Model):
    """What one codebook version changed ('Loaded language': definition), kept so that a
    change between rounds can be shown beside the figures it could explain."""

    __tablename__ = "codebook_change"
    __table_args__ = (sa.Index("ix_codebook_change_codebook_version", "codebook_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(sa.ForeignKey("codebook.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    layer_key: Mapped[str] = mapped_column(sa.String(40), default="")
    label_key: Mapped[str] = mapped_column(sa.String(80), default="")
    # What happened (added, deleted, changed, form), to which fields, and the label's name:
    # put into words in the reader's language; `summary` keeps the English words too.
    kind: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    fields: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    label_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    summary: Mapped[str] = mapped_column(sa.String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GoldKey(db.Model):
    """The adjudicated answer of a document: its version counts every change, and who made
    the last one. The answers themselves are the gold account's annotations."""

    __tablename__ = "gold_key"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


EVENT_KINDS = ("span", "passage_tag", "rating", "progress", "import", "document")


class AnnotationEvent(db.Model):
    """The append-only log of every change to annotations: who did what, when, the state
    before and after. Plain ids, no foreign keys: the log outlives what it describes. The
    database refuses updates and deletes of its rows (triggers, see below)."""

    __tablename__ = "annotation_event"
    __table_args__ = (
        sa.Index("ix_annotation_event_document_owner", "document_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    project_id: Mapped[int] = mapped_column(index=True)
    document_id: Mapped[int] = mapped_column()
    # Whose annotation it is, and who made the change (a teacher reopening a submission,
    # an adjudicator editing the gold key, a command-line import).
    owner_id: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(sa.String(80), default="")
    kind: Mapped[str] = mapped_column(sa.String(16))
    object_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


# The log is append-only in the database itself, whatever writes to it.
APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER annotation_event_no_{verb.lower()} BEFORE {verb} ON annotation_event "
    f"BEGIN SELECT RAISE(ABORT, 'annotation_event is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION annotation_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'annotation_event is append-only'; END $$",
    "CREATE TRIGGER annotation_event_append_only BEFORE UPDATE OR DELETE ON annotation_event "
    "FOR EACH ROW EXECUTE FUNCTION annotation_event_append_only()",
]
for _statement in APPEND_ONLY_SQLITE:
    sa.event.listen(AnnotationEvent.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    sa.event.listen(AnnotationEvent.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="postgresql"))


# --- Sources and claims --------------------------------------------------------------------

class SourceEntity(db.Model):
    """A canonical person or institution of a project ("Kalmukhambet Kasymov, Interior
    Minister"), to which speakers' names and publishers are linked by aliases."""

    __tablename__ = "source_entity"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "name"),
        sa.CheckConstraint("kind IN ('person', 'institution')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16), default="person")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    aliases: Mapped[list[EntityAlias]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="EntityAlias.alias")


class EntityAlias(db.Model):
    """A name as written ("Kasymov", "the minister"), normalised, standing for an entity.
    A teacher's link is approved at once; a student's waits for the teacher's review."""

    __tablename__ = "entity_alias"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "alias", "entity_id"),
        sa.CheckConstraint("status IN ('approved', 'proposed')", name="status"),
        sa.Index("ix_entity_alias_project_alias", "project_id", "alias"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("source_entity.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(sa.String(200))
    written: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entity: Mapped[SourceEntity] = relationship(back_populates="aliases")


CLAIM_VALUE_KINDS = ("number", "date", "text")
SOURCINGS = ("named", "vague", "none")
VERDICTS = ("supported", "refuted", "not_enough_info")


class ClaimQuestion(db.Model):
    """A question claims across the corpus answer ("How many people died in Zhanaozen on
    16 December 2011?"), with the kind of value each claim asserts."""

    __tablename__ = "claim_question"
    __table_args__ = (
        sa.CheckConstraint("value_kind IN ('number', 'date', 'text')", name="value_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"),
                                            index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    value_kind: Mapped[str] = mapped_column(sa.String(16), default="number")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    links: Mapped[list[ClaimLink]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="ClaimLink.id")


class ClaimLink(db.Model):
    """A claim of the corpus (a stretch of a document) filed under a question, with the
    value it asserts and how it is sourced. It keeps its own offsets, so it outlives the
    span it was made from."""

    __tablename__ = "claim_link"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "document_id", "start", "end"),
        sa.CheckConstraint('start >= 0 AND start < "end"', name="bounds"),
        sa.CheckConstraint("sourcing IN ('named', 'vague', 'none')", name="sourcing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("claim_question.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"),
                                             index=True)
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    span_id: Mapped[int | None] = mapped_column(sa.ForeignKey("span.id", ondelete="SET NULL"))
    # The value as the claim puts it ("at least 17 (some estimates up to 70)"), and as a
    # number or range (low–high) or an ISO date, for lining claims up.
    value_text: Mapped[str] = mapped_column(sa.String(200), default="")
    value_low: Mapped[float | None] = mapped_column(sa.Float)
    value_high: Mapped[float | None] = mapped_column(sa.Float)
    value_date: Mapped[str] = mapped_column(sa.String(10), default="")
    sourcing: Mapped[str] = mapped_column(sa.String(8), default="named")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    linked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[ClaimQuestion] = relationship(back_populates="links")
    document: Mapped[Document] = relationship()
    verdicts: Mapped[list[ClaimVerdict]] = relationship(
        back_populates="link", cascade="all, delete-orphan", order_by="ClaimVerdict.id")


class ClaimVerdict(db.Model):
    """One student's verdict on a claim of the board, with evidence (a URL or a span in
    another document of the project)."""

    __tablename__ = "claim_verdict"
    __table_args__ = (
        sa.UniqueConstraint("link_id", "user_id"),
        sa.CheckConstraint("verdict IN ('supported', 'refuted', 'not_enough_info')",
                           name="verdict"),
        sa.CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("claim_link.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(sa.String(16))
    evidence_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    evidence_span_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("span.id", ondelete="SET NULL"))
    # Or words of a document of the project as evidence, by their code point range.
    evidence_document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document.id", ondelete="SET NULL"))
    evidence_start: Mapped[int | None] = mapped_column()
    evidence_end: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    link: Mapped[ClaimLink] = relationship(back_populates="verdicts")


# The LTI tables live in their own module; imported here so that every table is known
# wherever the models are (migrations, create_all). At the end: it uses the names above.
from app import models_lti, models_people  # noqa: E402,F401
