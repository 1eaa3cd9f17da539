"""Assignment and Grade Services: scores for the LMS gradebook, queued in the database and
sent by `drain` (after the request that queued them, and by `flask lti send-grades`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_babel import ngettext

from app.extensions import db
from app.models import Document, Membership, Project, User, utcnow
from app.models_lti import LtiDeployment, LtiGrade, LtiPlatform, LtiResourceLink, LtiUser
from app.services import feedback
from app.services.lti import SCOPE_SCORE
from app.services.lti.client import PlatformError, call

SCORE_MAXIMUM = 100.0
MAX_ATTEMPTS = 8
# A grade being sent is not picked by another sender for this long.
LEASE = timedelta(minutes=2)
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def _links_of(user: User, project_id: int, document_id: int | None = None
              ) -> list[tuple[LtiResourceLink, str]]:
    """The graded course links that open this project (or this document of it) and the
    user's id (sub) on each link's platform. One query; none for a project not in an LMS."""
    query = (sa.select(LtiResourceLink, LtiUser.sub)
             .join(LtiDeployment, LtiDeployment.id == LtiResourceLink.deployment_id)
             .join(LtiPlatform, LtiPlatform.id == LtiDeployment.platform_id)
             .join(LtiUser, sa.and_(LtiUser.issuer == LtiPlatform.issuer,
                                    LtiUser.user_id == user.id))
             .where(LtiResourceLink.project_id == project_id,
                    LtiResourceLink.lineitem_url != ""))
    if document_id is not None:
        query = query.where(sa.or_(LtiResourceLink.document_id.is_(None),
                                   LtiResourceLink.document_id == document_id))
    return [(link, sub) for link, sub in db.session.execute(query).all()]


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def score(link: LtiResourceLink, user: User) -> dict[str, Any]:
    """The score of a student on a link by its formula, with its progress words and a
    plain-text comment. Without the answer key a key-based formula is "PendingManual"."""
    project = db.session.get(Project, link.project_id)
    if link.document_id is not None:
        document = db.session.get(Document, link.document_id)
        found = feedback.student_feedback(project, document, user)
        submitted, assigned = int(found["submitted"]), 1
        share = found.get("passages", {}).get("share") if found["has_key"] else None
        f1 = _mean([layer["f1"] for layer in found.get("layers", {}).values()])
        comment = found["summary"]
    else:
        report = feedback.student_report(project, user)
        totals = report["totals"]
        submitted, assigned = report["submitted"], report["assigned"]
        share = totals["share"]
        f1 = _mean([layer["f1"] for layer in totals["layers"].values()])
        # In the language of the request that queues it (the student's, or the teacher's
        # who sends the grades), as the single document's summary above is.
        comment = ngettext("%(submitted)s of %(num)d document submitted. Passages agreeing "
                           "with the answer key: %(share)s. Marked spans (F1): %(f1)s.",
                           "%(submitted)s of %(num)d documents submitted. Passages agreeing "
                           "with the answer key: %(share)s. Marked spans (F1): %(f1)s.",
                           assigned, submitted=submitted, share=_percent(share),
                           f1=_percent(f1))
    value = {"completion": submitted / assigned if assigned else None,
             "passages": share, "f1": f1}[link.formula]
    activity = "Completed" if assigned and submitted >= assigned else \
        "Submitted" if submitted else "InProgress"
    return {"score_given": None if value is None else round(value * SCORE_MAXIMUM, 2),
            "activity_progress": activity,
            "grading_progress": "PendingManual" if value is None else "FullyGraded",
            "comment": comment[:4000]}


def _queue(link: LtiResourceLink, user: User, sub: str) -> LtiGrade:
    grade = LtiGrade(resource_link_id=link.id, user_id=user.id, sub=sub,
                     score_maximum=SCORE_MAXIMUM, **score(link, user))
    db.session.add(grade)
    g.lti_grades_due = True
    return grade


def queue_submission(user: User, document: Document) -> int:
    """Queue the scores a student's submission changes (not committed: it joins the
    submission's transaction). Returns how many."""
    links = _links_of(user, document.project_id, document.id)
    for link, sub in links:
        _queue(link, user, sub)
    return len(links)


