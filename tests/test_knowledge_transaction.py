"""A guide update is one transaction (issue 23, finding 1): `kb update` killed at any of its
writes leaves the knowledge as it was or as the update makes it, byte for byte, and `kb
validate` passes; a folder that cannot be written is a plain error and nothing changes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KVICK = "kvickguide-upphandling-och-implementering.txt"
SKR = "skr-realisera-och-folja-upp.txt"


def make_project(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "knowledge", where / "knowledge")
    return where


def run(project: Path, *args: str, user: int | None = None, **env: str):
    environment = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project), "GUIDE_ASSISTANT_STATE": str(project / "s.db"), **env}
    cmd = [sys.executable, "-m", "guide_assistant", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=600)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def tree(project: Path) -> dict[str, str]:
    """Every file under knowledge/ -> its sha256 (a change report without its time stamp)."""
    out = {}
    for p in sorted((project / "knowledge").rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if p.parent.name == "changes" and p.suffix == ".json":
            report = json.loads(data)
            report.pop("at", None)
            data = json.dumps(report, sort_keys=True).encode()
        out[str(p.relative_to(project / "knowledge"))] = hashlib.sha256(data).hexdigest()
    return out


def new_version(project: Path) -> Path:
    """The kvickguide with a paragraph inserted near the top: every reference moves."""
    lines = (project / "knowledge" / "sources" / KVICK).read_text(encoding="utf-8").split("\n")
    new = project.parent / "kvickguide-new.txt"
    new.write_text(
        "\n".join(lines[:5] + ["Nyhet: guiden är uppdaterad.", "En andra ny rad om ändringarna.", ""] + lines[5:]), encoding="utf-8"
    )
    return new


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> tuple[dict[str, str], dict[str, str], Path]:
    """The knowledge before and after an uninterrupted update, and the new guide file."""
    base = tmp_path_factory.mktemp("reference")
    project = make_project(base / "p")
    before = tree(project)
    new = new_version(project)
    out = run(project, "kb", "update", "kvickguide", str(new))
    assert out.returncode == 0, out.stderr
    after = tree(project)
    assert before != after
    return before, after, new


def test_kb_update_killed_at_every_write_leaves_old_or_new_knowledge(tmp_path, states):
    before, after, new = states
    seen = {"old": 0, "new": 0}
    n = 0
    while True:
        n += 1
        assert n < 100, "the update never finished"
        project = make_project(tmp_path / f"p{n}")
        out = run(project, "kb", "update", "kvickguide", str(new), GUIDE_ASSISTANT_CRASH_AFTER=str(n))
        if out.returncode == 0:  # more steps asked for than the update makes: it finished
            assert tree(project) == after
            break
        assert out.returncode == 137, (n, out.stderr)
        check = run(project, "kb", "validate")  # finishes or discards the half-made change first
        assert check.returncode == 0, (n, check.stdout[-2000:])
        assert not (project / ".knowledge-staging").exists()
        now = tree(project)
        assert now in (before, after), f"killed after write {n}: the knowledge is neither old nor new"
        seen["old" if now == before else "new"] += 1
        retry = run(project, "kb", "update", "kvickguide", str(new))  # trying again does not move anything twice
        assert retry.returncode == 0, retry.stderr
        assert tree(project) == after, f"killed after write {n}, then retried: the references moved twice"
        shutil.rmtree(project)
    assert seen["old"] > 3 and seen["new"] >= 2, seen  # killed both before and after the commit point


def test_kb_update_killed_by_sigkill_at_random_moments(tmp_path, states):
    before, after, new = states
    rng = random.Random(23)
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": ""}
    for trial in range(6):
        project = make_project(tmp_path / f"p{trial}")
        env["GUIDE_ASSISTANT_HOME"] = str(project)
        proc = subprocess.Popen(
            [sys.executable, "-m", "guide_assistant", "kb", "update", "kvickguide", str(new)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert run(project, "kb", "validate").returncode == 0
        assert tree(project) in (before, after), f"trial {trial}"
        assert run(project, "kb", "update", "kvickguide", str(new)).returncode == 0
        assert tree(project) == after


def test_staging_left_without_journal_is_discarded_and_a_journal_is_rolled_forward(tmp_path, states):
    """The two halves of recovery, made by hand: staged files without a journal were never
    committed; a journal whose renames were only partly done is finished."""
    from guide_assistant.common.journal import Transaction

    before, _after, _new = states
    project = make_project(tmp_path / "p")
    staging = project / ".knowledge-staging"
    staging.mkdir()
    (staging / "files").mkdir()
    (staging / "files" / "0").write_text("garbage: [", encoding="utf-8")
    assert run(project, "kb", "validate").returncode == 0 and not staging.exists() and tree(project) == before

    tx = Transaction(staging).__enter__()
    a, b = project / "knowledge" / "glossary.yaml", project / "knowledge" / "roles.yaml"
    tx.stage(a, b"# a\n" + a.read_bytes())
    tx.stage(b, b"# b\n" + b.read_bytes())
    tx._check_writable()
    renames = [{"staged": f"files/{i}", "target": str(t.relative_to(project)), "backup": f"old/{i}"} for i, t in enumerate((a, b))]
    (staging / "journal.json").write_text(json.dumps({"version": 1, "renames": renames}), encoding="utf-8")
    os.replace(staging / "files" / "0", a)  # killed after the first rename
    tx._lock.release()
    out = run(project, "kb", "validate")
    assert out.returncode == 0 and not staging.exists()
    assert a.read_bytes().startswith(b"# a\n") and b.read_bytes().startswith(b"# b\n")


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv to drop root")
def test_read_only_anchored_folder_is_a_clear_error_and_nothing_changes(tmp_path, states):
    before, _after, new = states
    tmp_path.chmod(0o755)
    for parent in tmp_path.parents:  # let the unprivileged user reach it
        if str(parent).startswith(tempfile.gettempdir() + "/pytest-of-"):
            parent.chmod(0o755)
    project = make_project(tmp_path / "p")
    new_copy = tmp_path / "new.txt"
    shutil.copyfile(new, new_copy)
    for p in [project, *project.rglob("*")]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    new_copy.chmod(0o644)
    anchored = project / "knowledge" / "anchored"
    anchored.chmod(0o555)
    user = 65534 if os.geteuid() == 0 else None  # root ignores permissions: run as nobody
    try:
        out = run(project, "kb", "update", "kvickguide", str(new_copy), user=user)
        assert out.returncode == 1, out.stderr
        assert "knowledge/anchored" in out.stderr and "nothing was changed" in out.stderr, out.stderr
        assert tree(project) == before and not (project / ".knowledge-staging").exists()
        # the same guide replaced in place: index build re-anchors, and blames the folder, not index/
        shutil.copyfile(new_copy, project / "knowledge" / "sources" / KVICK)
        shutil.copytree(ROOT / "index" / "current", project / "index" / "current")
        for p in [project / "index", *(project / "index").rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o666)
        out = run(project, "index", "build", user=user)
        assert out.returncode == 1 and "knowledge/anchored" in out.stderr, out.stderr
        assert "cannot write the index" not in out.stderr
        now, was = tree(project), dict(before)
        now.pop(f"sources/{KVICK}"), was.pop(f"sources/{KVICK}")
        assert now == was  # the knowledge is still anchored to the old text, whole
    finally:
        anchored.chmod(0o755)


def test_an_update_whose_knowledge_would_not_validate_is_refused_and_nothing_changes(tmp_path, states):
    """The staged knowledge is checked as `kb validate` checks it before anything is
    committed: here a reference of another guide no longer holds its wording."""
    _before, _after, new = states
    project = make_project(tmp_path / "p")
    acts = project / "knowledge" / "activities" / "skr.yaml"
    acts.write_text(acts.read_text(encoding="utf-8").replace("lines: [64, 64]", "lines: [65, 65]", 1), encoding="utf-8")
    broken = tree(project)
    out = run(project, "kb", "update", "kvickguide", str(new))
    assert out.returncode == 1 and "the knowledge is left as it was" in out.stderr
    assert "activities/skr.yaml:" in out.stderr and "no longer hold this wording" in out.stderr, out.stderr
    assert tree(project) == broken and not (project / ".knowledge-staging").exists()
