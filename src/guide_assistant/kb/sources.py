"""The guides as files: their registry and their raw lines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from guide_assistant.kb.schema import SourceEntry


class SourceReadError(Exception):
    pass


@dataclass(frozen=True)
class SourceText:
    """A guide's raw text split into lines exactly as the line numbers count them."""

    entry: SourceEntry
    raw: bytes

    @cached_property
    def text(self) -> str:
        return self.raw.decode("utf-8")

    @cached_property
    def lines(self) -> list[str]:
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line.rstrip("\r") for line in lines]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def span(self, start: int, end: int) -> list[str]:
        """Lines start..end (1-based, inclusive)."""
        return self.lines[start - 1 : end]

    def in_range(self, start: int, end: int) -> bool:
        return 1 <= start <= end <= len(self.lines)


def read_source(folder: Path, entry: SourceEntry) -> SourceText:
    path = folder / entry.file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceReadError(f"source file {entry.file} is missing from {folder}") from None
    except OSError as e:
        raise SourceReadError(f"cannot read source file {entry.file}: {e.strerror or e}") from None
    src = SourceText(entry, raw)
    try:
        _ = src.text  # decoded now: an undecodable file is reported here
    except UnicodeDecodeError as e:
        raise SourceReadError(f"{entry.file} is not UTF-8 text (byte {e.start})") from None
    if not src.lines or not src.text.strip():
        raise SourceReadError(f"{entry.file} is empty")
    return src
