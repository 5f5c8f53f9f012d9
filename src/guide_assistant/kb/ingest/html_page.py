"""A saved web page: BeautifulSoup's stdlib ``html.parser``; scripts, styles, navigation, page header, footer and
asides dropped; the ``main``/``article`` element when there is one."""

from __future__ import annotations

import re
from typing import Any

from guide_assistant.kb.ingest.blocks import Block, Extracted, clean_text

_DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "input",
    "textarea",
    "head",
    "title",
    "meta",
    "link",
    "object",
    "embed",
    "canvas",
    "audio",
    "video",
    "picture",
    "img",
    "map",
    "dialog",
    "menu",
}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar", "dialog", "alert", "toolbar"}
_DROP_NAMES = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|cookies?|cookie-banner|skip-?link|"
    r"site-header|site-footer|page-header|page-footer|footer|sidebar|share|social)($|[\s_-])",
    re.I,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "body",
    "html",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "header",
    "hr",
    "br",
    "caption",
    "fieldset",
    "center",
}


def extract_html(raw: bytes) -> Extracted:
    """Main text of a saved web page. Parsed with the stdlib parser (nothing is run or
    fetched); page furniture dropped; h1-h3 are headings (h4-h6 level 3)."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag
    from bs4.element import NavigableString

    soup = BeautifulSoup(raw, "html.parser")
    title_tag = soup.find("title")
    title_hint = clean_text(title_tag.get_text(" ")) if title_tag else None
    for tag in list(soup.find_all(True)):
        if tag.decomposed:
            continue
        name = (tag.name or "").lower()
        attrs = tag.attrs or {}
        classes = " ".join(attrs.get("class") or []) if isinstance(attrs.get("class"), list) else str(attrs.get("class") or "")
        ident = f"{classes} {attrs.get('id') or ''}"
        if (
            name in _DROP_TAGS
            or str(attrs.get("role", "")).lower() in _DROP_ROLES
            or str(attrs.get("aria-hidden", "")).lower() == "true"
            or "hidden" in attrs
            or re.search(r"display\s*:\s*none", str(attrs.get("style", "")), re.I)
            or (name == "header" and not tag.find(["h1", "h2"]))
            or (name not in ("main", "article", "body", "html") and _DROP_NAMES.search(ident) and not tag.find(["h1"]))
        ):
            tag.decompose()
    root = soup.find("main") or soup.find(role="main")
    if root is None:
        articles = soup.find_all("article")
        root = articles[0] if len(articles) == 1 else (soup.body or soup)
    blocks: list[Block] = []
    inline: list[str] = []

    def flush() -> None:
        text = clean_text(" ".join(inline))
        inline.clear()
        if text:
            blocks.append(Block("p", text))

    def inside(node: Any, tag: Tag) -> bool:
        return node is not None and any(p is tag for p in node.parents)

    def text_of(tag: Tag, skip_lists: bool = False) -> str:
        parts: list[str] = []
        for node in tag.descendants:
            if isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(node, NavigableString):
                if skip_lists and inside(node.find_parent(["ul", "ol"]), tag):
                    continue
                parts.append(str(node))
            elif isinstance(node, Tag) and node.name == "br":
                parts.append(" ")
        return clean_text(" ".join(parts))

    def emit_list(lst: Tag) -> None:
        numbered = lst.name.lower() == "ol"
        for k, li in enumerate(lst.find_all("li", recursive=False), 1):
            text = text_of(li, skip_lists=True)
            if text:
                blocks.append(Block("num", f"{k}. {text}") if numbered else Block("li", text))
            for sub in li.find_all(["ul", "ol"]):
                if sub.find_parent("li") is li:
                    emit_list(sub)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name not in _BLOCK_TAGS:
                inline.append(text_of(child))
                continue
            flush()
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                blocks.append(Block("h", text_of(child), min(int(name[1]), 3)))
            elif name in ("ul", "ol"):
                emit_list(child)
            elif name == "table":
                for tr in child.find_all("tr"):
                    cells = [text_of(td) for td in tr.find_all(["td", "th"], recursive=False)]
                    row = " | ".join(c for c in cells if c)
                    if row:
                        blocks.append(Block("p", row))
            elif name in ("p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"):
                if child.find(["p", "div", "ul", "ol", "table", "h1", "h2", "h3"]):
                    walk(child)
                else:
                    text = text_of(child)
                    if text:
                        blocks.append(Block("p", text))
            elif name in ("hr", "br"):
                pass
            else:
                walk(child)
            flush()

    walk(root)
    flush()
    return Extracted(blocks, title_hint=title_hint or None)


# --- DOCX ---------------------------------------------------------------------