def queue_link(link: LtiResourceLink) -> int:
    """Queue every linked student's score on a course link (the teacher's "send grades",
    once the answer key is ready). One transaction."""
    rows = db.session.execute(
        sa.select(User, LtiUser.sub)
        .join(Membership, Membership.user_id == User.id)
        .join(LtiUser, LtiUser.user_id == User.id)
        .join(LtiPlatform, LtiPlatform.issuer == LtiUser.issuer)
        .join(LtiDeployment, LtiDeployment.platform_id == LtiPlatform.id)
        .where(Membership.project_id == link.project_id, Membership.role == "student",
               LtiDeployment.id == link.deployment_id)
        .order_by(User.id)).all()
    for user, sub in rows:
        _queue(link, user, sub)
    db.session.commit()
    return len(rows)


def _scores_url(lineitem: str) -> str:
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _claim(grade_id: int) -> bool:
    """Take a due grade for sending (a lease, so two senders never send it twice)."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(LtiGrade).where(LtiGrade.id == grade_id, LtiGrade.status == "pending",
                                  LtiGrade.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)).rowcount == 1
    db.session.commit()
    return taken


def _send(grade: LtiGrade) -> None:
    link = grade.resource_link
    platform = link.deployment.platform
    body = {"userId": grade.sub, "activityProgress": grade.activity_progress,
            "gradingProgress": grade.grading_progress,
            "timestamp": grade.created_at.isoformat()}
    if grade.score_given is not None:
        body.update(scoreGiven=grade.score_given, scoreMaximum=grade.score_maximum)
    if grade.comment:
        body["comment"] = grade.comment
    call(platform, [SCOPE_SCORE], "POST", _scores_url(link.lineitem_url), json=body,
         headers={"Content-Type": SCORE_TYPE})


def drain(limit: int = 50) -> dict[str, int]:
    """Send due grades, oldest first; a failure waits longer each time (1, 2, 4 … minutes)
    and is given up after MAX_ATTEMPTS. Returns counts of sent and failed."""
    due = list(db.session.scalars(
        sa.select(LtiGrade.id).where(LtiGrade.status == "pending",
                                     LtiGrade.next_attempt_at <= utcnow())
        .order_by(LtiGrade.id).limit(limit)))
    counts = {"sent": 0, "failed": 0}
    for grade_id in due:
        if not _claim(grade_id):
            continue
        grade = db.session.get(LtiGrade, grade_id)
        grade.attempts += 1
        try:
            _send(grade)
        except PlatformError as exc:
            grade.last_error = str(exc)[:500]
            if grade.attempts >= MAX_ATTEMPTS:
                grade.status = "failed"
            grade.next_attempt_at = utcnow() + timedelta(minutes=2 ** (grade.attempts - 1))
            counts["failed"] += 1
        else:
            grade.status, grade.sent_at, grade.last_error = "sent", utcnow(), ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def log(link: LtiResourceLink, limit: int = 500) -> list[tuple[LtiGrade, User]]:
    """What was queued and sent for a link, newest first."""
    return list(db.session.execute(
        sa.select(LtiGrade, User).join(User, User.id == LtiGrade.user_id)
        .where(LtiGrade.resource_link_id == link.id)
        .order_by(LtiGrade.id.desc()).limit(limit)).all())


def init_app(app: Flask) -> None:
    """After a request that queued grades, send them once the response is out: in the
    same worker, no thread that could die with it; what fails waits for the next request
    or for `flask lti send-grades` (run it from cron)."""

    @app.after_request
    def send_after(response):
        if g.get("lti_grades_due") and app.config.get("LTI_SEND_AFTER_REQUEST", True):
            application = current_app._get_current_object()

            def send() -> None:
                with application.app_context():
                    try:
                        drain()
                    except Exception:  # noqa: BLE001  (the queue keeps them for later)
                        application.logger.exception("sending LTI grades failed")
                    finally:
                        db.session.remove()

            response.call_on_close(send)
        return response
