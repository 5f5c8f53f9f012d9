"""A PDF: pdfplumber (headings from font size and weight; page headers, footers and numbers dropped); a PDF
without a text layer goes to OCR (ocr.py)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from statistics import median

from guide_assistant.kb.ingest.blocks import Block, Extracted, IngestError, clean_text, join_lines
from guide_assistant.kb.ingest.ocr import ocr_pdf
from guide_assistant.kb.textnorm import fold

_PAGE_NUMBER_RE = re.compile(
    r"^(\d{1,4}|(sida|side|page|s\.)\s*\d{1,4}(\s*(av|af|of|/)\s*\d{1,4})?|\d{1,4}\s*(/|av|af|of)\s*\d{1,4})$", re.I
)
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
        edge: Counter[str] = Counter()
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
    weights: Counter[float] = Counter()
    for ln in body_lines:
        weights[ln.size] += len(ln.text)
    body = weights.most_common(1)[0][0]

    def heading_size(ln: _PdfLine) -> bool:
        return ln.size >= body * 1.12 and len(ln.text.split()) <= 18 and len(ln.text) <= 140 and not ln.text.endswith((",", ";"))

    sizes = sorted({ln.size for ln in body_lines if heading_size(ln)}, reverse=True)
    level_of = {s: min(i + 1, 3) for i, s in enumerate(sizes)}
    bold_level = min(len(sizes) + 1, 3)
    gaps = [
        b.top - a.top
        for a, b in pairwise(body_lines)
        if a.page == b.page and a.size == body and b.size == body and 0 < b.top - a.top < body * 3
    ]
    spacing = median(gaps) if gaps else body * 1.2
    blocks: list[Block] = []
    prev: _PdfLine | None = None
    current: Block | None = None
    for ln in body_lines:
        is_heading = heading_size(ln)
        is_bold_heading = (
            not is_heading
            and ln.bold
            and ln.size >= body * 0.95
            and len(ln.text.split()) <= 10
            and not ln.text.endswith((".", ",", ";", ":"))
            and not _PDF_BULLET_RE.match(ln.text)
            and not (prev is not None and prev.bold and current is not None and current.kind == "p")
        )
        gap = (ln.top - prev.top) if prev is not None and prev.page == ln.page else None
        if is_heading or is_bold_heading:
            level = level_of.get(ln.size, 3) if is_heading else bold_level
            if (
                current is not None
                and current.kind == "h"
                and current.level == level
                and prev is not None
                and prev.size == ln.size
                and gap is not None
                and gap < ln.size * 1.8
            ):
                current.text = join_lines(current.text, ln.text)
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
                current is None
                or current.kind == "h"
                or (gap is not None and gap > spacing * 1.45)
                or (gap is None and current.text.rstrip().endswith((".", "!", "?", ":")) and not ln.text[:1].islower())
                or (
                    current.kind in ("li", "num")
                    and prev is not None
                    and ln.x0 <= prev.x0 - 2
                    and gap is not None
                    and not ln.text[:1].islower()
                )
                or (current.kind == "p" and current.text.rstrip().endswith(":"))
            )
            if new_para or current is None:
                current = Block("p", ln.text)
                blocks.append(current)
            else:
                current.text = join_lines(current.text, ln.text)
        prev = ln
    return blocks


def _text_chars(lines: list[_PdfLine]) -> int:
    return sum(sum(c.isalnum() for c in ln.text) for ln in lines)


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
