"""A saved web page: the article's main text and metadata, read by trafilatura (offline:
it is handed the page, never an address), with menus, banners and other page furniture
left out. A page with no article (a bare snippet) keeps its visible text, as it says."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from lxml import etree
from trafilatura import bare_extraction

from app.services.reading import Extracted
from app.services.texts import html_to_text

#: Browsers' "Save page as" note where the page came from: <!-- saved from url=(0042)https://… -->
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->")
#: trafilatura's XML for the blocks of a text; each becomes a paragraph.
_BLOCKS = {"p", "head", "quote", "list", "table", "code"}


def _paragraphs(body: etree._Element) -> list[str]:
    """The text of every block of trafilatura's body, line breaks kept inside a block."""
    paragraphs = []
    for block in body:
        if block.tag in {"list", "table"}:
            # An item or a row is a line of its own: one voice each, as in a bulleted list.
            rows = block.iter("item", "row")
            lines = [" ".join(" ".join(row.itertext()).split()) for row in rows]
        else:
            for br in block.iter("lb"):
                br.tail = "\n" + (br.tail or "")
            lines = [" ".join(line.split()) for line in "".join(block.itertext()).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return paragraphs


def read_webpage(source: str) -> Extracted:
    """The main text of a saved page (paragraphs separated by blank lines) and its
    title, author, date, site name and address as far as the page gives them."""
    result = bare_extraction(source, with_metadata=True, include_comments=False,
                             include_tables=True, deduplicate=False, favor_precision=True)
    paragraphs = _paragraphs(result.body) if result is not None and result.body is not None \
        else []
    visible, page_title = html_to_text(source)
    if not paragraphs:
        return Extracted(text=visible, title=page_title,
                         how=_("no article found on the page; all of its visible text kept"))
    saved_from = _SAVED_FROM.search(source[:2000])
    return Extracted(
        text="\n\n".join(paragraphs) + "\n",
        how=_("the page's main text; menus, banners and other page furniture left out"),
        title=result.title or page_title,
        author=result.author or "",
        published=result.date or "",
        publisher=result.sitename or "",
        url=result.url or (saved_from.group(1) if saved_from else ""),
    )
