"""Conversations kept across restarts: every question and answer, with its citations.

One JSON file (``GUIDE_ASSISTANT_CHAT`` or the user data folder) holds every
conversation; ``ask`` logs each turn to it and ``ask --continue`` / ``--conversation ID``
continue one (the convention of the ``llm`` command-line tool); the UI keeps its chat in
the same store. Writes are atomic; an unreadable file is kept aside and reported.
Schema 1 (a single conversation) is read and upgraded.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ValidationError

from guide_assistant.fsutil import atomic_write_text
from guide_assistant.guidance.answer_model import Answer
from guide_assistant.i18n import _

SCHEMA_VERSION = 2
ENV_CHAT = "GUIDE_ASSISTANT_CHAT"


class Turn(BaseModel):
    at: str
    question: str
    answer: Answer


class Conversation(BaseModel):
    id: str = ""
    started: str = ""
    turns: list[Turn] = []

    @property
    def last_answer(self) -> Answer | None:
        return self.turns[-1].answer if self.turns else None


class ConversationFile(BaseModel):
    schema_version: int = SCHEMA_VERSION
    conversations: list[Conversation] = []


class UnknownConversation(KeyError):
    def __init__(self, cid: str, known: list[str]):
        self.cid, self.known = cid, known
        super().__init__(cid)

    def __str__(self) -> str:
        recent = ", ".join(self.known[-5:]) or _("none yet")
        return _("no conversation '{id}' (recent: {recent})").format(id=self.cid, recent=recent)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_conversation() -> Conversation:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Conversation(id=f"{stamp}-{secrets.token_hex(2)}", started=_now())


def conversation_path(explicit: Path | None = None) -> Path:
    if explicit:
        return explicit
    env = os.environ.get(ENV_CHAT)
    return Path(env).expanduser() if env else user_data_path("guide-assistant", appauthor=False) / "conversation.json"


class ConversationStore:
    def __init__(self, path: Path):
        self.path = path
        self.warning: str | None = None

    def load_all(self) -> ConversationFile:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            version = data.get("schema_version") if isinstance(data, dict) else None
            if version == 1:  # one conversation, no id: upgrade
                old = Conversation.model_validate({"turns": data.get("turns", [])})
                conv = old.model_copy(update={"id": "conversation-1", "started": old.turns[0].at if old.turns else _now()})
                return ConversationFile(conversations=[conv])
            store = ConversationFile.model_validate(data)
            if store.schema_version > SCHEMA_VERSION:
                raise ValueError(f"written by a newer version (schema {store.schema_version})")
            return store
        except FileNotFoundError:
            return ConversationFile()
        except OSError as e:  # a folder, no permission: answer anyway, without the history
            self.warning = _("{path} could not be read ({error})").format(path=self.path, error=e.strerror or e)
            return ConversationFile()
        except (ValueError, ValidationError, UnicodeDecodeError, AttributeError) as e:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
            self.path.replace(aside)
            self.warning = _("{path} could not be read ({error}); kept as {aside}").format(
                path=self.path, error=str(e).splitlines()[0], aside=aside)
            return ConversationFile()

    def latest(self) -> Conversation:
        """The most recent conversation, or a new one."""
        convs = self.load_all().conversations
        return convs[-1] if convs else new_conversation()

    def get(self, cid: str) -> Conversation:
        convs = self.load_all().conversations
        for c in convs:
            if c.id == cid:
                return c
        raise UnknownConversation(cid, [c.id for c in convs])

    def save(self, conv: Conversation) -> None:
        """Write one conversation (new or changed); the others are kept as they are."""
        store = self.load_all()
        others = [c for c in store.conversations if c.id != conv.id]
        atomic_write_text(self.path, ConversationFile(conversations=[*others, conv]).model_dump_json())

    # the UI's single-conversation view
    def load(self) -> Conversation:
        return self.latest()


def add_turn(conv: Conversation, answer: Answer) -> Conversation:
    if not conv.id:
        conv = new_conversation().model_copy(update={"turns": conv.turns})
    answer = answer.model_copy(update={"conversation_id": conv.id})
    turn = Turn(at=_now(), question=answer.question, answer=answer)
    return conv.model_copy(update={"turns": [*conv.turns, turn]})


def to_markdown(conv: Conversation) -> str:
    out = [f"# guide-assistant: {_('Conversation')}", ""]
    for t in conv.turns:
        out += [f"## {t.question}", "", f"_{t.at}_", "", t.answer.answer, ""]
    return "\n".join(out)


def ask_in(conversation: Conversation, store: ConversationStore, composer, question: str, *,
           phases: list[str] | None = None, roles: list[str] | None = None, state=None,
           originals: bool = False) -> tuple[Answer, Conversation]:
    """Answer a question as the next turn of a conversation ("that" refers to its last
    answer) and log the turn. The CLI and the UI both ask through this."""
    answer = composer.ask(question, phases, roles, state, previous=conversation.last_answer, originals=originals)
    conv = add_turn(conversation, answer)
    try:
        store.save(conv)
    except OSError as e:  # the answer still counts; the log could not be written
        store.warning = _("the conversation could not be saved to {path}: {error}").format(path=store.path, error=e)
    return conv.turns[-1].answer, conv
