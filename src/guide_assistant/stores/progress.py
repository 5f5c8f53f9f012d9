"""Saved progress of one or more projects: phase, roles, done steps, notes and a log.

An SQLite database (standard library ``sqlite3``) in the user data folder
(``progress.sqlite3``, platformdirs), or the file given with ``--state`` or
``GUIDE_ASSISTANT_STATE`` so that a team can keep it beside its project documents.

- Several processes (people, terminals) may write at once: the database is in WAL mode
  with a busy timeout, and every change is ONE ``BEGIN IMMEDIATE`` transaction that
  changes rows (never reads, changes and writes back a whole state) and appends a row to
  the log (``at``, ``user``, ``project``, ``action``, ``target``). A process killed in the
  middle of a change leaves the database as it was before that change.
- The schema version is ``PRAGMA user_version``; ``MIGRATIONS`` is the ordered list of
  steps that bring an older database up to date, applied in one transaction. A database
  written by a newer version of the program is never touched (``StoreTooNew``).
- The JSON state of earlier versions (schema 1, one project) is imported once into the
  project ``default`` and kept beside as ``<name>.imported-<time>``: the file named by
  the path itself, or, at the default location, ``state.json`` beside the database. A
  file that is neither SQLite nor that JSON is kept as ``<name>.corrupt-<time>`` and a new
  store is started; both are reported in ``warnings``.
- On a network share (NFS, SMB, sshfs; ``fsutil.on_network_share``) WAL cannot work —
  it needs memory shared by every process, and processes on different machines have none —
  so there the database keeps SQLite's rollback journal, whose locks are file locks the
  share passes on to the server. Concurrent writers still lose nothing (each change waits
  for the lock); reads wait while a change is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_path
from pydantic import BaseModel, ValidationError

from guide_assistant.checklist.state import SCHEMA_VERSION, Note, ProjectState
from guide_assistant.common.fsutil import (
    SQLITE_MAGIC,
    aside_path,
    atomic_write_bytes,
    create_private,
    fsync_dir,
    on_network_share,
    sqlite_transaction,
    user_tables,
)
from guide_assistant.common.i18n import _

ENV_STATE = "GUIDE_ASSISTANT_STATE"
ENV_PROJECT = "GUIDE_ASSISTANT_PROJECT"
DEFAULT_PROJECT = "default"
DB_NAME = "progress.sqlite3"
LEGACY_NAME = "state.json"
BUSY_TIMEOUT_S = 10.0

# Ordered schema migrations: (user_version after the step, statements). Append only;
# never edit a step that has been released.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL)""",
            """CREATE TABLE settings (
            project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
            phase TEXT,
            roles TEXT NOT NULL DEFAULT '[]')""",
            """CREATE TABLE done (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            step_id TEXT NOT NULL,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            UNIQUE (project_id, step_id))""",
            """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            text TEXT NOT NULL)""",
            # project: the name at the time; project_id: which project (NULL once deleted), so a
            # project's log survives a rename and a new project of a deleted one's name starts afresh
            """CREATE TABLE log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            project TEXT NOT NULL,
            project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '')""",
            "CREATE INDEX log_by_project ON log(project_id, id)",
            # old JSON states already imported (by content), so that an import is done once
            """CREATE TABLE imports (
            sha256 TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            at TEXT NOT NULL)""",
        ],
    ),
]
DB_VERSION = MIGRATIONS[-1][0]


class ProjectInfo(BaseModel):
    name: str
    created_at: str
    phase: str | None = None
    done: int = 0
    last_change: str | None = None


class LogEntry(BaseModel):
    at: str
    user: str
    project: str
    action: str
    target: str


# --- errors ----------------------------------------------------------------------------------


class StoreError(Exception):
    """The store cannot be used (unreadable, not a database, written by a newer version)."""


class StoreTooNew(StoreError):
    def __init__(self, path: Path, version: int):
        self.path, self.version = path, version
        super().__init__(
            _(
                "{path} was written by a newer version of guide-assistant (store version {version}, this "
                "version reads up to {known}); it was left untouched: update guide-assistant, or give "
                "another store with --state"
            ).format(path=path, version=version, known=DB_VERSION)
        )


