"""The pages: projects, documents, the reading and annotation views, the codebook, tokens
and admin settings."""

from flask import Blueprint

bp = Blueprint("web", __name__)

# Route modules attach themselves to bp.
from app.web import (  # noqa: E402,F401
    admin,
    agreement,
    annotate,
    charts,
    claims,
    classroom,
    codebook,
    curation,
    datasets,
    documents_in,
    feedback,
    history,
    members,
    rounds,
    routes,
    sources,
    words,
)
