"""Several projects in one SQLite progress store, written by several processes at once:
separate progress, nothing lost, a log of who did what and when, the old JSON state
imported once, newer and corrupt files left alone. Real subprocesses running the real CLI
on the real knowledge."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from guide_assistant.stores.progress import DB_VERSION, SQLITE_MAGIC, ProjectStore, os_user

ROOT = Path(__file__).resolve().parents[1]
LOG_FIELDS = {"at", "user", "project", "action", "target"}


def cli(store: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("GUIDE_ASSISTANT_PROJECT", "GUIDE_ASSISTANT_STATE")}
    base |= {"GUIDE_ASSISTANT_SETTINGS": str(store.parent / "settings.json"), "GUIDE_ASSISTANT_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-m", "guide_assistant", "--state", str(store), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=base | env,
        input=stdin,
    )


def ok(out: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert out.returncode == 0, out.stderr
    return out


def as_json(out: subprocess.CompletedProcess):
    return json.loads(ok(out).stdout)


@pytest.fixture(scope="module")
def step_ids() -> list[str]:
    """Real step ids, as `guide-assistant checklist --json` lists them."""
    rows = json.loads(
        subprocess.run(
            [sys.executable, "-m", "guide_assistant", "checklist", "--phase", "tender", "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
    )
    return [s["id"] for r in rows for s in r["steps"]]


def done_in(store: Path, *args: str) -> list[str]:
    return as_json(cli(store, *args, "progress", "show", "--json"))["done"]


def recent(at: str) -> bool:
    t = datetime.fromisoformat(at)
    return t.tzinfo is not None and t.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - t) < timedelta(minutes=10)


def test_two_projects_keep_separate_progress(tmp_path, step_ids):
    db = tmp_path / "team.sqlite3"
    ok(cli(db, "progress", "done", step_ids[0]))
    ok(cli(db, "progress", "set-phase", "tender"))
    assert "created" in ok(cli(db, "projects", "new", "Hemtjänst Nord")).stdout
    ok(cli(db, "--project", "Hemtjänst Nord", "progress", "done", step_ids[1], step_ids[2]))
    ok(cli(db, "progress", "set-phase", "prepare", GUIDE_ASSISTANT_PROJECT="Hemtjänst Nord"))
    assert done_in(db) == [step_ids[0]]
    assert done_in(db, "--project", "Hemtjänst Nord") == [step_ids[1], step_ids[2]]
    north = as_json(cli(db, "--project", "Hemtjänst Nord", "progress", "show", "--json"))
    assert north["project"] == "Hemtjänst Nord" and north["phase"] == "prepare" and north["file"] == str(db)
    assert {"schema_version", "phase", "roles", "done", "notes", "updated_at"} <= set(north)
    rows = as_json(cli(db, "--project", "Hemtjänst Nord", "checklist", "--phase", "tender", "--json"))
    marks = {s["id"]: s["done"] for r in rows for s in r["steps"]}
    assert not marks[step_ids[0]] and marks[step_ids[1]] and marks[step_ids[2]]
    nxt = as_json(cli(db, "next", "--json"))  # the default project's saved phase
    assert nxt and nxt[0]["phase"] == "tender"
    # the per-command --state wins over the global one
    other = tmp_path / "other.sqlite3"
    ok(cli(db, "progress", "done", step_ids[3], "--state", str(other)))
    assert done_in(db) == [step_ids[0]] and done_in(other) == [step_ids[3]]


def test_thirty_ticks_from_two_processes_at_once_are_all_recorded_and_logged(tmp_path, step_ids):
    """alice and bob each tick 15 steps, one `guide-assistant progress done` process per tick,
    both at the same time: all 30 are saved, each logged once with its user and time."""
    db = tmp_path / "team.sqlite3"
    ok(cli(db, "projects", "new", "pilot"))
    work = {"alice": step_ids[:15], "bob": step_ids[15:30]}
    failures: list[str] = []
    start = threading.Barrier(2)

    def writer(user: str) -> None:
        start.wait()
        for sid in work[user]:
            out = cli(db, "--user", user, "--project", "pilot", "progress", "done", sid)
            if out.returncode != 0:
                failures.append(f"{user} {sid}: {out.stderr}")

    threads = [threading.Thread(target=writer, args=(u,)) for u in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert sorted(done_in(db, "--project", "pilot")) == sorted(step_ids[:30])
    log = as_json(cli(db, "--project", "pilot", "progress", "log", "--json"))
    ticks = [e for e in log if e["action"] == "done"]
    assert len(ticks) == 30 and all(set(e) == LOG_FIELDS for e in log)
    assert {(e["user"], e["target"]) for e in ticks} == {(u, s) for u, ids in work.items() for s in ids}
    assert all(e["project"] == "pilot" and recent(e["at"]) for e in ticks)
    assert done_in(db) == []  # nothing leaked into the default project


WRITER = """
import sys, time
sys.path.insert(0, {src!r})
from guide_assistant.stores.progress import ProjectStore
user, start, ids = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
store = ProjectStore({db!r}, user=user)
store.load("default")
time.sleep(max(0.0, start - time.time()))
for sid in ids:
    store.mark_done("default", [sid])
    time.sleep(0.002)  # let the other writer in between
