"""What every answer shape works with: the question read, the evidence ranked, the
citations numbered in the order the text refers to them; and how the guides' text is shown
(as Markdown text, never as markup)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guide_assistant.indexing.passages import Passage
from guide_assistant.retrieval.hits import Hit
from guide_assistant.understanding.reading import Understanding

ITEM_SPAN = 12  # an item citation this short stands for the items inside it


def md(text: str) -> str:
    """Text from the guides shown as Markdown text, never as markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


class Citations:
    """Numbered citations in the order the text refers to them."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.index: dict[tuple[str, int, int], int] = {}

    def ref(self, hit: Hit) -> str:
        key = (hit.source, hit.line_start, hit.line_end)
        for (src, a, b), n in self.index.items():  # an item inside an item already cited shares its number
            if (
                src == hit.source
                and a <= hit.line_start
                and hit.line_end <= b
                and b - a <= ITEM_SPAN
                and self.hits[n - 1].kind != "passage"
                and hit.kind != "passage"
            ):
                return f"[{n}]"
        if key not in self.index:
            self.hits.append(hit)
            self.index[key] = len(self.hits)
        return f"[{self.index[key]}]"


@dataclass
class Ranked:
    unit: Passage
    score: float
    lexical: float = 0.0  # the item's BM25 score: > 0 when it shares a word with the question


@dataclass(frozen=True)
class AnswerContext:
    """One question's answer in the making, as each intent's shape (answers/intents/) reads it."""

    understood: Understanding  # the question read: language, intent, phase, relation, follow-up
    phases: list[str]  # the phases the answer is about
    ranked: list[Ranked]  # every item, the most relevant first
    passages: list[Hit]  # the best passages
    cites: Citations  # the citations, numbered as the text refers to them
    done: set[str]  # the steps done in the project
    roles: list[str]  # the asker's roles
    originals: bool  # show the guides' own wording beside the English
    tokens: list[str]  # the question's search tokens (stemmed, glossary-expanded)
    target: str | None  # the activity a follow-up refers to
    source: str  # where the phase came from: option | question | context | saved | retrieval | none
