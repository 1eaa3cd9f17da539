"""brat standoff: a zip with a folder per annotator (`gold/` for the gold key) holding
`<stem>.txt` and `<stem>.ann` for each document, and `annotation.conf` and `visual.conf` at
the root, which brat applies to every folder below them.

    aigerim/a.ann
    T1	loaded_language 48 64	shooting to kill
    #1	AnnotatorNotes T1	needs a second look
    T2	official_statement 0 24	Police 👮‍♀️ said 14 died
    A1	role T2 voice
    #2	Sourcemark T2	{"speaker": "Police"}

Offsets are code points into the `.txt`, half-open: brat is Python and indexes the text as
a Unicode string (only a "narrow" Python 2 build, as on Windows, would count a character
outside the Basic Multilingual Plane twice). brat's `.ann` is line-oriented and a span may
not cross a line break, so a span that does is written as fragments split at the breaks
(`T3	testimony 26 40;41 50`, with the fragments' texts joined by a space, as brat writes
them). Line breaks at the very start or end of a span cannot be written and are left out of
it.

Discontinuous spans. Reading joins fragments whose gaps are only white space (line breaks,
tabs: how brat writes a span across lines) into one span. Fragments with words between
them (`T1	loaded_language 0 6;15 19`) are never widened over their gap: each fragment
becomes a span of its own with the same label and attributes, linked by a note that
starts `[brat T1, part 1 of 2]` (the brat annotation's own note follows it).

CR LF. A brat server counts a CR LF pair as one character (nlplab/brat#853): a `.ann`
written over a `.txt` with Windows line ends has offsets into the text with every CR LF
read as LF. Reading tries the file's own count first and, when its texts do not match
there, brat's; either way the text comes in with LF line ends and the offsets are mapped
to it.

Type names. brat allows only `[A-Za-z0-9_-]` in type and attribute names; our flat labels
(`ExportContext.flat_label`) are lowercase keys that may hold `.` (`claim.no_source`) and
`:` (`layer:key` where two layers share a key). `.` is written as `-` and any other
character as `-X<hex code>-` (`:` is `-X3A-`); both are undone on reading. `annotation.conf`
lists the codebook's labels under one non-selectable group per layer (`!RHETORIC`),
allows any overlap of spans, and declares the attributes the export uses; `visual.conf`
gives each type its label name.

Notes and attributes. A note is brat's own `AnnotatorNotes` comment. An attribute becomes
a brat attribute where brat can hold it: `true` as a binary attribute (`A1	is_requote T4`),
a value that is a lowercase identifier (as enum values are: `voice`, `unchecked`) as a
multi-valued one (`A2	verdict T5 unchecked`). Anything else (free text such as a speaker,
numbers, lists such as evidence, and the exact text of a note that has line breaks, which
`AnnotatorNotes` shows on one line) goes in a `Sourcemark` comment on the span as a JSON
object. So everything survives a round trip: texts, spans with layer, label, note and
attributes (whole-passage source types come back as `source` spans covering the passage);
brat has no place for ratings, whether an annotator is done, or the document's metadata
other than its file name (read back as `source_name`); `documents.tsv` beside the files
gives each one's title, id and language, read back when present.

`read` takes each `.ann` with the `.txt` beside it as one annotator's work on a document
(a `.txt` alone, such as a README, is not a document); the annotator is the folder holding
them, or for files at the top of the zip, the zip's name. Relations, events, normalisations
and equivalences (`R`, `E`, `N`, `*` lines) are ignored.
"""

from __future__ import annotations

from app.services.datasets.formats.brat.common import (
    EXTENSION,
    INDEX,
    LINE_BREAKS,
    MEDIA_TYPE,
    NAME,
)
from app.services.datasets.formats.brat.names import brat_name, from_brat_name
from app.services.datasets.formats.brat.reading import read
from app.services.datasets.formats.brat.writing import (
    annotation_conf,
    fragments,
    visual_conf,
    write,
)

__all__ = [
    "EXTENSION",
    "INDEX",
    "LINE_BREAKS",
    "MEDIA_TYPE",
    "NAME",
    "brat_name",
    "from_brat_name",
    "read",
    "annotation_conf",
    "fragments",
    "visual_conf",
    "write",
]
