"""The pages: projects, documents, the reading view, tokens and admin settings."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import routes  # noqa: E402,F401  (routes attach themselves to bp)
