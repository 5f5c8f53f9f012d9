"""Saved progress: commands, an SQLite store that survives a kill, corrupt files kept aside."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guide_assistant.stores.progress import SQLITE_MAGIC, ProjectStore

ROOT = Path(__file__).resolve().parents[1]


def run(state: Path, *args: str, stdin: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "GUIDE_ASSISTANT_PROJECT"}
    env |= {
        "GUIDE_ASSISTANT_STATE": str(state),
        "GUIDE_ASSISTANT_SETTINGS": str(state.parent / "settings.json"),
        "GUIDE_ASSISTANT_LANG": "en",
    }
    return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, cwd=ROOT, env=env, input=stdin)


def show_json(state: Path) -> dict:
    out = run(state, "progress", "show", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_progress_commands_and_checklist_done_marks(tmp_path):
    st = tmp_path / "team" / "progress.sqlite3"
    assert run(st, "progress", "set-phase", "upphandling").returncode == 0
    assert run(st, "progress", "set-role", "upphandlingsansvarig").returncode == 0
    assert run(st, "progress", "done", "skr-upphandla-1", "skr-upphandla-2").returncode == 0
    assert run(st, "progress", "note", "Marknadsdialog bokad").returncode == 0
    assert st.read_bytes().startswith(SQLITE_MAGIC)
    data = show_json(st)
    assert data["file"] == str(st) and data["project"] == "default"
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
    assert ("phase: tender" in shown.stdout and "1/88" in shown.stdout) or "tender" in shown.stdout


def test_unknown_step_id_is_refused_with_suggestions(tmp_path):
    out = run(tmp_path / "s.sqlite3", "progress", "done", "skr-upphandla-99x")
    assert out.returncode == 2 and "unknown step or activity id" in out.stderr and "did you mean" in out.stderr
    assert not (tmp_path / "s.sqlite3").exists()


def test_reading_a_store_that_does_not_exist_creates_nothing(tmp_path):
    st = tmp_path / "s.sqlite3"
    assert run(st, "checklist", "--phase", "tender", "--json").returncode == 0
    assert show_json(st)["done"] == [] and not st.exists()


def test_reset_asks_unless_yes(tmp_path):
    st = tmp_path / "s.sqlite3"
    run(st, "progress", "set-phase", "prepare")
    run(st, "progress", "done", "skr-upphandla-1")
    out = run(st, "progress", "reset", stdin="")
    assert out.returncode == 2 and "--yes" in out.stderr
    assert show_json(st)["phase"] == "prepare"
    assert run(st, "progress", "reset", "--yes").returncode == 0
    data = show_json(st)
    assert data["phase"] is None and data["done"] == []
    assert [e["action"] for e in json.loads(run(st, "progress", "log", "--json").stdout)][-1] == "reset"


@pytest.mark.parametrize("content", [b'{"phase": "prepare", "done": [', b"\x00\xffnot a database, not JSON\n"])
def test_corrupt_state_is_kept_aside_and_reported(tmp_path, content):
    st = tmp_path / "s.sqlite3"
    st.write_bytes(content)
    out = run(st, "progress", "show")
    assert out.returncode == 0 and "neither a progress database nor" in out.stderr and "kept as" in out.stderr
    aside = list(tmp_path.glob("s.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert run(st, "progress", "set-phase", "tender").returncode == 0  # a new store was started
    assert st.read_bytes().startswith(SQLITE_MAGIC) and show_json(st)["phase"] == "tender"


def test_a_store_damaged_inside_is_kept_aside_and_ask_still_answers(tmp_path):
    """Issue 23, finding 9: a database whose header is intact but whose pages are scribbled
    stopped `ask` and every progress command ('database disk image is malformed')."""
    import sqlite3

    st = tmp_path / "s.sqlite3"
    assert run(st, "progress", "note", "before the damage").returncode == 0
    with sqlite3.connect(st) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(st.read_bytes())
    data[4096 + 8 :] = b"Z" * (len(data) - 4096 - 8)  # every page but the first (the header)
    st.write_bytes(bytes(data))
    damaged = bytes(data)
    env_chat = {"GUIDE_ASSISTANT_CHAT": str(tmp_path / "chat.sqlite3")}
    os.environ.update(env_chat)
    try:
        out = run(st, "ask", "Who signs the contract?")
    finally:
        os.environ.pop("GUIDE_ASSISTANT_CHAT")
    assert out.returncode == 0 and "[1]" in out.stdout, out.stderr
    assert "damaged" in out.stderr and "kept as" in out.stderr and "Traceback" not in out.stderr
    aside = list(tmp_path.glob("s.sqlite3.corrupt-*"))
    assert [a.read_bytes() for a in aside if not a.name.endswith("-wal")] == [damaged]
    assert run(st, "progress", "set-phase", "tender").returncode == 0 and show_json(st)["phase"] == "tender"


def test_json_state_of_an_unknown_version_is_kept_aside_not_overwritten(tmp_path):
    st = tmp_path / "s.json"
    st.write_text(json.dumps({"schema_version": 99, "phase": "prepare", "future": True}), encoding="utf-8")
    out = run(st, "progress", "set-phase", "tender")
    assert out.returncode == 0 and "unknown version" in out.stderr
    aside = list(tmp_path.glob("s.json.newer-*"))
    assert len(aside) == 1 and json.loads(aside[0].read_text())["future"] is True
    assert show_json(st)["phase"] == "tender"


KILL_CHILD = """
import sys
sys.path.insert(0, {src!r})
from guide_assistant.stores.progress import ProjectStore
ids = sys.argv[1:]
store = ProjectStore({db!r}, user="killed")
print("ready", flush=True)
n = 0
while True:
    n += 1
    project = "round-{round}-" + str(n)
    store.create(project)
    for sid in ids:
        store.mark_done(project, [sid])
        print(project, sid, flush=True)  # only once it is committed
