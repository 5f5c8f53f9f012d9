"""Printing Markdown (answers, checklists) for a person at a terminal or for a pipe.

At a terminal, rich renders it (headings, bold, lists, links); piped or redirected, it is
printed as plain Markdown, byte for byte, for other tools. ``NO_COLOR`` turns colour off
(rich honours it); ``TTY_COMPATIBLE=1`` / ``FORCE_COLOR`` make rich treat the output as a
terminal, as rich documents. rich is imported only when it renders.
"""

from __future__ import annotations

import re
import sys

from guide_assistant.common.safetext import for_terminal

MD_FORMATS = ("text", "md")


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False, emoji=False, markup=False)


def is_terminal() -> bool:
    """Whether stdout is a terminal, as rich decides it (so its environment variables apply)."""
    if not sys.stdout.isatty() and not _env_forces_terminal():
        return False
    return _console().is_terminal


def _env_forces_terminal() -> bool:
    import os

    return bool(os.environ.get("TTY_COMPATIBLE") == "1" or os.environ.get("FORCE_COLOR"))


def plain_text(markdown: str) -> str:
    """Markdown without its markup, for ``--format text``: emphasis and escapes removed,
    headings and list marks kept as text."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown)
    text = re.sub(r"(?<![\w\\])_(.+?)_(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"^#{1,6} ", "", text, flags=re.M)
    return re.sub(r"\\([\\`*_\[\]<>#|{}()+.!-])", r"\1", text)


def _line_end(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def print_markdown(markdown: str, fmt: str | None = None) -> None:
    """``fmt`` None: rendered at a terminal, plain Markdown when piped; "md": plain Markdown;
    "text": without Markdown markup. Plain output is ``markdown`` as given (a final newline
    added when it lacks one), so piped output stays byte for byte what it was."""
    markdown = for_terminal(markdown)  # guide text holds no control character or escape for the terminal
    if fmt == "text":
        sys.stdout.write(_line_end(plain_text(markdown)))
        return
    if fmt == "md" or not is_terminal():
        sys.stdout.write(_line_end(markdown))
        return
    from rich.markdown import Markdown

    _console().print(Markdown(markdown, hyperlinks=False))
