"""One error shape for the API, friendly error pages for people."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as sa_orm_exc
from werkzeug.exceptions import HTTPException

from app.services.errors import ImportFailed, ServiceError, StaleVersion, TooManyAttempts

# What drivers say when the database cannot take a write right now.
BUSY = ("database is locked", "database is busy", "could not serialize access",
        "deadlock detected", "the database system is starting up",
        "the database system is shutting down")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(code: str, message: str, status: int, fields: dict | None = None, **extra):
    """The API's one error body: {"error": {"code", "message", "fields", …}}."""
    body = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    response = jsonify(error=body)
    response.status_code = status
    return response


def service_error_response(exc: ServiceError):
    extra = {}
    if isinstance(exc, StaleVersion):
        extra["current"] = exc.current
    counts = getattr(exc, "counts", None)
    if counts is not None:  # a confirmation the caller must give (what would be archived)
        extra["counts"] = counts
    if isinstance(exc, ImportFailed):
        extra["problems"] = [p.as_dict() for p in exc.problems]
    response = api_error(exc.code, exc.message, exc.status, exc.fields, **extra)
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        if wants_json():
            return service_error_response(exc)
        return render_template("errors/error.html", status=exc.status, message=exc.message), \
            exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form expired or came from another site. Reload the page and try again.")
        if wants_json():
            return api_error("csrf_failed", f"{message} ({exc.description})", 400)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        names = {404: _("Not found"), 413: _("The upload is too large"),
                 405: _("That method is not allowed here")}
        # Only people's pages name these; the API keeps the exception's own description.
        page_names = {400: _("The request could not be read"),
                      403: _("You may not open this page")}
        message = names.get(status) or page_names.get(status) or exc.name
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            megabytes = "%.0f" % (limit / (1024 * 1024))
            message = _("The upload is too large: at most %(mb)s MB at once.", mb=megabytes)
        if wants_json():
            code = exc.name.lower().replace(" ", "_")
            response = api_error(code, message if status in names else exc.description, status)
        else:
            response = app.make_response(
                (render_template("errors/error.html", status=status, message=message), status)
            )
        allow = exc.get_response().headers.get("Allow") if status == 405 else None
        if allow:
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(sa_orm_exc.StaleDataError)
    def changed_meanwhile(exc: sa_orm_exc.StaleDataError):
        """A write whose row another request changed or deleted after it was read (its
        UPDATE named the version it read and matched nothing): nothing was written."""
        from app.extensions import db

        db.session.rollback()
        message = _("This was changed meanwhile (in another tab?); nothing was saved. Reload.")
        if wants_json():
            return api_error("stale_version", message, 409, current=None)
        return render_template("errors/error.html", status=409, message=message), 409

    @app.errorhandler(sa_exc.OperationalError)
    def database_busy(exc: sa_exc.OperationalError):
        """SQLite still locked after its busy timeout (or a database that is restarting):
        nothing was written, so the client may safely send the same request again."""
        from app.extensions import db

        db.session.rollback()
        text = str(exc.orig).lower() if exc.orig is not None else ""
        if not any(word in text for word in BUSY):
            return server_error(exc)
        message = _("The database is busy; nothing was saved. Try again in a moment.")
        if wants_json():
            response = api_error("busy", message, 503)
        else:
            response = app.make_response(
                (render_template("errors/error.html", status=503, message=message), 503))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if app.testing:  # let the test see the real traceback
            raise exc
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        message = _("Something went wrong on our side.")
        if wants_json():
            return api_error("server_error", message, 500)
        return render_template("errors/error.html", status=500, message=message), 500
