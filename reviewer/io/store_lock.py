"""One writer per project: an exclusive lock on ``review.sqlite.lock`` held while a store is open.

The lock is an OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) on an open file,
so the OS drops it when the holder exits for any reason, SIGKILL included: there are no stale
locks to clean up. The file's text names the holder (pid, host, user, since) for the message the
second opener gets. The lock file itself is never deleted (deleting it would race a new holder).
Network file systems may not honour these locks; the store is meant for a local project folder.

A second writer waits up to ``LOCK_WAIT_S`` seconds (environment ``REVIEWER_LOCK_WAIT``) for the
holder to finish before it is refused: short CLI commands (``reviewer tag`` in a loop, several at
once) take turns instead of failing; a window holding the project keeps it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

from reviewer.io.store_base import StoreError, StoreLockedError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

_WINDOWS_LOCK_OFFSET = 1 << 16  # lock a byte past the holder text, which stays readable
LOCK_WAIT_S = 5.0


def lock_wait() -> float:
    """Seconds a second writer waits for the lock (``REVIEWER_LOCK_WAIT``, default 5)."""
    try:
        return max(0.0, float(os.environ.get("REVIEWER_LOCK_WAIT", LOCK_WAIT_S)))
    except ValueError:
        return LOCK_WAIT_S


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


def _holder(lock_path: Path, attempts: int = 10) -> dict:
    """The holder's text; a holder that has just taken the lock may not have written it yet."""
    for _ in range(attempts):
        try:
            info = json.loads(lock_path.read_text("utf-8"))
        except (OSError, ValueError):
            info = None
        if isinstance(info, dict) and "pid" in info:
            return info
        time.sleep(0.02)
    return {}


def _wait_for_lock(fd: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        if _try_lock(fd):
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.2)


class ProjectLock:
    """Held from ``acquire`` until ``release`` (or process exit)."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, store_path: Path, project: str, user: str,
                wait: float | None = None) -> ProjectLock:
        """Lock ``store_path + ".lock"``, waiting up to ``wait`` seconds (default
        ``lock_wait()``); StoreLockedError naming the holder when it stays taken."""
        path = store_path.with_name(store_path.name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(store_path, f"cannot create the lock file {path.name} in "
                                         f"{path.parent}: {exc.strerror} (the project folder must "
                                         "be writable to record a review; open it read-only to "
                                         "look)") from exc
        if not _wait_for_lock(fd, lock_wait() if wait is None else wait):
            info = _holder(path)
            os.close(fd)
            raise StoreLockedError(store_path, project, info.get("pid", "unknown"),
                                   info.get("host", "unknown"), info.get("user"),
                                   info.get("since"))
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": user,
                           "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, text.encode("utf-8"))
        except OSError:
            pass  # a full disk: the lock holds all the same, only its holder text is missing
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)
