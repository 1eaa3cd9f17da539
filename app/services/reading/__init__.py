"""Reading documents from the files teachers have: legacy text encodings, saved web pages,
PDFs and Word files, each turned into plain text whose paragraphs become passages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Extracted:
    """The text read out of a file, with what the file says about itself."""

    text: str
    how: str
    title: str = ""
    author: str = ""
    published: str = ""
    publisher: str = ""
    url: str = ""
