"""doccano, Label Studio and Potato in benchmarks/peers.py: installed and driven as they ship."""

from __future__ import annotations

from peers_tools import Tool, Unavailable


class Doccano(Tool):
    name = "doccano"

    def start(self) -> None:
        raise Unavailable("not written yet")


class LabelStudio(Tool):
    name = "label-studio"

    def start(self) -> None:
        raise Unavailable("not written yet")


class Potato(Tool):
    name = "potato"

    def start(self) -> None:
        raise Unavailable("not written yet")
