"""A whole `guide-assistant` process: its output, exit status and help are what the command
gives, with the collector off while it starts, the teardown skipped at its end
(guide_assistant/process.py) and only the invoked command built (cli._command_tree)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import commands as cli

ROOT = Path(__file__).resolve().parents[1]


def _process(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"),
        "GUIDE_ASSISTANT_CHAT": str(tmp_path / "c.json"),
        "GUIDE_ASSISTANT_LANG": "en",
    }
    return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_the_whole_output_reaches_a_pipe(tmp_path, monkeypatch):
    """The process ends without the interpreter's teardown: everything written before is flushed."""
    monkeypatch.setenv("GUIDE_ASSISTANT_STATE", str(tmp_path / "s.db"))
    monkeypatch.setenv("GUIDE_ASSISTANT_LANG", "en")
    inside = CliRunner().invoke(cli.app, ["checklist", "--format", "md"])
    out = _process(["checklist", "--format", "md"], tmp_path)
    assert out.returncode == 0 and inside.exit_code == 0, out.stderr
    assert len(out.stdout) > 20_000 and out.stdout == inside.stdout


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["checklist", "--phase", "9"], 2, "unknown phase '9'"),
        (["search", "x", "--mode", "bad"], 2, "unknown mode 'bad'"),
        (["no-such-command"], 2, "No such command"),
        (["--lang", "xx", "phases"], 2, "unknown language 'xx'"),
    ],
)
def test_exit_status_and_message_are_the_commands(tmp_path, args, status, message):
    out = _process(args, tmp_path)
    assert out.returncode == status and message in out.stderr and "Traceback" not in out.stderr


def test_ask_answers_as_a_whole_process(tmp_path):
    out = _process(["ask", "--json", "Who signs the contract?"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert '"intent"' in out.stdout and out.stdout.rstrip().endswith("}")
    assert (tmp_path / "c.json").is_file()  # the conversation was logged before the process ended


def _run(command, args: list[str]) -> tuple[str, int]:
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            command(args, prog_name="guide-assistant")
        except SystemExit as e:
            code = e.code
    return out.getvalue(), code


def test_each_commands_help_is_the_same_when_only_it_is_built():
    full = typer.main.get_command(cli.app)
    names = [c.name for c in cli.app.registered_commands] + [g.name for g in cli.app.registered_groups]
    assert len(names) >= 10
    for name in names:
        alone = cli._command_tree(name)
        assert list(alone.commands) == [name]
        assert _run(alone, [name, "--help"]) == _run(full, [name, "--help"]), name
        for sub in getattr(full.commands[name], "commands", {}):
            assert _run(alone, [name, sub, "--help"]) == _run(full, [name, sub, "--help"]), (name, sub)
    assert list(cli._command_tree(None).commands) == names


@pytest.mark.parametrize(
    "argv, name",
    [
        (["ask", "q"], "ask"),
        (["--lang", "sv", "--state", "ask", "search", "q"], "search"),  # a global option's value is not the command
        (["--lang=sv", "index", "build"], "index"),
        (["--help", "ask"], None),
        ([], None),
    ],
)
def test_the_invoked_command_is_found_after_the_global_options(argv, name):
    assert cli._invoked(argv) == name


def test_the_global_options_that_take_a_value_are_known():
    root = typer.main.get_command(cli.app)
    takes_value = {opt for p in root.params if p.param_type_name == "option" and not p.is_flag for opt in p.opts}
    assert takes_value == set(cli.GLOBAL_VALUE_OPTIONS)


def test_the_ui_without_a_terminal_says_so_and_ends(tmp_path):
    """Issue 23, finding 9: `echo | guide-assistant` started the UI with no terminal and spun
    forever; now it says what to do and exits 2 at once."""
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "state.sqlite3"), "GUIDE_ASSISTANT_CHAT": str(tmp_path / "chat.sqlite3")}
    r = subprocess.run([sys.executable, "-m", "guide_assistant"], input="\n", capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2, r
    assert "needs a terminal" in r.stderr and "Traceback" not in r.stderr
