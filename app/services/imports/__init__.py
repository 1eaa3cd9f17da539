"""Large imports that never hold the database's writer for long (see `batches`)."""

from app.services.imports import reports
from app.services.imports.batches import Batch, Clash, clean_stale, import_in_parts

__all__ = ["Batch", "Clash", "clean_stale", "import_in_parts", "reports"]
