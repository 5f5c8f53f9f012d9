from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guide_assistant.config import Paths, find_paths
from guide_assistant.kb.load import KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paths() -> Paths:
    return find_paths(ROOT)


@pytest.fixture(scope="session")
def kb(paths: Paths) -> KnowledgeBase:
    return load_knowledge(paths)


@pytest.fixture
def copy_root(tmp_path: Path) -> Path:
    """A writable copy of the project's knowledge, to break on purpose."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return tmp_path
