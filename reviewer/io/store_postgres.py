"""``PostgresReviewStore``: a project's review in one schema of a PostgreSQL database.

Many windows and CLI processes write at once. The SQL is the SQLite store's (store_sql_*.py); this
module adds the connection, transactions, locks and the server's clock:

- Writers run in parallel. What must not interleave waits on transaction-level advisory locks
  named after what it touches (``_serialize``): a target of a command (its conflict check and
  the write it guards), an author's history, the vocabulary, the annotation id counter.
- The change log never shows a reader a gap that fills later. A transaction's events are kept
  back and inserted at COMMIT, in one round trip (a pipeline: the schema's log lock *shared*, the
  events with ids from the sequence and the server's clock, the journal's ``last_event``,
  ``NOTIFY``, COMMIT), so writers commit in parallel (the server groups their WAL flushes). A
  reader that needs the whole log up to some event — catching up, the horizon of a new session
  — takes the log lock *exclusively* for its read: no writer is then between taking an id and
  committing, so every id up to the newest visible one is committed (or never will be), and
  later writers get larger ids. Dependent changes (one target) are ordered by the target lock,
  so their events are in order too. ``bench/bench_store_writers.py`` measures the cost.
- ``SELECT … FOR UPDATE SKIP LOCKED`` gives reviewers asking at once different images to lease
  without waiting for each other (store_sql_team.py).
- The ``NOTIFY`` carries the newest event id on the schema's channel; other windows listen
  (``notifications()``, store_postgres_listen.py) and catch up from the change log.
- Durability is the server's: a change has committed when the setter returns.
- When the connection breaks, the operation raises ``StoreConnectionError`` and changed nothing,
  unless the break came during COMMIT: then the session's own events in the log are not
  ``acknowledged`` and catching up applies them. ``reconnect()`` opens a new connection.
- A role without write privileges (README: a read-only role) opens the store read-only.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Iterator

from reviewer.core.tags import TagVocabulary, default_vocabulary
from reviewer.io import store_postgres_schema as pg_schema
from reviewer.io.store_base import (
    StoreConnectionError,
    StoreError,
    StorePasswordError,
    StoreReadOnlyError,
    default_user,
)
from reviewer.io.store_sql_team import SqlTeam
from reviewer.io.store_url import (
    StoreLocation,
    check_schema,
    check_url,
    redact,
    remembered_password,
)

try:
    import psycopg
except ImportError:  # the optional extra: pip install reviewer[postgres]
    psycopg = None

CONNECT_TIMEOUT = 5  # seconds
_NOW = ("to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')"
        " || '+00:00'")
_PLACEHOLDER = re.compile(r"\?")
# a transaction's events into the log under the log lock, with ids and times in commit order;
# command / undo / redo events become their journal entry's last_event; one NOTIFY
_FLUSH = """
WITH input(n, who, kind, image_key, subject, value, session) AS (VALUES {rows}),
ev AS (INSERT INTO events(at, who, kind, image_key, subject, value, session)
       SELECT {now}, who, kind, image_key, subject, value, session FROM input ORDER BY n
       RETURNING id, kind, subject, value),
st AS (SELECT (CASE WHEN kind = 'redo' THEN value ELSE subject END)::bigint AS seq, max(id) AS id
       FROM ev WHERE kind IN ('command', 'undo', 'redo') GROUP BY 1),
