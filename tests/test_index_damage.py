"""Damage to the index is reported and repaired (issue 23, finding 6): `index status` checks
every file against the manifest's checksums, a plain `index build` repairs a damaged file
(embedding nothing while the vectors are intact), and a reader loading while a build swaps
a new folder in reads one folder generation, never a false checksum error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from guide_assistant.common.config import find_paths
from guide_assistant.indexing.build import build_index, index_status
from guide_assistant.indexing.layout import IndexError_, read_manifest, sha256_file

ROOT = Path(__file__).resolve().parents[1]
KINDS = [
    "vectors.faiss",
    "passages.json",
    "lexical.json",
    "knowledge.json",
    "bm25-passages.data.csc.index.npy",
    "bm25-items.vocab.index.json",
    "bm25-passages.params.index.json",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "index" / "current", tmp_path / "index" / "current")
    return tmp_path


def cli(project: Path, *args: str):
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project), "GUIDE_ASSISTANT_STATE": str(project / "s.db")}
    out = subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, env=env, timeout=600)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def scribble(path: Path) -> None:
    """Bytes in the middle of the file overwritten, its size kept (as a disk or an editor might)."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4] = bytes(b ^ 0x5A for b in data[mid : mid + 4])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", KINDS)
def test_a_scribbled_index_file_makes_status_stale_naming_it(project, name):
    scribble(project / "index" / "current" / name)
    st = index_status(find_paths(project), check_knowledge=False)
    assert not st.fresh and any(name in r and "damaged" in r for r in st.reasons), st.reasons
    out = cli(project, "index", "status")
    assert out.returncode == 1 and name in out.stdout + out.stderr, out.stdout + out.stderr


@pytest.mark.parametrize("name", [k for k in KINDS if k != "vectors.faiss"])
def test_a_plain_build_repairs_a_damaged_file_without_embedding(project, name):
    paths = find_paths(project)
    good = read_manifest(project / "index" / "current").files[name]
    scribble(project / "index" / "current" / name)
    result = build_index(paths, progress=False)
    assert not result.unchanged and result.embedded == 0, (result.embedded, result.unchanged)
    assert index_status(paths).fresh
    assert sha256_file(project / "index" / "current" / name) == good  # the same file again
    out = cli(project, "search", "Vem tecknar avtalet?", "--top-k", "1")
    assert out.returncode == 0 and "1." in out.stdout


SWAPPER = textwrap.dedent(
    """
    import shutil, sys, tempfile
    from pathlib import Path
    from guide_assistant.indexing.store import load_index, write_index
    root = Path(sys.argv[1])
    data = load_index(root)
    vectors = data.vectors.reconstruct_n(0, data.vectors.ntotal)
    saved = Path(tempfile.mkdtemp())
    derived = [n for n in data.manifest.files if n not in ("vectors.faiss", "passages.json")]
    for n in derived:
        shutil.copyfile(data.folder / n, saved / n)
    def write_derived(folder):
        for n in derived:
            shutil.copyfile(saved / n, folder / n)
    other = [r.model_copy(deep=True) for r in data.records]  # every other generation differs, checksums and all
    other[0].passage.text += " "
    print("ready", flush=True)
    for n in range(int(sys.argv[2])):
        write_index(root, data.manifest, other if n % 2 else data.records, vectors, write_derived)
    """
)


def test_readers_loading_during_swaps_never_see_a_false_checksum_error(project):
    """A reader opens the index while a build swaps new folders in, again and again."""
    from guide_assistant.retrieval.search import SearchEngine

    paths = find_paths(project)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(project / "index"), "100"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert swapper.stdout is not None and swapper.stdout.readline().strip() == "ready"
    loads, errors = 0, []
    deadline = time.monotonic() + 120
    while swapper.poll() is None and time.monotonic() < deadline:
        try:
            SearchEngine(paths)
        except IndexError_ as e:
            errors.append(str(e))
        loads += 1
    swapper.wait(timeout=120)
    assert swapper.returncode == 0
    assert loads > 10 and errors == [], (loads, errors[:3])
