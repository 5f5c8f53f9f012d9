"""Saved project state: current phase, roles, done steps and notes.

Kept as JSON in the user data folder (platformdirs), or in a file given with ``--state``
or ``GUIDE_ASSISTANT_STATE`` so a team can keep it beside its project documents.
Writes are atomic (temporary file, fsync, rename). A file that cannot be read, or that
was written by a newer version, is moved aside (never silently overwritten) and reported.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ValidationError

from guide_assistant.fsutil import atomic_write_text

SCHEMA_VERSION = 1
ENV_STATE = "GUIDE_ASSISTANT_STATE"


class Note(BaseModel):
    at: str
    text: str


class ProjectState(BaseModel):
    schema_version: int = SCHEMA_VERSION
    phase: str | None = None
    roles: list[str] = []
    done: list[str] = []
    notes: list[Note] = []
    updated_at: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def state_path(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_STATE)
    if env:
        return Path(env).expanduser()
    return user_data_path("guide-assistant", appauthor=False) / "state.json"


class StateStore:
    def __init__(self, path: Path):
        self.path = path
        self.warnings: list[str] = []

    def _set_aside(self, why: str, tag: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.{tag}-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
        os.replace(self.path, aside)
        self.warnings.append(f"{self.path}: {why}; it was kept as {aside} and a new state was started")

    def load(self) -> ProjectState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ProjectState()
        try:
            data = json.loads(raw.decode("utf-8"))
            version = data.get("schema_version", 0) if isinstance(data, dict) else 0
        except (UnicodeDecodeError, ValueError) as e:
            self._set_aside(f"the saved state is not valid JSON ({e})", "corrupt")
            return ProjectState()
        if isinstance(version, int) and version > SCHEMA_VERSION:
            self._set_aside(f"the saved state was written by a newer version (schema {version}, this reads {SCHEMA_VERSION})", "newer")
            return ProjectState()
        try:
            return ProjectState.model_validate(data)
        except ValidationError as e:
            self._set_aside(f"the saved state does not match its schema ({e.errors()[0]['msg']})", "corrupt")
            return ProjectState()

    def save(self, state: ProjectState) -> None:
        state = state.model_copy(update={"updated_at": _now(), "schema_version": SCHEMA_VERSION})
        atomic_write_text(self.path, state.model_dump_json(indent=2))


def mark_done(state: ProjectState, ids: list[str]) -> ProjectState:
    return state.model_copy(update={"done": list(dict.fromkeys([*state.done, *ids]))})


def mark_undone(state: ProjectState, ids: list[str]) -> ProjectState:
    return state.model_copy(update={"done": [d for d in state.done if d not in ids]})


def add_note(state: ProjectState, text: str) -> ProjectState:
    return state.model_copy(update={"notes": [*state.notes, Note(at=_now(), text=text)]})
