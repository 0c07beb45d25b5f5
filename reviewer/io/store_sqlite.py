"""``SqliteReviewStore``: the review of one project in ``PROJECT/review.sqlite``.

Durability: WAL journal with ``synchronous=FULL``. Each setter is one ``BEGIN IMMEDIATE ...
COMMIT``; when it returns, the commit is in the WAL and the WAL is fsync'ed, so the change
survives SIGKILL of the process and, on disks that honour fsync, power loss too. The cost is one
fsync per change, which human-paced review easily affords; use ``transaction()`` for bulk edits.

Exclusivity: a writer holds ``review.sqlite.lock`` (store_lock.py) for its lifetime; a second
writer gets ``StoreLockedError``. ``read_only=True`` takes no lock and reads committed state while
another process writes (WAL lets readers and one writer work at once).

Safety of existing files: a store is created under a temporary name and renamed into place only
when complete; an existing file is checked (store_schema.check_store) and never reset; before a
schema upgrade the old file is copied to ``review.sqlite.schema<N>.bak``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from reviewer.core.tags import TagVocabulary, default_vocabulary
from reviewer.io import store_schema
from reviewer.io.store_base import (
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    default_user,
)
from reviewer.io.store_lock import ProjectLock
from reviewer.io.store_sql_team import SqlTeam

STORE_FILE_NAME = "review.sqlite"
PROJECT_FILE_NAME = "reviewer.json"


def store_path_for(path: str | os.PathLike) -> Path:
    """Project folder or ``reviewer.json`` -> ``review.sqlite`` beside it; other paths as given."""
    path = Path(path)
    if path.is_dir():
        return path / STORE_FILE_NAME
    if path.name == PROJECT_FILE_NAME:
        return path.with_name(STORE_FILE_NAME)
    return path


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection; a reader in a folder nobody can write (a read-only file system, a copy
    without permissions) opens the file as immutable: SQLite could not create the WAL index
    beside it, and no writer can change it there."""
    target = str(path)
    if read_only:
        immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
        target = f"{path.resolve().as_uri()}?mode=ro{immutable}"
    try:
        conn = sqlite3.connect(target, uri=read_only, isolation_level=None,
                               check_same_thread=False, timeout=10.0)
    except sqlite3.Error as exc:
        raise store_schema.store_error(path, "open", exc) from exc
    return conn


