"""Large imports that never hold the database's writer for long (see `batches`)."""

from app.services.imports import reports
from app.services.imports.batches import Batch, Clash, clean_stale, import_in_parts
from app.services.imports.rows import NewDocument, loaded
from app.services.imports.rows import write as write_rows

__all__ = ["Batch", "Clash", "NewDocument", "clean_stale", "import_in_parts", "loaded",
           "reports", "write_rows"]
