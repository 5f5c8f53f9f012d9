"""An answer as it is shown, saved and printed (``ask --json``): a plain model, so that the
code that only shows or saves answers (the UI, the conversation store) does not load the
search machinery that composes them (``answers/composer.py``)."""

from __future__ import annotations

from pydantic import BaseModel

from guide_assistant.answers.labels import LABELS
from guide_assistant.checklist.next_steps import NextActivity
from guide_assistant.common.i18n import LANGUAGES
from guide_assistant.retrieval.hits import Hit


class Answer(BaseModel):
    question: str
    language: str
    phases: list[str]
    covered: bool
    answer: str
    citations: list[Hit]
    next_activities: list[NextActivity]
    intent: str = "how"
    phase_source: str = "none"  # option | question | context | saved | retrieval | none
    relevance: float = 0.0
    conversation_id: str | None = None
    activity: str | None = None  # the activity the answer is about: what "that" refers to next
    relation: str | None = None
    needs_context: bool = False  # a follow-up with nothing to refer to


def without_sources(markdown: str) -> str:
    """The answer without its closing list of sources (for views that list citations apart)."""
    for lang in LANGUAGES:
        head = f"\n\n**{LABELS[lang]['sources']}**\n"
        if head in markdown:
            return markdown.split(head, 1)[0]
    return markdown
