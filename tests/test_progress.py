"""Saved progress: commands, atomic writes that survive a kill, corrupt files kept aside."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guide_assistant.guidance.state import ProjectState, StateStore

ROOT = Path(__file__).resolve().parents[1]


def run(state: Path, *args: str, stdin: str | None = None):
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(state)}
    return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, input=stdin)


def test_progress_commands_and_checklist_done_marks(tmp_path):
    st = tmp_path / "team" / "state.json"
    assert run(st, "progress", "set-phase", "upphandling").returncode == 0
    assert run(st, "progress", "set-role", "upphandlingsansvarig").returncode == 0
    assert run(st, "progress", "done", "skr-upphandla-1", "skr-upphandla-2").returncode == 0
    assert run(st, "progress", "note", "Marknadsdialog bokad").returncode == 0
    data = json.loads(st.read_text(encoding="utf-8"))
    assert data["phase"] == "tender" and data["roles"] == ["procurement-officer"]
    assert data["done"] == ["skr-upphandla-1", "skr-upphandla-2"] and data["notes"][0]["text"] == "Marknadsdialog bokad"
    rows = json.loads(run(st, "checklist", "--phase", "tender", "--json").stdout)
    steps = {s["id"]: s["done"] for r in rows for s in r["steps"]}
    assert steps["skr-upphandla-1"] and steps["skr-upphandla-2"] and not steps["skr-upphandla-3"]
    assert run(st, "progress", "undo", "skr-upphandla-2").returncode == 0
    rows = json.loads(run(st, "checklist", "--phase", "tender", "--json").stdout)
    assert not {s["id"]: s["done"] for r in rows for s in r["steps"]}["skr-upphandla-2"]
    nxt = json.loads(run(st, "next", "--json").stdout)
    assert nxt[0]["phase"] == "tender" and {"id", "title", "phase"} <= set(nxt[0])
    shown = run(st, "progress", "show")
    assert "phase: tender" in shown.stdout and "1/88" in shown.stdout or "tender" in shown.stdout


def test_unknown_step_id_is_refused_with_suggestions(tmp_path):
    out = run(tmp_path / "s.json", "progress", "done", "skr-upphandla-99x")
    assert out.returncode == 2 and "unknown step or activity id" in out.stderr and "did you mean" in out.stderr
    assert not (tmp_path / "s.json").exists()


def test_reset_asks_unless_yes(tmp_path):
    st = tmp_path / "s.json"
    run(st, "progress", "set-phase", "prepare")
    out = run(st, "progress", "reset", stdin="")
    assert out.returncode == 2 and "--yes" in out.stderr
    assert json.loads(st.read_text())["phase"] == "prepare"
    assert run(st, "progress", "reset", "--yes").returncode == 0
    assert json.loads(st.read_text())["phase"] is None


def test_corrupt_state_is_kept_aside_and_reported(tmp_path):
    st = tmp_path / "s.json"
    st.write_text('{"phase": "prepare", "done": [', encoding="utf-8")
    out = run(st, "progress", "show")
    assert out.returncode == 0 and "not valid JSON" in out.stderr and "kept as" in out.stderr
    aside = list(tmp_path.glob("s.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == '{"phase": "prepare", "done": ['


def test_newer_state_version_is_kept_aside_not_overwritten(tmp_path):
    st = tmp_path / "s.json"
    st.write_text(json.dumps({"schema_version": 99, "phase": "prepare", "future": True}), encoding="utf-8")
    out = run(st, "progress", "set-phase", "tender")
    assert out.returncode == 0 and "newer version" in out.stderr
    aside = list(tmp_path.glob("s.json.newer-*"))
    assert len(aside) == 1 and json.loads(aside[0].read_text())["future"] is True
    assert json.loads(st.read_text())["phase"] == "tender"


def test_state_survives_a_kill_during_writes(tmp_path):
    """A real process saves the state over and over (each save larger than the last) and is
    killed -9 at a random moment: the file is always one complete state, never a torn one."""
    st = tmp_path / "s.json"
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from pathlib import Path\n"
        "from guide_assistant.guidance.state import ProjectState, StateStore\n"
        "s = StateStore(Path(%r)); i = 0\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    i += 1\n"
        "    s.save(ProjectState(phase='prepare', done=[f'step-{k}' for k in range(i * 50)]))\n"
    ) % (str(ROOT / "src"), str(st))
    for delay in (0.3, 0.7, 1.1):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        proc.stdout.readline()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = StateStore(st)
        state = store.load()
        assert store.warnings == [] and state.phase == "prepare" and len(state.done) % 50 == 0 and state.done
        assert not list(tmp_path.glob("s.json.corrupt-*"))


def test_checklist_role_filter_says_which_letters(tmp_path):
    out = run(tmp_path / "s.json", "checklist", "--role", "verksamhetsägare", "--json")
    rows = json.loads(out.stdout)
    by_id = {r["id"]: r["role_match"] for r in rows}
    assert by_id["skr-implementera-avtal"] == ["accountable"]
    assert by_id["skr-upphandla"] == ["responsible"]
    assert "informed" in by_id["skr-folja-upp-och-forvalta-avtal"]


def test_checklist_markdown_for_a_meeting(tmp_path):
    st = tmp_path / "s.json"
    run(st, "progress", "done", "skr-upphandla-1")
    md = run(st, "checklist", "--phase", "tender", "--format", "md").stdout
    assert md.startswith("# Checklist") and "## 5. Tender and award" in md
    assert "- [x] " in md and "- [ ] " in md
    assert "Roles (HUKI): **accountable**: Procurement officer" in md
    assert "Decision:" in md and "_Source: Kärnprocessen: Realisera och följa upp" in md and "lines 231–" in md


@pytest.mark.parametrize("value,expected", [("4", "prepare"), ("Förbereda upphandlingen", "prepare"), ("anskaffelse", "tender"),
                                            ("go-live", "implement"), ("operate", "operate")])
def test_phase_accepts_ids_numbers_and_aliases(tmp_path, value, expected):
    rows = json.loads(run(tmp_path / "s.json", "checklist", "--phase", value, "--json").stdout)
    assert rows and {r["phase"] for r in rows} == {expected}


def test_unknown_phase_or_role_lists_the_valid_ones(tmp_path):
    out = run(tmp_path / "s.json", "checklist", "--phase", "brainstorming")
    assert out.returncode == 2 and "unknown phase 'brainstorming'" in out.stderr and "prepare" in out.stderr
    out = run(tmp_path / "s.json", "checklist", "--role", "astronaut")
    assert out.returncode == 2 and "unknown role 'astronaut'" in out.stderr and "procurement-officer" in out.stderr
