"""The JSON API under /api/v1, described by /api/v1/openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Route modules attach themselves to bp.
from app.api import agreement, annotations, codebook, routes, sources  # noqa: E402,F401
