"""The pages: projects, documents, the reading and annotation views, the codebook, tokens
and admin settings."""

from flask import Blueprint

bp = Blueprint("web", __name__)

# Route modules attach themselves to bp.
from app.web import agreement, annotate, codebook, datasets, routes  # noqa: E402,F401
