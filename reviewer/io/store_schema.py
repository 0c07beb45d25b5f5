"""Schema of review.sqlite: versions, migrations, and the checks made before a store is used.

(The PostgreSQL store has its own DDL in store_postgres_schema.py; both hold the same tables and
columns, so the same SQL runs on both and ``reviewer store copy`` moves every row across.)

The schema version is ``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as ours.
``MIGRATIONS[n]`` takes a store from version ``n`` to ``n + 1``; a new store runs them all from 0,
so the upgrade path is the path every new store takes. Each step runs in one transaction together
with the version bump: a failed step leaves the file at the old version, untouched.

To change the schema: append a function here, never edit a released one, and add a test that
builds the previous version by hand (tests/io/test_store_migrations.py shows how).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from reviewer.core.tags import name_key
from reviewer.io.store_base import StoreError

APPLICATION_ID = 0x52565752  # "RVWR"

_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tags(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    colour TEXT NOT NULL,
    hotkey TEXT,
    position INTEGER NOT NULL,
    created TEXT NOT NULL);
CREATE TABLE images(
    image_key TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'unreviewed',
    note TEXT NOT NULL DEFAULT '',
    who TEXT,
    at TEXT);
CREATE TABLE image_tags(
    image_key TEXT NOT NULL,
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY(image_key, tag_id));
CREATE TABLE object_tags(
    image_key TEXT NOT NULL,
    source TEXT NOT NULL CHECK(source IN ('gt', 'pred')),
    ann_key TEXT NOT NULL,
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY(image_key, source, ann_key, tag_id));
CREATE TABLE journal(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    image_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    discarded INTEGER NOT NULL DEFAULT 0);
"""


def _v0_to_v1(conn: sqlite3.Connection) -> None:
    """First schema: statuses, notes, tags by id, object tags, the command journal."""
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO meta(key, value) VALUES ('history_cursor', '0')")


_V2_TAGS = """
CREATE TABLE tags_v2(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    colour TEXT NOT NULL,
    hotkey TEXT,
    grp TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    created TEXT NOT NULL,
    merged_into INTEGER REFERENCES tags(id),
    removed_at TEXT)
"""

_V2_EVENTS = """
CREATE TABLE events(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    kind TEXT NOT NULL,
    image_key TEXT,
    subject TEXT,
    value TEXT)
"""

_V2_BACKFILL = [  # the change log of a v1 store, rebuilt from what v1 kept (last change only)
    "SELECT at, who, 'status' AS kind, image_key, NULL AS subject, status AS value,"
    " 0 AS branch, 0 AS k FROM images"
    " WHERE at IS NOT NULL AND status != 'unreviewed'",
    "SELECT at, who, 'note', image_key, NULL, note, 1, 0 FROM images"
    " WHERE at IS NOT NULL AND note != ''",
    "SELECT it.at, it.who, 'image_tag_added', it.image_key, NULL, t.name, 2, 0"
    " FROM image_tags it JOIN tags t ON t.id = it.tag_id",
    "SELECT ot.at, ot.who, 'object_tag_added', ot.image_key, ot.source || ':' || ot.ann_key,"
    " t.name, 3, 0 FROM object_tags ot JOIN tags t ON t.id = ot.tag_id",
    "SELECT at, who, 'command', image_key, CAST(seq AS TEXT), kind, 4, seq FROM journal",
]


