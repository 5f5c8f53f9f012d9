"""A Word document: python-docx (heading styles, list numbering, tables)."""

from __future__ import annotations

import re
from pathlib import Path

from guide_assistant.kb.ingest.blocks import Block, Extracted, clean_text

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
