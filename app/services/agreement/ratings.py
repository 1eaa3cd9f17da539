"""The rating form: interval and ordinal alpha for scales, nominal for categories; the
documents are the items, so an interval needs MIN_INTERVAL_UNITS documents rated twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app import agreement as engine
from app.models import Document
from app.services.agreement.figures import alpha_with_interval, counts, figure, warnings
from app.services.agreement.work import LIVE, Work
from app.services.vocabulary import Vocabulary


def ratings_section(documents: list[Document], users: dict[int, str],
                    words: Vocabulary, work: Work = LIVE) -> dict[str, Any]:
    """Every field of the rating form; a field a rater left empty is missing for them."""
    column = {d.id: i for i, d in enumerate(documents)}
    row = {uid: i for i, uid in enumerate(users)}
    ratings = work.ratings(list(column))

    def matrix_of(read: Callable[[dict], Any]) -> np.ndarray:
        grid = np.full((len(users), len(documents)), np.nan)
        for doc, uid, values in ratings:
            value = read(values or {})
            if uid in row and isinstance(value, int | float) and not isinstance(value, bool):
                grid[row[uid], column[doc]] = value
        return grid

    fields = []
    for field in words.document_form.get("fields", []):
        key, kind = field["key"], field.get("type")
        if kind == "ordinal":
            grid = matrix_of(lambda values, key=key: values.get(key))
            figures = [alpha_with_interval(grid, level, "documents")
                       for level in ("interval", "ordinal")]
            fields.append({"field": key, "name": field.get("name", key), "coefficients": figures,
                           "warnings": warnings(grid, counts(grid)["n_pairable"])})
        elif kind == "nominal":
            options = list(field.get("values", []))
            grid = matrix_of(lambda values, key=key, options=options: options.index(
                values[key]) if values.get(key) in options else None)
            fields.append(_nominal_field(key, field.get("name", key), grid))
        elif kind == "checklist":
            options = list(field.get("values", []))
            for item in field.get("items", []):
                grid = matrix_of(lambda values, key=key, item=item["key"], options=options:
                                 options.index(values.get(key, {}).get(item))
                                 if values.get(key, {}).get(item) in options else None)
                fields.append(_nominal_field(f"{key}.{item['key']}", item.get("text", ""), grid))
    return {"fields": fields}


def _nominal_field(key: str, name: str, grid: np.ndarray) -> dict[str, Any]:
    tally = counts(grid)
    return {"field": key, "name": name, "coefficients": [figure(
        "alpha_nominal", lambda: engine.krippendorff_alpha(grid, "nominal"), **tally)],
        "warnings": warnings(grid, tally["n_pairable"])}
