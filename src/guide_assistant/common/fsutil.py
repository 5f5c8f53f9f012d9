"""Atomic file writes: write to a temporary file beside the target, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

SQLITE_MAGIC = b"SQLite format 3\x00"  # how an SQLite database file begins


@contextmanager
def sqlite_transaction(conn: sqlite3.Connection, write: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction on ``conn`` (opened with ``isolation_level=None``): ``BEGIN IMMEDIATE``
    (``BEGIN`` to read) ... ``COMMIT``; on an error ``ROLLBACK``, unless SQLite has already
    rolled it back, and the error goes on."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def aside_path(path: Path, tag: str) -> Path:
    """A free name beside ``path`` to keep that file under: ``<name>.<tag>-<time>`` (with
    ``-2``, ``-3`` ... if that is taken)."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.{tag}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{tag}-{stamp}-{n}")
    return aside


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(path: Path, new_mode: int | None = None) -> int:
    """The permissions the written file gets: those of the file it replaces, else
    ``new_mode``, else what a new file gets under the process's umask (as ``open`` would
    make it)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        if new_mode is not None:
            return new_mode
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes, new_mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) sees the old or the new
    content, never a mix: write a temporary file beside it, fsync, rename. A new file gets
    ``new_mode`` (default: what the umask leaves); a replaced one keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path, new_mode))  # mkstemp makes it private (0600); the file keeps its own mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """``atomic_write_bytes`` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


# file systems whose files other machines share: SQLite's WAL mode needs memory shared by
# every process using the database, which processes on different machines cannot have
NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.glusterfs",
    "davfs",
    "fuse.davfs2",
    "lustre",
    "gpfs",
    "ncpfs",
    "fuse.rclone",
    "fuse.s3fs",
}


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the file system ``path`` is on (Linux: the longest mount point holding it
    in /proc/self/mountinfo); None where that cannot be told."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return None
    target = str(Path(os.path.abspath(path)))
    best, fstype = "", None
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, fstype = mount, right.split()[0]
    return fstype


def on_network_share(path: Path) -> bool:
    """Whether ``path`` is on a network share (NFS, SMB/CIFS, sshfs, ...; on Windows a UNC
    path or a mapped network drive)."""
    if os.name == "nt":
        text = str(Path(os.path.abspath(path)))
        if text.startswith("\\\\"):
            return True
        try:
            import ctypes

            return bool(ctypes.windll.kernel32.GetDriveTypeW(text[:3]) == 4)  # type: ignore[attr-defined]  # DRIVE_REMOTE
        except (AttributeError, OSError):
            return False
    return filesystem_type(path) in NETWORK_FILESYSTEMS


PRIVATE_MODE = 0o600  # a store: a team's progress, notes and questions, for its owner only
EXPORT_MODE = 0o640  # an export: the owner writes it, the owner's group may read it


def user_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of an SQLite database, SQLite's own aside: a database that holds some but
    was not made by this program (``user_version`` 0) belongs to another program."""
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


class NotRegularFile(OSError):
    """What stands at an output path is not a regular file (a symlink, FIFO, device or folder)."""


def create_private(path: Path) -> None:
    """Create ``path`` empty with ``PRIVATE_MODE`` if nothing is there, whatever the umask (a
    database file SQLite would create with the umask's permissions; its journal files take
    the database's). An existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_MODE)  # the umask cannot take bits away from what fchmod sets
    finally:
        os.close(fd)


def write_export(path: Path, data: bytes) -> None:
    """An export the user asked for at ``path`` (``--output``): written atomically, as
    ``EXPORT_MODE`` (or the mode of the file it replaces), never in place of something that
    is not a regular file (a symlink, FIFO or device would be replaced by a plain file), and
    never into a folder that does not exist (a mistyped path is reported, not created)."""
    import errno
    import stat

    from guide_assistant.common.i18n import _

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(errno.EEXIST, _("it is not a regular file (a link, pipe, device or folder is never replaced)"))
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, _("the folder {folder} does not exist").format(folder=path.parent))
    atomic_write_bytes(path, data, new_mode=EXPORT_MODE)
