"""The dataset formats: each module has NAME, EXTENSION, MEDIA_TYPE, `write` and, where
the format can be imported, `read`."""

from __future__ import annotations

import importlib
from types import ModuleType

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.errors import Invalid

_MODULES = {
    "jsonl": "jsonl",
    "csv": "csv_",
    "doccano": "doccano",
    "label-studio": "labelstudio",
    "brat": "brat",
    "conll": "conll",
    "conll-space": "conll_space",
    "ptc": "ptc",
    "hf": "hf",
}
EXPORT_FORMATS = tuple(_MODULES)
IMPORT_FORMATS = ("jsonl", "doccano", "label-studio", "brat", "ptc")

DESCRIPTIONS = {
    "jsonl": _l("Sourcemark JSONL: everything, one document per line (round-trips exactly)"),
    "csv": _l("CSV: one row per span, passage tag or rating field (opens in spreadsheets)"),
    "doccano": _l("doccano sequence-labelling JSONL, one file per annotator (zip)"),
    "label-studio": _l("Label Studio JSON tasks with each annotator's annotations"),
    "brat": _l("brat standoff: .txt and .ann per document and annotator (zip)"),
    "conll": _l("CoNLL-2003-style BIO per token, one column per layer, tab-separated (zip)"),
    "conll-space": _l("CoNLL-2003 as its loaders read it: the same, space-separated (zip)"),
    "ptc": _l("SemEval-2020 Task 11 (PTC): article<ID>.txt and technique labels (zip)"),
    "hf": _l("Hugging Face datasets: JSONL with declared features and a card (zip)"),
}


def module(name: str) -> ModuleType:
    if name not in _MODULES:
        raise Invalid(_("Unknown format '%(name)s'; use one of %(value)s.",
                        name=name, value=', '.join(EXPORT_FORMATS)),
                      {"format": "unknown"})
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")


def writer(name: str) -> ModuleType:
    return module(name)


def reader(name: str) -> ModuleType:
    if name not in IMPORT_FORMATS:
        raise Invalid(_("'%(name)s' cannot be imported; import one of %(value)s.",
                        name=name, value=', '.join(IMPORT_FORMATS)), {"format": "not importable"})
    return module(name)
