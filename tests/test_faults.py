"""Faults: damaged index files, empty or undecodable sources, a read-only index folder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    tmp_path.chmod(0o755)
    for parent in tmp_path.parents:  # let the unprivileged user of the read-only test reach it
        if str(parent).startswith(tempfile.gettempdir() + "/pytest-of-"):
            parent.chmod(0o755)
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "index" / "current", tmp_path / "index" / "current")
    return tmp_path


# A full build embeds every passage again: 200-380 s on 2 cores. The limit is there to end
# a hung process, far above what any command here needs.
TIMEOUT_S = 1800


def run(project: Path, *args: str, user: int | None = None):
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project), "GUIDE_ASSISTANT_STATE": str(project / "s.json")}
    cmd = [sys.executable, "-m", "guide_assistant", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=TIMEOUT_S)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def test_edited_manifest_is_detected(project):
    m = project / "index" / "current" / "manifest.json"
    data = json.loads(m.read_text())
    data["files"]["passages.json"] = "0" * 64
    m.write_text(json.dumps(data))
    out = run(project, "search", "anbud")
    assert out.returncode == 1 and "checksum" in out.stderr and "index build --full" in out.stderr


def test_manifest_that_is_not_json_is_detected(project):
    (project / "index" / "current" / "manifest.json").write_text("{ not json")
    out = run(project, "search", "anbud")
    assert out.returncode == 1 and "not a valid manifest" in out.stderr
    assert run(project, "index", "status").returncode == 1


def test_missing_metadata_is_detected(project):
    (project / "index" / "current" / "passages.json").unlink()
    out = run(project, "search", "anbud")
    assert out.returncode == 1 and "passages.json is missing" in out.stderr and "index build --full" in out.stderr


def test_corrupt_index_is_repaired_by_a_full_build(project):
    (project / "index" / "current" / "vectors.faiss").write_bytes(b"garbage")
    assert run(project, "search", "anbud").returncode == 1
    assert run(project, "index", "build").returncode == 0  # the damaged index is not reused
    assert run(project, "search", "anbud", "--top-k", "1").returncode == 0


def test_empty_source_file_is_a_knowledge_error(project):
    (project / "knowledge" / "sources" / "genomfora-upphandlingar-och-overgang-till-drift.txt").write_text("")
    out = run(project, "kb", "validate")
    assert out.returncode == 1 and "knowledge/sources.yaml:" in out.stdout and "is empty" in out.stdout
    out = run(project, "index", "build")
    assert out.returncode == 1 and "is empty" in out.stderr
    assert run(project, "search", "anbud", "--top-k", "1").returncode == 1  # invalid knowledge is reported, not ignored


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv to drop root")
def test_read_only_index_folder(project):
    for p in [project, *project.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if p.is_dir() else 0))
    for d in (project / "index", project / "index" / "current"):
        d.chmod(0o555)
    user = 65534 if os.geteuid() == 0 else None  # root ignores permissions: run as nobody
    try:
        out = run(project, "index", "build", "--full", user=user)
        assert out.returncode == 1 and "cannot write the index" in out.stderr
        out = run(project, "search", "anbud", "--top-k", "1", user=user)
        assert out.returncode == 0 and "1." in out.stdout  # the old index still answers
    finally:
        for d in (project / "index", project / "index" / "current"):
            d.chmod(0o755)


def test_a_rewritten_file_keeps_its_permissions(tmp_path):
    """Knowledge files a team shares stay readable when `kb update` or `kb add` rewrites
    them, and a new file (an export, the saved function words) is made as `open` makes one."""
    from guide_assistant.common.fsutil import atomic_write_text

    shared = tmp_path / "activities.yaml"
    shared.write_text("old\n", encoding="utf-8")
    shared.chmod(0o664)
    atomic_write_text(shared, "new\n")
    assert shared.read_text(encoding="utf-8") == "new\n" and stat.S_IMODE(shared.stat().st_mode) == 0o664
    private = tmp_path / "conversation.json"
    private.write_text("{}", encoding="utf-8")
    private.chmod(0o600)
    atomic_write_text(private, "[]")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.json", "{}")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
