"""The checklist as an Excel workbook to tick off in a meeting: one sheet per phase, a row per
step, deliverable, decision and question, HUKI columns, every row cited to its guide and
lines. Written whole to memory first, then atomically."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from guide_assistant.checklist.rows import HUKI_KEYS, ActivityOut
from guide_assistant.common.fsutil import write_export
from guide_assistant.common.i18n import N_, gettext
from guide_assistant.exports.wording import DONE, KINDS, _by_phase, _huki, _lines, _Names, _rows
from guide_assistant.kb.load import KnowledgeBase

SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
UPRIGHT = Alignment(text_rotation=90, vertical="bottom", horizontal="center")
HEADER = Alignment(wrap_text=True, vertical="bottom")


LINE_HEIGHT = 15  # points per line of 11-point text


def _wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a close estimate)."""
    per_line = max(int(width * 1.1), 1)  # column width counts '0' digits; text averages a little narrower
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def sheet_title(name: str) -> str:
    """A phase name as an Excel sheet title: no ``[]:*?/\\``, no edge apostrophes, at most 31 characters."""
    return SHEET_FORBIDDEN.sub(" ", name).strip("' ")[:31].rstrip() or "-"


def write_xlsx(kb: KnowledgeBase, rows: list[ActivityOut], path: Path, roles: list[str] | None = None, lang: str = "en") -> None:
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
        head = [
            gettext(lang, N_("Activity")),
            gettext(lang, N_("Kind")),
            gettext(lang, N_("Step")),
            *(names.role(r) for r in role_cols),
            gettext(lang, N_("Done")),
            gettext(lang, N_("Note")),
            gettext(lang, N_("Review")),
            gettext(lang, N_("Source")),
            gettext(lang, N_("Lines")),
        ]
        ws.append(head)
        for a in acts:
            letters = [_huki(a, r) for r in role_cols]
            title = a.title_in(lang)
            for r in _rows(a, lang):
                ws.append(
                    [
                        title,
                        gettext(lang, KINDS[r.kind]),
                        r.text,
                        *letters,
                        DONE if r.done else "",
                        "",
                        r.review,
                        names.guides.get(a.source, a.source),
                        _lines(r.line_start, r.line_end),
                    ]
                )
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
        ws.row_dimensions[1].height = max(
            LINE_HEIGHT * max(_wrapped_lines(str(c.value), widths[c.column - 1] * 0.9) for c in ws[1] if c.column not in roles_at),
            6.5 * longest_role + 6,
        )
        ws.freeze_panes = "B2"  # the header row and the Activity column stay in view
        ws.auto_filter.ref = ws.dimensions
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if not wb.sheetnames:  # nothing matched: an empty table, still a valid workbook
        ws = wb.create_sheet(sheet_title(gettext(lang, N_("Checklist"))))
        ws.append([gettext(lang, N_("Activity")), gettext(lang, N_("Step"))])
    for sheet in wb.worksheets:  # every cell is text: a guide's "=HYPERLINK(...)" heading is never a live formula
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl takes text that starts with "=" for a formula
                    cell.data_type = "s"
    buf = BytesIO()
    wb.save(buf)
    write_export(path, buf.getvalue())
