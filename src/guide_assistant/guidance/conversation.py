"""The chat conversation kept across restarts: questions and answers with their citations."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ValidationError

from guide_assistant.fsutil import atomic_write_text
from guide_assistant.guidance.answer import Answer

SCHEMA_VERSION = 1
ENV_CHAT = "GUIDE_ASSISTANT_CHAT"


class Turn(BaseModel):
    at: str
    question: str
    answer: Answer


class Conversation(BaseModel):
    schema_version: int = SCHEMA_VERSION
    turns: list[Turn] = []


def conversation_path(explicit: Path | None = None) -> Path:
    import os

    if explicit:
        return explicit
    env = os.environ.get(ENV_CHAT)
    return Path(env).expanduser() if env else user_data_path("guide-assistant", appauthor=False) / "conversation.json"


class ConversationStore:
    def __init__(self, path: Path):
        self.path = path
        self.warning: str | None = None

    def load(self) -> Conversation:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            conv = Conversation.model_validate(data)
            if conv.schema_version > SCHEMA_VERSION:
                raise ValueError(f"written by a newer version (schema {conv.schema_version})")
            return conv
        except FileNotFoundError:
            return Conversation()
        except (ValueError, ValidationError, UnicodeDecodeError) as e:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
            self.path.replace(aside)
            self.warning = f"{self.path} could not be read ({str(e).splitlines()[0]}); kept as {aside}"
            return Conversation()

    def save(self, conv: Conversation) -> None:
        atomic_write_text(self.path, conv.model_dump_json())


def add_turn(conv: Conversation, answer: Answer) -> Conversation:
    turn = Turn(at=datetime.now(timezone.utc).isoformat(timespec="seconds"), question=answer.question, answer=answer)
    return conv.model_copy(update={"turns": [*conv.turns, turn]})


def to_markdown(conv: Conversation) -> str:
    out = ["# guide-assistant conversation", ""]
    for t in conv.turns:
        out += [f"## {t.question}", "", f"_{t.at}_", "", t.answer.answer, ""]
    return "\n".join(out)
