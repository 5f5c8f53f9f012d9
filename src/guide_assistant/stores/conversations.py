"""Conversations kept across restarts: every question and answer, with its citations.

One SQLite database (``GUIDE_ASSISTANT_CHAT``, else ``conversations.sqlite3`` in the user
data folder) holds every conversation; ``ask`` logs each turn to it and ``ask --continue``
/ ``--conversation ID`` continue one (the convention of the ``llm`` command-line tool);
the UI keeps its chat in the same store. A turn is one row written in one transaction, so
an answer costs the same with a long history as with none, and two processes can log at
once. The JSON file of earlier versions (schema 1: one conversation; schema 2: all of
them), at the path itself or as ``conversation.json`` beside the default database, is
imported once and kept as ``<name>.imported-<time>``; a file that is neither is kept aside
as ``<name>.corrupt-<time>`` and reported. If the store cannot be used at all, the answer
is still given, with a warning.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ConfigDict, ValidationError

from guide_assistant.answers.model import Answer
from guide_assistant.common.fsutil import SQLITE_MAGIC, aside_path, create_private, sqlite_transaction, user_tables
from guide_assistant.common.i18n import _

SCHEMA_VERSION = 2  # of the JSON file of earlier versions
DB_VERSION = 1
ENV_CHAT = "GUIDE_ASSISTANT_CHAT"
DB_NAME = "conversations.sqlite3"
LEGACY_NAME = "conversation.json"
BUSY_TIMEOUT_S = 10.0
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, started TEXT NOT NULL, touched INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS conversations_touched ON conversations(touched)",
    "CREATE TABLE IF NOT EXISTS turns (conversation TEXT NOT NULL REFERENCES conversations(id), n INTEGER NOT NULL, "
    "at TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (conversation, n))",
)


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


class ConversationSummary(BaseModel):
    """A conversation in a list: its id, when it started, its first question, how many turns."""

    id: str
    started: str
    first_question: str
    turns: int


class ConversationFile(BaseModel):
    """The JSON file of earlier versions (read when it is imported: its validator is made then)."""

    model_config = ConfigDict(defer_build=True)

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
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_conversation() -> Conversation:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Conversation(id=f"{stamp}-{secrets.token_hex(2)}", started=_now())


def default_conversation_path() -> Path:
    return user_data_path("guide-assistant", appauthor=False) / DB_NAME


def conversation_path(explicit: Path | None = None) -> Path:
    if explicit:
        return explicit
    env = os.environ.get(ENV_CHAT)
    return Path(env).expanduser() if env else default_conversation_path()


def read_conversation_file(raw: bytes) -> list[Conversation]:
    """The conversations of an earlier version's JSON file (schema 1 or 2); ValueError if it is not one."""
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a conversation file")
    if data.get("schema_version") == 1:  # one conversation, no id
        old = Conversation.model_validate({"turns": data.get("turns", [])})
        return [old.model_copy(update={"id": "conversation-1", "started": old.turns[0].at if old.turns else _now()})]
    store = ConversationFile.model_validate(data)
    if store.schema_version > SCHEMA_VERSION:
        raise ValueError(f"written by a newer version (schema {store.schema_version})")
    return store.conversations


