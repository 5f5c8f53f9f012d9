"""What a search returns and what an answer cites (contracts.md), and what a question's
understanding asks of a search: plain models, so that the code that only shows or saves
them (the UI, the conversation store) does not load the search machinery."""

from __future__ import annotations

from pydantic import BaseModel


class Preference(BaseModel):
    """What the question understanding adds to a search: the phase it is about (also from
    'before/after X') and the kind of item it wants (deliverable, decision, roles)."""

    phases: list[str] = []
    kind: str | None = None


class Hit(BaseModel):
    """A search result or a citation (contracts.md); ``kind`` says what it is: a passage or
    one structured item (step, deliverable, decision, roles, tool, summary)."""

    source: str
    line_start: int
    line_end: int
    score: float
    section: str
    phases: list[str]
    roles: list[str]
    text: str
    tracks: list[str] = []
    language: str = ""
    activities: list[str] = []
    titles: list[str] = []
    kind: str = "passage"
    english: str = ""  # an item's English text ("" for passages)
    detail: str = ""  # a step's kind, or "question" for a decision's question
    unit: str = ""  # the unit id: "<source-id>:<lines>" for a passage, "<activity>#<item>" for an item
