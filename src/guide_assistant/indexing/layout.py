"""The index folder without the vector library: its file names, its manifest, which folder
is current, and checksums. Light to import (no faiss, no numpy), so that loading the
knowledge snapshot (kb/snapshot.py) can find and check its file cheaply.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from guide_assistant.common.i18n import N_, _

SCHEMA_VERSION = 1
CURRENT = "current"
VECTORS = "vectors.faiss"
PASSAGES = "passages.json"
MANIFEST = "manifest.json"
KNOWLEDGE = "knowledge.json"  # the validated knowledge (kb/snapshot.py)
LEXICAL = "lexical.json"  # what the saved BM25 indexes were made from (indexing/lexical_index.py)
REBUILD = N_("rebuild with `guide-assistant index build --full`")  # translated where used: _(REBUILD)


class IndexError_(Exception):
    """The index is missing, stale, corrupt or built with another embedder."""


class IndexMissing(IndexError_):
    pass


class IndexBusy(Exception):
    """Another process is building the index."""


class IndexCorrupt(IndexError_):
    pass


class Manifest(BaseModel):
    schema_version: int
    passage_version: str
    embedder_id: str
    dim: int
    built_at: str
    build_seconds: float
    counts: dict[str, int]
    sources: dict[str, str]  # file -> sha256
    knowledge: dict[str, str]  # knowledge file (relative) -> sha256
    files: dict[str, str]  # index file -> sha256
    # what was derived at build time and by which version of the code that derives it
    # ("knowledge": the snapshot, "lexical": the BM25 indexes); empty in indexes built before
    derived: dict[str, str] = {}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def current_dir(index_root: Path) -> Path | None:
    """The folder to read: ``current``, or after a crash mid-swap the newest ``.old-*``."""
    cur = index_root / CURRENT
    if (cur / MANIFEST).is_file():
        return cur
    olds = sorted(index_root.glob(".old-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in olds:
        if (old / MANIFEST).is_file():
            return old
    return None


def generation(index_root: Path) -> tuple[str, int, int] | None:
    """Which folder generation is current: a build swaps a new folder in by rename, so the
    folder's inode (and its manifest's time) change; None when there is no index."""
    folder = current_dir(index_root)
    if folder is None:
        return None
    try:
        return str(folder), os.stat(folder).st_ino, os.stat(folder / MANIFEST).st_mtime_ns
    except OSError:
        return None


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMissing(_("{path} is missing").format(path=path)) from None
    except (ValidationError, UnicodeDecodeError, ValueError) as e:
        raise IndexCorrupt(
            _("{path} is not a valid manifest ({error}); {rebuild}").format(path=path, error=str(e).splitlines()[0], rebuild=_(REBUILD))
        ) from None


def _missing(path: Path) -> IndexCorrupt:
    return IndexCorrupt(_("{path} is missing; {rebuild}").format(path=path, rebuild=_(REBUILD)))


def _mismatch(path: Path) -> IndexCorrupt:
    return IndexCorrupt(
        _("{path} does not match its checksum in the manifest (damaged or edited); {rebuild}").format(path=path, rebuild=_(REBUILD))
    )


def checked_file(folder: Path, manifest: Manifest, name: str, verify: bool = True) -> Path:
    """``folder/name``, present and (with ``verify``) matching its checksum in the manifest."""
    path = folder / name
    if not path.is_file():
        raise _missing(path)
    if verify and sha256_file(path) != manifest.files.get(name):
        raise _mismatch(path)
    return path


def checked_bytes(folder: Path, manifest: Manifest, name: str, verify: bool = True) -> bytes:
    """The bytes of ``folder/name``, read once and (with ``verify``) matching the manifest's checksum."""
    path = folder / name
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise _missing(path) from None
    if verify and hashlib.sha256(data).hexdigest() != manifest.files.get(name):
        raise _mismatch(path)
    return data
