"""Bad input never ends in a traceback: a clear message (exit 2) or a normal answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(tmp_path, *args: str, stdin: bytes | None = None):
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.json")}
    out = subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, cwd=ROOT, env=env, input=stdin, timeout=120)
    assert b"Traceback" not in out.stderr and b"Traceback" not in out.stdout, out.stderr.decode(errors="replace")
    return out


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_empty_questions(tmp_path, question):
    out = run(tmp_path, "ask", question)
    assert out.returncode == 2 and b"empty" in out.stderr


def test_a_100000_character_question_is_shortened_and_answered(tmp_path):
    out = run(tmp_path, "ask", "-", "--json", stdin=("Vem tecknar avtalet? " * 5000).encode())
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert len(data["question"]) <= 1000 and "första 1000 tecknen" in data["answer"]


def test_control_characters_are_dropped(tmp_path):
    out = run(tmp_path, "ask", "\x01\x07Who signs\x1b[31m the contract?\x7f", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert "\x1b" not in data["question"] and "\x01" not in data["question"]


def test_invalid_utf8_on_stdin(tmp_path):
    out = run(tmp_path, "ask", "-", stdin=b"Vem \xff\xfe tecknar avtalet?")
    assert out.returncode == 2 and b"not UTF-8" in out.stderr
    out = run(tmp_path, "search", "--batch", "-", "--json", stdin=b'{"id": "a", "question": "\xff bad"}\n')
    assert (out.returncode == 2 and b"-:1: not UTF-8" in out.stderr) or b":1: not UTF-8" in out.stderr


def test_batch_line_that_is_not_a_question(tmp_path):
    out = run(tmp_path, "search", "--batch", "-", "--json", stdin=b'{"id": "a", "question": "anbud"}\nnot json\n')
    assert out.returncode == 2 and b":2: expected a JSON object" in out.stderr


@pytest.mark.parametrize(
    "question",
    [
        "[bold]Vem[/bold] tecknar [link=file:///etc/passwd]avtalet[/link]?",
        "'; DROP TABLE users; --",
        "$(rm -rf /) `ls` && echo hi | cat /etc/passwd",
    ],
)
def test_markup_shell_and_sql_looking_questions_are_just_text(tmp_path, question):
    out = run(tmp_path, "ask", question, "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["question"] == question
    out = run(tmp_path, "ask", question)
    assert out.returncode == 0
    out = run(tmp_path, "search", question, "--top-k", "3")
    assert out.returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "anbud", "--phase", "nope"],
        ["search", "anbud", "--role", "nope"],
        ["checklist", "--phase", "99"],
        ["next", "--phase", "nope"],
        ["progress", "set-phase", "nope"],
        ["search", "anbud", "--mode", "fuzzy"],
    ],
)
def test_unknown_values_list_the_valid_ones(tmp_path, args):
    out = run(tmp_path, *args)
    assert out.returncode == 2 and b"valid" in out.stderr


@pytest.mark.parametrize(
    "line,problem",
    [
        (b'{"id": 1, "question": null}', b"question:"),  # it was searched as "None"
        (b'{"id": NaN, "question": "anbud"}', b"id:"),  # it was printed as invalid JSON
        (b"[" * 100_000, b"Invalid JSON"),  # RecursionError
        (b'{"id": "q\\ud800", "question": "anbud"}', b"Invalid JSON"),  # a lone surrogate
    ],
)
def test_batch_lines_that_are_not_questions_are_refused_plainly(tmp_path, line, problem):
    out = run(tmp_path, "search", "--batch", "-", "--json", stdin=line + b"\n")
    assert out.returncode == 2 and b":1: expected a JSON object" in out.stderr and problem in out.stderr


def test_a_question_of_control_characters_or_undecodable_bytes(tmp_path):
    out = run(tmp_path, "ask", "\x01\x02\x03")
    assert out.returncode == 2 and b"the question is empty" in out.stderr  # it was a ValueError
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"), "GUIDE_ASSISTANT_CHAT": str(tmp_path / "c.db")}
    raw = subprocess.run(
        [sys.executable, "-m", "guide_assistant", "ask", b"anbud \xff\xfe".decode("utf-8", "surrogateescape")],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert raw.returncode == 0 and b"Traceback" not in raw.stderr  # it was a UnicodeEncodeError


def test_names_and_notes_with_bytes_that_are_not_utf8(tmp_path):
    """A user, a note or a project name with bytes that are not UTF-8 (a UnicodeEncodeError in SQLite)."""
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"), "GUIDE_ASSISTANT_SETTINGS": str(tmp_path / "settings.json")}
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")
    for args in (
        ["--user", f"eve{bad}", "progress", "note", "hej"],
        ["progress", "note", f"not{bad}"],
        ["projects", "new", f"P{bad}"],
        ["progress", "log"],
        ["projects", "list"],
    ):
        out = subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, env=env, cwd=ROOT, timeout=300)
        assert out.returncode == 0 and b"Traceback" not in out.stderr, (args, out.stderr)