"""


def test_many_ticks_from_two_store_processes_at_once_lose_nothing(tmp_path, kb):
    """Two processes tick 150 steps each through the store, started at the same instant."""
    from guide_assistant.kb.load import step_id

    ids = [step_id(a, i) for _, a in kb.activities for i in range(len(a.steps))][:300]
    db = tmp_path / "progress.sqlite3"
    ProjectStore(db).create("warm-up")  # the schema exists before the race
    start = time.time() + 1.5
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER.format(src=str(ROOT / "src"), db=str(db)), user, str(start), *chunk])
        for user, chunk in (("alice", ids[:150]), ("bob", ids[150:]))
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    store = ProjectStore(db)
    assert sorted(store.load("default").done) == sorted(ids)
    ticks = [e for e in store.log("default") if e.action == "done"]
    assert len(ticks) == 300 and {e.user for e in ticks} == {"alice", "bob"}


def test_progress_log_contract_and_users(tmp_path, step_ids):
    db = tmp_path / "s.sqlite3"
    ok(cli(db, "--user", "alice", "progress", "set-phase", "tender"))
    ok(cli(db, "--user", "alice", "progress", "set-role", "upphandlingsansvarig", "verksamhetsägare"))
    ok(cli(db, "--user", "bob", "progress", "done", step_ids[0], step_ids[1]))
    ok(cli(db, "--user", "bob", "progress", "undo", step_ids[1]))
    ok(cli(db, "--user", "carol", "progress", "note", "Marknadsdialog bokad"))
    ok(cli(db, "projects", "new", "b"))
    ok(cli(db, "--user", "dave", "--project", "b", "progress", "done", step_ids[2]))
    log = as_json(cli(db, "progress", "log", "--json"))
    assert all(set(e) == LOG_FIELDS and recent(e["at"]) for e in log)
    assert [(e["user"], e["action"], e["target"]) for e in log] == [
        ("alice", "create", "default"),
        ("alice", "set-phase", "tender"),
        ("alice", "set-roles", "procurement-officer,contract-owner"),
        ("bob", "done", step_ids[0]),
        ("bob", "done", step_ids[1]),
        ("bob", "undo", step_ids[1]),
        ("carol", "note", "Marknadsdialog bokad"),
    ]
    assert {e["project"] for e in log} == {"default"}
    every = as_json(cli(db, "progress", "log", "--all", "--json"))
    assert {e["project"] for e in every} == {"default", "b"} and every[-1]["user"] == "dave"
    assert [e["action"] for e in as_json(cli(db, "progress", "log", "--json", "--limit", "2"))] == ["undo", "note"]
    text = ok(cli(db, "progress", "log")).stdout.splitlines()
    assert len(text) == len(log) and text[3].split("  ") == [log[3]["at"], "bob", "done", step_ids[0]]
    assert "  b  " in ok(cli(db, "progress", "log", "--all")).stdout
    show = as_json(cli(db, "progress", "show", "--json"))
    assert show["notes"][0]["text"] == "Marknadsdialog bokad" and show["updated_at"] == log[-1]["at"]


def test_projects_list_new_rename_delete_use(tmp_path, step_ids):
    db = tmp_path / "s.sqlite3"
    settings = tmp_path / "settings.json"
    assert "no projects yet" in ok(cli(db, "projects", "list")).stdout
    ok(cli(db, "projects", "new", "alpha"))
    ok(cli(db, "projects", "new", "beta"))
    out = cli(db, "projects", "new", "alpha")
    assert out.returncode == 2 and "already exists" in out.stderr and "alpha, beta" in out.stderr
    out = cli(db, "projects", "new", "  ")
    assert out.returncode == 2 and "cannot be a project name" in out.stderr
    # unknown projects are refused everywhere, listing the valid ones; nothing is created
    for args in (
        ("--project", "gamma", "progress", "done", step_ids[0]),
        ("--project", "gamma", "checklist"),
        ("projects", "use", "gamma"),
        ("projects", "rename", "gamma", "delta"),
        ("projects", "delete", "gamma", "--yes"),
    ):
        out = cli(db, *args)
        assert out.returncode == 2 and "unknown project 'gamma'" in out.stderr and "alpha, beta" in out.stderr, args
    out = cli(db, "progress", "done", step_ids[0], GUIDE_ASSISTANT_PROJECT="gamma")
    assert out.returncode == 2 and "valid projects: alpha, beta" in out.stderr
    # use: the current project, saved in the personal settings
    assert "current project: beta" in ok(cli(db, "projects", "use", "beta")).stdout
    assert json.loads(settings.read_text())["project"] == "beta"
    ok(cli(db, "progress", "done", step_ids[0]))
    assert done_in(db, "--project", "beta") == [step_ids[0]] and done_in(db, "--project", "alpha") == []
    listed = as_json(cli(db, "projects", "list", "--json"))
    assert [(p["name"], p["current"], p["done"]) for p in listed] == [("alpha", False, 0), ("beta", True, 1)]
    assert all(p["created_at"] and p["last_change"] for p in listed)
    assert "* beta" in ok(cli(db, "projects", "list")).stdout
    assert "* alpha" in ok(cli(db, "--project", "alpha", "projects", "list")).stdout
    # rename keeps progress and log, and follows the current project
    ok(cli(db, "projects", "rename", "beta", "Beta 2"))
    assert json.loads(settings.read_text())["project"] == "Beta 2"
    assert done_in(db) == [step_ids[0]]
    assert [e["action"] for e in as_json(cli(db, "progress", "log", "--json"))] == ["create", "done", "rename"]
    out = cli(db, "projects", "rename", "alpha", "Beta 2")
    assert out.returncode == 2 and "already exists" in out.stderr
    # delete asks unless --yes (and refuses without a terminal)
    out = cli(db, "projects", "delete", "Beta 2", stdin="")
    assert out.returncode == 2 and "--yes" in out.stderr and done_in(db) == [step_ids[0]]
    ok(cli(db, "projects", "delete", "Beta 2", "--yes"))
    assert json.loads(settings.read_text())["project"] is None
    assert [p["name"] for p in as_json(cli(db, "projects", "list", "--json"))] == ["alpha"]
    assert [e["action"] for e in as_json(cli(db, "progress", "log", "--all", "--json"))][-1] == "delete"
    # a new project of the deleted one's name starts afresh
    ok(cli(db, "projects", "new", "Beta 2"))
    assert done_in(db, "--project", "Beta 2") == []
    assert [e["action"] for e in as_json(cli(db, "--project", "Beta 2", "progress", "log", "--json"))] == ["create"]


OLD_STATE = {
    "schema_version": 1,
    "phase": "tender",
    "roles": ["procurement-officer"],
    "done": ["skr-upphandla-1", "skr-upphandla-2"],
    "notes": [{"at": "2024-05-02T08:00:00+00:00", "text": "Dialog bokad"}],
    "updated_at": "2024-05-02T08:00:00+00:00",
}


def test_old_json_state_is_imported_once_and_kept_aside(tmp_path):
    db = tmp_path / "state.json"  # a team's --state still naming its old file
    raw = json.dumps(OLD_STATE, indent=2).encode()
    db.write_bytes(raw)
    out = ok(cli(db, "--user", "alice", "progress", "show", "--json"))
    assert "imported into project 'default'" in out.stderr and out.stderr.count("\n") == 1
    data = json.loads(out.stdout)
    assert (data["phase"], data["roles"], data["done"]) == ("tender", ["procurement-officer"], ["skr-upphandla-1", "skr-upphandla-2"])
    assert data["notes"][0]["text"] == "Dialog bokad" and data["notes"][0]["at"] == "2024-05-02T08:00:00+00:00"
    aside = list(tmp_path.glob("state.json.imported-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == raw
    assert db.read_bytes().startswith(SQLITE_MAGIC)
    again = ok(cli(db, "progress", "done", "skr-upphandla-3"))
    assert again.stderr == "" and len(list(tmp_path.glob("state.json.imported-*"))) == 1
    log = as_json(cli(db, "progress", "log", "--json"))
    assert [(e["user"], e["action"]) for e in log] == [("alice", "create"), ("alice", "import"), (os_user(), "done")]
    assert log[1]["target"] == aside[0].name


def test_old_json_read_by_two_processes_at_once_is_imported_once(tmp_path):
    db = tmp_path / "s.json"
    db.write_text(json.dumps(OLD_STATE), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "GUIDE_ASSISTANT_PROJECT"}
    env |= {"GUIDE_ASSISTANT_SETTINGS": str(tmp_path / "settings.json"), "GUIDE_ASSISTANT_LANG": "en"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "guide_assistant", "--state", str(db), "progress", "done", sid],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for sid in ("skr-upphandla-3", "skr-upphandla-4")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert len(list(tmp_path.glob("s.json.imported-*"))) == 1
    assert sorted(done_in(db)) == ["skr-upphandla-1", "skr-upphandla-2", "skr-upphandla-3", "skr-upphandla-4"]
    assert [e["action"] for e in as_json(cli(db, "progress", "log", "--json"))].count("import") == 1


def test_old_state_json_beside_the_default_store_is_imported_once(tmp_path):
    data_home = tmp_path / "data"
    folder = data_home / "guide-assistant"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps(OLD_STATE), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("GUIDE_ASSISTANT_PROJECT", "GUIDE_ASSISTANT_STATE")}
    env |= {"XDG_DATA_HOME": str(data_home), "GUIDE_ASSISTANT_SETTINGS": str(tmp_path / "settings.json"), "GUIDE_ASSISTANT_LANG": "en"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, cwd=ROOT, env=env)

    first = run("progress", "show", "--json")
    assert first.returncode == 0 and "imported into project 'default'" in first.stderr
    assert json.loads(first.stdout)["file"] == str(folder / "progress.sqlite3")
    assert json.loads(first.stdout)["done"] == ["skr-upphandla-1", "skr-upphandla-2"]
    assert not (folder / "state.json").exists() and len(list(folder.glob("state.json.imported-*"))) == 1
    second = run("progress", "show", "--json")
    assert second.returncode == 0 and second.stderr == "" and json.loads(second.stdout)["phase"] == "tender"


def test_a_store_of_a_newer_version_is_refused_and_left_untouched(tmp_path, step_ids):
    db = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {DB_VERSION + 1}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for args in (("progress", "done", step_ids[0]), ("progress", "show"), ("checklist",), ("projects", "list")):
        out = cli(db, *args)
        assert out.returncode == 1 and "written by a newer version of guide-assistant" in out.stderr, args
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite3"]


def test_assistant_switches_projects_and_keeps_others_ticks(tmp_path, paths, monkeypatch):
    """The TUI's Assistant: row-level ticks (another session's tick is kept), projects."""
    from guide_assistant.service import Assistant
    from guide_assistant.stores.progress import UnknownProject

    monkeypatch.setenv("GUIDE_ASSISTANT_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.delenv("GUIDE_ASSISTANT_PROJECT", raising=False)
    db = tmp_path / "s.sqlite3"
    one = Assistant(paths, db, tmp_path / "chat1.json", user="alice")
    two = Assistant(paths, db, tmp_path / "chat2.json", user="bob")
    assert one.toggle_step("skr-upphandla-1") and two.toggle_step("skr-upphandla-2")
    assert one.toggle_step("skr-upphandla-3")
    assert one.state.done == ["skr-upphandla-1", "skr-upphandla-2", "skr-upphandla-3"]
    assert not two.toggle_step("skr-upphandla-1") and one.reload().done == ["skr-upphandla-2", "skr-upphandla-3"]
    one.create_project("north")
    with pytest.raises(UnknownProject, match="valid projects: default, north"):
        one.switch_project("south")
    one.switch_project("north")
    assert one.project == "north" and one.state.done == [] and [p.name for p in one.projects()] == ["default", "north"]
    one.set_phase("tender")
    assert json.loads((tmp_path / "settings.json").read_text())["project"] == "north"
    assert Assistant(paths, db, tmp_path / "chat3.json").state.phase == "tender"  # the saved current project
    assert {(e.user, e.target) for e in one.store.log("default") if e.action in ("done", "undo")} == {
        ("alice", "skr-upphandla-1"),
        ("bob", "skr-upphandla-2"),
        ("alice", "skr-upphandla-3"),
        ("bob", "skr-upphandla-1"),
    }


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/team rw,relatime shared:20 - cifs //server/team rw,vers=3.0
41 22 0:36 / /mnt/team\\040docs rw,relatime shared:21 - nfs4 server:/docs rw
42 40 8:2 / /mnt/team/local rw,relatime shared:22 - ext4 /dev/sdb1 rw
"""


