"""A project's progress as the checklist and the answers read it: the phase it is in, the
roles of the person asking, the steps done, notes. The progress store (stores/progress.py)
saves and loads it; nothing here touches a file."""

from __future__ import annotations

from pydantic import BaseModel

SCHEMA_VERSION = 1  # of ProjectState (and of the JSON files of earlier versions)


class Note(BaseModel):
    at: str
    text: str
    user: str | None = None


class ProjectState(BaseModel):
    schema_version: int = SCHEMA_VERSION
    phase: str | None = None
    roles: list[str] = []
    done: list[str] = []
    notes: list[Note] = []
    updated_at: str | None = None