class ConversationStore:
    def __init__(self, path: Path):
        self.path = path
        self.warning: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._legacy = path.with_name(LEGACY_NAME) if path == default_conversation_path() else None
        self._lock = threading.RLock()

    # --- opening ------------------------------------------------------------------------------
    def _db(self, create: bool) -> sqlite3.Connection | None:
        """The database, or None: nothing saved yet (and ``create`` false), or it cannot be
        used (``warning`` says why; the answer is given without the history)."""
        if self._conn is not None:
            return self._conn
        legacy = self._legacy if self._legacy is not None and self._legacy.is_file() else None
        if not create and legacy is None and not self.path.exists():
            return None
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            earlier = [self._take_json(self.path), self._take_json(legacy)]
            # the UI asks from worker threads, one at a time (the lock)
            create_private(self.path)  # 0600 whatever the umask: the questions a person asked
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > DB_VERSION:
                conn.close()
                self.warning = _("{path} could not be read ({error})").format(
                    path=self.path, error=f"written by a newer version (schema {version})"
                )
                return None
            foreign = user_tables(conn) if version == 0 else []
            if foreign:  # another program's database: not ours to add tables to
                conn.close()
                self.warning = _("{path} is a database of another program (tables: {tables}); it was left as it is").format(
                    path=self.path, tables=", ".join(foreign[:5])
                )
                return None
            if version < DB_VERSION:
                with sqlite_transaction(conn):
                    for statement in SCHEMA:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {DB_VERSION}")
            for conversations in earlier:
                if conversations:
                    with sqlite_transaction(conn):
                        for conv in conversations:  # in their order: the last one is the latest
                            self._write(conn, conv)
        except (OSError, sqlite3.Error) as e:  # a folder, no permission, a damaged database
            if conn is not None:
                conn.close()
            self.warning = _("{path} could not be read ({error})").format(path=self.path, error=getattr(e, "strerror", None) or e)
            return None
        self._conn = conn
        return conn

    def _take_json(self, path: Path | None) -> list[Conversation]:
        """The conversations of an earlier version's JSON file at ``path`` (the store's own
        path, or ``conversation.json`` beside the default database), which is then kept
        aside as imported; a file that is not one is kept aside as corrupt, with a warning.
        No file there, or a database (or the empty file of a new one) at the store's path:
        nothing."""
        if path is None:
            return []
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return []
        if raw.startswith(SQLITE_MAGIC) or (not raw and path == self.path):
            return []
        try:
            conversations, tag = read_conversation_file(raw), "imported"
        except (ValueError, ValidationError, UnicodeDecodeError) as e:
            conversations, tag, error = [], "corrupt", str(e).splitlines()[0]
        aside = aside_path(path, tag)
        os.replace(path, aside)
        if tag == "corrupt":
            self.warning = _("{path} could not be read ({error}); kept as {aside}").format(path=path, error=error, aside=aside)
        return conversations

    # --- reading and writing --------------------------------------------------------------
    def _ids(self, conn: sqlite3.Connection) -> list[str]:
        return [r[0] for r in conn.execute("SELECT id FROM conversations ORDER BY touched")]

    def _read(self, conn: sqlite3.Connection, cid: str, started: str) -> Conversation:
        rows = conn.execute("SELECT at, question, answer FROM turns WHERE conversation = ? ORDER BY n", (cid,)).fetchall()
        turns = [Turn(at=at, question=q, answer=Answer.model_validate_json(a)) for at, q, a in rows]
        return Conversation(id=cid, started=started, turns=turns)

    def latest(self) -> Conversation:
        """The most recent conversation, or a new one."""
        with self._lock:
            return self._latest()

    def _latest(self) -> Conversation:
        conn = self._db(create=False)
        try:
            row = conn.execute("SELECT id, started FROM conversations ORDER BY touched DESC LIMIT 1").fetchone() if conn else None
            return self._read(conn, *row) if conn and row else new_conversation()
        except (sqlite3.Error, ValueError) as e:  # busy beyond the timeout, damaged: answer without the history
            self.warning = _("{path} could not be read ({error})").format(path=self.path, error=str(e).splitlines()[0])
            return new_conversation()

    def get(self, cid: str) -> Conversation:
        with self._lock:
            return self._get(cid)

    def _get(self, cid: str) -> Conversation:
        conn = self._db(create=False)
        row = conn.execute("SELECT id, started FROM conversations WHERE id = ?", (cid,)).fetchone() if conn else None
        if conn is None or row is None:
            raise UnknownConversation(cid, self._ids(conn) if conn else [])
        return self._read(conn, *row)

    def recent(self, limit: int = 20) -> list[ConversationSummary]:
        """The latest conversations, newest first, each with its first question (for a list to choose from)."""
        with self._lock:
            conn = self._db(create=False)
            if conn is None:
                return []
            try:
                rows = conn.execute(
                    "SELECT c.id, c.started, (SELECT question FROM turns t WHERE t.conversation = c.id ORDER BY n LIMIT 1), "
                    "(SELECT COUNT(*) FROM turns t WHERE t.conversation = c.id) FROM conversations c ORDER BY touched DESC LIMIT ?",
                    (max(0, limit),),
                ).fetchall()
            except sqlite3.Error as e:
                self.warning = _("{path} could not be read ({error})").format(path=self.path, error=str(e).splitlines()[0])
                return []
        return [ConversationSummary(id=i, started=s, first_question=q or "", turns=n) for i, s, q, n in rows if n]

    def save(self, conv: Conversation) -> None:
        """Write one conversation (new or with new turns) and make it the latest."""
        with self._lock:
            self._save(conv)

    def _save(self, conv: Conversation) -> None:
        conn = self._db(create=True)
        if conn is None:
            raise OSError(self.warning or self.path)
        try:
            with sqlite_transaction(conn):
                self._write(conn, conv)
        except sqlite3.Error as e:
            raise OSError(str(e)) from None

    @staticmethod
    def _write(conn: sqlite3.Connection, conv: Conversation) -> None:
        """The conversation's row (made the latest) and the turns not yet saved (inside a transaction)."""
        conn.execute(
            "INSERT INTO conversations (id, started, touched) VALUES (?, ?, "
            "(SELECT COALESCE(MAX(touched), 0) + 1 FROM conversations)) ON CONFLICT (id) DO UPDATE "
            "SET touched = (SELECT MAX(touched) + 1 FROM conversations)",
            (conv.id, conv.started),
        )
        saved = conn.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (conv.id,)).fetchone()[0]
        conn.executemany(
            "INSERT INTO turns (conversation, n, at, question, answer) VALUES (?, ?, ?, ?, ?)",
            [(conv.id, n, t.at, t.question, t.answer.model_dump_json()) for n, t in enumerate(conv.turns) if n >= saved],
        )

    # the UI's single-conversation view
    def load(self) -> Conversation:
        return self.latest()


def add_turn(conv: Conversation, answer: Answer) -> Conversation:
    if not conv.id:
        conv = new_conversation().model_copy(update={"turns": conv.turns})
    answer = answer.model_copy(update={"conversation_id": conv.id})
    turn = Turn(at=_now(), question=answer.question, answer=answer)
    return conv.model_copy(update={"turns": [*conv.turns, turn]})
