"""The command line in three languages, and for a terminal or a pipe.

Every help text is a message of the catalog (translated when the command line is built);
the interface language comes from --lang, GUIDE_ASSISTANT_LANG, the saved setting or the
locale; Markdown is rendered with rich at a terminal (NO_COLOR honoured) and printed plain
when piped; checklists are also written as xlsx and docx files.

Some tests here read Swedish and Norwegian words that come from the catalogs; they fail
until the new messages are translated (`make catalogs`, then the .po files):
test_unknown_phase_is_refused_in_the_interface_language, test_help_is_in_swedish,
test_messages_go_through_the_catalog, test_next_labels_are_translated.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from guide_assistant.common.i18n import gettext
from guide_assistant.interfaces.cli.commands import app
from guide_assistant.interfaces.cli.terminal import plain_text

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("guide-assistant")
COMMAND = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "guide_assistant"]
# environment variables that change what the command prints; each test sets its own
OUTPUT_ENV = (
    "GUIDE_ASSISTANT_LANG",
    "GUIDE_ASSISTANT_PROJECT",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "COLUMNS",
    "LC_ALL",
    "LC_MESSAGES",
)
# a colour in an SGR escape sequence: foreground/background, 8/16/256/true colour
SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOUR_CODES = {*range(30, 39), *range(40, 49), *range(90, 98), *range(100, 108)}


@pytest.fixture
def cli(tmp_path):
    """Run the installed command in a process of its own, with its own state, conversations
    and settings; ``env`` adds environment variables, ``module`` runs ``python -m guide_assistant``."""

    def run(*args: str, env: dict[str, str] | None = None, module: bool = False, stdin: str | None = None):
        base = {k: v for k, v in os.environ.items() if k not in OUTPUT_ENV}
        base |= {
            "GUIDE_ASSISTANT_STATE": str(tmp_path / "state.sqlite3"),
            "GUIDE_ASSISTANT_CHAT": str(tmp_path / "chat.json"),
            "GUIDE_ASSISTANT_SETTINGS": str(tmp_path / "settings.json"),
            "LANG": "C.UTF-8",
        }
        command = [sys.executable, "-m", "guide_assistant"] if module else COMMAND
        out = subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT, env=base | (env or {}), input=stdin, timeout=300)
        assert "Traceback" not in out.stderr, out.stderr
        return out

    return run


def _help_texts(command, path: str = "guide-assistant"):
    """(where, text) for the help of ``command``, its options and arguments, and its subcommands."""
    for text in (command.help, command.short_help):
        if text:
            yield path, text
    help_option = command.get_help_option(command.context_class(command, **command.context_settings))
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "help", None):
            yield f"{path} {param.opts[0] if param.opts else param.name}", param.help
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, f"{path} {name}")


def test_every_help_text_is_a_message_of_the_catalog(extracted):
    texts = list(_help_texts(typer.main.get_command(app)))
    assert len(texts) > 80 and any(where == "guide-assistant checklist --output" for where, _t in texts)
    missing = [(where, text) for where, text in texts if text not in extracted]
    assert not missing, f"help texts that `make catalogs` does not extract: {missing[:5]}"


# --- the interface language --------------------------------------------------------------------------------------


def _phase_names(kb, lang: str) -> dict[str, str]:
    return {p.id: f"{p.order}. {getattr(p.name, lang)}" for p in kb.phases.phases}


def test_language_from_the_environment_and_the_option(cli, kb):
    no, sv, en = (_phase_names(kb, lang)["tender"] for lang in ("no", "sv", "en"))
    out = cli("checklist", "--phase", "tender", env={"GUIDE_ASSISTANT_LANG": "no"})
    assert out.returncode == 0 and f"== {no} (tender) ==" in out.stdout
    out = cli("--lang", "sv", "checklist", "--phase", "tender", env={"GUIDE_ASSISTANT_LANG": "no"})
    assert out.returncode == 0 and f"== {sv} (tender) ==" in out.stdout  # --lang beats the environment
    out = cli("--lang=en", "checklist", "--phase", "tender", env={"GUIDE_ASSISTANT_LANG": "no"})
    assert out.returncode == 0 and f"== {en} (tender) ==" in out.stdout
    out = cli("checklist", "--phase", "tender", env={"LANG": "nb_NO.UTF-8"})
    assert out.returncode == 0 and f"== {no} (tender) ==" in out.stdout  # else the locale


@pytest.mark.parametrize(
    "args,env", [(["--lang", "de", "checklist"], {}), (["checklist"], {"GUIDE_ASSISTANT_LANG": "de"}), (["--lang", "xx", "--help"], {})]
)
def test_an_unknown_language_is_refused_listing_the_valid_ones(cli, args, env):
    out = cli(*args, env=env)
    if "--help" in args:  # help is shown before the options are checked; it is in English
        assert out.returncode == 0 and "Usage" in out.stdout
        return
    assert out.returncode == 2 and "'de'" in out.stderr and "en, sv, no" in out.stderr


def test_unknown_phase_lists_the_phases_in_the_interface_language(cli, kb):
    for lang in ("sv", "no"):
        out = cli("--lang", lang, "checklist", "--phase", "nope")
        assert out.returncode == 2 and "'nope'" in out.stderr
        assert all(getattr(p.name, lang) in out.stderr for p in kb.phases.phases), out.stderr


@pytest.mark.parametrize("lang,words", [("sv", "okänd fas"), ("no", "ukjent fase")])
def test_unknown_phase_is_refused_in_the_interface_language(cli, lang, words):
    """Waits for the translations of the catalogs."""
    out = cli("--lang", lang, "checklist", "--phase", "nope")
    assert out.returncode == 2 and words in out.stderr, out.stderr


def test_help_is_the_same_through_python_m(cli):
    for lang in ("en", "sv"):
        installed = cli("--lang", lang, "checklist", "--help", env={"COLUMNS": "200"})
        module = cli("--lang", lang, "checklist", "--help", env={"COLUMNS": "200"}, module=True)
        assert installed.returncode == module.returncode == 0
        assert installed.stdout == module.stdout and "--output" in installed.stdout


def test_help_is_in_swedish(cli):
    """Waits for the translations of the catalogs: Typer's panel titles and our help texts."""
    out = cli("--lang", "sv", "--help", env={"COLUMNS": "200"})
    assert out.returncode == 0
    for title in ("Options", "Commands"):
        swedish = gettext("sv", title)
        assert swedish != title, f"{title!r} is not translated yet"
        assert f"─ {swedish} ─" in out.stdout
    assert gettext("sv", "Show this message and exit.") in out.stdout
    out = cli("--lang", "sv", "ask", "--help", env={"COLUMNS": "200"})
    swedish = gettext("sv", "Print JSON.")
    assert swedish != "Print JSON." and swedish in out.stdout and "Print JSON." not in out.stdout
    assert f"─ {gettext('sv', 'Arguments')} ─" in out.stdout


