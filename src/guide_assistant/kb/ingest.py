"""Add a guide from the file it arrived as (``guide-assistant kb add``).

The file's text is extracted with real parsers, never evaluated: plain text and Markdown
are read as lines, HTML with BeautifulSoup's stdlib ``html.parser`` (scripts, styles,
navigation, page header, footer and asides dropped; the ``main``/``article`` element when
there is one), DOCX with python-docx (heading styles, list numbering, tables), PDF with
pdfplumber (headings from font size and weight, page headers/footers and page numbers
dropped). A PDF without a text layer is OCR'd with Debian's ``ocrmypdf`` when installed.

What is written (every file atomically; on any failure all of it is taken back):
- ``knowledge/sources/<id>.txt``: one paragraph per line, headings as Markdown "#"/"##"/"###",
  bullets as "- " lines, blank lines between blocks (read by ``kb/parsers/generic.py``);
- ``knowledge/originals/<id><ext>``: the file as it arrived (its sha256 in sources.yaml);
- ``knowledge/cleanup/words/<id>.yaml``: the word fixes (none yet) and the heading markers
  the readable text leaves out;
- an entry appended to ``knowledge/sources.yaml`` and suggested crosswalk entries appended
  to ``knowledge/phases.yaml`` (text appended, so comments and layout stay as they are).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from statistics import median
from typing import Callable

import yaml

from guide_assistant.config import Paths
from guide_assistant.fsutil import atomic_write_bytes, atomic_write_text
from guide_assistant.kb.cleanup import SUSPENDED_BEFORE, Cleaner
from guide_assistant.kb.load import Guide, KnowledgeBase, check_knowledge
from guide_assistant.kb.schema import ID_RE, SourceEntry
from guide_assistant.kb.sections import Section
from guide_assistant.kb.sources import SourceText
from guide_assistant.kb.textnorm import fold

SUPPORTED = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
             ".pdf": "pdf", ".docx": "docx"}
LANGUAGES = ("sv", "nb", "da", "en")
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "swe": "sv", "dan": "da", "eng": "en"}
OCR_PACKAGES = "ocrmypdf tesseract-ocr-swe tesseract-ocr-nor"
OCR_LANGS = ("swe", "nor", "dan", "eng")
# The heading markers the generated text carries; the readable text leaves them out.
HEADING_MARKS = {"#" * n: "" for n in range(1, 7)}
MAX_FILE_BYTES = 200 * 1024 * 1024
PROTO_CHARS = 220  # phase suggestions: the embedder's cost grows steeply with length, so short texts one at a time


class IngestError(Exception):
    """The file cannot be added; the message says why (nothing was written)."""


# --- blocks ----------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "h" heading | "p" paragraph | "li" bullet | "num" numbered line
    text: str
    level: int = 0


@dataclass
class Extracted:
    blocks: list[Block]
    ocr: bool = False
    title_hint: str | None = None  # HTML <title>, DOCX/PDF metadata title


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def clean_text(text: str) -> str:
    """One line of plain text: NFC, control and invisible characters out, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(" " if (unicodedata.category(c)[0] == "C" or c in "\u2028\u2029") else c for c in text)
    return " ".join(text.split())


def render(blocks: list[Block]) -> str:
    """The source text: one block per line, "#" headings, "- " bullets, a blank line between
    blocks (none between the lines of one list)."""
    out: list[str] = []
    prev = ""
    for b in blocks:
        text = clean_text(b.text)
        if not text:
            continue
        if b.kind == "h" and len(text) <= 200:
            line = "#" * max(1, min(b.level, 6)) + " " + text.rstrip("#").strip()
            kind = "h"
        elif b.kind == "li":
            line, kind = "- " + text.lstrip("•·▪‣◦■□●○*+-–— ").strip(), "list"
        elif b.kind == "num":
            line, kind = text, "list"
        else:
            # a paragraph is never read as a heading or a bullet by the generic parser
            line, kind = ("\\" + text if text.startswith("#") else text), "p"
            if line.startswith("- "):
                kind = "list"
        if out and not (kind == "list" and prev == "list"):
            out.append("")
        out.append(line)
        prev = kind
    return "\n".join(out) + "\n" if out else ""


# --- plain text and Markdown ----------------------------------------------

_BULLET_RE = re.compile(r"^\s*[•·▪‣◦■□●○*+\-–]\s+(\S.*)$")
_NUM_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(\S.*)$")
_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_SENTENCE_END = (".", "!", "?", ":", ";")