up AS (UPDATE journal j SET last_event = st.id FROM st WHERE j.seq = st.seq)
SELECT array_agg(id ORDER BY id), pg_notify(%s, max(id)::text) FROM ev
"""


def _pg(sql: str, cache: dict = {}) -> str:  # noqa: B006  (a deliberate module-level cache)
    if sql not in cache:
        cache[sql] = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
    return cache[sql]


def require_driver(where: str) -> None:
    if psycopg is None:
        raise StoreError(where, "PostgreSQL support is not installed: pip install "
                                "'reviewer[postgres]' (psycopg 3)")


def connect(location: StoreLocation, where: str, *, autocommit: bool = True,
            search_path: bool = True, password: str | None = None):
    """A psycopg connection to ``location`` (search_path = its schema); StorePasswordError when
    the server wants a password nobody gave, StoreConnectionError when it cannot be reached."""
    require_driver(where)
    kwargs = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "reviewer",
              "autocommit": autocommit}
    if search_path:
        kwargs["options"] = f"-c search_path={check_schema(location.schema)}"
    password = password or remembered_password(location.url)
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(location.url, **kwargs)
    except psycopg.OperationalError as exc:
        text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if "password" in text and ("no password" in text or "authentication failed" in text):
            raise StorePasswordError(where, f"the server asks for a password ({text}); set "
                                            "PGPASSWORD or add it to ~/.pgpass") from exc
        raise StoreConnectionError(where, f"cannot connect to the server ({text})") from exc


class _Handle:
    """The ``db`` the shared SQL sees: ``?`` placeholders, the transaction started lazily."""

    def __init__(self, store: PostgresReviewStore):
        self._store = store

    def execute(self, sql: str, params=()):
        self._store._start()
        return self._store._conn().execute(_pg(sql), params)

    def executemany(self, sql: str, rows):
        self._store._start()
        cur = self._store._conn().cursor()
        cur.executemany(_pg(sql), list(rows))
        return cur


class PostgresReviewStore(SqlTeam):
    """Review store in a PostgreSQL schema. Open with ``PostgresReviewStore.open(...)``."""

    backend = "postgresql"
    skip_locked = " FOR UPDATE OF w SKIP LOCKED"

    def __init__(self, conn, location: StoreLocation, user: str, read_only: bool):
        self._db = conn
        self.location = location
        self.path = f"{redact(location.url)} schema {location.schema}"
        self.user = user
        self.read_only = read_only
        self.session_id = uuid.uuid4().hex
        self.channel = f"reviewer_{location.schema}"
        self._mutex = threading.RLock()
        self._handle = _Handle(self)
        self._mode: str | None = None  # write or snapshot while a transaction is open
        self._depth = 0
        self._started = False
        self._txn_now: str | None = None
        self._txn_events: list[tuple] = []  # kept back until COMMIT
        self._acked: set[int] = set()
        self.horizon = self.last_event_id()

    @classmethod
    def open(cls, location: StoreLocation, *, read_only: bool = False, user: str | None = None,
             vocabulary: TagVocabulary | None = None) -> PostgresReviewStore:
        """Open (creating or upgrading the schema if needed) the store at ``location``.

        read_only: the schema must exist at the current version; nothing is written. A role that
        may not write opens read-only whatever is asked. Raises StoreError naming the server."""
        location = StoreLocation(check_url(location.url), check_schema(location.schema))
        where = f"{redact(location.url)} schema {location.schema}"
        conn = connect(location, where, search_path=False)
        try:
            if not read_only and not _may_write(conn, location.schema):
                read_only = True
            pg_schema.prepare(conn, location.schema, where, read_only)
            conn.execute(f'SET search_path TO "{location.schema}"')
            if not read_only and not _may_write(conn, location.schema):
                read_only = True
        except BaseException:
            conn.close()
            raise
        store = cls(conn, location, user or default_user(), read_only)
        try:
            if not read_only and store._meta("vocabulary_seeded") is None:
                with store.transaction() as db:
                    store._serialize(db, "vocabulary")  # several processes may open it at once
                    if store._meta("vocabulary_seeded") is None:
                        store.add_missing_tags(default_vocabulary() if vocabulary is None
                                               else vocabulary)
                        store._set_meta("vocabulary_seeded", store._now())
        except BaseException:
            store.close()
            raise
        return store

    def describe(self) -> str:
        return self.path

    # --- lifetime and connection --------------------------------------------------------------
    def close(self) -> None:
        with self._mutex:
            if self._db is not None:
                db, self._db = self._db, None
                with contextlib.suppress(Exception):
                    db.close()

    @property
    def closed(self) -> bool:
        return self._db is None

    def _conn(self):
        if self._db is None:
            raise StoreError(self.path, "the review store is closed")
        return self._db

    def reconnect(self) -> None:
        """A new connection (after StoreConnectionError); the session keeps its id, horizon and
        acknowledged events."""
        with self._mutex:
            if self._db is None:
                raise StoreError(self.path, "the review store is closed")
            new = connect(self.location, self.path)  # StoreConnectionError: server still away
            old, self._db = self._db, new
            with contextlib.suppress(Exception):
                old.close()

    def acknowledged(self, event_id: int) -> bool:
        return event_id in self._acked

    def notifications(self):
        from reviewer.io.store_postgres_listen import PostgresNotifications
        return PostgresNotifications(self.location, self.channel, self.path)

    # --- transactions -------------------------------------------------------------------------
    def _now(self) -> str:
        if self._mode == "write":
            self._start()
            return self._txn_now
        return super()._now()

    def _clock(self, db) -> str:
        return db.execute(f"SELECT {_NOW}").fetchone()[0]

    def _event(self, db, kind, image_key=None, subject=None, value=None) -> None:
        """Kept back: inserted at COMMIT, in commit order (``_commit``)."""
        self._start()
        self._txn_events.append((self.user, kind, image_key, subject, value, self.session_id))

    def _serialize(self, db, *names: str) -> None:
        keys = sorted({f"{self.location.schema} {n}" for n in names})
        if keys:
            db.execute("SELECT pg_advisory_xact_lock(hashtext(k)) FROM"
                       " (SELECT unnest(?::text[]) AS k ORDER BY 1) AS s", (keys,))

    def _start(self) -> None:
        """Begin the server transaction before the first statement of a transaction block."""
        if self._mode is None or self._started:
            return
        conn = self._conn()
        if self._mode == "snapshot":
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._started = True
            return
        cur = conn.execute(f"BEGIN; SELECT {_NOW}")
        cur.nextset()
        self._txn_now = cur.fetchone()[0]
        self._started = True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Handle]:
        """All writes inside commit together when the outermost block exits, or none do."""
        if self.read_only:
            raise StoreReadOnlyError(self.path, "the review store is open read-only")
        with self._block("write") as handle:
            yield handle

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One REPEATABLE READ view, taken while no writer is committing (the log lock held
        exclusively around it), so it holds every event up to its newest one."""
        if self._depth:
            with self._block("snapshot"):
                yield
            return
        with self._mutex:
            key = (f"{self.location.schema} change log",)
            self._conn().execute("SELECT pg_advisory_lock(hashtext(%s))", key)
            try:
                with self._block("snapshot", eager=True):
                    yield
            finally:
                db = self._db
                if db is not None and not db.closed and not db.broken:
                    db.execute("SELECT pg_advisory_unlock(hashtext(%s))", key)

    def events(self, since: int = 0):
        """Events after ``since``, complete up to the newest (read under the log lock)."""
        if self._depth:
            return super().events(since)
        with self._block("write"), self._reading() as db:
            db.execute("SELECT pg_advisory_xact_lock(hashtext(?))",
                       (f"{self.location.schema} change log",))
            return super().events(since)

    def last_event_id(self) -> int:
        """The newest event id such that every event before it is committed."""
        if self._depth:
            return super().last_event_id()
        with self._block("write"), self._reading() as db:
            db.execute("SELECT pg_advisory_xact_lock(hashtext(?))",
                       (f"{self.location.schema} change log",))
            return super().last_event_id()

    @contextlib.contextmanager
    def _block(self, mode: str, eager: bool = False) -> Iterator[_Handle]:
        with self._mutex:
            if self._depth:
                if self._mode == "snapshot" and mode != "snapshot":
                    raise StoreError(self.path, "cannot write inside a snapshot")
                self._depth += 1
                try:
                    yield self._handle
                finally:
                    self._depth -= 1
                return
            self._mode, self._depth, self._started, self._txn_events = mode, 1, False, []
            try:
                if eager:
                    self._start()
                yield self._handle
                self._depth = 0
                self._commit()
            except BaseException as exc:
                self._rollback()
                error = self._error(exc, "the change was not saved")
                if error is exc:
                    raise
                raise error from exc
            finally:
                self._mode, self._depth, self._started, self._txn_now = None, 0, False, None

    def _commit(self) -> None:
        if not self._started:
            return
        conn = self._conn()
        if not self._txn_events:
            conn.execute("COMMIT")
            return
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(self._txn_events))
        params = [v for n, row in enumerate(self._txn_events) for v in (n, *row)]
        with conn.pipeline():
            conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))",
                         (f"{self.location.schema} change log",))
            cur = conn.execute(_FLUSH.format(rows=rows, now=_NOW), [*params, self.channel])
            conn.execute("COMMIT")
        self._acked.update(cur.fetchone()[0])

    def _rollback(self) -> None:
        db = self._db
        if self._started and db is not None and not db.closed and not db.broken:
            with contextlib.suppress(Exception):
                db.execute("ROLLBACK")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[_Handle]:
        with self._mutex:
            try:
                yield self._handle
            except Exception as exc:
                error = self._error(exc, "cannot read the review store")
                if error is exc:
                    raise
                raise error from exc

    def _error(self, exc: BaseException, doing: str) -> BaseException:
        """psycopg errors -> StoreError subclasses; anything else unchanged."""
        if psycopg is None or not isinstance(exc, psycopg.Error):
            return exc
        db = self._db
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return StoreReadOnlyError(self.path, f"your database role may not change this "
                                                 f"store ({first})")
        if isinstance(exc, psycopg.OperationalError) and (db is None or db.closed or db.broken):
            return StoreConnectionError(self.path, f"{doing}: the connection to the server was "
                                                   f"lost ({first})")
        return StoreError(self.path, f"{doing} ({first})")


def _may_write(conn, schema: str) -> bool:
    """Whether the connected role may change the store in ``schema`` (or create it)."""
    if conn.execute("SELECT to_regclass(%s)", (f'"{schema}".journal',)).fetchone()[0] is not None:
        return bool(conn.execute("SELECT has_table_privilege(%s, 'INSERT')",
                                 (f'"{schema}".journal',)).fetchone()[0])
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
        return bool(conn.execute("SELECT has_schema_privilege(%s, 'CREATE')",
                                 (schema,)).fetchone()[0])
    return bool(conn.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
                .fetchone()[0])
