"""An answer in the chat: Markdown whose [n] citation markers open the cited lines.

Kept apart from the app because Textual's Markdown widget (markdown-it, its parser) takes
~35 ms to import: the app imports this module when it first shows an answer, not at start.
"""

from __future__ import annotations

import re

from textual.widgets import Markdown

from guide_assistant.service import Answer, without_sources

CITE = re.compile(r"(?<!\\)\[(\d+)\]")


def linked(markdown: str) -> str:
    """Citation markers [n] become links the app opens in the source viewer."""
    return CITE.sub(lambda m: f"[\\[{m.group(1)}\\]](cite:{m.group(1)})", markdown)


class AnswerView(Markdown):
    """An answer; its [n] markers open the cited lines."""

    def __init__(self, answer: Answer):
        # the source list stays out of the view (ctrl+o lists the citations): it is long and
        # Markdown rendering time grows with it
        super().__init__(linked(without_sources(answer.answer)), open_links=False, classes="answer")
        self.answer = answer