@pytest.mark.parametrize("lang", ["sv", "no"])
def test_messages_go_through_the_catalog(cli, lang):
    """Waits for the translations of the catalogs."""
    out = cli("--lang", lang, "ask", "   ")
    message = gettext(lang, "error: the question is empty")
    assert message != "error: the question is empty", "not translated yet"
    assert out.returncode == 2 and out.stderr.strip() == message
    out = cli("--lang", lang, "checklist", "--format", "xlsx")
    assert out.returncode == 2 and out.stderr.strip() == gettext(lang, "error: --format {fmt} writes a file: give --output FILE").format(
        fmt="xlsx"
    )


# --- a terminal or a pipe ----------------------------------------------------------------------------------------

QUESTION = "What should we do after the pilot?"  # the answer has bold, a list and a code span


def test_ask_piped_is_plain_markdown_as_before(cli):
    data = json.loads(cli("ask", QUESTION, "--json").stdout)
    piped = cli("ask", QUESTION)
    assert piped.returncode == 0 and piped.stdout == data["answer"] + "\n"
    assert cli("ask", QUESTION, "--format", "md").stdout == piped.stdout
    as_json = json.loads(cli("ask", QUESTION, "--format", "json").stdout)
    assert {k: v for k, v in as_json.items() if k != "conversation_id"} == {k: v for k, v in data.items() if k != "conversation_id"}
    text = cli("ask", QUESTION, "--format", "text")
    assert text.returncode == 0 and text.stdout == plain_text(data["answer"]) + "\n"
    assert "**" not in text.stdout and "`" not in text.stdout
    out = cli("ask", QUESTION, "--format", "html")
    assert out.returncode == 2 and "text, md, json" in out.stderr