class ProjectError(ValueError):
    """A project name that cannot be used here (the CLI exits with 2)."""


def _valid_list(valid: list[str]) -> str:
    return ", ".join(valid) if valid else _("(none yet; create one with `guide-assistant projects new NAME`)")


class UnknownProject(ProjectError):
    def __init__(self, name: str, valid: list[str]):
        self.name, self.valid = name, valid
        super().__init__(_("unknown project '{name}'; valid projects: {valid}").format(name=name, valid=_valid_list(valid)))


class ProjectExists(ProjectError):
    def __init__(self, name: str, valid: list[str]):
        self.name, self.valid = name, valid
        super().__init__(_("a project named '{name}' already exists; projects: {valid}").format(name=name, valid=_valid_list(valid)))


class InvalidProjectName(ProjectError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(_("'{name}' cannot be a project name: use 1 to 100 characters, no control characters").format(name=name))


# --- paths, names, users ---------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_store_path() -> Path:
    return user_data_path("guide-assistant", appauthor=False) / DB_NAME


def state_path(explicit: Path | str | None = None) -> Path:
    """The store: ``explicit`` (``--state``), else ``GUIDE_ASSISTANT_STATE``, else the default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_STATE)
    if env:
        return Path(env).expanduser()
    return default_store_path()


def os_user() -> str:
    try:
        import getpass  # termios on POSIX: only when a change is logged

        return getpass.getuser() or "unknown"
    except Exception:  # no user name in the environment or the password database
        return "unknown"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 100 or _CONTROL.search(clean):
        raise InvalidProjectName(name)
    return clean


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s file (POSIX ``flock``; nothing where unavailable)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


# --- the store -------------------------------------------------------------------------------


class ProjectStore:
    """The progress store of a team (or a person): projects, their state and the log.

    Opened on first use; reading a store that does not exist yet creates nothing. Changes
    are made as ``user`` (default: the OS user)."""

    def __init__(self, path: Path | str, user: str | None = None):
        self.path = Path(path)
        self._user = (user or "").strip()
        self.warnings: list[str] = []  # files kept aside: to show to the user
        self.notices: list[str] = []  # old states imported: to show to the user
        self._conn: sqlite3.Connection | None = None
        self._checked = False
        self._lock = threading.RLock()
        self._legacy = self.path.with_name(LEGACY_NAME) if self.path == default_store_path() else None

    # --- opening ------------------------------------------------------------------------------
    @property
    def user(self) -> str:
        """Who the log names: the given user, else the OS user (looked up at the first change)."""
        if not self._user:
            self._user = os_user()
        return self._user

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if not self._checked:
            self._check_file()
            self._checked = True
        legacy = self._legacy is not None and self._legacy.is_file()
        if not self.path.exists() and not create and not legacy:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(_("cannot create the folder of {path}: {problem}").format(path=self.path, problem=e.strerror or e)) from None
        self._conn = self._connect(self.path, wal=True)
        if not self._sound(self._conn):  # damaged inside (its header intact): kept aside, a new store started
            self._conn.close()
            self._conn = None
            aside = self._keep_aside(self.path, "corrupt", _("the database is damaged (SQLite's quick check failed)"))
            wal, shm = (self.path.with_name(self.path.name + x) for x in ("-wal", "-shm"))
            if aside is not None and wal.exists():  # its log of changes belongs to it: kept beside it
                os.replace(wal, aside.with_name(aside.name + "-wal"))
            shm.unlink(missing_ok=True)
            self._conn = self._connect(self.path, wal=True)
        if legacy:
            assert self._legacy is not None
            try:
                self._import_beside(self._conn, self._legacy)
            except sqlite3.Error as e:
                raise StoreError(
                    _("cannot import {path} into {store}: {problem}").format(path=self._legacy, store=self.path, problem=e)
                ) from None
        return self._conn

    @staticmethod
    def _sound(conn: sqlite3.Connection) -> bool:
        """SQLite's quick check passes (a few milliseconds for a team's store): a database whose
        pages are damaged would stop every command that reads the progress, ``ask`` too."""
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        except sqlite3.DatabaseError as e:
            return "malformed" not in str(e) and "not a database" not in str(e)

    def _connect(self, path: Path, wal: bool) -> sqlite3.Connection:
        try:
            create_private(path)  # 0600 whatever the umask: a team's progress and notes
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError) as e:
            raise StoreError(_("cannot open {path}: {problem}").format(path=path, problem=getattr(e, "strerror", None) or e)) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > DB_VERSION:
                raise StoreTooNew(path, version)
            if version == 0:  # not made by this program, or new: a database of another program is not ours to add to
                foreign = user_tables(conn)
                if foreign:
                    raise StoreError(
                        _("{path} is a database of another program (tables: {tables}); it was left as it is").format(
                            path=path, tables=", ".join(foreign[:5])
                        )
                    )
            conn.execute("PRAGMA foreign_keys = ON")
            if wal:
                self._wal(conn)
            if version < DB_VERSION:
                self._migrate(conn, path)
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as e:
            conn.close()
            raise StoreError(
                _("{path} cannot be used as the progress store ({problem}); it was left as it is").format(path=path, problem=e)
            ) from None
        return conn

    def _wal(self, conn: sqlite3.Connection) -> None:
        """WAL on a local disk; the rollback journal on a network share (see the module doc)."""
        mode = "DELETE" if on_network_share(self.path) else "WAL"
        # changing the journal mode does not always wait for a busy database: retry a while
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()
                return
            except sqlite3.OperationalError as e:
                if ("locked" not in str(e) and "busy" not in str(e)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @staticmethod
    def _migrate(conn: sqlite3.Connection, path: Path) -> None:
        with sqlite_transaction(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            if version > DB_VERSION:
                raise StoreTooNew(path, version)
            for target, steps in MIGRATIONS:
                if version < target:
                    for step in steps:
                        conn.execute(step)
            conn.execute(f"PRAGMA user_version = {DB_VERSION}")

    def _check_file(self) -> None:
        """What is at the path: nothing or SQLite (used as it is), the JSON state of an
        earlier version (imported), anything else (kept aside)."""
        try:
            with open(self.path, "rb") as f:
                head = f.read(len(SQLITE_MAGIC))
        except FileNotFoundError:
            return
        except OSError as e:
            raise StoreError(_("cannot read {path}: {problem}").format(path=self.path, problem=e.strerror or e)) from None
        if head.startswith(SQLITE_MAGIC) or SQLITE_MAGIC.startswith(head):  # a database (or an empty file)
            return
        with _file_lock(self.path):
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return
            if raw[: len(SQLITE_MAGIC)] == SQLITE_MAGIC:  # imported by another process meanwhile
                return
            state = self._parse_legacy(self.path, raw)
            if state is None:
                return
            self._import_in_place(state, raw)

    def _parse_legacy(self, path: Path, raw: bytes) -> ProjectState | None:
        """The JSON state of an earlier version, or None (the file was kept aside)."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._keep_aside(path, "corrupt", _("it is neither a progress database nor a saved state of an earlier version"))
            return None
        version = data.get("schema_version", 0) if isinstance(data, dict) else 0
        if isinstance(version, int) and version > SCHEMA_VERSION:
            self._keep_aside(path, "newer", _("it is a saved state of an unknown version (schema {version})").format(version=version))
            return None
        try:
            return ProjectState.model_validate(data)
        except ValidationError as e:
            self._keep_aside(
                path, "corrupt", _("the saved state does not match its schema ({problem})").format(problem=e.errors()[0]["msg"])
            )
            return None

    def _keep_aside(self, path: Path, tag: str, why: str) -> Path | None:
        aside = aside_path(path, tag)
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError(_("cannot move {path} aside: {problem}").format(path=path, problem=e.strerror or e)) from None
        self.warnings.append(
            _("{path}: {why}; it was kept as {aside} and a new store was started").format(path=path, why=why, aside=aside.name)
        )
        return aside

    def _import_in_place(self, state: ProjectState, raw: bytes) -> None:
        """The path holds an old JSON state: build the database beside it (state imported),
        keep a copy of the JSON as ``.imported-<time>``, then put the database in its place.
        Every step can be interrupted: until the last, the path still holds the JSON."""
        aside = aside_path(self.path, "imported")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.importing")
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)  # a team's shared file stays as shared as it was
            conn = self._connect(tmp, wal=False)
            try:
                self._import(conn, state, raw, aside.name)
            finally:
                conn.close()
            atomic_write_bytes(aside, raw)
            os.chmod(aside, mode)
            os.chmod(tmp, mode)
            os.replace(tmp, self.path)
            fsync_dir(self.path.parent)
        except (OSError, sqlite3.Error) as e:
            tmp.unlink(missing_ok=True)
            raise StoreError(
                _("cannot import {path}: {problem}").format(path=self.path, problem=getattr(e, "strerror", None) or e)
            ) from None
        self.notices.append(
            _(
                "{path}: the saved state of an earlier version was imported into project '{project}'; the old file was kept as {aside}"
            ).format(path=self.path, project=DEFAULT_PROJECT, aside=aside.name)
        )

    def _import_beside(self, conn: sqlite3.Connection, legacy: Path) -> None:
        """``state.json`` beside the default database: import it (once) and keep it aside."""
        try:
            raw = legacy.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            self.warnings.append(
                _("{path}: cannot read the saved state of an earlier version: {problem}").format(path=legacy, problem=e.strerror or e)
            )
            return
        state = self._parse_legacy(legacy, raw)
        if state is None:
            return
        aside = aside_path(legacy, "imported")
        imported = self._import(conn, state, raw, aside.name)
        try:
            os.replace(legacy, aside)
        except FileNotFoundError:  # another process imported it and moved it meanwhile
            return
        except OSError as e:
            self.warnings.append(
                _("{path}: imported, but it cannot be moved aside: {problem}").format(path=legacy, problem=e.strerror or e)
            )
            return
        if imported:
            self.notices.append(
                _(
                    "{path}: the saved state of an earlier version was imported into project '{project}' "
                    "of {store}; the old file was kept as {aside}"
                ).format(path=legacy, project=DEFAULT_PROJECT, store=self.path, aside=aside.name)
            )

    def _import(self, conn: sqlite3.Connection, state: ProjectState, raw: bytes, source: str) -> bool:
        """Import an old state into ``default`` in one transaction; False if it was imported before."""
        digest = hashlib.sha256(raw).hexdigest()
        with sqlite_transaction(conn) as c:
            if c.execute("SELECT 1 FROM imports WHERE sha256 = ?", (digest,)).fetchone():
                return False
            at = _now()
            pid = self._project_id(c, DEFAULT_PROJECT, create=True)
            row = c.execute("SELECT phase, roles FROM settings WHERE project_id = ?", (pid,)).fetchone()
            if row is None:
                c.execute("INSERT INTO settings (project_id, phase, roles) VALUES (?, ?, ?)", (pid, state.phase, json.dumps(state.roles)))
            else:  # what the database says already wins
                c.execute(
                    "UPDATE settings SET phase = COALESCE(phase, ?), roles = CASE WHEN roles = '[]' THEN ? ELSE roles END"
                    " WHERE project_id = ?",
                    (state.phase, json.dumps(state.roles), pid),
                )
            for sid in state.done:
                c.execute(
                    "INSERT OR IGNORE INTO done (project_id, step_id, at, user) VALUES (?, ?, ?, ?)",
                    (pid, sid, state.updated_at or at, self.user),
                )
            for note in state.notes:
                c.execute(
                    "INSERT INTO notes (project_id, at, user, text) VALUES (?, ?, ?, ?)", (pid, note.at, note.user or self.user, note.text)
                )
            c.execute("INSERT INTO imports (sha256, source, at) VALUES (?, ?, ?)", (digest, source, at))
            self._log(c, pid, DEFAULT_PROJECT, "import", source)
        return True

    # --- transactions and rows -------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._open(create=True)
            assert conn is not None
            try:
                with sqlite_transaction(conn) as c:
                    yield c
            except sqlite3.Error as e:
                raise StoreError(_("cannot save to {path}: {problem}").format(path=self.path, problem=e)) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        with self._lock:
            conn = self._open(create=False)
            if conn is None:
                yield None
                return
            try:
                with sqlite_transaction(conn, write=False) as c:
                    yield c
            except sqlite3.Error as e:
                raise StoreError(_("cannot read {path}: {problem}").format(path=self.path, problem=e)) from None

    @staticmethod
    def _names(c: sqlite3.Connection | None) -> list[str]:
        return [r[0] for r in c.execute("SELECT name FROM projects ORDER BY name")] if c is not None else []

    def _project_id(self, c: sqlite3.Connection, name: str, create: bool = False) -> int:
        """The project's id; ``default`` is created on first write, other names must exist."""
        row = c.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        if not (create and name == DEFAULT_PROJECT):
            raise UnknownProject(name, self._names(c))
        return self._insert_project(c, name)

    def _insert_project(self, c: sqlite3.Connection, name: str) -> int:
        cur = c.execute("INSERT INTO projects (name, created_at) VALUES (?, ?)", (name, _now()))
        pid = int(cur.lastrowid or 0)
        c.execute("INSERT INTO settings (project_id) VALUES (?)", (pid,))
        self._log(c, pid, name, "create", name)
        return pid

    def _log(self, c: sqlite3.Connection, pid: int | None, project: str, action: str, target: str) -> None:
        c.execute(
            "INSERT INTO log (at, user, project, project_id, action, target) VALUES (?, ?, ?, ?, ?, ?)",
            (_now(), self.user, project, pid, action, target),
        )

    # --- projects -----------------------------------------------------------------------------------
    def projects(self) -> list[ProjectInfo]:
        with self._read() as c:
            if c is None:
                return []
            rows = c.execute(
                "SELECT p.name, p.created_at, s.phase,"
                " (SELECT COUNT(*) FROM done d WHERE d.project_id = p.id),"
                " (SELECT MAX(at) FROM log l WHERE l.project_id = p.id)"
                " FROM projects p LEFT JOIN settings s ON s.project_id = p.id ORDER BY p.name"
            ).fetchall()
        return [ProjectInfo(name=n, created_at=ca, phase=ph, done=d, last_change=lc) for n, ca, ph, d, lc in rows]

    def exists(self, name: str) -> bool:
        with self._read() as c:
            return c is not None and c.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone() is not None

    def require(self, name: str) -> None:
        """``UnknownProject`` (listing the valid names) unless the project exists, even ``default``."""
        with self._read() as c:
            if c is None or c.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone() is None:
                raise UnknownProject(name, self._names(c))

    def create(self, name: str) -> None:
        name = check_name(name)
        with self._write() as c:
            if c.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise ProjectExists(name, self._names(c))
            self._insert_project(c, name)

    def rename(self, old: str, new: str) -> None:
        new = check_name(new)
        with self._write() as c:
            pid = self._project_id(c, old)
            if old == new:
                return
            if c.execute("SELECT 1 FROM projects WHERE name = ?", (new,)).fetchone():
                raise ProjectExists(new, self._names(c))
            c.execute("UPDATE projects SET name = ? WHERE id = ?", (new, pid))
            self._log(c, pid, old, "rename", new)

    def delete(self, name: str) -> None:
        with self._write() as c:
            pid = self._project_id(c, name)
            c.execute("DELETE FROM projects WHERE id = ?", (pid,))  # settings, done, notes cascade
            self._log(c, None, name, "delete", name)

    # --- one project's state -------------------------------------------------------------------------
    def load(self, project: str = DEFAULT_PROJECT) -> ProjectState:
        with self._read() as c:
            if c is None:
                if project == DEFAULT_PROJECT:
                    return ProjectState()
                raise UnknownProject(project, [])
            row = c.execute("SELECT id FROM projects WHERE name = ?", (project,)).fetchone()
            if row is None:
                if project == DEFAULT_PROJECT:
                    return ProjectState()
                raise UnknownProject(project, self._names(c))
            pid = row[0]
            phase, roles = c.execute("SELECT phase, roles FROM settings WHERE project_id = ?", (pid,)).fetchone() or (None, "[]")
            done = [r[0] for r in c.execute("SELECT step_id FROM done WHERE project_id = ? ORDER BY id", (pid,))]
            notes = [
                Note(at=a, user=u, text=t)
                for a, u, t in c.execute("SELECT at, user, text FROM notes WHERE project_id = ? ORDER BY id", (pid,))
            ]
            updated = c.execute("SELECT MAX(at) FROM log WHERE project_id = ?", (pid,)).fetchone()[0]
        return ProjectState(phase=phase, roles=json.loads(roles), done=done, notes=notes, updated_at=updated)

    def set_phase(self, project: str, phase: str | None) -> None:
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            if c.execute("UPDATE settings SET phase = ? WHERE project_id = ? AND phase IS NOT ?", (phase, pid, phase)).rowcount:
                self._log(c, pid, project, "set-phase", phase or "")

    def set_roles(self, project: str, roles: list[str]) -> None:
        value = json.dumps(list(dict.fromkeys(roles)))
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            if c.execute("UPDATE settings SET roles = ? WHERE project_id = ? AND roles IS NOT ?", (value, pid, value)).rowcount:
                self._log(c, pid, project, "set-roles", ",".join(json.loads(value)))

    def mark_done(self, project: str, ids: list[str]) -> list[str]:
        """Tick steps (or activities); returns those that were not done before (one log row each)."""
        changed: list[str] = []
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            for sid in dict.fromkeys(ids):
                if c.execute(
                    "INSERT OR IGNORE INTO done (project_id, step_id, at, user) VALUES (?, ?, ?, ?)", (pid, sid, _now(), self.user)
                ).rowcount:
                    self._log(c, pid, project, "done", sid)
                    changed.append(sid)
        return changed

    def mark_undone(self, project: str, ids: list[str]) -> list[str]:
        """Un-tick steps (or activities); returns those that were done before (one log row each)."""
        changed: list[str] = []
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            for sid in dict.fromkeys(ids):
                if c.execute("DELETE FROM done WHERE project_id = ? AND step_id = ?", (pid, sid)).rowcount:
                    self._log(c, pid, project, "undo", sid)
                    changed.append(sid)
        return changed

    def add_note(self, project: str, text: str) -> None:
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            c.execute("INSERT INTO notes (project_id, at, user, text) VALUES (?, ?, ?, ?)", (pid, _now(), self.user, text))
            self._log(c, pid, project, "note", text)

    def reset(self, project: str) -> None:
        """Forget the project's phase, roles, done steps and notes (the project and its log stay)."""
        with self._write() as c:
            pid = self._project_id(c, project, create=True)
            c.execute("UPDATE settings SET phase = NULL, roles = '[]' WHERE project_id = ?", (pid,))
            c.execute("DELETE FROM done WHERE project_id = ?", (pid,))
            c.execute("DELETE FROM notes WHERE project_id = ?", (pid,))
            self._log(c, pid, project, "reset", "")

    def log(self, project: str | None = None, limit: int | None = None) -> list[LogEntry]:
        """The log, oldest first: one project's (by identity, across renames) or, with None, all;
        ``limit``: only the latest entries."""
        with self._read() as c:
            if c is None:
                if project is None or project == DEFAULT_PROJECT:
                    return []
                raise UnknownProject(project, [])
            where, args = "", []
            if project is not None:
                row = c.execute("SELECT id FROM projects WHERE name = ?", (project,)).fetchone()
                if row is None:
                    if project == DEFAULT_PROJECT:
                        return []
                    raise UnknownProject(project, self._names(c))
                where, args = "WHERE project_id = ?", [row[0]]
            sql = f"SELECT at, user, project, action, target FROM log {where} ORDER BY id DESC"
            if limit is not None:
                sql += " LIMIT ?"
                args.append(max(0, limit))
            rows = c.execute(sql, args).fetchall()
        return [LogEntry(at=a, user=u, project=p, action=ac, target=t) for a, u, p, ac, t in reversed(rows)]