def _configure(conn: sqlite3.Connection, path: Path, read_only: bool) -> None:
    """Connection settings; for a writer WAL + synchronous=FULL. Call after ``check_store``:
    switching to WAL writes to the file, which must not happen to a file we refuse."""
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(path, f"the file system refused WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        raise store_schema.store_error(path, "open", exc) from exc


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(path: Path) -> None:
    """Build an empty store of the current schema beside ``path`` and rename it into place."""
    tmp = path.with_name(f"{path.name}.creating-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    conn = _connect(tmp, read_only=False)
    try:
        _configure(conn, tmp, read_only=False)
        store_schema.migrate(conn, tmp, 0)
    finally:
        conn.close()  # checkpoints and removes the -wal: the file alone is complete
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _backup_path(path: Path, version: int) -> Path:
    candidate = path.with_name(f"{path.name}.schema{version}.bak")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.schema{version}.bak{n}")
    return candidate


class SqliteReviewStore(SqlTeam):
    """Review store in one SQLite file. Open with ``SqliteReviewStore.open(...)``."""

    backend = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path, lock: ProjectLock | None,
                 user: str, read_only: bool):
        self._db: sqlite3.Connection | None = conn
        self.path = path
        self._lock = lock
        self.user = user
        self.read_only = read_only
        self.session_id = uuid.uuid4().hex
        self._mutex = threading.RLock()
        self._depth = 0
        self._snapshot = False
        self.horizon = self.last_event_id()

    @classmethod
    def open(cls, path: str | os.PathLike, *, read_only: bool = False, user: str | None = None,
             vocabulary: TagVocabulary | None = None) -> SqliteReviewStore:
        """Open (creating if needed) the store for a project folder, ``reviewer.json`` or file.

        read_only: no lock, no writes, the file must exist with the current schema.
        user: recorded as ``who`` on every change (default: the login name).
        vocabulary: the tags a *new* store starts with (default: ``default_vocabulary()``).
        Raises StoreError (with the path) when the file cannot be used; never resets it.
        """
        path = store_path_for(path)
        user = user or default_user()
        if read_only:
            return cls._open_read_only(path, user)
        lock = ProjectLock.acquire(path, str(path.parent), user)
        try:
            store = cls._open_writable(path, user, lock)
        except BaseException:
            lock.release()
            raise
        try:
            if store._meta("vocabulary_seeded") is None:
                with store.transaction():
                    store.add_missing_tags(default_vocabulary() if vocabulary is None
                                           else vocabulary)
                    store._set_meta("vocabulary_seeded", store._now())
        except BaseException:
            store.close()  # releases the lock too
            raise
        return store

    @classmethod
    def _open_read_only(cls, path: Path, user: str) -> SqliteReviewStore:
        if not path.is_file():
            raise StoreError(path, "no review store here (nothing to open read-only)")
        if path.stat().st_size == 0:
            raise StoreError(path, "the review store is an empty file (0 bytes): no review is "
                                   "recorded yet; open the project for writing to start one")
        conn = _connect(path, read_only=True)
        try:
            version = store_schema.check_store(conn, path)
            _configure(conn, path, read_only=True)
        except BaseException:
            conn.close()
            raise
        if version < store_schema.SCHEMA_VERSION:
            conn.close()
            cls._upgrade(path, version, user)
            return cls._open_read_only(path, user)
        return cls(conn, path, None, user, read_only=True)

    @classmethod
    def _upgrade(cls, path: Path, version: int, user: str) -> None:
        """Bring an older store to the current schema for a reader (a schema upgrade changes
        no review; the old file is backed up first). Refused while another process writes."""
        try:
            lock = ProjectLock.acquire(path, str(path.parent), user, wait=0)
        except StoreLockedError as exc:
            raise StoreError(path, f"made by an older Reviewer (store schema {version}) and "
                                   f"open for writing elsewhere ({exc.reason}); it is upgraded "
                                   "at the next opening for writing") from None
        except StoreError as exc:
            raise StoreError(path, f"made by an older Reviewer (store schema {version}) and it "
                                   f"cannot be upgraded here: {exc.reason}") from None
        try:
            cls._open_writable(path, user, lock)._db.close()
        finally:
            lock.release()

    @classmethod
    def _open_writable(cls, path: Path, user: str, lock: ProjectLock) -> SqliteReviewStore:
        if path.is_file() and path.stat().st_size == 0:
            wal = path.with_name(path.name + "-wal")
            if wal.is_file() and wal.stat().st_size > 0:
                raise StoreError(path, f"the review store is empty (0 bytes) but its write-ahead "
                                       f"log {wal.name} holds {wal.stat().st_size} bytes: the "
                                       "store was probably truncated; both were left unchanged. "
                                       "Restore the store from a backup.")
            path.unlink()  # an empty file holds no review: a new store takes its place
        if not path.exists():
            try:
                _create(path)
            except (OSError, sqlite3.Error) as exc:
                raise store_schema.store_error(path, "create", exc) from exc
        conn = _connect(path, read_only=False)
        try:
            version = store_schema.check_store(conn, path)
            _configure(conn, path, read_only=False)
            if version < store_schema.SCHEMA_VERSION:
                store_schema.backup(conn, _backup_path(path, version))
                store_schema.migrate(conn, path, version)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, lock, user, read_only=False)

    # --- lifetime and transactions ----------------------------------------------------------
    def close(self) -> None:
        with self._mutex:
            if self._db is not None:
                db, self._db = self._db, None
                db.close()
            if self._lock is not None:
                lock, self._lock = self._lock, None
                lock.release()

    @property
    def closed(self) -> bool:
        return self._db is None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together when the outermost block exits, or none do."""
        if self.read_only:
            raise StoreReadOnlyError(self.path, "the review store is open read-only")
        with self._mutex:
            db = self._conn()
            outer = self._depth == 0
            try:
                if outer:
                    db.execute("BEGIN IMMEDIATE")
                self._depth += 1
                try:
                    yield db
                finally:
                    self._depth -= 1
                if outer:
                    db.execute("COMMIT")
            except BaseException as exc:
                if outer and db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    problem = store_schema.environment_problem(self.path, exc)
                    raise StoreError(self.path, f"the change was not saved ({problem or exc})") \
                        from exc
                raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: the reads inside see one state of the file."""
        with self._mutex:
            db = self._conn()
            outer = not db.in_transaction
            if outer:
                db.execute("BEGIN")
            try:
                yield
            finally:
                if outer and db.in_transaction:
                    db.execute("COMMIT")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            try:
                yield self._conn()
            except sqlite3.Error as exc:
                raise StoreError(self.path, f"cannot read the review store ({exc})") from exc

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(self.path, "the review store is closed")
        return self._db
