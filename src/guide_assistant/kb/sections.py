"""A guide as a tree of sections with exact raw line ranges.

Each format's parser (``kb/parsers``) says which lines are headings (and at which
level), which are page furniture, and which are bare URLs; ``build_sections`` turns
that into sections. Furniture lines are left out of a section's text; URLs become the
section's links, never its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

URL_RE = re.compile(r"^\s*(https?://\S+|www\.\S+)\s*$")


@dataclass
class Section:
    source: str
    title: str
    level: int
    line_start: int
    line_end: int
    parent: Section | None = field(default=None, repr=False)
    children: list[Section] = field(default_factory=list, repr=False)
    content: list[int] = field(default_factory=list, repr=False)  # own content line numbers
    links: list[str] = field(default_factory=list)

    @property
    def path(self) -> list[str]:
        out: list[str] = []
        node: Section | None = self
        while node is not None and node.level > 0:
            out.append(node.title)
            node = node.parent
        return out[::-1]

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()

    def own_ranges(self) -> list[tuple[int, int]]:
        """The section's own content lines as contiguous runs (children excluded)."""
        runs: list[tuple[int, int]] = []
        for n in self.content:
            if runs and n == runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], n)
            else:
                runs.append((n, n))
        return runs


class Parser(Protocol):
    def classify(self, lines: list[str]) -> list[LineKind]: ...


@dataclass(frozen=True)
class LineKind:
    kind: str  # "heading" | "furniture" | "url" | "text" | "blank"
    level: int = 0
    title: str = ""


def build_sections(source: str, title: str, lines: list[str], kinds: list[LineKind]) -> Section:
    root = Section(source, title, 0, 1, len(lines))
    stack = [root]
    for n, (line, kind) in enumerate(zip(lines, kinds), 1):
        if kind.kind == "heading":
            while stack[-1].level >= kind.level:
                stack.pop()
            sec = Section(source, kind.title, kind.level, n, n, parent=stack[-1])
            stack[-1].children.append(sec)
            stack.append(sec)
            continue
        if kind.kind == "url":
            url = line.strip()
            if not url.startswith("http"):
                url = "https://" + url
            if url not in stack[-1].links:
                stack[-1].links.append(url)
        elif kind.kind == "text":
            stack[-1].content.append(n)
        for sec in stack:
            sec.line_end = n
    return root


def classify_with(
    lines: list[str],
    heading: Callable[[int, list[str]], tuple[int, str] | None],
    furniture: Callable[[int, list[str]], bool],
) -> list[LineKind]:
    """Classify each line (0-based index i) with a format's heading and furniture rules."""
    kinds: list[LineKind] = []
    for i, line in enumerate(lines):
        if not line.strip():
            kinds.append(LineKind("blank"))
        elif URL_RE.match(line):
            kinds.append(LineKind("url"))
        elif furniture(i, lines):
            kinds.append(LineKind("furniture"))
        else:
            h = heading(i, lines)
            kinds.append(LineKind("heading", h[0], h[1]) if h else LineKind("text"))
    return kinds


def prev_nonblank(lines: list[str], i: int) -> str:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return lines[j]
    return ""


def next_nonblank(lines: list[str], i: int) -> str:
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return lines[j]
    return ""
