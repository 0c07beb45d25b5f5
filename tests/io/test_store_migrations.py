"""Schema migrations: a store written by an older Reviewer opens, upgraded, with its data kept.

The v1 store is built here by hand from the v1 DDL as it was released (copied, not imported:
the test must keep describing v1 even if store_schema changes)."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer.io import store_schema
from reviewer.io.store import SCHEMA_VERSION, ReviewStatus, StoreError, open_review_store

V1_DDL = """
PRAGMA application_id = 1381390162;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    colour TEXT NOT NULL, hotkey TEXT, position INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE images(image_key TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'unreviewed',
    note TEXT NOT NULL DEFAULT '', who TEXT, at TEXT);
CREATE TABLE image_tags(image_key TEXT NOT NULL, tag_id INTEGER NOT NULL REFERENCES tags(id),
    who TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY(image_key, tag_id));
CREATE TABLE object_tags(image_key TEXT NOT NULL,
    source TEXT NOT NULL CHECK(source IN ('gt', 'pred')), ann_key TEXT NOT NULL,
    tag_id INTEGER NOT NULL REFERENCES tags(id), who TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY(image_key, source, ann_key, tag_id));
CREATE TABLE journal(seq INTEGER PRIMARY KEY AUTOINCREMENT, image_key TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL,
    discarded INTEGER NOT NULL DEFAULT 0);
