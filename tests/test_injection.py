"""Text from guides and from colleagues never drives a terminal or a spreadsheet (issue 23,
findings 3 and 4): no escape sequence or C1 control reaches standard output, no cell of an
XLSX export is a formula."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from guide_assistant.checklist.rows import checklist
from guide_assistant.common.safetext import for_terminal, json_for_terminal
from guide_assistant.exports.xlsx import write_xlsx

ROOT = Path(__file__).resolve().parents[1]
NASTY = "Not\x1b]0;owned\x07 a \x1b[2Jtitle\x9b31m or \x1bc reset\x07"


def test_for_terminal_removes_escape_sequences_and_controls():
    assert for_terminal(NASTY) == "Not a title or  reset"
    assert for_terminal("rader 12–15\tok\nnästa «citat» ÅÄÖ æøå") == "rader 12–15\tok\nnästa «citat» ÅÄÖ æøå"
    assert json.loads(json_for_terminal(json.dumps({"t": NASTY}, ensure_ascii=False)))["t"] == NASTY  # the data kept
    assert "\x9b" not in json_for_terminal(json.dumps({"t": NASTY}, ensure_ascii=False))


def test_xlsx_cells_are_never_formulas(kb, tmp_path):
    rows = checklist(kb, ["tender"])
    evil = '=HYPERLINK("http://example.invalid/x","Rubrik")'
    rows[0] = rows[0].model_copy(update={"title": evil, "steps": [s.model_copy(update={"text": "=1+1"}) for s in rows[0].steps]})
    out = tmp_path / "c.xlsx"
    write_xlsx(kb, rows, out, None, "en")
    cells = [c for ws in openpyxl.load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == evil for c in cells) and any(c.value == "=1+1" for c in cells)  # shown as the text it is


def test_names_and_notes_with_escapes_are_printed_inert(tmp_path):
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"), "GUIDE_ASSISTANT_SETTINGS": str(tmp_path / "settings.json")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
        )

    assert cli("--user", "eve\x1b]0;pwned\x07", "progress", "note", "möte\x9b2J klart\x1b[31m!").returncode == 0
    assert cli("projects", "new", "Proj\x1b[2Jekt").returncode in (0, 2)
    for args in (("progress", "show"), ("progress", "log"), ("projects", "list"), ("progress", "show", "--json")):
        out = cli(*args)
        assert out.returncode == 0, out.stderr
        for stream in (out.stdout, out.stderr):
            assert "\x1b" not in stream and "\x9b" not in stream and "\x07" not in stream, (args, stream)
