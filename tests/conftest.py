from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from guide_assistant.answers.composer import Composer
from guide_assistant.common.config import Paths, find_paths
from guide_assistant.kb.load import KnowledgeBase, load_knowledge
from guide_assistant.retrieval.search import SearchEngine

ROOT = Path(__file__).resolve().parents[1]

# Tests (and the processes they start) never read or write the tester's own settings,
# progress or conversations (the user data folder is a temporary one), and start in English
# whatever the machine's locale; a test that wants another sets it.
os.environ["GUIDE_ASSISTANT_SETTINGS"] = str(Path(tempfile.mkdtemp(prefix="guide-assistant-settings-")) / "settings.json")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="guide-assistant-data-")
for _var in ("GUIDE_ASSISTANT_LANG", "GUIDE_ASSISTANT_PROJECT", "GUIDE_ASSISTANT_STATE", "GUIDE_ASSISTANT_CHAT", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(scope="session")
def paths() -> Paths:
    return find_paths(ROOT)


@pytest.fixture(scope="session")
def kb(paths: Paths) -> KnowledgeBase:
    return load_knowledge(paths)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase, paths: Paths) -> SearchEngine:
    """The search engine over the committed index and the real model, loaded once."""
    return SearchEngine(paths, kb=kb)


@pytest.fixture(scope="session")
def composer(kb: KnowledgeBase, engine: SearchEngine) -> Composer:
    return Composer(kb, engine)


@pytest.fixture
def copy_root(tmp_path: Path) -> Path:
    """A writable copy of the project's knowledge, to break on purpose."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return tmp_path


@pytest.fixture(scope="session")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids Babel extracts from the package now (babel.cfg), as `make catalogs` would."""
    from babel.messages.pofile import read_po

    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "--no-location", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.fixture(autouse=True)
def english_interface(tmp_path_factory, monkeypatch):
    """Each test starts (and leaves) the interface in English, with settings of its own: a
    test that sets a language (GuideApp(lang="sv")) or saves a current project does not
    change the next one."""
    from guide_assistant.common.i18n import set_language

    monkeypatch.setenv("GUIDE_ASSISTANT_SETTINGS", str(tmp_path_factory.mktemp("settings") / "settings.json"))
    set_language("en")
    yield
    set_language("en")
