"""The checklist and the conversation as Word documents: headings per phase and activity,
checkboxes, roles, citations. Written whole to memory first, then atomically."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from guide_assistant.answers.labels import HUKI_LETTER
from guide_assistant.checklist.rows import HUKI_KEYS, ActivityOut
from guide_assistant.common.fsutil import write_export
from guide_assistant.common.i18n import N_, gettext
from guide_assistant.exports.wording import HUKI_LABELS, _by_phase, _lines, _Names, _rows
from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.stores.conversations import Conversation


def _save_docx(doc: DocxDocument, path: Path) -> None:
    buf = BytesIO()
    doc.save(buf)
    write_export(path, buf.getvalue())


def _cite(p: Paragraph, text: str) -> None:
    run = p.add_run(f" ({text})")
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _warn(p: Paragraph, review: str) -> None:
    if review:
        p.add_run(f" {review}").italic = True


def write_docx(kb: KnowledgeBase, rows: list[ActivityOut], path: Path, roles: list[str] | None = None, lang: str = "en") -> None:
    """The checklist as a meeting document: a heading per phase and activity, the HUKI roles,
    each step with a check box and its citation, then deliverables and the decision."""
    names = _Names.of(kb, lang)
    lines_word = gettext(lang, N_("lines"))
    doc = Document()
    title = gettext(lang, N_("Checklist"))
    doc.core_properties.title = title
    doc.add_heading(title, level=0)
    if roles:
        doc.add_paragraph(gettext(lang, N_("Role")) + ": " + ", ".join(names.role(r) for r in roles))
    for phase, acts in _by_phase(rows):
        doc.add_heading(names.phases.get(phase, phase), level=1)
        for a in acts:
            guide = names.guides.get(a.source, a.source)
            doc.add_heading(a.title_in(lang), level=2)
            p = doc.add_paragraph()
            p.add_run(a.section)
            _cite(p, f"{guide}, {lines_word} {_lines(a.line_start, a.line_end)}")
            huki = [(k, getattr(a.roles, k)) for k in HUKI_KEYS if getattr(a.roles, k)]
            if huki:
                p = doc.add_paragraph()
                for n, (k, ids) in enumerate(huki):
                    p.add_run(("; " if n else "") + f"{HUKI_LETTER[k]} {gettext(lang, HUKI_LABELS[k])}: ").bold = True
                    p.add_run(", ".join(names.role(r) for r in ids))
            if a.role_match:
                doc.add_paragraph(gettext(lang, N_("Your role")) + ": " + "".join(HUKI_LETTER[k] for k in a.role_match))
            previous = ""
            for r in _rows(a, lang):
                cite = f"{guide}, {lines_word} {_lines(r.line_start, r.line_end)}"
                if r.kind == "step":
                    p = doc.add_paragraph(("☒ " if r.done else "☐ ") + r.text)
                elif r.kind == "deliverable":
                    if previous != "deliverable":
                        doc.add_heading(gettext(lang, N_("Deliverables")), level=3)
                    p = doc.add_paragraph(r.text, style="List Bullet")
                elif r.kind == "decision":
                    doc.add_heading(gettext(lang, N_("Decision")), level=3)
                    p = doc.add_paragraph(r.text)
                else:
                    p = doc.add_paragraph("☐ " + r.text)
                    p.paragraph_format.left_indent = Pt(18)
                _cite(p, cite)
                _warn(p, r.review)
                previous = r.kind
    _save_docx(doc, path)


# --- the conversation -----------------------------------------------------------------

# **bold**, _italic_, `code` and backslash escapes (what answers are written with: answer._md)
INLINE = re.compile(
    r"\\(?P<esc>.)|\*\*(?P<bold>(?:\\.|[^*\\]|\*(?!\*))+)\*\*"
    r"|(?<![\w\\])_(?P<italic>(?:\\.|[^_\\])+)_(?!\w)|`(?P<code>[^`]+)`"
)
UNESCAPE = re.compile(r"\\(.)")
BULLET = re.compile(r"^\s*[-*] (?:\[(?P<box>[ xX])\] )?")


def _inline(p: Paragraph, text: str) -> None:
    """Add ``text`` to ``p`` as runs: bold, italic and code spans kept, escapes undone."""
    pos = 0
    plain = ""
    for m in INLINE.finditer(text):
        plain += text[pos : m.start()]
        pos = m.end()
        if m["esc"] is not None:
            plain += m["esc"]
            continue
        if plain:
            p.add_run(plain)
            plain = ""
        if m["bold"] is not None:
            p.add_run(UNESCAPE.sub(r"\1", m["bold"])).bold = True
        elif m["italic"] is not None:
            p.add_run(UNESCAPE.sub(r"\1", m["italic"])).italic = True
        else:
            p.add_run(m["code"]).font.name = "Consolas"
    plain += text[pos:]
    if plain:
        p.add_run(plain)


def _markdown(doc: DocxDocument, text: str) -> None:
    """The simplest Markdown of an answer: paragraphs, list items (and their indented
    continuation lines), bold / italic / code spans."""
    p: Paragraph | None = None
    for line in text.splitlines():
        if not line.strip():
            p = None
            continue
        m = BULLET.match(line)
        if m:
            box = {" ": "☐ ", "x": "☒ ", "X": "☒ "}.get(m["box"] or "", "")
            p = doc.add_paragraph(box, style="List Bullet")
            _inline(p, line[m.end() :])
        elif p is not None:  # a line of the paragraph or list item above
            p.add_run().add_break()
            _inline(p, line.strip())
        else:
            p = doc.add_paragraph()
            _inline(p, line.lstrip("# ").strip() if line.startswith("#") else line)


def conversation_docx(conversation: Conversation, path: Path, lang: str = "en") -> None:
    """The chat as a Word document: each question as a heading, its answer (with its
    sources, which the answer text lists) below."""
    doc = Document()
    title = gettext(lang, N_("Conversation"))
    doc.core_properties.title = title
    doc.add_heading(title, level=0)
    for t in conversation.turns:
        doc.add_heading(t.question, level=2)
        stamp = doc.add_paragraph().add_run(t.at)
        stamp.italic = True
        stamp.font.size = Pt(8)
        _markdown(doc, t.answer.answer)
    _save_docx(doc, path)
