"""Checklists and conversations as Excel and Word files, to tick off in a meeting.

The same content as ``checklist.to_markdown``: each activity's steps with their HUKI
roles, deliverables, decision and its questions, every row cited to its guide and lines.
English readers get the English wording; Swedish and Norwegian readers the guide's own.
Labels go through the gettext catalogs (``N_`` marks them for Babel). Files are written
whole to memory first, then atomically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from guide_assistant.fsutil import atomic_write_bytes
from guide_assistant.guidance.checklist import HUKI_KEYS, ActivityOut, phase_title, review_mark, role_names
from guide_assistant.guidance.conversation import Conversation
from guide_assistant.guidance.labels import HUKI_LETTER
from guide_assistant.i18n import N_, gettext
from guide_assistant.kb.load import KnowledgeBase

# what a row of the sheet is (the Kind column: a filter picks steps, deliverables, ...)
KINDS = {"step": N_("step"), "deliverable": N_("deliverable"), "decision": N_("decision"), "question": N_("question")}
HUKI_LABELS = {"accountable": N_("Accountable"), "responsible": N_("Responsible"),
               "consulted": N_("Consulted"), "informed": N_("Informed")}
DONE = "x"  # what a ticked row holds in the Done column (the reader types it in Excel)
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
UPRIGHT = Alignment(text_rotation=90, vertical="bottom", horizontal="center")
HEADER = Alignment(wrap_text=True, vertical="bottom")


# --- shared wording -------------------------------------------------------------------


def _original(lang: str) -> bool:
    """Swedish and Norwegian readers read the guide's own wording; English readers the English."""
    return lang != "en"


def _review(review: str | None, done: bool = False, lang: str = "en") -> str:
    """``checklist.review_mark`` as plain text (no Markdown bold)."""
    return review_mark(review, done, lang).replace("**", "").strip()


def _lines(start: int, end: int) -> str:
    return f"{start}–{end}"


@dataclass(frozen=True)
class _Names:
    guides: dict[str, str]  # guide file -> title in lang
    phases: dict[str, str]  # phase id -> "<order>. <name in lang>"
    roles: dict[str, str]  # role id -> name in lang
    role_order: list[str]

    @classmethod
    def of(cls, kb: KnowledgeBase, lang: str) -> _Names:
        return cls(
            guides={g.entry.file: g.entry.title_en if lang == "en" else g.entry.title for g in kb.guides.values()},
            phases=phase_title(kb, lang),
            roles=role_names(kb, lang),
            role_order=[r.id for r in kb.roles.roles],
        )

    def role(self, rid: str) -> str:
        return self.roles.get(rid, rid)


def _by_phase(rows: list[ActivityOut]) -> Iterator[tuple[str, list[ActivityOut]]]:
    """Consecutive activities of one phase (``checklist`` sorts them by phase)."""
    group: list[ActivityOut] = []
    for a in rows:
        if group and a.phase != group[0].phase:
            yield group[0].phase, group
            group = []
        group.append(a)
    if group:
        yield group[0].phase, group


def _huki(a: ActivityOut, rid: str) -> str:
    """The HUKI letters role ``rid`` holds in activity ``a`` ("HU", "K", "")."""
    return "".join(HUKI_LETTER[k] for k in HUKI_KEYS if rid in getattr(a.roles, k))


def _save_docx(doc: DocxDocument, path: Path) -> None:
    buf = BytesIO()
    doc.save(buf)
    atomic_write_bytes(path, buf.getvalue())


# --- Excel ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    kind: str
    text: str
    done: bool | None  # None: not something ticked in the checklist (a deliverable, a decision)
    review: str
    line_start: int
    line_end: int


def _rows(a: ActivityOut, lang: str) -> list[_Row]:
    orig = _original(lang)
    out = [_Row("step", s.original if orig else s.text, s.done, _review(s.review, s.done, lang), s.line_start, s.line_end)
           for s in a.steps]
    out += [_Row("deliverable", d.original if orig else d.text, None, _review(d.review, lang=lang), d.line_start, d.line_end)
            for d in a.deliverables]
    if a.decision is not None:
        d = a.decision
        out.append(_Row("decision", d.original if orig else d.text, None, "", d.line_start, d.line_end))
        out += [_Row("question", q.original if orig else q.text, False, _review(q.review, lang=lang), q.line_start, q.line_end)
                for q in d.questions]
    return out


LINE_HEIGHT = 15  # points per line of 11-point text


