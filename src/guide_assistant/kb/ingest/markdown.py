"""Markdown: ATX headings, lists and paragraphs (read as lines, never rendered)."""

from __future__ import annotations

import re

from guide_assistant.kb.ingest.blocks import Block, join_lines

_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def extract_markdown(raw: str) -> list[Block]:
    """Blocks of a Markdown file, read as lines (nothing rendered): ATX and setext headings,
    "-"/"*"/"+" bullets, numbered lines, paragraphs joined; code and inline markup kept as text."""
    blocks: list[Block] = []
    para: list[str] = []
    in_code = False
    last_list: Block | None = None

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(Block("p", " ".join(para)))
        para = []

    for line in raw.splitlines():
        s = line.rstrip()
        if s.lstrip().startswith(("```", "~~~")):
            flush()
            in_code = not in_code
            last_list = None
            continue
        if in_code:
            if s.strip():
                blocks.append(Block("p", s.strip()))
            continue
        if not s.strip():
            flush()
            continue
        m = _MD_HEADING_RE.match(s)
        if m and m.group(2):
            flush()
            blocks.append(Block("h", m.group(2), len(m.group(1))))
            last_list = None
            continue
        if re.match(r"^\s{0,3}(=+|-+)\s*$", s) and len(para) == 1:
            blocks.append(Block("h", para[0], 1 if s.strip()[0] == "=" else 2))
            para = []
            last_list = None
            continue
        if _MD_RULE_RE.match(s):
            flush()
            last_list = None
            continue
        b = re.match(r"^\s*[-*+]\s+(\S.*)$", s)
        n = re.match(r"^\s*(\d{1,3})[.)]\s+(\S.*)$", s)
        if b or n:
            flush()
            last_list = Block("li", b.group(1)) if b else Block("num", f"{n.group(1)}. {n.group(2)}") if n else Block("li", s)
            blocks.append(last_list)
            continue
        if last_list is not None and not para and line[:1].isspace():
            last_list.text = join_lines(last_list.text, s.strip())
            continue
        last_list = None
        para.append(s.strip())
    flush()
    return blocks
