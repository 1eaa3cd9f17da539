"""Typed models of LTI 1.3: platforms (LMSs), their deployments, our signing keys, logins in
flight, people and resource links of a platform, and the grades sent back."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import UTCDateTime, utcnow

SCORE_FORMULAS = ("completion", "passages", "f1")
GRADE_STATUSES = ("pending", "sent", "failed")


class LtiPlatform(db.Model):
    """An LMS registered by an admin: who signs its launches and where its endpoints are."""

    __tablename__ = "lti_platform"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    issuer: Mapped[str] = mapped_column(sa.String(255))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    jwks_url: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan",
        order_by="LtiDeployment.deployment_id")


class LtiDeployment(db.Model):
    """One installation of Sourcemark in a platform; launches must name a registered one."""

    __tablename__ = "lti_deployment"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiKey(db.Model):
    """One of our RSA signing keys. The newest active key signs; every key not yet retired
    stays in our JWKS, so platforms can check what the previous key signed."""

    __tablename__ = "lti_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LtiLogin(db.Model):
    """A login started by a platform (OIDC third-party initiation), awaiting its launch:
    the state and nonce we sent, each good for one launch within minutes."""

    __tablename__ = "lti_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(64), unique=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LtiUser(db.Model):
    """A person of a platform (its issuer and their `sub`) and the Sourcemark account
    they sign in as. Never matched by name: names collide, (issuer, sub) does not."""

    __tablename__ = "lti_user"
    __table_args__ = (sa.UniqueConstraint("issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    sub: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LtiResourceLink(db.Model):
    """A placement of Sourcemark in a course (an assignment of the LMS), the project (and
    optionally the one document) it opens, and its gradebook column."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (
        sa.UniqueConstraint("deployment_id", "resource_link_id"),
        sa.CheckConstraint("formula IN ('completion', 'passages', 'f1')", name="formula"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_deployment.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    context_id: Mapped[str] = mapped_column(sa.String(255), default="")
    context_title: Mapped[str] = mapped_column(sa.String(255), default="")
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("project.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document.id", ondelete="SET NULL"))
    lineitem_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    memberships_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    formula: Mapped[str] = mapped_column(sa.String(16), default="completion")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deployment: Mapped[LtiDeployment] = relationship()


class LtiGrade(db.Model):
    """A score for the LMS gradebook: queued, then sent (or given up after retries). The
    rows are also the log of what was sent when."""

    __tablename__ = "lti_grade"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        sa.Index("ix_lti_grade_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_resource_link.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(sa.String(255))
    score_given: Mapped[float | None] = mapped_column(sa.Float)
    score_maximum: Mapped[float] = mapped_column(sa.Float, default=100.0)
    activity_progress: Mapped[str] = mapped_column(sa.String(16))
    grading_progress: Mapped[str] = mapped_column(sa.String(16))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    resource_link: Mapped[LtiResourceLink] = relationship()