"""


def test_store_survives_a_kill_during_writes(tmp_path, kb):
    """A real process ticks real steps one transaction at a time, printing each after its
    commit, and is killed -9 at a random moment: the database passes an integrity check and
    holds (and logs) every tick the process reported."""
    from guide_assistant.kb.load import step_id

    ids = [step_id(a, i) for _, a in kb.activities for i in range(len(a.steps))]
    db = tmp_path / "progress.sqlite3"
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    for rnd in range(3):
        code = KILL_CHILD.format(src=str(ROOT / "src"), db=str(db), round=rnd)
        proc = subprocess.Popen([sys.executable, "-c", code, *ids], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        first = proc.stdout.readline()  # one tick committed (however slow the machine), then a random moment
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reported = [line.split() for line in (first + proc.stdout.read()).split("\n")[:-1]]  # whole lines only
        assert reported, f"seed {seed}: nothing was committed before the kill"
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"seed {seed}"
        store = ProjectStore(db)
        done: dict[str, set[str]] = {}
        for project, sid in reported:
            if project not in done:
                done[project] = set(store.load(project).done)
            assert sid in done[project], f"seed {seed}: {project} {sid} was reported as committed but is missing"
        logged = {(e.project, e.target) for e in store.log() if e.action == "done" and e.user == "killed"}
        assert {(p, s) for p, s in reported} <= logged, f"seed {seed}"
        assert store.warnings == [] and not list(tmp_path.glob("*.corrupt-*"))
        store.close()


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


@pytest.mark.parametrize(
    "value,expected",
    [("4", "prepare"), ("Förbereda upphandlingen", "prepare"), ("anskaffelse", "tender"), ("go-live", "implement"), ("operate", "operate")],
)
def test_phase_accepts_ids_numbers_and_aliases(tmp_path, value, expected):
    rows = json.loads(run(tmp_path / "s.json", "checklist", "--phase", value, "--json").stdout)
    assert rows and {r["phase"] for r in rows} == {expected}


def test_unknown_phase_or_role_lists_the_valid_ones(tmp_path):
    out = run(tmp_path / "s.json", "checklist", "--phase", "brainstorming")
    assert out.returncode == 2 and "unknown phase 'brainstorming'" in out.stderr and "prepare" in out.stderr
    out = run(tmp_path / "s.json", "checklist", "--role", "astronaut")
    assert out.returncode == 2 and "unknown role 'astronaut'" in out.stderr and "procurement-officer" in out.stderr
