"""An answer's Markdown as a tree the templates render (with autoescape): no HTML string is
ever made from an answer or from guide text. Only the shapes answers use are kept
(paragraphs, lists, headings, strong, emphasis, code, line breaks); links become their
text; ``[n]`` becomes a citation node the template links to the source viewer."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

CITE_RE = re.compile(r"\[(\d+)\]")
BLOCK_TAGS = {"p", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
INLINE_TAGS = {"strong", "em"}

Node = dict[str, Any]


@cache
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def _text(text: str) -> list[Node]:
    out: list[Node] = []
    pos = 0
    for m in CITE_RE.finditer(text):
        if m.start() > pos:
            out.append({"t": "text", "text": text[pos : m.start()]})
        out.append({"t": "cite", "n": int(m.group(1))})
        pos = m.end()
    if pos < len(text):
        out.append({"t": "text", "text": text[pos:]})
    return out


def _inline(children) -> list[Node]:
    root: Node = {"t": "span", "c": []}
    stack = [root]
    for tok in children or []:
        if tok.type == "text":
            stack[-1]["c"].extend(_text(tok.content))
        elif tok.type == "code_inline":
            stack[-1]["c"].append({"t": "code", "text": tok.content})
        elif tok.type in ("softbreak", "hardbreak"):
            stack[-1]["c"].append({"t": "br"})
        elif tok.nesting == 1:
            node: Node = {"t": tok.tag if tok.tag in INLINE_TAGS else "span", "c": []}
            stack[-1]["c"].append(node)
            stack.append(node)
        elif tok.nesting == -1 and len(stack) > 1:
            stack.pop()
    return root["c"]


def markdown_tree(markdown: str) -> list[Node]:
    """The blocks of ``markdown``: {"t": tag, "c": children} and {"t": "text" | "cite" | "code" | "br"} leaves."""
    root: Node = {"t": "root", "c": []}
    stack = [root]
    for tok in _parser().parse(markdown):
        if tok.type == "inline":
            stack[-1]["c"].extend(_inline(tok.children))
        elif tok.type in ("fence", "code_block"):
            stack[-1]["c"].append({"t": "pre", "text": tok.content})
        elif tok.nesting == 1:
            if tok.hidden:  # the paragraph of a tight list item: its text goes in the item
                stack.append(stack[-1])
                continue
            node: Node = {"t": tok.tag if tok.tag in BLOCK_TAGS else "p", "c": []}
            stack[-1]["c"].append(node)
            stack.append(node)
        elif tok.nesting == -1 and len(stack) > 1:
            stack.pop()
    return root["c"]
