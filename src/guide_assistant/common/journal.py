"""Several files replaced as one: after a crash (``kill -9``) at any point they are all old
or all new, never a mix.

A transaction works in a staging folder beside the folder it changes (the same file
system, so that a rename is atomic):

1. every new file is written into the staging folder (``files/``), and a copy of each file
   it replaces (``old/``), each fsynced;
2. the caller checks the staged files (``staged`` maps each target to its staged copy);
3. ``commit``: every folder that gets a file is tried for writing first (a read-only folder
   is refused before anything changed); then a journal listing the renames is written
   atomically and fsynced: from here on the transaction has happened. The renames follow,
   then the journal is removed, then the staging folder.

``recover`` (at the start of every command that reads the files) finishes what a killed
process left: a journal is rolled forward (the staged files not yet renamed are renamed;
if that fails, every file is put back from its copy); a staging folder without a journal
was never committed and is discarded. A lock file beside the staging folder keeps a
recovery from touching a transaction another process is still making.

``GUIDE_ASSISTANT_CRASH_AFTER=N`` makes the process end at once (``os._exit``) after its
N-th durable step (a file written, renamed or removed): the tests kill a transaction at
every step with it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from guide_assistant.common.fsutil import atomic_write_bytes, fsync_dir

JOURNAL = "journal.json"
CRASH_VAR = "GUIDE_ASSISTANT_CRASH_AFTER"
CRASH_EXIT = 137  # what a shell reports for a process killed with SIGKILL
_steps = 0


class JournalError(Exception):
    """A transaction that cannot be made (nothing was changed): ``folder`` cannot be written."""

    def __init__(self, folder: Path, problem: str):
        self.folder, self.problem = folder, problem
        super().__init__(f"{folder}: {problem}")


def step() -> None:
    """One durable step done; the fault injection of the tests ends the process here."""
    global _steps
    limit = os.environ.get(CRASH_VAR)
    if not limit:
        return
    _steps += 1
    if _steps >= int(limit):
        os._exit(CRASH_EXIT)


def _write(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if mode is not None:
        os.chmod(path, mode)
    step()


def _lock(staging: Path) -> FileLock:
    return FileLock(str(staging.with_name(staging.name + ".lock")))


def _read_journal(staging: Path) -> list[dict[str, str | None]] | None:
    try:
        data = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
        renames = data["renames"]
        assert isinstance(renames, list)
        return renames
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return None


def _roll_forward(root: Path, staging: Path, renames: list[dict[str, str | None]]) -> None:
    folders = set()
    for r in renames:
        src, target = staging / str(r["staged"]), root / str(r["target"])
        if src.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, target)
            step()
        folders.add(target.parent)
    for folder in folders:
        fsync_dir(folder)
    (staging / JOURNAL).unlink(missing_ok=True)
    fsync_dir(staging)
    step()
    shutil.rmtree(staging, ignore_errors=True)


def _roll_back(root: Path, staging: Path, renames: list[dict[str, str | None]]) -> None:
    """Every target as it was before the transaction (from the copies), then no journal."""
    for r in renames:
        target = root / str(r["target"])
        if r.get("backup"):
            backup = staging / str(r["backup"])
            if backup.exists():
                os.replace(backup, target)
        elif not (staging / str(r["staged"])).exists():  # a new file that was moved in
            target.unlink(missing_ok=True)
        fsync_dir(target.parent)
    (staging / JOURNAL).unlink(missing_ok=True)
    fsync_dir(staging)
    shutil.rmtree(staging, ignore_errors=True)


def _finish(root: Path, staging: Path) -> None:
    renames = _read_journal(staging)
    if renames is None:  # never committed: the files are the old ones
        shutil.rmtree(staging, ignore_errors=True)
        return
    try:
        _roll_forward(root, staging, renames)
    except OSError:
        _roll_back(root, staging, renames)


def recover(staging: Path) -> None:
    """Finish or discard a transaction a killed process left in ``staging`` (whose parent
    is the root the targets are relative to). Cheap when there is none. A transaction in
    progress in another process is left alone (waited for while it commits); where the
    lock cannot be made (a read-only folder) nothing is done."""
    if not staging.exists():
        return
    committing = (staging / JOURNAL).exists()
    lock = _lock(staging)
    try:
        lock.acquire(timeout=10 if committing else 0)
    except (Timeout, OSError):
        return
    try:
        if staging.exists():
            _finish(staging.parent, staging)
    except OSError:
        pass
    finally:
        lock.release()


class Transaction:
    """``with Transaction(staging) as tx: tx.stage(target, data) ...; tx.commit()``; leaving
    the block without ``commit`` discards everything staged."""

    def __init__(self, staging: Path):
        self.staging = staging
        self.root = staging.parent
        self.staged: dict[Path, Path] = {}  # target -> its staged copy
        self._backups: dict[Path, Path] = {}
        self._lock = _lock(staging)
        self.committed = False

    def __enter__(self) -> Transaction:
        try:
            self._lock.acquire(timeout=30)
        except Timeout:
            raise JournalError(self.staging, "another change is being made (lock held)") from None
        except OSError as e:
            raise JournalError(self.root, e.strerror or str(e)) from None
        try:
            if self.staging.exists():
                _finish(self.root, self.staging)
            self.staging.mkdir()
            step()
        except OSError as e:
            self._lock.release()
            raise JournalError(self.root, e.strerror or str(e)) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if not self.committed:
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.release()

    def stage(self, target: Path, data: bytes) -> None:
        """``data`` to become ``target`` (an absolute path under the root) at the commit."""
        n = len(self.staged)
        staged = self.staging / "files" / str(n)
        mode = None
        if target.exists():
            mode = os.stat(target).st_mode & 0o7777
            backup = self.staging / "old" / str(n)
            _write(backup, target.read_bytes(), mode)
            self._backups[target] = backup
        _write(staged, data, mode)
        self.staged[target] = staged

    def _check_writable(self) -> None:
        for folder in sorted({t.parent for t in self.staged}):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
                os.close(fd)
                os.unlink(probe)
            except OSError as e:
                raise JournalError(folder, e.strerror or str(e)) from None

    def commit(self) -> None:
        """Make every staged file current at once (JournalError, nothing changed, when a
        folder cannot be written)."""
        self._check_writable()
        renames = [
            {
                "staged": str(s.relative_to(self.staging)),
                "target": str(t.relative_to(self.root)),
                "backup": str(self._backups[t].relative_to(self.staging)) if t in self._backups else None,
            }
            for t, s in self.staged.items()
        ]
        for folder in {self.staging / "files", self.staging / "old"}:
            if folder.exists():
                fsync_dir(folder)
        atomic_write_bytes(self.staging / JOURNAL, json.dumps({"version": 1, "renames": renames}, indent=1).encode())
        step()
        self.committed = True
        try:
            _roll_forward(self.root, self.staging, renames)
        except OSError as e:
            _roll_back(self.root, self.staging, renames)
            raise JournalError(self.root, e.strerror or str(e)) from None