def _wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a close estimate)."""
    per_line = max(int(width * 1.1), 1)  # column width counts '0' digits; text averages a little narrower
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def sheet_title(name: str) -> str:
    """A phase name as an Excel sheet title: no ``[]:*?/\\``, no edge apostrophes, at most 31 characters."""
    return SHEET_FORBIDDEN.sub(" ", name).strip("' ")[:31].rstrip() or "-"


def write_xlsx(kb: KnowledgeBase, rows: list[ActivityOut], path: Path, roles: list[str] | None = None,
               lang: str = "en") -> None:
    """The checklist as a workbook: a sheet per phase, a row per step, deliverable, decision
    and question, a column per role holding its HUKI letters; Done and Note to fill in."""
    names = _Names.of(kb, lang)
    wb = Workbook()
    wb.remove(wb.active)
    for phase, acts in _by_phase(rows):
        ws = wb.create_sheet(sheet_title(names.phases.get(phase, phase)))
        present = {r for a in acts for k in HUKI_KEYS for r in getattr(a.roles, k)}
        chosen = [r for r in roles or [] if r in present]  # the reader's own role first
        role_cols = chosen + [r for r in names.role_order if r in present and r not in chosen]
        role_cols += sorted(present - set(role_cols))
        head = [gettext(lang, N_("Activity")), gettext(lang, N_("Kind")), gettext(lang, N_("Step")),
                *(names.role(r) for r in role_cols),
                gettext(lang, N_("Done")), gettext(lang, N_("Note")), gettext(lang, N_("Review")),
                gettext(lang, N_("Source")), gettext(lang, N_("Lines"))]
        ws.append(head)
        for a in acts:
            letters = [_huki(a, r) for r in role_cols]
            title = a.title_in(lang)
            for r in _rows(a, lang):
                ws.append([title, gettext(lang, KINDS[r.kind]), r.text, *letters, DONE if r.done else "", "",
                           r.review, names.guides.get(a.source, a.source), _lines(r.line_start, r.line_end)])
        widths = [32, 12, 70, *([5] * len(role_cols)), 7, 30, 24, 40, 10]
        wrapped = {1, 3, 5 + len(role_cols), 6 + len(role_cols), 7 + len(role_cols)}  # 1-based columns
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = WRAP if cell.column in wrapped else TOP
            # neither Excel nor LibreOffice fits a row to its wrapped text when opening a file:
            # give each row the height of its longest wrapped cell
            lines = max((_wrapped_lines(str(c.value or ""), widths[c.column - 1]) for c in row if c.column in wrapped), default=1)
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT * lines
        roles_at = range(4, 4 + len(role_cols))  # 1-based columns of the roles: names turned upright, as in a RACI chart
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = UPRIGHT if cell.column in roles_at else HEADER
        longest_role = max((len(str(ws.cell(1, c).value)) for c in roles_at), default=0)
        ws.row_dimensions[1].height = max(LINE_HEIGHT * max(_wrapped_lines(str(c.value), widths[c.column - 1] * 0.9)
                                                            for c in ws[1] if c.column not in roles_at),
                                          6.5 * longest_role + 6)
        ws.freeze_panes = "B2"  # the header row and the Activity column stay in view
        ws.auto_filter.ref = ws.dimensions
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if not wb.sheetnames:  # nothing matched: an empty table, still a valid workbook
        ws = wb.create_sheet(sheet_title(gettext(lang, N_("Checklist"))))
        ws.append([gettext(lang, N_("Activity")), gettext(lang, N_("Step"))])
    buf = BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())


# --- Word -----------------------------------------------------------------------------


def _cite(p: Paragraph, text: str) -> None:
    run = p.add_run(f" ({text})")
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _warn(p: Paragraph, review: str) -> None:
    if review:
        p.add_run(f" {review}").italic = True


def write_docx(kb: KnowledgeBase, rows: list[ActivityOut], path: Path, roles: list[str] | None = None,
               lang: str = "en") -> None:
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
INLINE = re.compile(r"\\(?P<esc>.)|\*\*(?P<bold>(?:\\.|[^*\\]|\*(?!\*))+)\*\*"
                    r"|(?<![\w\\])_(?P<italic>(?:\\.|[^_\\])+)_(?!\w)|`(?P<code>[^`]+)`")
UNESCAPE = re.compile(r"\\(.)")
BULLET = re.compile(r"^\s*[-*] (?:\[(?P<box>[ xX])\] )?")


def _inline(p: Paragraph, text: str) -> None:
    """Add ``text`` to ``p`` as runs: bold, italic and code spans kept, escapes undone."""
    pos = 0
    plain = ""
    for m in INLINE.finditer(text):
        plain += text[pos:m.start()]
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
            _inline(p, line[m.end():])
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
