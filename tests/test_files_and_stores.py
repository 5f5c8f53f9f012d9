"""Issue 23, finding 9: what the tool creates and where it writes. Stores are private (0600)
and exports 0640 whatever the umask; an export never replaces a link, pipe or device and never
creates a mistyped folder; a database of another program is not taken over as a store."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(tmp_path: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GUIDE_ASSISTANT_STATE": str(tmp_path / "state.sqlite3"),
        "GUIDE_ASSISTANT_CHAT": str(tmp_path / "chat.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, "-m", "guide_assistant", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
        preexec_fn=lambda: os.umask(umask),
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_stores_are_private_and_exports_group_readable_whatever_the_umask(tmp_path):
    assert run(tmp_path, "progress", "note", "a note", umask=0o000).returncode == 0
    assert run(tmp_path, "ask", "Vem tecknar avtalet?", umask=0o000).returncode == 0
    for name in ("state.sqlite3", "chat.sqlite3"):
        assert mode(tmp_path / name) == 0o600, name
    for fmt in ("md", "xlsx", "docx"):
        out = tmp_path / f"checklist.{fmt}"
        r = run(tmp_path, "checklist", "--phase", "prepare", "--format", fmt, "-o", str(out), umask=0o000)
        assert r.returncode == 0, r.stderr
        assert mode(out) == 0o640, fmt


def test_an_export_never_replaces_a_link_pipe_or_device(tmp_path):
    target = tmp_path / "kept.md"
    target.write_text("mine", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    for path in (link, fifo, Path("/dev/null")):
        r = run(tmp_path, "checklist", "--phase", "prepare", "-o", str(path))
        assert r.returncode == 1 and "not a regular file" in r.stderr and "Traceback" not in r.stderr, (path, r.stderr)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "mine"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_export_into_a_folder_that_does_not_exist_is_refused(tmp_path):
    out = tmp_path / "typo" / "checklist.xlsx"
    r = run(tmp_path, "checklist", "--phase", "prepare", "--format", "xlsx", "-o", str(out))
    assert r.returncode == 1 and "does not exist" in r.stderr, r.stderr
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("command", [["progress", "show"], ["projects", "list"]])
def test_a_database_of_another_program_is_not_taken_as_the_store(tmp_path, command):
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
    before = other.read_bytes()
    r = run(tmp_path, "--state", str(other), *command)
    assert r.returncode != 0 and "another program" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert other.read_bytes() == before
    with sqlite3.connect(other) as c:
        assert [t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["invoices"]


def test_a_conversation_store_of_another_program_is_left_alone_and_the_answer_given(tmp_path):
    other = tmp_path / "chat.sqlite3"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE messages (id INTEGER)")
    r = run(tmp_path, "ask", "Vem tecknar avtalet?")
    assert r.returncode == 0 and "[1]" in r.stdout and "another program" in r.stderr, r.stderr
    with sqlite3.connect(other) as c:
        assert [t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["messages"]


def test_projects_use_keeps_a_damaged_settings_file_aside(tmp_path):
    """`projects use` overwrote a settings file it could not read: the file is kept beside."""
    settings = tmp_path / "settings.json"
    settings.write_text("{not json", encoding="utf-8")
    env_run = subprocess.run(
        [sys.executable, "-m", "guide_assistant", "projects", "use", "default"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "GUIDE_ASSISTANT_SETTINGS": str(settings), "GUIDE_ASSISTANT_STATE": str(tmp_path / "state.sqlite3")},
    )
    assert env_run.returncode == 0, env_run.stderr
    kept = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert "kept as" in env_run.stderr and '"project": "default"' in settings.read_text(encoding="utf-8")