def _looks_like_heading(text: str) -> bool:
    return (0 < len(text.split()) <= 10 and len(text) <= 90 and not text.endswith((".", ",", ";", ":", "!", "?"))
            and (text[:1].isupper() or text[:1].isdigit()))


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
        if len(group) == 1 and gi + 1 < len(groups) and _looks_like_heading(group[0].strip()) \
                and not _BULLET_RE.match(group[0]):
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
            elif current is not None and (not current.text.rstrip().endswith(_SENTENCE_END)
                                          or stripped[:1].islower() or line[:1].isspace()):
                current.text = _join(current.text, stripped)
            else:
                current = Block("p", stripped)
                blocks.append(current)
    return blocks


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
            last_list = Block("li", b.group(1)) if b else Block("num", f"{n.group(1)}. {n.group(2)}")
            blocks.append(last_list)
            continue
        if last_list is not None and not para and line[:1].isspace():
            last_list.text = _join(last_list.text, s.strip())
            continue
        last_list = None
        para.append(s.strip())
    flush()
    return blocks


def _join(head: str, tail: str) -> str:
    """Two pieces of one paragraph; a word hyphenated at the break is joined again
    ('upphand-' + 'lingen'), a suspended compound keeps its hyphen ('vård- och omsorg')."""
    head = head.rstrip()
    if re.search(r"[^\W\d_]-$", head) and tail[:1].islower():
        first = re.match(r"[^\W\d_]+", tail)
        if first is None or first.group(0).casefold() not in SUSPENDED_BEFORE:
            return head[:-1] + tail
    return head + " " + tail


# --- HTML ---------------------------------------------------------------------

_DROP_TAGS = {"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "iframe", "svg",
              "button", "select", "input", "textarea", "head", "title", "meta", "link", "object", "embed",
              "canvas", "audio", "video", "picture", "img", "map", "dialog", "menu"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar", "dialog",
               "alert", "toolbar"}
_DROP_NAMES = re.compile(r"(^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|cookies?|cookie-banner|skip-?link|"
                         r"site-header|site-footer|page-header|page-footer|footer|sidebar|share|social)($|[\s_-])", re.I)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "body", "html", "blockquote", "pre", "ul", "ol", "li",
               "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt",
               "dd", "figure", "figcaption", "address", "details", "summary", "header", "hr", "br", "caption",
               "fieldset", "center"}


def extract_html(raw: bytes) -> Extracted:
    """Main text of a saved web page. Parsed with the stdlib parser (nothing is run or
    fetched); page furniture dropped; h1-h3 are headings (h4-h6 level 3)."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

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
    root = soup.find("main") or soup.find(attrs={"role": "main"})
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

    def inside(node, tag: Tag) -> bool:
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

_DOCX_HEADING_RE = re.compile(r"^(heading|rubrik|overskrift|überschrift|titre)\s*(\d)$", re.I)
_DOCX_TITLE = {"title", "rubrik", "tittel", "titel"}


def extract_docx(path: Path) -> Extracted:
    """Paragraphs of a .docx in order, with heading styles (Heading n / Rubrik n /
    Overskrift n, or an outline level), list numbering and table rows."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    numbering = None
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        numbering = None

    def num_format(num_id: str, ilvl: str) -> str:
        if numbering is None:
            return "bullet"
        for num in numbering.findall(qn("w:num")):
            if num.get(qn("w:numId")) != num_id:
                continue
            abstract = num.find(qn("w:abstractNumId"))
            aid = abstract.get(qn("w:val")) if abstract is not None else None
            for an in numbering.findall(qn("w:abstractNum")):
                if an.get(qn("w:abstractNumId")) != aid:
                    continue
                for lvl in an.findall(qn("w:lvl")):
                    if lvl.get(qn("w:ilvl")) == ilvl:
                        fmt = lvl.find(qn("w:numFmt"))
                        return fmt.get(qn("w:val")) if fmt is not None else "bullet"
        return "bullet"

    blocks: list[Block] = []
    counters: dict[tuple[str, str], int] = {}
    has_title = False
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = clean_text(cell.text)
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    blocks.append(Block("p", " | ".join(cells)))
            continue
        if child.tag != qn("w:p"):
            continue
        para = Paragraph(child, document)
        text = clean_text(para.text)
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = _DOCX_HEADING_RE.match(style.strip())
        ppr = child.find(qn("w:pPr"))
        outline = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if style.strip().casefold() in _DOCX_TITLE:
            blocks.append(Block("h", text, 1))
            has_title = True
        elif m:
            blocks.append(Block("h", text, int(m.group(2)) + (1 if has_title else 0)))
        elif outline is not None and (outline.get(qn("w:val")) or "9").isdigit() and int(outline.get(qn("w:val"))) < 6:
            blocks.append(Block("h", text, int(outline.get(qn("w:val"))) + 1 + (1 if has_title else 0)))
        else:
            numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
            if numpr is not None:
                nid = numpr.find(qn("w:numId"))
                lvl = numpr.find(qn("w:ilvl"))
                num_id = nid.get(qn("w:val")) if nid is not None else "0"
                ilvl = lvl.get(qn("w:val")) if lvl is not None else "0"
                fmt = num_format(num_id, ilvl)
                if fmt in ("bullet", "none"):
                    blocks.append(Block("li", text))
                else:
                    counters[(num_id, ilvl)] = counters.get((num_id, ilvl), 0) + 1
                    blocks.append(Block("num", f"{counters[(num_id, ilvl)]}. {text}"))
            elif "list number" in style.casefold():
                counters[("style", style)] = counters.get(("style", style), 0) + 1
                blocks.append(Block("num", f"{counters[('style', style)]}. {text}"))
            elif "list" in style.casefold() and "paragraph" not in style.casefold():
                blocks.append(Block("li", text))
            else:
                blocks.append(Block("p", text))
    title = clean_text(document.core_properties.title or "") or None
    return Extracted(blocks, title_hint=title)


