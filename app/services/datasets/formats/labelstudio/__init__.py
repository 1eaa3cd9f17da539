"""Label Studio JSON export: one JSON array of tasks, each document one task with one
annotation per annotator, matching the labeling config that `labeling_config(ctx)` returns.

    {"id": 17,
     "data": {"text": "...", "title": "...", "source_name": "000_x.txt", "document_id": 17},
     "annotations": [{
        "id": 1, "completed_by": {"id": 1, "email": "", "first_name": "aigerim",
                                  "last_name": ""},
        "was_cancelled": false, "ground_truth": false,
        "result": [
          {"id": "r3", "from_name": "rhetoric", "to_name": "text", "type": "labels",
           "value": {"start": 48, "end": 64, "text": "shooting to kill",
                     "labels": ["loaded_language"]},
           "meta": {"text": ["the annotator's note"], "attributes": {"verdict": "unchecked"}}},
          {"id": "f1", "from_name": "doc_rating.reliability", "to_name": "text",
           "type": "rating", "value": {"rating": 4}}]}],
     "predictions": []}

The config has one `<Labels>` control per layer (its name is the layer key, each `<Label>`
value a label key) on one `<Text name="text" value="$text">`, and one control per field of
the rating form, named `<form key>.<field key>` (`<form key>.<field>.<item>` for each item
of a checklist): `<Rating>` for ordinal scales from 1 without a special value, `<Choices>` for
other ordinal scales (values as strings), nominal fields and checklist items, `<TextArea>` for
text. It sets `white-space: pre-wrap` on the text: without it Label Studio trims spaces in
what it shows and saves, and offsets drift.

The annotator is who Label Studio says completed the annotation: `completed_by` carries the
name as `first_name` (Label Studio's export puts the user's id, email and names there); on
reading, the name is first and last name, else the email, else `user<id>` (the importer
turns a name no username can be into a valid one, and lists the mapping). The gold key is
the annotator named `gold`, written with `ground_truth: true`; on request
(`ground_truth_gold`), every annotation marked `ground_truth` is read as the gold key's.

A span's note is the region's meta text (the "Meta" box of a region in Label Studio), its
attributes go in the region's meta as `attributes`; Label Studio keeps a region's meta as
it is (it only edits `text`). Reading also accepts notes and attributes as per-region
results (a `<TextArea perRegion="true">` or `<Choices perRegion="true">` with the region's
id): the part of `from_name` after the last dot is the attribute, `note` the note.

What survives: texts, metadata, every span with layer, label, note and attributes
(whole-passage source types come back as `source` spans), and ratings. Dropped: whether an
annotator marked the document done (Label Studio has no such state for an annotation).

Offsets. Label Studio's Text offsets are code points today. Its frontend is JavaScript,
whose string indices are UTF-16 code units, and until 2022 results after an emoji or other
character outside the Basic Multilingual Plane were off by one per such character
(HumanSignal/label-studio#1347, #1008); the fix (label-studio-frontend#308, "store code
points instead of js length") counts code points, and the current frontend builds its text
model from `[...text]`, which iterates code points (#4988, on 1.9, confirms the exported
offsets are right while the highlight is drawn wrong). So we write code points. On reading,
a region whose offsets do not give its stored `text` is tried as UTF-16 offsets, as an
older export has them, and converted when that gives the text; otherwise it is a problem.
"""

from __future__ import annotations

from app.services.datasets.formats.labelstudio.common import (
    EXTENSION,
    MEDIA_TYPE,
    META_FIELDS,
    NAME,
    TEXT,
)
from app.services.datasets.formats.labelstudio.config import labeling_config
from app.services.datasets.formats.labelstudio.reading import read
from app.services.datasets.formats.labelstudio.writing import write

__all__ = [
    "EXTENSION",
    "MEDIA_TYPE",
    "META_FIELDS",
    "NAME",
    "TEXT",
    "labeling_config",
    "read",
    "write",
]