def _distinct_names(rows: list[tuple]) -> list[tuple]:
    """v1 compared names with ASCII-only NOCASE and kept spacing: ``"Äpfel"``/``"äpfel"`` or
    ``"a  b"``/``"a b"`` could both exist. v2 compares normalised, case-folded names, so the later
    of two such tags becomes ``"äpfel (2)"`` (both keep their assignments)."""
    taken: set[str] = set()
    out = []
    for tag_id, name, *rest in rows:
        base = " ".join(name.split()) or f"tag {tag_id}"
        candidate, n = base, 1
        while name_key(candidate) in taken:
            n += 1
            candidate = f"{base} ({n})"
        taken.add(name_key(candidate))
        out.append((tag_id, candidate, *rest))
    return out


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Tags get group, description, merge/removal marks and Unicode-aware unique names
    (rebuilt table: SQLite cannot drop v1's UNIQUE NOCASE); a change log (``events``) starts,
    back-filled from the who/when v1 kept."""
    conn.execute(_V2_TAGS)
    rows = conn.execute("SELECT id, name, colour, hotkey, position, created FROM tags"
                        " ORDER BY id").fetchall()
    conn.executemany(
        "INSERT INTO tags_v2(id, name, name_key, colour, hotkey, position, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i, name, name_key(name), colour, hotkey, pos, created)
         for i, name, colour, hotkey, pos, created in _distinct_names(rows)])
    conn.execute(_V2_EVENTS)
    union = " UNION ALL ".join(_V2_BACKFILL)
    conn.execute("INSERT INTO events(at, who, kind, image_key, subject, value)"
                 f" SELECT at, who, kind, image_key, subject, value FROM ({union})"
                 " ORDER BY at, branch, k, image_key, subject, value")
    conn.execute("DROP TABLE tags")
    conn.execute("ALTER TABLE tags_v2 RENAME TO tags")
    conn.execute("CREATE UNIQUE INDEX tags_live_name ON tags(name_key)"
                 " WHERE merged_into IS NULL AND removed_at IS NULL")
    conn.execute("CREATE INDEX journal_active ON journal(discarded, seq)")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Corrections that no longer fit a changed GT are set aside as conflicts (``conflict``: why;
    ``resolution``: ``dropped`` or ``re-applied as <seq>``); they leave the active history like
    discarded entries. The inputs' fingerprints live in ``meta``."""
    conn.execute("ALTER TABLE journal ADD COLUMN conflict TEXT")
    conn.execute("ALTER TABLE journal ADD COLUMN resolution TEXT")


V4_DDL = """
ALTER TABLE journal ADD COLUMN undone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN last_event INTEGER;
CREATE TABLE journal_targets(
    target TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    PRIMARY KEY(target, seq));
CREATE INDEX journal_targets_seq ON journal_targets(seq);
CREATE INDEX journal_who ON journal(who, discarded, undone, seq);
ALTER TABLE events ADD COLUMN session TEXT;
ALTER TABLE images ADD COLUMN status_who TEXT;
ALTER TABLE images ADD COLUMN status_at TEXT;
CREATE TABLE work(
    image_key TEXT PRIMARY KEY,
    assignee TEXT,
    lease_who TEXT,
    lease_session TEXT,
    lease_until TEXT);
CREATE INDEX work_assignee ON work(assignee)
"""

V4_BACKFILL = [  # the global v2 cursor becomes per-command state; who set each status, from the log
    "UPDATE journal SET undone = 1 WHERE discarded = 0 AND seq >"
    " (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'history_cursor')",
    "DELETE FROM meta WHERE key = 'history_cursor'",
    "UPDATE journal SET last_event = (SELECT max(e.id) FROM events e WHERE"
    " (e.kind IN ('command', 'undo') AND e.subject = CAST(journal.seq AS TEXT))"
    " OR (e.kind = 'redo' AND e.value = CAST(journal.seq AS TEXT)))",
    "UPDATE images SET status_who = (SELECT who FROM events e WHERE e.kind = 'status' AND"
    " e.image_key = images.image_key ORDER BY e.id DESC LIMIT 1),"
    " status_at = (SELECT at FROM events e WHERE e.kind = 'status' AND"
    " e.image_key = images.image_key ORDER BY e.id DESC LIMIT 1)",
]


def max_object_id(payloads) -> int:
    """The largest integer ``"id"`` of any object inside journal payloads (JSON texts), 0 if none."""
    best = 0
    stack = [json.loads(p) for p in payloads]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("id"), int) and not isinstance(item.get("id"), bool):
                best = max(best, item["id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return best


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Several reviewers: per-author undo (``undone`` per command instead of one cursor), the
    targets of each command and its last event (conflict checks), the session of each event,
    who set each status, assignments and leases (``work``), a store-wide annotation id counter."""
    for statement in V4_DDL.split(";"):
        conn.execute(statement)
    for statement in V4_BACKFILL:
        conn.execute(statement)
    payloads = [row[0] for row in conn.execute("SELECT payload FROM journal")]
    conn.execute("INSERT INTO meta(key, value) VALUES ('next_ann_id', ?)",
                 (str(max_object_id(payloads) + 1),))


METADATA_DDL = """
CREATE TABLE image_metadata(
    image_key TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY(image_key, name));
CREATE INDEX image_metadata_name ON image_metadata(name)
"""


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """Metadata values set in the review (a split made by ``reviewer splits``, an image moved
    to another partition): one row per image and column, the value as JSON."""
    for statement in METADATA_DDL.split(";"):
        conn.execute(statement)


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [_v0_to_v1, _v1_to_v2, _v2_to_v3, _v3_to_v4, _v4_to_v5]
SCHEMA_VERSION = len(MIGRATIONS)


def _damaged(path: Path, detail: str) -> StoreError:
    return StoreError(path, f"the review store is damaged ({detail}); it was left unchanged. "
                            "Restore it from a backup, or move it away to start a new review.")


def environment_problem(path: Path, exc: BaseException) -> str | None:
    """What keeps SQLite from using an intact store, in plain words, or None when the error is
    not about the machine (permissions, a read-only file system, a full disk): only then may a
    caller suspect the file itself."""
    text = str(exc).lower()
    folder = path.parent
    if "disk is full" in text or "disk i/o" in text and _free_bytes(folder) == 0:
        return (f"the disk holding {folder} is full; free some space and try again "
                "(the review store itself is intact)")
    if "readonly" in text or "read-only" in text or "unable to open" in text \
            or "permission" in text:
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            return (f"no permission to write in {folder} (or to the store file); fix the "
                    "permissions, or open the project read-only (the store itself is intact)")
        if "readonly" in text or "read-only" in text:
            return (f"the file system holding {folder} is read-only; open the project "
                    "read-only (the store itself is intact)")
    return None


def _free_bytes(folder: Path) -> int:
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return -1
    return st.f_bavail * st.f_frsize


def store_error(path: Path, action: str, exc: BaseException) -> StoreError:
    """A StoreError for an SQLite error while ``action`` (``"open"``, ``"save"``): the machine's
    problem when it is one, else the SQLite message."""
    problem = environment_problem(path, exc)
    return StoreError(path, f"cannot {action} the review store: {problem or exc}")


def check_store(conn: sqlite3.Connection, path: Path) -> int:
    """Refuse anything but an intact Reviewer store this code can read; return its version."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise StoreError(path, "not a Reviewer review store (not an SQLite database)") from exc
        if environment_problem(path, exc):
            raise store_error(path, "open", exc) from exc
        raise _damaged(path, str(exc)) from exc
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or tables):
        raise StoreError(path, "an SQLite database, but not a Reviewer review store")
    if version > SCHEMA_VERSION:
        raise StoreError(path, f"made by a newer Reviewer (store schema {version}; this Reviewer "
                               f"knows up to {SCHEMA_VERSION}). Update Reviewer to open it.")
    try:
        report = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        if environment_problem(path, exc):
            raise store_error(path, "open", exc) from exc
        raise _damaged(path, str(exc)) from exc
    if report != ["ok"]:
        raise _damaged(path, "; ".join(report))
    return version


def backup(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the whole database (consistent snapshot) to ``target``."""
    dst = sqlite3.connect(target)
    try:
        conn.backup(dst)
    finally:
        dst.close()


def migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Run ``MIGRATIONS[version:]``, one transaction per step. ``conn`` is in autocommit mode."""
    conn.execute("PRAGMA foreign_keys = OFF")  # table rebuilds; checked below instead
    try:
        for step in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[step](conn)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise sqlite3.IntegrityError(f"foreign keys broken: {broken[:3]}")
                conn.execute(f"PRAGMA user_version = {step + 1}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(path, f"upgrading the review store from schema {step} to "
                                       f"{step + 1} failed ({exc}); it was left unchanged") from exc
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