# --- PDF ----------------------------------------------------------------------

_PAGE_NUMBER_RE = re.compile(r"^(\d{1,4}|(sida|side|page|s\.)\s*\d{1,4}(\s*(av|af|of|/)\s*\d{1,4})?|\d{1,4}\s*(/|av|af|of)\s*\d{1,4})$", re.I)
_PDF_BULLET_RE = re.compile(r"^[•·▪‣◦■□●○\-–*]\s*(?=\S)")
_PDF_NUM_RE = re.compile(r"^\d{1,2}[.)]\s+\S")
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass
class _PdfLine:
    text: str
    page: int
    x0: float
    top: float
    bottom: float
    size: float
    bold: bool


def _pdf_lines(path: Path) -> tuple[list[_PdfLine], int, str | None]:
    import pdfplumber

    out: list[_PdfLine] = []
    with pdfplumber.open(str(path)) as pdf:
        title = (pdf.metadata or {}).get("Title")
        pages = len(pdf.pages)
        for pno, page in enumerate(pdf.pages):
            for ln in page.extract_text_lines(return_chars=True, strip=True):
                chars = [c for c in ln.get("chars", []) if str(c.get("text", "")).strip()]
                text = clean_text(ln.get("text", ""))
                if not text or not chars:
                    continue
                size = round(median(float(c.get("size", 0)) for c in chars), 1)
                bold = sum(bool(_BOLD_RE.search(str(c.get("fontname", "")))) for c in chars) >= 0.6 * len(chars)
                out.append(_PdfLine(text, pno, float(ln["x0"]), float(ln["top"]), float(ln["bottom"]), size, bold))
    return out, pages, (clean_text(str(title)) if isinstance(title, (str, bytes)) and str(title).strip() else None)