def _colours(text: str) -> list[str]:
    return [m.group(0) for m in SGR.finditer(text) if any(p.isdigit() and int(p) in COLOUR_CODES for p in m.group(1).split(";"))]


def test_ask_at_a_terminal_is_rendered_and_no_color_is_honoured(cli):
    data = json.loads(cli("ask", QUESTION, "--json").stdout)
    terminal = {"TTY_COMPATIBLE": "1", "TERM": "xterm-256color", "COLUMNS": "250"}
    out = cli("ask", QUESTION, env=terminal)
    assert out.returncode == 0 and "**" not in out.stdout and SGR.search(out.stdout)
    assert _colours(out.stdout), "rich renders the code span in colour at a terminal"
    bold = re.findall(r"\*\*(.+?)\*\*", data["answer"])  # the answer's text, its markup gone
    assert len(bold) > 3
    shown = SGR.sub("", out.stdout)
    assert [b for b in bold if b not in shown] == []
    out = cli("ask", QUESTION, env=terminal | {"NO_COLOR": "1"})
    assert out.returncode == 0 and "**" not in out.stdout and not _colours(out.stdout)
    assert [b for b in bold if b not in SGR.sub("", out.stdout)] == []
    # --format md is plain Markdown even at a terminal
    assert cli("ask", QUESTION, "--format", "md", env=terminal).stdout == data["answer"] + "\n"


def test_kb_changes_formats(cli):
    piped = cli("kb", "changes")
    assert piped.returncode == 0 and piped.stdout.startswith("# Changes in the guidance\n")
    assert cli("kb", "changes", "--format", "md").stdout == piped.stdout
    text = cli("kb", "changes", "--format", "text").stdout
    assert text.startswith("Changes in the guidance\n") and "_No change" not in text
    out = cli("kb", "changes", "--format", "xlsx")
    assert out.returncode == 2 and "text, md" in out.stderr


# --- checklists ---------------------------------------------------------------------------------------------------


