"""Where the knowledge and the index live.

The project root is the folder holding ``knowledge/sources.yaml``. It is taken from
``GUIDE_ASSISTANT_HOME`` if set, else the current folder or one of its parents, else
the folder the package was installed from (an editable install of this repository).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "GUIDE_ASSISTANT_HOME"
MARKER = Path("knowledge") / "sources.yaml"


class ConfigError(Exception):
    """The project folders cannot be found."""


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def knowledge(self) -> Path:
        return self.root / "knowledge"

    @property
    def sources(self) -> Path:
        return self.knowledge / "sources"

    @property
    def staging(self) -> Path:
        """Where a change of several knowledge files is staged before it is committed
        (``common/journal.py``): beside ``knowledge/``, on the same file system."""
        return self.root / ".knowledge-staging"

    @property
    def index(self) -> Path:
        return self.root / "index"

    def rel(self, path: Path) -> str:
        """A path as people should see it in messages: relative to the root if inside."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def _search_up(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def find_paths(root: Path | None = None) -> Paths:
    if root is not None:
        if not (root / MARKER).is_file():
            raise ConfigError(f"{root}: no {MARKER} there")
        return Paths(root)
    env = os.environ.get(ENV_HOME)
    if env:
        home = Path(env).expanduser()
        if not (home / MARKER).is_file():
            raise ConfigError(f"{ENV_HOME}={env}: no {MARKER} there")
        return Paths(home)
    found = _search_up(Path.cwd()) or _search_up(Path(__file__).resolve().parent)
    if found is None:
        raise ConfigError(f"cannot find {MARKER}: run from the guide-assistant folder or set {ENV_HOME}")
    return Paths(found)
