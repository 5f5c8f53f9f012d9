"""The anchored copies of the guides (``knowledge/anchored/<file>``): the text every line
reference was last anchored to. A guide that differs from its copy was replaced in place
and not yet re-anchored (``kb/anchoring.py`` moves the references). Kept apart from the
re-anchoring machinery so that a start can check it cheaply."""

from __future__ import annotations

from pathlib import Path

from guide_assistant.common.config import Paths

ANCHORED = "anchored"
REPORTS = "changes"


def anchored_path(paths: Paths, source_file: str) -> Path:
    return paths.knowledge / ANCHORED / source_file


def report_path(paths: Paths, source_id: str) -> Path:
    return paths.knowledge / ANCHORED / REPORTS / f"{source_id}.json"


def previous_path(paths: Paths, source_id: str) -> Path:
    """The text a guide's last update started from (an update undone is restored from it)."""
    return paths.knowledge / ANCHORED / REPORTS / f"{source_id}.previous.txt"


def differs(paths: Paths, source_file: str) -> bool:
    """Whether the guide differs from its anchored copy (False when either is missing)."""
    snap, src = anchored_path(paths, source_file), paths.sources / source_file
    if not snap.exists() or not src.exists():
        return False
    return snap.stat().st_size != src.stat().st_size or snap.read_bytes() != src.read_bytes()


def changed_files(paths: Paths, source_files: list[str]) -> list[str]:
    """The guides among ``source_files`` replaced in place since they were anchored."""
    return [f for f in source_files if differs(paths, f)]
