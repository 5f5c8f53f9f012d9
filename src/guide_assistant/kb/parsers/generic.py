"""A guide added with ``kb add``: text written by ``kb/ingest/`` from the file it arrived as.

One paragraph per line, headings marked with Markdown "#" prefixes (the level is the number
of "#"), bullets as "- " lines (content, like any paragraph), blank lines between blocks.
A line that starts with an escaped "\\#" is text. Bare URLs on a line of their own become
the section's links.
"""

from __future__ import annotations

import re

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.sections import LineKind, classify_with

HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(\S.*?)(?:[ \t]+#+)?[ \t]*$")


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) of a "#" heading line, or None."""
    m = HEADING_RE.match(line)
    if m is None:
        return None
    return len(m.group(1)), m.group(2).strip()


def classify(lines: list[str], cleaner: Cleaner) -> list[LineKind]:
    def furniture(i: int, ls: list[str]) -> bool:
        return False

    def heading(i: int, ls: list[str]) -> tuple[int, str] | None:
        return heading_of(ls[i])

    return classify_with(lines, heading, furniture)