PRAGMA user_version = 1;
"""

T0, T1, T2 = "2024-01-02T10:00:00.000+00:00", "2024-01-02T10:05:00.000+00:00", \
    "2024-01-02T10:09:00.000+00:00"
V1_DATA = [
    ("INSERT INTO meta VALUES (?, ?)", [("history_cursor", "1"), ("vocabulary_seeded", T0)]),
    ("INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?)",
     [(1, "blur", "#42d4f4", "3", 0, T0), (2, "Äpfel", "#000000", None, 1, T0),
      (3, "äpfel", "#ffffff", None, 2, T0)]),  # distinct under v1's ASCII-only NOCASE
    ("INSERT INTO images VALUES (?, ?, ?, ?, ?)",
     [("10", "reviewed", "fence hides the dog", "ann", T1), ("11", "skipped", "", "ann", T2)]),
    ("INSERT INTO image_tags VALUES (?, ?, ?, ?)", [("10", 1, "ann", T1), ("11", 3, "ann", T2)]),
    ("INSERT INTO object_tags VALUES (?, ?, ?, ?, ?, ?)", [("10", "gt", "5", 2, "ann", T1)]),
    ("INSERT INTO journal(image_key, kind, payload, who, at, discarded) VALUES (?, ?, ?, ?, ?, ?)",
     [("10", "MoveBox", '{"ann": 5}', "ann", T1, 0), ("10", "DeleteBox", '{"ann": 6}', "ann",
                                                        T2, 0)]),
]


@pytest.fixture
def v1_store(tmp_path):
    path = tmp_path / "review.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    for sql, rows in V1_DATA:
        conn.executemany(sql, rows)
    conn.commit()
    conn.close()
    return path


def _user_version(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_v1_store_is_upgraded_with_its_data(v1_store):
    with open_review_store(v1_store.parent, user="bob") as store:
        assert store.statuses() == {"10": ReviewStatus.REVIEWED, "11": ReviewStatus.SKIPPED}
        assert store.note("10") == "fence hides the dog"
        assert store.image_review("10").who == "ann"
        assert store.all_image_tags() == {"10": {"blur"}, "11": {"äpfel (2)"}}
        assert store.all_object_tags() == {("10", "gt", "5"): {"Äpfel"}}
        assert [(t.name, t.colour, t.hotkey, t.group) for t in store.tags()] == [
            ("blur", "#42d4f4", "3", ""), ("Äpfel", "#000000", None, ""),
            ("äpfel (2)", "#ffffff", None, "")]
        assert [(e.seq, e.kind, e.payload) for e in store.journal()] == [
            (1, "MoveBox", {"ann": 5}), (2, "DeleteBox", {"ann": 6})]
        # the v1 cursor (1) became per-command state; undo is per author: ann's history
        assert [(e.seq, e.undone) for e in store.journal()] == [(1, False), (2, True)]
        assert [e.seq for e in store.applied_commands()] == [1]
        assert store.history_cursor() == 0 and store.redo_commands() == []  # bob's: empty
        log = [(e.at, e.who, e.kind, e.image_key, e.subject, e.value) for e in store.events()]
        assert log == [
            (T1, "ann", "status", "10", None, "reviewed"),
            (T1, "ann", "note", "10", None, "fence hides the dog"),
            (T1, "ann", "image_tag_added", "10", None, "blur"),
            (T1, "ann", "object_tag_added", "10", "gt:5", "Äpfel"),
            (T1, "ann", "command", "10", "1", "MoveBox"),
            (T2, "ann", "status", "11", None, "skipped"),
            (T2, "ann", "image_tag_added", "11", None, "äpfel"),
            (T2, "ann", "command", "10", "2", "DeleteBox")]
        store.merge_tags("äpfel (2)", "Äpfel")  # v2 features work on upgraded data
        store.add_object_tag("10", "gt", "5", "blur")
        assert store.events()[-1].who == "bob"
    with open_review_store(v1_store.parent, user="ann") as store:
        assert store.history_cursor() == 1
        assert [e.seq for e in store.redo_commands()] == [2]
        assert {p.who: p.statuses for p in store.progress()} == {
            "ann": {"reviewed": 1, "skipped": 1}}  # who set each status, from the change log
        store.redo_command(2)
        assert store.history_cursor() == 2
    assert _user_version(v1_store) == SCHEMA_VERSION


def test_upgrade_keeps_a_backup_of_the_old_file(v1_store):
    before = sqlite3.connect(v1_store)
    old_rows = before.execute("SELECT * FROM images ORDER BY image_key").fetchall()
    before.close()
    open_review_store(v1_store.parent).close()
    backup = v1_store.with_name("review.sqlite.schema1.bak")
    assert _user_version(backup) == 1
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT * FROM images ORDER BY image_key").fetchall() == old_rows
    finally:
        conn.close()


def test_read_only_open_of_an_old_store_upgrades_it_with_a_backup(v1_store):
    """A reader (``reviewer stats`` after updating Reviewer) upgrades the schema first: an
    upgrade changes no review, and the old file is kept as a backup."""
    with open_review_store(v1_store.parent, read_only=True) as store:
        assert store.statuses() == {"10": ReviewStatus.REVIEWED, "11": ReviewStatus.SKIPPED}
        assert store.read_only
    assert _user_version(v1_store) == SCHEMA_VERSION
    assert _user_version(v1_store.with_name("review.sqlite.schema1.bak")) == 1


def test_read_only_open_of_an_old_store_held_by_a_writer_changes_nothing(v1_store,
                                                                         monkeypatch):
    from reviewer.io.store_lock import ProjectLock
    monkeypatch.setenv("REVIEWER_LOCK_WAIT", "0.1")
    before = v1_store.read_bytes()
    lock = ProjectLock.acquire(v1_store, str(v1_store.parent), "someone")
    try:
        with pytest.raises(StoreError, match="older Reviewer .* open for writing elsewhere"):
            open_review_store(v1_store.parent, read_only=True)
    finally:
        lock.release()
    assert v1_store.read_bytes() == before


def test_a_failing_migration_leaves_the_store_at_its_old_version(v1_store, monkeypatch):
    def broken(conn):
        conn.execute("DROP TABLE images")
        raise sqlite3.OperationalError("disk trouble")

    monkeypatch.setattr(store_schema, "MIGRATIONS", [store_schema.MIGRATIONS[0], broken])
    with pytest.raises(StoreError, match="from schema 1 to 2 failed .*disk trouble"):
        open_review_store(v1_store.parent)
    assert _user_version(v1_store) == 1
    conn = sqlite3.connect(v1_store)
    try:
        assert conn.execute("SELECT count(*) FROM images").fetchone()[0] == 2
    finally:
        conn.close()
    monkeypatch.undo()
    with open_review_store(v1_store.parent) as store:  # the lock was released; upgrade works
        assert len(store.statuses()) == 2


def test_migrations_are_one_per_version():
    assert len(store_schema.MIGRATIONS) == SCHEMA_VERSION
    assert len(set(store_schema.MIGRATIONS)) == SCHEMA_VERSION
