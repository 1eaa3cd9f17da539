"""The peers' pages in headless Chromium, for benchmarks/peers.py: each signed in as it ships,
the annotation view of the forum thread opened, and its highlights waited for.

What counts as a highlight, found by looking at each page (its DOM and screenshots):

- doccano 1.8.4 draws the text as one SVG per line in a virtual scroller
  (vue-virtual-scroller) and a span as a thick `<line>` under its words; only the lines in
  view (and a few beyond) are ever in the DOM, so there is no moment when all 1,000 spans
  are drawn: its "all highlights" is n/a, with the number it draws;
- Label Studio 1.23.2 draws a region as a `span.htx-highlight` in the text; one annotation
  holds the regions shown together, so the page opened is the task with one more annotation
  holding all the spans of the task's other annotations (made before timing, through its
  API), and "all" is as many regions drawn (a region over two lines is two highlights
  sharing a class) as that annotation has;
- Potato 2.12.1 draws a span as a `.span-overlay-pure` over the text (with its
  `.span-highlight-segment` pieces, one per line it covers), fetched from its spans API after
  the page loads; "all" is as many overlays as the first load drew once quiet (it leaves out
  a span that runs over a blank line: 990 of 991 when this was written).
"""

from __future__ import annotations

from peers_tools import chromium_highlights, unique

PASSWORD = "peers-bench-password"


def shown(selector: str) -> str:
    """JavaScript: some element matching `selector` has a width. Playwright's "visible"
    looks at the first match only, which may be a span over a line break, never drawn."""
    return (f"() => [...document.querySelectorAll(\"{selector}\")]"
            ".some(e => e.getBoundingClientRect().width > 0)")


def doccano(tool, project, document) -> tuple[float, str]:
    """Seconds to the first span drawn, and why there is no "all" figure."""
    from peers_others import USER

    def login(page) -> None:
        page.goto(f"{tool.url}/auth")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Login").last.click()
        page.wait_for_url("**/projects*")

    drawn: list[int] = []

    def count(page) -> None:
        page.wait_for_load_state("networkidle")
        drawn.append(page.evaluate(DOCCANO_DRAWN))

    first, _ = chromium_highlights(login, tool.page_url(project, document), DOCCANO_SHOWN,
                                   "true", after=count)
    return first, (f"doccano draws only the lines in view (a virtual scroller): "
                   f"{max(drawn)} span underlines are in the page once it has loaded")


# A span's underline: a thick line in a text line's SVG (a relation's arrow is thinner).
# Playwright counts a horizontal line (no height) as hidden: shown is "has a width".
DOCCANO_LINE = ".vue-recycle-scroller__item-view svg line[stroke-width='5']"
DOCCANO_SHOWN = shown(DOCCANO_LINE)
DOCCANO_DRAWN = f"document.querySelectorAll(\"{DOCCANO_LINE}\").length"


def label_studio(tool, project, document) -> tuple[float, float]:
    """Seconds to the first region drawn and to all regions of the one annotation drawn."""
    annotation, regions = _one_annotation(tool, document)

    def login(page) -> None:
        page.goto(f"{tool.url}/user/login/")
        page.fill("input[name=email]", tool.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/user/login" not in url)

    target = (f"{tool.url}/projects/{project['id']}/data?task={document}"
              f"&annotation={annotation}")
    every = f"{LABEL_STUDIO_REGIONS} >= {regions}"
    try:
        return chromium_highlights(login, target, shown("span.htx-highlight"), every)
    finally:  # the export later in the round counts the spans made one per request
        tool.client().delete(f"{tool.url}/api/annotations/{annotation}/").raise_for_status()


# A region split over lines is several spans sharing a class named after the region.
LABEL_STUDIO_REGIONS = ("new Set([...document.querySelectorAll('span.htx-highlight')].map(e => "
                        "[...e.classList].find(c => c.startsWith('htx-highlight-')))).size")


def _one_annotation(tool, document) -> tuple[int, int]:
    """An annotation holding the regions of all the task's annotations (set-up, not timed);
    its id and its number of regions."""
    session = tool.client()
    listed = session.get(f"{tool.url}/api/tasks/{document}/annotations/")
    listed.raise_for_status()
    regions = []
    for annotation in listed.json():
        for region in annotation["result"]:
            regions.append(dict(region, id=unique()[:10]))
    made = session.post(f"{tool.url}/api/tasks/{document}/annotations/",
                        json={"result": regions})
    made.raise_for_status()
    return made.json()["id"], len(regions)


def potato(tool, project, document) -> tuple[float, float]:
    """Seconds to the first span drawn and to all the user's spans drawn."""
    spans = tool.spans_of_first_user(project, document)
    drawn: list[int] = []

    def settled(page) -> str:
        """The number of overlays once the first load is quiet: Potato leaves out a span
        that runs over a blank line, so that count, not the server's, is "all"."""
        page.wait_for_load_state("networkidle")
        drawn.append(page.evaluate(POTATO_DRAWN))
        page.wait_for_timeout(1000)
        drawn.append(page.evaluate(POTATO_DRAWN))
        if drawn[-1] < spans * 0.9:
            raise RuntimeError(f"Potato drew {drawn[-1]} of the {spans} spans")
        return f"{POTATO_DRAWN} >= {drawn[-1]}"

    def login(page) -> None:
        page.goto(f"{tool.url}/")
        page.fill("input[name=email]", f"{tool.user}0")
        page.keyboard.press("Enter")
        page.wait_for_url("**/annotate*")

    return chromium_highlights(login, f"{tool.url}/annotate", ".span-highlight-segment",
                               settled)


POTATO_DRAWN = "document.querySelectorAll('.span-overlay-pure').length"
