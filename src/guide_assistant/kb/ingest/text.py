"""Plain text: paragraphs, list items and headings told apart by their shape."""

from __future__ import annotations

import re

from guide_assistant.kb.ingest.blocks import Block, join_lines

_BULLET_RE = re.compile(r"^\s*[•·▪‣◦■□●○*+\-–]\s+(\S.*)$")
_NUM_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(\S.*)$")
_SENTENCE_END = (".", "!", "?", ":", ";")


def _looks_like_heading(text: str) -> bool:
    return (
        0 < len(text.split()) <= 10
        and len(text) <= 90
        and not text.endswith((".", ",", ";", ":", "!", "?"))
        and (text[:1].isupper() or text[:1].isdigit())
    )


def extract_text(raw: str) -> list[Block]:
    """Blocks of a plain text file: blank-line-separated groups; a group of one short line
    that does not end a sentence is a heading (the first one, or one in capitals, level 1;
    numbered '1.2 Title' by its depth; else level 2); bullet glyphs make bullets; lines of a
    paragraph wrapped by hand are joined."""
    blocks: list[Block] = []
    groups: list[list[str]] = [[]]
    for line in raw.splitlines():
        if line.strip():
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    seen_heading = False
    for gi, group in enumerate(groups):
        if len(group) == 1 and gi + 1 < len(groups) and _looks_like_heading(group[0].strip()) and not _BULLET_RE.match(group[0]):
            text = group[0].strip()
            m = _NUM_RE.match(text)
            if m and "." in m.group(1):
                level = min(m.group(1).count(".") + 1, 3)
            elif m:
                level = 1 if not seen_heading else 2
            else:
                letters = [c for c in text if c.isalpha()]
                level = 1 if not seen_heading or (letters and all(c.isupper() for c in letters)) else 2
            blocks.append(Block("h", text, level))
            seen_heading = True
            continue
        current: Block | None = None
        for line in group:
            stripped = line.strip()
            b = _BULLET_RE.match(line)
            n = _NUM_RE.match(line)
            if b:
                current = Block("li", b.group(1))
                blocks.append(current)
            elif n and not n.group(2)[:1].islower():
                current = Block("num", stripped)
                blocks.append(current)
            elif current is not None and (
                not current.text.rstrip().endswith(_SENTENCE_END) or stripped[:1].islower() or line[:1].isspace()
            ):
                current.text = join_lines(current.text, stripped)
            else:
                current = Block("p", stripped)
                blocks.append(current)
    return blocks