@pytest.mark.parametrize(
    "path, fstype",
    [
        ("/home/anna/progress.sqlite3", "ext4"),
        ("/mnt/team/progress.sqlite3", "cifs"),
        ("/mnt/team docs/p.sqlite3", "nfs4"),
        ("/mnt/team/local/p.sqlite3", "ext4"),
        ("/mnt/teamwork/p.sqlite3", "ext4"),
    ],
)
def test_a_store_on_a_network_share_is_told_from_one_on_a_local_disk(path, fstype):
    """On a share the store keeps SQLite's rollback journal (WAL needs memory the machines
    sharing it cannot share); the file system is read from the mount table."""
    from guide_assistant.common.fsutil import NETWORK_FILESYSTEMS, filesystem_type

    assert filesystem_type(Path(path), MOUNTINFO) == fstype
    assert (fstype in NETWORK_FILESYSTEMS) == (fstype != "ext4")


def test_the_store_uses_wal_on_a_local_disk(tmp_path):
    store = ProjectStore(tmp_path / "p.sqlite3", user="anna")
    store.set_phase("default", "plan")
    with sqlite3.connect(tmp_path / "p.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_store_keeps_the_rollback_journal_on_a_share(tmp_path, monkeypatch):
    import guide_assistant.stores.progress as state

    monkeypatch.setattr(state, "on_network_share", lambda path: True)  # as if tmp_path were an SMB share
    store = ProjectStore(tmp_path / "p.sqlite3", user="anna")
    store.mark_done("default", ["a-1"])
    with sqlite3.connect(tmp_path / "p.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert ProjectStore(tmp_path / "p.sqlite3").load("default").done == ["a-1"]


def test_a_saved_project_another_store_lacks_falls_back_to_default(tmp_path, step_ids):
    """`projects use` saves the current project for the person; with another store (--state)
    that has no such project, commands work on 'default' and say why."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert cli(a, "projects", "new", "Trygghetslarm").returncode == 0
    assert cli(a, "projects", "use", "Trygghetslarm").returncode == 0
    out = cli(b, "progress", "done", step_ids[0])
    assert out.returncode == 0 and "Trygghetslarm" in out.stderr and "'default'" in out.stderr
    assert ProjectStore(b).load("default").done == [step_ids[0]]
    assert cli(b, "--project", "Trygghetslarm", "progress", "show").returncode == 2  # named explicitly: must exist
