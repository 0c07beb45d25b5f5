"""One writer per project: an exclusive lock on ``review.sqlite.lock`` held while a store is open.

The lock is an OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) on an open file,
so the OS drops it when the holder exits for any reason, SIGKILL included: there are no stale
locks to clean up. The file's text names the holder (pid, host, user, since) for the message the
second opener gets. The lock file itself is never deleted (deleting it would race a new holder).
Network file systems may not honour these locks; the store is meant for a local project folder.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from reviewer.io.store_base import StoreError, StoreLockedError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

_WINDOWS_LOCK_OFFSET = 1 << 16  # lock a byte past the holder text, which stays readable


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError (POSIX) or PermissionError (Windows): someone holds it
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _holder(lock_path: Path) -> dict:
    try:
        info = json.loads(lock_path.read_text("utf-8"))
    except (OSError, ValueError):
        info = {}
    return info if isinstance(info, dict) else {}


class ProjectLock:
    """Held from ``acquire`` until ``release`` (or process exit)."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, store_path: Path, project: str, user: str) -> ProjectLock:
        """Lock ``store_path + ".lock"``; StoreLockedError naming the holder when taken."""
        path = store_path.with_name(store_path.name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(store_path, f"cannot create the lock file {path.name}: "
                                         f"{exc.strerror}") from exc
        if not _try_lock(fd):
            os.close(fd)
            info = _holder(path)
            raise StoreLockedError(store_path, project, info.get("pid", "unknown"),
                                   info.get("host", "unknown"))
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": user,
                           "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode("utf-8"))
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)
