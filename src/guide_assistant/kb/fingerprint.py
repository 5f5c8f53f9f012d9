"""Hashes that say what something was made from: the knowledge files, the guides, code.

The index manifest records them (is the index stale?), and so does the knowledge
snapshot (may it stand in for parsing the YAML?). Hashing all of ``knowledge/`` takes
about a millisecond: no file times are needed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from guide_assistant.common.config import Paths


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def knowledge_hashes(paths: Paths) -> dict[str, str]:
    """Every knowledge YAML file (relative path -> sha256), the guides' folder aside."""
    k = paths.knowledge
    return {
        str(p.relative_to(k)): sha256_bytes(p.read_bytes())
        for p in sorted(k.rglob("*"))
        if p.is_file() and p.suffix in (".yaml", ".yml") and "sources" not in p.relative_to(k).parts
    }


def source_hashes(paths: Paths) -> dict[str, str]:
    """Every file in the guides' folder (name -> sha256)."""
    return {p.name: sha256_bytes(p.read_bytes()) for p in sorted(paths.sources.glob("*")) if p.is_file()}


def code_fingerprint(files: list[Path], extra: tuple[str, ...] = ()) -> str:
    """A short hash of source files (line endings normalised) and ``extra`` strings such as
    library versions: code that turns the knowledge into something saved, so that
    changing it makes what was saved out of date."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes().replace(b"\r\n", b"\n"))
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()[:16]


def package_version(name: str) -> str:
    """An installed package's version, read from the Version line of its metadata's
    header: ``importlib.metadata.version`` parses the whole file (often the package's
    README too) with the email parser, ~1 ms a package at every start."""
    from importlib.metadata import distribution

    dist = distribution(name)
    for line in (dist.read_text("METADATA") or "").splitlines():
        if not line:  # the end of the header
            break
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return dist.version