def _furniture(lines: list[_PdfLine], pages: int) -> set[int]:
    """Page numbers, and lines that repeat at the top or bottom of many pages."""
    drop = {i for i, ln in enumerate(lines) if _PAGE_NUMBER_RE.match(ln.text)}
    if pages >= 3:
        by_page: dict[int, list[int]] = {}
        for i, ln in enumerate(lines):
            by_page.setdefault(ln.page, []).append(i)
        edge = Counter()
        for idx in by_page.values():
            for i in {idx[0], idx[-1], *idx[:2], *idx[-2:]}:
                edge[re.sub(r"\d+", "#", fold(lines[i].text))] += 1
        common = {k for k, v in edge.items() if v >= max(3, pages // 2)}
        for idx in by_page.values():
            for i in {*idx[:2], *idx[-2:]}:
                if re.sub(r"\d+", "#", fold(lines[i].text)) in common:
                    drop.add(i)
    return drop


def blocks_from_pdf_lines(lines: list[_PdfLine], pages: int) -> list[Block]:
    """Headings from font size (larger than the body text: the largest size level 1, the
    next 2, smaller 3) or from bold short lines at body size; paragraphs from line spacing;
    bullets from bullet glyphs; numbered lines as their own blocks."""
    drop = _furniture(lines, pages)
    body_lines = [ln for i, ln in enumerate(lines) if i not in drop]
    if not body_lines:
        return []
    weights = Counter()
    for ln in body_lines:
        weights[ln.size] += len(ln.text)
    body = weights.most_common(1)[0][0]

    def heading_size(ln: _PdfLine) -> bool:
        return ln.size >= body * 1.12 and len(ln.text.split()) <= 18 and len(ln.text) <= 140 \
            and not ln.text.endswith((",", ";"))

    sizes = sorted({ln.size for ln in body_lines if heading_size(ln)}, reverse=True)
    level_of = {s: min(i + 1, 3) for i, s in enumerate(sizes)}
    bold_level = min(len(sizes) + 1, 3)
    gaps = [b.top - a.top for a, b in zip(body_lines, body_lines[1:])
            if a.page == b.page and a.size == body and b.size == body and 0 < b.top - a.top < body * 3]
    spacing = median(gaps) if gaps else body * 1.2
    blocks: list[Block] = []
    prev: _PdfLine | None = None
    current: Block | None = None
    for ln in body_lines:
        is_heading = heading_size(ln)
        is_bold_heading = (not is_heading and ln.bold and ln.size >= body * 0.95 and len(ln.text.split()) <= 10
                           and not ln.text.endswith((".", ",", ";", ":")) and not _PDF_BULLET_RE.match(ln.text)
                           and not (prev is not None and prev.bold and current is not None and current.kind == "p"))
        gap = (ln.top - prev.top) if prev is not None and prev.page == ln.page else None
        if is_heading or is_bold_heading:
            level = level_of.get(ln.size, 3) if is_heading else bold_level
            if (current is not None and current.kind == "h" and current.level == level and prev is not None
                    and prev.size == ln.size and gap is not None and gap < ln.size * 1.8):
                current.text = _join(current.text, ln.text)
            else:
                current = Block("h", ln.text, level)
                blocks.append(current)
        elif _PDF_BULLET_RE.match(ln.text):
            current = Block("li", _PDF_BULLET_RE.sub("", ln.text))
            blocks.append(current)
        elif _PDF_NUM_RE.match(ln.text):
            current = Block("num", ln.text)
            blocks.append(current)
        else:
            new_para = (
                current is None or current.kind == "h"
                or (gap is not None and gap > spacing * 1.45)
                or (gap is None and current.text.rstrip().endswith((".", "!", "?", ":")) and not ln.text[:1].islower())
                or (current.kind in ("li", "num") and prev is not None and ln.x0 <= prev.x0 - 2 and gap is not None
                    and not ln.text[:1].islower())
                or (current.kind == "p" and current.text.rstrip().endswith(":"))
            )
            if new_para:
                current = Block("p", ln.text)
                blocks.append(current)
            else:
                current.text = _join(current.text, ln.text)
        prev = ln
    return blocks


def _text_chars(lines: list[_PdfLine]) -> int:
    return sum(sum(c.isalnum() for c in ln.text) for ln in lines)


def tesseract_languages() -> set[str]:
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {l.strip() for l in (out.stdout + out.stderr).splitlines()[1:] if l.strip() and " " not in l.strip()}


def ocr_pdf(path: Path, workdir: Path) -> Path:
    """The PDF with a text layer made by ``ocrmypdf`` (tesseract, Swedish and Norwegian);
    IngestError naming the Debian packages when they are not installed."""
    exe = shutil.which("ocrmypdf")
    langs = [l for l in OCR_LANGS if l in tesseract_languages()]
    if exe is None or not ({"swe", "nor"} & set(langs)):
        missing = "ocrmypdf is not installed" if exe is None else "tesseract has neither Swedish nor Norwegian"
        raise IngestError(
            f"{path.name} has no text layer (a scanned PDF) and needs OCR, but {missing}: install Debian's "
            f"packages {OCR_PACKAGES} (apt-get install -y {OCR_PACKAGES}) and run kb add again"
        )
    out = workdir / "ocr.pdf"
    try:
        run = subprocess.run([exe, "-l", "+".join(langs), "--skip-text", "--quiet", str(path), str(out)],
                             capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        raise IngestError(f"OCR of {path.name} failed: {e}") from None
    if run.returncode != 0 or not out.is_file():
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise IngestError(f"OCR of {path.name} failed (ocrmypdf exit {run.returncode}): {' '.join(tail)}")
    return out


def extract_pdf(path: Path, workdir: Path) -> Extracted:
    try:
        lines, pages, title = _pdf_lines(path)
    except Exception as e:  # pdfminer raises many kinds (syntax, encryption, ...)
        raise IngestError(f"cannot read {path.name} as a PDF: {type(e).__name__}: {e}".rstrip(": ")) from None
    ocr = False
    if _text_chars(lines) < 20 * max(1, pages) and _text_chars(lines) < 200:
        ocred = ocr_pdf(path, workdir)
        try:
            lines, pages, _ = _pdf_lines(ocred)
        except Exception as e:
            raise IngestError(f"cannot read the OCR'd {path.name}: {type(e).__name__}: {e}") from None
        ocr = True
    return Extracted(blocks_from_pdf_lines(lines, pages), ocr=ocr, title_hint=title)


# --- dispatch -----------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise IngestError(f"{name} is not a text file (not UTF-8 or Windows-1252 text)")


def extract(path: Path, workdir: Path) -> Extracted:
    """The blocks of a file, by its extension; IngestError when it cannot be read."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"unsupported file type '{path.suffix or path.name}': kb add reads "
                          + ", ".join(sorted(SUPPORTED)))
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read {path}: {e.strerror or e}") from None
    if not raw.strip():
        raise IngestError(f"{path.name} is empty")
    if kind == "text":
        return Extracted(extract_text(_decode(raw, path.name)))
    if kind == "markdown":
        return Extracted(extract_markdown(_decode(raw, path.name)))
    if kind == "html":
        try:
            return extract_html(raw)
        except Exception as e:
            raise IngestError(f"cannot read {path.name} as HTML: {type(e).__name__}: {e}") from None
    if kind == "docx":
        try:
            return extract_docx(path)
        except Exception as e:
            raise IngestError(f"cannot read {path.name} as a Word document (.docx): {type(e).__name__}: {e}") from None
    return extract_pdf(path, workdir)


# --- language, ids, YAML text --------------------------------------------------


def detect_language(text: str) -> str:
    """sv, nb, da or en, by lingua over the first few thousand characters (Nynorsk counts as nb)."""
    from lingua import Language, LanguageDetectorBuilder

    names = {Language.SWEDISH: "sv", Language.BOKMAL: "nb", Language.NYNORSK: "nb", Language.DANISH: "da",
             Language.ENGLISH: "en"}
    detector = LanguageDetectorBuilder.from_languages(*names).build()
    found = detector.detect_language_of(text[:4000])
    return names.get(found, "sv") if found is not None else "sv"


def normalise_language(value: str) -> str:
    lang = LANGUAGE_ALIASES.get(value.strip().lower(), value.strip().lower())
    if lang not in LANGUAGES:
        raise IngestError(f"unknown language '{value}'; valid: sv, nb (or no), da, en")
    return lang


def slug(text: str, max_len: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s[:max_len].strip("-")


def yq(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _list_indent(text: str, key: str, default: str = "  ") -> str:
    found = re.findall(rf"^([ \t]*)- {key}:", text, re.M)
    return found[-1] if found else default


def _appended(old: str, block: str) -> str:
    return (old if old.endswith("\n") or not old else old + "\n") + block


# --- atomic writes with rollback -----------------------------------------------


class Transaction:
    """Files written one by one (each atomically); ``rollback`` puts every one back."""

    def __init__(self) -> None:
        self.undo: list[tuple[Path, bytes | None, bool]] = []  # path, old content, folder created

    def write(self, path: Path, data: bytes | str, must_be_new: bool = False) -> None:
        if must_be_new and path.exists():
            raise IngestError(f"{path} exists already; nothing was written")
        old = path.read_bytes() if path.exists() else None
        created = not path.parent.exists()
        self.undo.append((path, old, created))
        if isinstance(data, str):
            atomic_write_text(path, data)
        else:
            atomic_write_bytes(path, data)

    def rollback(self) -> None:
        for path, old, created in reversed(self.undo):
            try:
                if old is None:
                    path.unlink(missing_ok=True)
                    if created:
                        try:
                            path.parent.rmdir()
                        except OSError:
                            pass
                else:
                    atomic_write_bytes(path, old)
            except OSError:
                pass
        self.undo.clear()


# --- phase suggestions ----------------------------------------------------------


@dataclass
class Suggestion:
    section: Section
    path: str
    lines: tuple[int, int]
    phase: str
    scores: dict[str, float] = field(default_factory=dict)


def section_text(guide: Guide, sec: Section, limit: int = PROTO_CHARS) -> str:
    lines = sorted(n for s in sec.walk() for n in s.content)
    body = guide.readable(lines[0], lines[-1], set(lines)) if lines else ""
    return (sec.title + "\n" + " ".join(body.split()))[:limit] if sec.level > 0 else " ".join(body.split())[:limit]


def _last_nonblank(guide: Guide, start: int, end: int) -> int:
    while end > start and not guide.text.lines[end - 1].strip():
        end -= 1
    return end


def suggestion_sections(guide: Guide) -> list[Section]:
    """The sections that get a crosswalk entry: those of the two highest heading levels
    (the whole guide when it has no headings)."""
    sections = [s for s in guide.sections.walk() if s.level > 0]
    if not sections:
        return [guide.sections]
    levels = sorted({s.level for s in sections})[:2]
    return [s for s in sections if s.level in levels]


def _chunks(phrases: list[str], limit: int = PROTO_CHARS) -> list[str]:
    out: list[str] = []
    for ph in phrases:
        if out and len(out[-1]) + len(ph) + 2 <= limit:
            out[-1] += "; " + ph
        else:
            out.append(ph[:limit])
    return out


def _phase_documents(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Per phase, short texts: its names and description, its aliases, and the names the
    guides' own (reviewed) crosswalk entries give it."""
    docs: dict[str, list[str]] = {}
    for p in kb.phases.phases:
        aliases = [*p.aliases.en, *p.aliases.sv, *p.aliases.no]
        docs[p.id] = [f"{p.name.en}. {p.name.sv}. {p.name.no}. {p.description}"[:PROTO_CHARS + 80], *_chunks(aliases)]
    crosswalk: dict[str, list[str]] = {p: [] for p in docs}
    for c in kb.phases.crosswalk:
        if c.suggested or len(c.phases) != 1:
            continue
        crosswalk[c.phases[0]].append(f"{c.section.split(' > ')[-1]} ({c.section_en})")
    for p, names in crosswalk.items():
        docs[p] += _chunks(list(dict.fromkeys(names)))
    return docs


def _embed_each(embedder, texts: list[str]):
    import numpy as np

    return np.vstack([embedder.embed_queries([t]) for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)


def _lexical_votes(kb: KnowledgeBase, text: str, lang: str) -> dict[str, float]:
    """Per phase: how many words of its names and aliases stand in the text (stems), the
    longest alias found counting most."""
    from guide_assistant.retrieval.lexical import STEMMERS, raw_tokens, stems

    lang = lang if lang in STEMMERS else "sv"
    have = set(stems(raw_tokens(text), lang)) | set(stems(raw_tokens(text), "en"))
    votes: dict[str, float] = {}
    for p in kb.phases.phases:
        best = 0.0
        phrases = [(p.name.en, "en"), (p.name.sv, "sv"), (p.name.no, "nb"), *((a, "en") for a in p.aliases.en),
                   *((a, "sv") for a in p.aliases.sv), *((a, "nb") for a in p.aliases.no)]
        total = 0.0
        for phrase, plang in phrases:
            want = set(stems(raw_tokens(phrase), plang))
            if want and want <= have:
                best = max(best, len(want))
                total += 1
        votes[p.id] = best + 0.25 * total
    return votes


def suggest_phases(kb: KnowledgeBase, guide: Guide, embedder=None) -> list[Suggestion]:
    """A canonical phase for each top- and second-level section: the phase whose names,
    description, aliases and crosswalk vocabulary are nearest to the section's title and
    opening text (the embedder's cosine, as z-scores over the seven phases) plus a lexical
    vote (the phase's names and aliases found in the section)."""
    import numpy as np

    from guide_assistant.indexing.embedders import load_embedder

    sections = suggestion_sections(guide)
    if embedder is None:
        embedder = load_embedder()
    docs = _phase_documents(kb)
    order = list(docs)
    flat = [(p, t) for p in order for t in docs[p]]
    proto = _embed_each(embedder, [t for _, t in flat])
    texts = [section_text(guide, s) or s.title for s in sections]
    vecs = _embed_each(embedder, texts)
    out: list[Suggestion] = []
    for sec, text, v in zip(sections, texts, vecs):
        sims = proto @ v
        dense = {p: float(max(s for (q, _), s in zip(flat, sims) if q == p)) for p in order}
        vals = np.array([dense[p] for p in order])
        z = (vals - vals.mean()) / (vals.std() or 1.0)
        lex = _lexical_votes(kb, text, guide.entry.language)
        top = max(lex.values()) or 1.0
        scores = {p: float(z[i]) + 1.0 * (lex[p] / top) for i, p in enumerate(order)}
        phase = max(order, key=lambda p: scores[p])
        start = sec.line_start
        end = _last_nonblank(guide, start, sec.line_end)
        out.append(Suggestion(sec, sec.path_text or guide.entry.title, (start, end), phase, scores))
    return out


def crosswalk_text(guide: Guide, suggestions: list[Suggestion], indent: str, when: str) -> str:
    pad = indent + "  "
    lines = [f"{indent}# --- {guide.entry.title} ({guide.entry.file}): added with `kb add` on {when};"
             f" phases suggested from the text, to be reviewed ---"]
    for s in suggestions:
        lines += [
            f"{indent}- source: {yq(guide.entry.file)}",
            f"{pad}section: {yq(s.path)}",
            f"{pad}section_en: {yq(s.path)}",
            f"{pad}lines: [{s.lines[0]}, {s.lines[1]}]",
            f"{pad}phases: [{s.phase}]",
            f"{pad}suggested: true",
        ]
    return "\n".join(lines) + "\n"


# --- kb add -------------------------------------------------------------------


@dataclass
class AddResult:
    entry: SourceEntry
    lines: int
    sections: int
    suggestions: list[Suggestion]
    written: list[str]
    garbled_share: float | None = None
    garble_note: str | None = None


def _words_file(entry: SourceEntry) -> str:
    marks = "\n".join(f"  {yq(k)}: \"\"" for k in HEADING_MARKS)
    return (
        f"# Word fixes for {entry.file} (added with `kb add`). No OCR fixes yet"
        + (" (review the garble check: `guide-assistant kb quality`)" if entry.ocr else "")
        + ".\n# The \"#\" entries are not OCR fixes: they leave the heading markers of the generated text\n"
        + "# out of the readable text.\n"
        + f"source: {yq(entry.file)}\nline_prefixes: []\nwords:\n{marks}\nrejected: []\n"
    )


def add_guide(
    paths: Paths,
    file: Path,
    source_id: str | None = None,
    title: str | None = None,
    language: str | None = None,
    publisher: str | None = None,
    today: date | None = None,
    embedder=None,
    log: Callable[[str], None] = lambda s: None,
) -> AddResult:
    """Extract ``file``, write the source, the original, the word-fix file, the registry
    entry and the suggested crosswalk entries; check the knowledge base; undo all of it on
    any failure. IngestError (or KnowledgeError for a knowledge base that is already invalid)."""
    from guide_assistant.kb.errors import KnowledgeError
    from guide_assistant.kb.load import load_knowledge

    file = Path(file)
    if not file.exists():
        raise IngestError(f"{file}: no such file")
    if not file.is_file():
        raise IngestError(f"{file}: not a file")
    ext = file.suffix.lower()
    if ext not in SUPPORTED:
        raise IngestError(f"unsupported file type '{file.suffix or file.name}': kb add reads "
                          + ", ".join(sorted(SUPPORTED)))
    try:
        size = file.stat().st_size
        with file.open("rb") as f:
            original = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise IngestError(f"cannot read {file}: {e.strerror or e}") from None
    if size > MAX_FILE_BYTES or len(original) > MAX_FILE_BYTES:
        raise IngestError(f"{file.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    kb = load_knowledge(paths)
    sid = source_id if source_id is not None else slug(file.stem)
    if not sid or not re.match(ID_RE, sid):
        raise IngestError(f"'{sid}' is not a valid source id (lowercase a-z, 0-9 and -); give one with --id")
    target = paths.sources / f"{sid}.txt"
    originals = paths.knowledge / "originals"
    sha = hashlib.sha256(original).hexdigest()
    if sid in kb.guides:
        raise IngestError(f"a source with id '{sid}' exists already in knowledge/sources.yaml; give another with --id")
    for g in kb.guides.values():
        if g.entry.file == target.name:
            raise IngestError(f"knowledge/sources.yaml already registers {target.name} (id {g.entry.id})")
        if g.entry.original_sha256 == sha:
            raise IngestError(f"this file was added already, as source '{g.entry.id}'")
    for path in (target, originals / f"{sid}{ext}", paths.knowledge / "activities" / f"{sid}.yaml",
                 paths.knowledge / "cleanup" / "words" / f"{sid}.yaml",
                 paths.knowledge / "cleanup" / "passages" / f"{sid}.yaml"):
        if path.exists():
            raise IngestError(f"{paths.rel(path)} exists already; remove it or give another --id")
    lang_given = normalise_language(language) if language else None

    with tempfile.TemporaryDirectory(prefix="kb-add-") as tmp:
        copy = Path(tmp) / "in" / file.name
        copy.parent.mkdir()
        copy.write_bytes(original)  # extract from what was read, so the hash matches the text
        extracted = extract(copy, Path(tmp))
    text = render(extracted.blocks)
    if sum(c.isalnum() for c in text) < 20:
        raise IngestError(f"no text found in {file.name}")
    first_heading = next((b.text for b in extracted.blocks if b.kind == "h" and clean_text(b.text)), None)
    title = clean_text(title or "") or clean_text(first_heading or "") or extracted.title_hint or file.stem
    lang = lang_given or detect_language(" ".join(b.text for b in extracted.blocks))
    when = (today or date.today()).isoformat()
    entry = SourceEntry(
        id=sid, file=target.name, title=title, title_en=title, publisher=clean_text(publisher or "") or "unknown",
        language=lang, origin=f"added with kb add from {file.name} on {when}", ocr=extracted.ocr, parser="generic",
        original=f"{sid}{ext}", original_sha256=sha,
    )
    raw = text.encode("utf-8")
    source = SourceText(entry, raw)
    cleaner = Cleaner(dict(HEADING_MARKS), language=lang)
    guide = Guide(entry, source, cleaner)
    root = guide.sections
    result = AddResult(entry, len(source.lines), sum(1 for s in root.walk() if s.level > 0), [], [])
    if extracted.ocr:
        result.garbled_share, result.garble_note = _garble(guide)
    log("suggesting phases for the sections...")
    result.suggestions = suggest_phases(kb, guide, embedder)

    reg_path = paths.knowledge / "sources.yaml"
    ph_path = paths.knowledge / "phases.yaml"
    reg_old = reg_path.read_text(encoding="utf-8")
    ph_old = ph_path.read_text(encoding="utf-8")
    ind = _list_indent(reg_old, "id")
    pad = ind + "  "
    reg_block = "\n".join([
        f"{ind}- id: {sid}",
        f"{pad}file: {yq(entry.file)}",
        f"{pad}title: {yq(entry.title)}",
        f"{pad}title_en: {yq(entry.title_en)}",
        f"{pad}publisher: {yq(entry.publisher)}",
        f"{pad}language: {lang}",
        f"{pad}origin: {yq(entry.origin)}",
        f"{pad}ocr: {'true' if entry.ocr else 'false'}",
        f"{pad}parser: generic",
        f"{pad}original: {yq(entry.original)}",
        f"{pad}original_sha256: {sha}",
    ]) + "\n"
    reg_new = _appended(reg_old, reg_block)
    ph_new = _appended(ph_old, crosswalk_text(guide, result.suggestions, _list_indent(ph_old, "source"), when))
    _check_appended(reg_old, reg_new, "sources", sid, "id")
    _check_appended(ph_old, ph_new, "crosswalk", entry.file, "source", len(result.suggestions))

    tx = Transaction()
    try:
        tx.write(target, raw, must_be_new=True)
        tx.write(originals / f"{sid}{ext}", original, must_be_new=True)
        tx.write(paths.knowledge / "cleanup" / "words" / f"{sid}.yaml", _words_file(entry), must_be_new=True)
        tx.write(reg_path, reg_new)
        tx.write(ph_path, ph_new)
        _, problems = check_knowledge(paths, check_fidelity=False)
        if problems:
            raise IngestError("the knowledge base would not be valid; nothing was added:\n"
                              + "\n".join(str(p) for p in problems))
    except BaseException:
        tx.rollback()
        raise
    result.written = [paths.rel(p) for p, _, _ in tx.undo]
    return result


def _check_appended(old: str, new: str, key: str, value: str, field_name: str, count: int = 1) -> None:
    """The appended text must land as the last entries of the file's ``key`` list."""
    try:
        before = (yaml.safe_load(old) or {}).get(key) or []
        after = (yaml.safe_load(new) or {}).get(key) or []
    except yaml.YAMLError as e:
        raise IngestError(f"cannot append to the {key} list: {e}") from None
    added = after[len(before):]
    if len(added) != count or any(not isinstance(a, dict) or a.get(field_name) != value for a in added):
        raise IngestError(f"cannot append to the {key} list: it is not the last list of its file; nothing was written")


def _garble(guide: Guide) -> tuple[float | None, str | None]:
    from guide_assistant.kb import garble
    from guide_assistant.kb.quality import texts

    lang = guide.entry.language
    if not garble.supports(lang):
        return None, f"no garble check for language '{lang}' (only sv, nb)"
    try:
        return garble.count(texts(guide)[1], lang).share, None
    except garble.DictionaryMissing as e:
        return None, f"garble check skipped: {e}"