def test_checklist_as_xlsx_and_docx(cli, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    rows = json.loads(cli("checklist", "--phase", "tender", "--json").stdout)
    steps = [s["text"] for r in rows for s in r["steps"]]
    assert steps
    out = cli("checklist", "--phase", "tender", "--format", "xlsx", "--output", str(tmp_path / "f.xlsx"))
    assert out.returncode == 0 and out.stdout == "" and f"wrote {tmp_path / 'f.xlsx'}" in out.stderr
    wb = load_workbook(tmp_path / "f.xlsx")
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert [s for s in steps if s not in cells] == []
    out = cli("checklist", "--phase", "tender", "--format", "docx", "-o", str(tmp_path / "f.docx"))
    assert out.returncode == 0 and f"wrote {tmp_path / 'f.docx'}" in out.stderr
    text = "\n".join(p.text for p in Document(str(tmp_path / "f.docx")).paragraphs)
    assert [s for s in steps if s not in text] == []


def test_checklist_files_in_swedish_hold_the_guides_wording(cli, tmp_path):
    from openpyxl import load_workbook

    rows = json.loads(cli("checklist", "--phase", "prepare", "--json").stdout)
    out = cli("--lang", "sv", "checklist", "--phase", "prepare", "--format", "xlsx", "--output", str(tmp_path / "f.xlsx"))
    assert out.returncode == 0
    cells = {str(c.value) for ws in load_workbook(tmp_path / "f.xlsx").worksheets for row in ws.iter_rows() for c in row if c.value}
    assert [s["original"] for r in rows for s in r["steps"] if s["original"] not in cells] == []


def test_checklist_file_formats_need_an_output_file(cli, tmp_path):
    out = cli("checklist", "--phase", "tender", "--format", "xlsx")
    assert out.returncode == 2 and "--output" in out.stderr
    out = cli("checklist", "--phase", "tender", "--format", "docx", "--json", "--output", str(tmp_path / "f.docx"))
    assert out.returncode == 2 and not (tmp_path / "f.docx").exists()
    out = cli("checklist", "--format", "pdf")
    assert out.returncode == 2 and "text, md, xlsx, docx" in out.stderr
    (tmp_path / "file").write_text("a file, not a folder")
    out = cli("checklist", "--phase", "tender", "--format", "xlsx", "--output", str(tmp_path / "file" / "f.xlsx"))
    assert out.returncode == 1 and "error: cannot write" in out.stderr


def test_checklist_text_and_markdown_to_a_file(cli, tmp_path):
    md = cli("checklist", "--phase", "tender", "--format", "md")
    assert md.returncode == 0 and md.stdout.startswith("# Checklist\n")
    out = cli("checklist", "--phase", "tender", "--format", "md", "--output", str(tmp_path / "c.md"))
    assert out.returncode == 0 and out.stdout == "" and "wrote" in out.stderr
    assert (tmp_path / "c.md").read_text(encoding="utf-8") == md.stdout
    text = cli("checklist", "--phase", "tender")
    cli("checklist", "--phase", "tender", "-o", str(tmp_path / "c.txt"))
    assert (tmp_path / "c.txt").read_text(encoding="utf-8") == text.stdout
    # at a terminal, the Markdown checklist is rendered
    shown = cli("checklist", "--phase", "tender", "--format", "md", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "250"})
    assert shown.returncode == 0 and "- [ ]" not in shown.stdout and "**" not in shown.stdout and "Checklist" in shown.stdout


def test_checklist_text_in_swedish_is_in_the_guides_wording(cli, kb):
    rows = json.loads(cli("checklist", "--phase", "tender", "--role", "procurement-officer", "--json").stdout)
    out = cli("--lang", "sv", "checklist", "--phase", "tender", "--role", "procurement-officer")
    assert out.returncode == 0
    for r in rows:
        assert r["title_original"] in out.stdout
        for s in r["steps"]:
            assert f"] {s['original']}  ({s['id']}" in out.stdout
    name = next(r.name.sv for r in kb.roles.roles if r.id == "procurement-officer")
    assert f": {name}" in out.stdout  # accountable: the role's Swedish name
    english = cli("checklist", "--phase", "tender", "--role", "procurement-officer")
    assert rows[0]["title"] in english.stdout and f"] {rows[0]['steps'][0]['text']}  (" in english.stdout


def test_next_and_progress_show_in_norwegian(cli, kb):
    assert cli("progress", "set-phase", "tender").returncode == 0
    items = json.loads(cli("next", "--json").stdout)
    out = cli("--lang", "no", "next")
    assert out.returncode == 0
    for i in items:
        if i["kind"] != "decision":
            assert i["title_original"] in out.stdout
    shown = cli("--lang", "no", "progress", "show")
    assert shown.returncode == 0
    assert all(p.name.no in shown.stdout for p in kb.phases.phases)
    tender = next(p for p in kb.phases.phases if p.id == "tender")
    assert f"tender ({tender.name.no})" in shown.stdout
    english = cli("progress", "show").stdout
    assert f"phase: tender ({tender.name.en})" in english and "(not set)" in english


def test_next_labels_are_translated(cli):
    """Waits for the translations of the catalogs."""
    assert cli("progress", "set-phase", "tender").returncode == 0
    out = cli("--lang", "sv", "next")
    label = gettext("sv", "next")
    assert label != "next", "not translated yet"
    assert out.returncode == 0 and out.stdout.startswith(label)
