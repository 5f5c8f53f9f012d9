"""Pydantic models for every knowledge file under ``knowledge/``.

The YAML files are written by people; these models are the contract they are
checked against (``guide-assistant kb validate``). Line ranges are written as
``lines: [start, end]`` (1-based, inclusive, lines of the raw source file) and are
expanded into the ``source``/``line_start``/``line_end`` reference of contracts.md
when the knowledge is loaded.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_RE = r"^[a-z0-9][a-z0-9-]*$"
Language = Literal["sv", "nb", "en"]
PhaseId = Literal["needs", "plan", "design", "prepare", "tender", "implement", "operate"]
TrackId = Literal["anchoring", "benefits", "procurement"]
# why an item needs a person's eye: the guide changed under it, or it is an unreviewed draft
Review = Literal["reworded", "removed", "draft"]

PHASE_IDS: tuple[str, ...] = ("needs", "plan", "design", "prepare", "tender", "implement", "operate")
TRACK_IDS: tuple[str, ...] = ("anchoring", "benefits", "procurement")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WholeFile(Strict):
    """A whole knowledge file that the knowledge snapshot does not hold: its validator is
    made when a file is first read (``kb validate``, ``index build``), not at every start."""

    model_config = ConfigDict(defer_build=True)


class Lines(Strict):
    """A 1-based inclusive line range in the activity file's source."""

    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        if isinstance(value, int):
            return {"start": value, "end": value}
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError("lines must be [start, end]")
            return {"start": value[0], "end": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Lines:
        if self.end < self.start:
            raise ValueError(f"lines end {self.end} is before start {self.start}")
        return self


# --- sources.yaml ---------------------------------------------------------


class SourceEntry(Strict):
    id: str = Field(pattern=ID_RE)
    file: str
    title: str
    title_en: str
    publisher: str
    language: Literal["sv", "nb", "da", "en"]
    origin: str = Field(description="where the text says it comes from, in its own words")
    ocr: bool
    parser: Literal["skr_web", "pdf_text", "veien_ocr", "fardplan_ocr", "generic"]
    original: str | None = Field(default=None, description="the file the guide arrived as, kept in knowledge/originals/")
    original_sha256: str | None = None
    huki: bool = Field(default=False, description="the guide gives HUKI role lists (only then are role letters shown)")

    @field_validator("file")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        if "/" in v or "\\" in v or v.startswith("."):
            raise ValueError("file must be a plain file name inside knowledge/sources")
        return v


class SourcesFile(WholeFile):
    sources: list[SourceEntry]


# --- phases.yaml ----------------------------------------------------------


class Names(Strict):
    en: str
    sv: str
    no: str


class Aliases(Strict):
    en: list[str] = Field(default_factory=list)
    sv: list[str] = Field(default_factory=list)
    no: list[str] = Field(default_factory=list)


class PhaseEntry(Strict):
    id: PhaseId
    order: int = Field(ge=1, le=7)
    name: Names
    description: str
    aliases: Aliases = Field(default_factory=Aliases)


class TrackEntry(Strict):
    id: TrackId
    name: Names
    description: str
    aliases: Aliases = Field(default_factory=Aliases)


class CrosswalkEntry(Strict):
    """One guide's own phase, zone or activity and the canonical phases it maps to."""

    source: str
    section: str = Field(description="the guide's own name for it, as written (cleaned)")
    section_en: str
    lines: Lines
    phases: list[PhaseId] = Field(default_factory=list)
    tracks: list[TrackId] = Field(default_factory=list)
    review: Review | None = None
    suggested: bool = Field(default=False, description="proposed by `kb add` from the text, not yet reviewed")

    @model_validator(mode="after")
    def _mapped(self) -> CrosswalkEntry:
        if not self.phases and not self.tracks:
            raise ValueError("a crosswalk entry needs at least one phase or track")
        return self


class PhasesFile(Strict):
    phases: list[PhaseEntry]
    tracks: list[TrackEntry]
    crosswalk: list[CrosswalkEntry]


# --- events.yaml ----------------------------------------------------------


class RelationWords(Strict):
    """Words and phrases that put a question before, after or during an event or phase."""

    before: Aliases
    after: Aliases
    during: Aliases


class EventEntry(Strict):
    """A project event ('the contract is signed') and the phase a project is in before it,
    during it (or when it is named on its own) and after it."""

    id: str = Field(pattern=ID_RE)
    names: Aliases
    before: PhaseId | None = None
    during: PhaseId | None = None
    after: PhaseId | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _mapped(self) -> EventEntry:
        if not (self.before or self.during or self.after):
            raise ValueError("an event needs at least one of before, during, after")
        if not (self.names.en or self.names.sv or self.names.no):
            raise ValueError("an event needs at least one name")
        return self


class EventsFile(Strict):
    relations: RelationWords
    events: list[EventEntry] = Field(default_factory=list)


# --- roles.yaml -----------------------------------------------------------


class RoleEntry(Strict):
    id: str = Field(pattern=ID_RE)
    name: Names
    description: str
    aliases: Aliases = Field(default_factory=Aliases)


class HukiLetter(Strict):
    key: Literal["accountable", "responsible", "consulted", "informed"]
    letter: str
    en: str
    sv: list[str]
    no: list[str]


class RolesFile(Strict):
    huki: list[HukiLetter]
    roles: list[RoleEntry]


# --- glossary.yaml --------------------------------------------------------


class GlossaryEntry(Strict):
    id: str = Field(pattern=ID_RE)
    en: list[str] = Field(min_length=1)
    sv: list[str] = Field(default_factory=list)
    no: list[str] = Field(default_factory=list)
    note: str | None = None


class GlossaryFile(Strict):
    terms: list[GlossaryEntry]


# --- activities/<source-id>.yaml ------------------------------------------


class Item(Strict):
    """A step, deliverable, question or tool: English text, original wording, lines.

    ``review`` is set when the guide changed under it (``reworded``: re-anchored to text
    that says something else; ``removed``: no longer found, kept but never shown as fact)
    or when it was drafted by ``kb draft`` and not yet reviewed (``draft``)."""

    text: str = Field(min_length=1, description="readable English text")
    original: str = Field(min_length=1, description="the guide's wording, OCR errors corrected")
    lines: Lines
    review: Review | None = None


StepKind = Literal["do", "advice", "step", "tip", "check", "example"]


class Step(Item):
    id: str | None = Field(default=None, pattern=ID_RE)
    kind: StepKind = "do"


class Tool(Item):
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://\S+$", v):
            raise ValueError("url must be an http(s) address")
        return v


class Decision(Item):
    questions: list[Item] = Field(default_factory=list)


class HukiRoles(Strict):
    accountable: list[str] = Field(default_factory=list)
    responsible: list[str] = Field(default_factory=list)
    consulted: list[str] = Field(default_factory=list)
    informed: list[str] = Field(default_factory=list)
    lines: Lines | None = None
    review: Review | None = None


class Activity(Strict):
    id: str = Field(pattern=ID_RE)
    title: str = Field(description="English title")
    title_original: str
    section: str = Field(description="section path in the guide, e.g. 'Zon 1 Förbereda > Planera'")
    phase: PhaseId
    tracks: list[TrackId] = Field(default_factory=list)
    lines: Lines
    summary: Item | None = None
    roles: HukiRoles = Field(default_factory=HukiRoles)
    steps: list[Step] = Field(default_factory=list)
    deliverables: list[Item] = Field(default_factory=list)
    decision: Decision | None = None
    tools: list[Tool] = Field(default_factory=list)
    review: Review | None = None

    @model_validator(mode="after")
    def _has_content(self) -> Activity:
        if not (self.steps or self.deliverables or self.decision or self.summary):
            raise ValueError("an activity needs a summary, steps, deliverables or a decision")
        return self


class ActivitiesFile(WholeFile):
    source: str
    activities: list[Activity]


# --- cleanup/words/<source-id>.yaml and cleanup/passages/<source-id>.yaml ---


class WordFixesFile(WholeFile):
    """Reviewed OCR corrections, applied word by word (whole tokens, case kept)."""

    source: str
    line_prefixes: list[str] = Field(default_factory=list, description="OCR'd bullet glyphs dropped at the start of a line")
    words: dict[str, str] = Field(default_factory=dict)
    rejected: list[str] = Field(default_factory=list, description="tokens reviewed and left as they are (the generator skips them)")


class PassageFix(Strict):
    """Hand-fixed readable text for a range where OCR mixed columns."""

    lines: Lines
    text: str = Field(min_length=1)
    note: str | None = None
    review: Review | None = None  # a fix whose lines changed is not applied


class PassageFixesFile(WholeFile):
    source: str
    passages: list[PassageFix] = Field(default_factory=list)
