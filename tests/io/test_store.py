"""The review store contract on both backends (SQLite file, PostgreSQL schema): statuses, notes,
tags by id, object tags, journal, change log, read-only access; and, for SQLite, refusing damaged
or foreign files without touching them."""

from __future__ import annotations

import getpass
import os
import socket
import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from reviewer.core.tags import Tag, TagVocabulary, colour_for_name, default_vocabulary
from reviewer.io.store import (
    SCHEMA_VERSION,
    ReviewStatus,
    ReviewStore,
    SqliteReviewStore,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    open_review_store,
)
from tests.io.conftest import where_of

VOCABULARY = TagVocabulary([Tag.make("blur", hotkey="1", group="failure reason"),
                            Tag.make("occlusion", hotkey="2", group="failure reason"),
                            Tag.make("cls", group="error type")])


@pytest.fixture
def store(store_where):
    with open_review_store(store_where, user="alice", vocabulary=VOCABULARY) as opened:
        yield opened


def reopen(store: ReviewStore, **kwargs) -> ReviewStore:
    """Close and open again as the same user (undo and redo are per user)."""
    store.close()
    kwargs.setdefault("user", store.user)
    return open_review_store(where_of(store), **kwargs)


# --- opening -----------------------------------------------------------------------------------
def test_new_store_lives_beside_the_project_file_and_seeds_the_vocabulary(tmp_path):
    (tmp_path / "reviewer.json").write_text("{}")
    with open_review_store(tmp_path / "reviewer.json", vocabulary=VOCABULARY) as store:
        assert isinstance(store, SqliteReviewStore)
        assert store.path == tmp_path / "review.sqlite"
        assert store.vocabulary() == VOCABULARY
        assert store.user == getpass.getuser()
    conn = sqlite3.connect(tmp_path / "review.sqlite")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "review.sqlite", "review.sqlite.lock", "reviewer.json"]  # no temporary file left


def test_new_store_without_a_vocabulary_starts_with_the_default_tags(store_where):
    expected = default_vocabulary()  # reviewer.resources ships with the package
    with open_review_store(store_where) as store:
        assert store.vocabulary() == expected


def test_vocabulary_is_seeded_once_and_edits_persist(store):
    store.remove_tag("cls")
    store = reopen(store, vocabulary=VOCABULARY)
    try:
        assert store.vocabulary().names() == ["blur", "occlusion"]
    finally:
        store.close()


# --- statuses and notes ------------------------------------------------------------------------
def test_status_defaults_to_unreviewed_and_records_who_and_when(store):
    assert store.status(7) is ReviewStatus.UNREVIEWED
    before = datetime.now(timezone.utc)
    store.set_status(7, "needs-second-look")
    store.set_status("8", ReviewStatus.SKIPPED)
    review = store.image_review("7")
    assert review.status is ReviewStatus.NEEDS_SECOND_LOOK
    assert review.who == "alice"
    at = datetime.fromisoformat(review.at)
    assert at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= at <= datetime.now(timezone.utc)
    assert store.statuses() == {"7": ReviewStatus.NEEDS_SECOND_LOOK, "8": ReviewStatus.SKIPPED}


def test_bad_status_changes_nothing(store):
    n_events = len(store.events())
    with pytest.raises(ValueError, match="needs-second-look"):
        store.set_status(1, "done")
    assert store.statuses() == {}
    assert len(store.events()) == n_events


def test_notes_and_statuses_survive_reopening(store):
    store.set_note(3, "dog hidden behind the fence\nsecond line")
    store.set_status(3, "reviewed")
    store.user = "bob"
    store.set_status(4, "skipped")
    store = reopen(store, read_only=True)
    try:
        assert store.note(3) == "dog hidden behind the fence\nsecond line"
        assert store.note(99) == ""
        assert store.statuses() == {"3": ReviewStatus.REVIEWED, "4": ReviewStatus.SKIPPED}
        assert store.image_review(4).who == "bob"
    finally:
        store.close()


# --- tags ------------------------------------------------------------------------------------------
def test_image_tags_add_remove_set(store):
    store.add_image_tag(1, "blur")
    store.add_image_tag(1, "Blur")  # same tag: no duplicate, no event
    store.add_image_tag(1, "new idea")  # unknown names join the vocabulary
    store.add_image_tag(2, "occlusion")
    assert store.image_tags(1) == {"blur", "new idea"}
    assert store.vocabulary()["new idea"].colour == colour_for_name("new idea")
    store.remove_image_tag(1, "new idea")
    store.remove_image_tag(1, "never existed")
    store.set_image_tags(2, ["cls", "blur"])
    assert store.all_image_tags() == {"1": {"blur"}, "2": {"cls", "blur"}}
    n_events = len(store.events())
    store.set_image_tags(1, [" BLUR "])  # the same set, spelled differently: no change
    assert len(store.events()) == n_events
    kinds = [(e.kind, e.image_key, e.value) for e in store.events()
             if e.kind.startswith("image_tag")]
    assert kinds == [("image_tag_added", "1", "blur"), ("image_tag_added", "1", "new idea"),
                     ("image_tag_added", "2", "occlusion"), ("image_tag_removed", "1", "new idea"),
                     ("image_tag_removed", "2", "occlusion"), ("image_tag_added", "2", "cls"),
                     ("image_tag_added", "2", "blur")]


def test_object_tags_are_keyed_by_image_source_and_annotation(store):
    store.add_object_tag(1, "gt", 17, "occlusion")
    store.add_object_tag("1", "pred", "17", "blur")
    store.set_object_tags(2, "gt", np.int64(5), ["cls", "blur"])
    assert store.object_tags("1", "gt", "17") == {"occlusion"}
    assert store.object_tags(1, "pred", 17) == {"blur"}
    assert store.image_object_tags(2) == {("gt", "5"): {"cls", "blur"}}
    store.remove_object_tag(2, "gt", 5, "cls")
    assert store.all_object_tags() == {("1", "gt", "17"): {"occlusion"},
                                       ("1", "pred", "17"): {"blur"}, ("2", "gt", "5"): {"blur"}}
    with pytest.raises(ValueError, match="source"):
        store.add_object_tag(1, "prediction", 17, "blur")


def test_rename_keeps_every_assignment(store):
    store.add_image_tag(1, "blur")
    store.add_object_tag(1, "gt", 3, "blur")
    colour = store.vocabulary()["blur"].colour
    store.rename_tag("blur", "Motion blur")
    store = reopen(store)
    try:
        assert store.image_tags(1) == {"Motion blur"}
        assert store.object_tags(1, "gt", 3) == {"Motion blur"}
        assert store.vocabulary()["motion blur"].colour == colour
        assert store.vocabulary().by_hotkey("1").name == "Motion blur"
        with pytest.raises(ValueError, match="merge"):
            store.rename_tag("Motion blur", "OCCLUSION")
        store.rename_tag("Motion blur", "motion Blur")  # a change of case is a rename
        assert store.image_tags(1) == {"motion Blur"}
    finally:
        store.close()


def test_merge_moves_assignments_without_duplicates(store):
    store.set_image_tags(1, ["blur", "occlusion"])
    store.set_image_tags(2, ["blur"])
    store.add_object_tag(1, "pred", 9, "blur")
    store.merge_tags("blur", "occlusion")
    assert store.all_image_tags() == {"1": {"occlusion"}, "2": {"occlusion"}}
    assert store.object_tags(1, "pred", 9) == {"occlusion"}
    assert "blur" not in store.vocabulary()
    assert store.events()[-1].kind == "tag_merged"
    store.add_image_tag(3, "blur")  # a new tag of the old name starts empty
    assert store.all_image_tags()["3"] == {"blur"}
    assert store.image_tags(2) == {"occlusion"}
    with pytest.raises(ValueError):
        store.merge_tags("cls", "CLS")


def test_removed_tag_hides_assignments_and_adding_it_back_restores_them(store):
    store.add_image_tag(1, "cls")
    store.add_object_tag(1, "gt", 2, "cls")
    store.remove_tag("cls")
    assert store.image_tags(1) == set()
    assert "cls" not in store.vocabulary()
    store.add_tag("cls", colour="#112233")
    assert store.image_tags(1) == {"cls"}
    assert store.object_tags(1, "gt", 2) == {"cls"}
    assert store.vocabulary()["cls"].colour == "#112233"


def test_tag_vocabulary_edits(store):
    with pytest.raises(ValueError, match="already used by tag 'blur'"):
        store.add_tag("fog", hotkey="1")
    with pytest.raises(ValueError, match="already exists"):
        store.add_tag(" BLUR ")
    store.update_tag("cls", position=0, hotkey="c", description="wrong class")
    store.update_tag("occlusion", hotkey=None)
    vocabulary = store.vocabulary()
    assert vocabulary.names() == ["cls", "blur", "occlusion"]
    assert vocabulary["cls"] == Tag("cls", colour_for_name("cls"), "c", "error type",
                                    "wrong class")
    assert vocabulary["occlusion"].hotkey is None
    with pytest.raises(KeyError):
        store.update_tag("missing", colour="#000000")
    with pytest.raises(TypeError):
        store.update_tag("cls", name="x")


# --- journal and history -------------------------------------------------------------------------
def test_journal_cursor_and_redo_tail_survive_reopening(store):
    a = store.append_command(1, "MoveBox", {"ann": 4, "old": [0, 0, 1, 1],
                                            "new": np.array([1.5, 0, 1, 1])})
    b = store.append_command(1, "DeleteBox", {"ann": 5})
    c = store.append_command(2, "AddBox", {"ann": 6})
    store.set_history_cursor(a)  # two undos
    store = reopen(store)
    try:
        assert store.history_cursor() == a
        assert [e.seq for e in store.applied_commands()] == [a]
        assert [e.seq for e in store.redo_commands()] == [b, c]
        assert store.journal()[0].payload == {"ann": 4, "old": [0, 0, 1, 1],
                                              "new": [1.5, 0, 1, 1]}
        store.set_history_cursor(b)  # one redo
        d = store.append_command(3, "AddBox", {"ann": 7})  # truncates the redo tail (c)
        assert [e.seq for e in store.journal()] == [a, b, d]
        everything = store.journal(include_discarded=True)
        assert [(e.seq, e.discarded) for e in everything] == [
            (a, False), (b, False), (c, True), (d, False)]
        assert store.history_cursor() == d
        moves = [(e.kind, e.subject, e.value) for e in store.events()
                 if e.kind in ("undo", "redo")]
        # one event per step: an undo names the command it undid, a redo the one it redid
        assert moves == [("undo", str(c), str(b)), ("undo", str(b), str(a)),
                         ("redo", str(a), str(b))]
    finally:
        store.close()


def test_history_cursor_only_points_at_active_commands(store):
    a = store.append_command(1, "A", {})
    b = store.append_command(1, "B", {})
    store.set_history_cursor(0)
    store.append_command(1, "C", {})  # a and b are discarded
    for bad in (a, b, 999):
        with pytest.raises(ValueError):
            store.set_history_cursor(bad)
    with pytest.raises(TypeError):
        store.append_command(1, "D", {"x": object()})
    assert [e.kind for e in store.journal()] == ["C"]


# --- transactions and the change log ------------------------------------------------------------
def test_transaction_is_all_or_nothing(store):
    with store.transaction():
        store.set_status(1, "reviewed")
        store.add_image_tag(1, "blur")
    n_events = len(store.events())
    with pytest.raises(RuntimeError), store.transaction():
        store.set_status(2, "reviewed")
        store.add_image_tag(2, "brand new")
        raise RuntimeError("user cancelled")
    assert store.statuses() == {"1": ReviewStatus.REVIEWED}
    assert "brand new" not in store.vocabulary()
    assert len(store.events()) == n_events


def test_change_log_lists_every_change_with_who_and_when(store):
    store.set_status(1, "reviewed")
    store.user = "bob"
    store.set_note(1, "checked")
    store.add_object_tag(1, "gt", 2, "blur")
    seq = store.append_command(1, "MoveBox", {})
    store.rename_tag("blur", "soft")
    log = [(e.who, e.kind, e.image_key, e.subject, e.value) for e in store.events()
           if e.kind != "tag_created"]
    assert log == [("alice", "status", "1", None, "reviewed"), ("bob", "note", "1", None, "checked"),
                   ("bob", "object_tag_added", "1", "gt:2", "blur"),
                   ("bob", "command", "1", str(seq), "MoveBox"),
                   ("bob", "tag_renamed", None, "blur", "soft")]
    last = store.events()[-1]
    assert store.events(since=last.event_id) == []
    assert [e.event_id for e in store.events()] == sorted(e.event_id for e in store.events())


# --- read-only and locking -------------------------------------------------------------------------
def test_read_only_store_refuses_writes_and_needs_an_existing_store(store, tmp_path):
    store.set_status(1, "reviewed")
    with open_review_store(where_of(store), read_only=True) as reader:
        assert reader.statuses() == {"1": ReviewStatus.REVIEWED}
        assert reader.read_only
        for write in (lambda: reader.set_status(1, "skipped"), lambda: reader.add_tag("x"),
                      lambda: reader.append_command(1, "A", {}),
                      lambda: reader.take_lease(["1"])):
            with pytest.raises(StoreReadOnlyError):
                write()
    if store.backend == "sqlite":
        elsewhere = tmp_path / "elsewhere"
    else:
        elsewhere = type(store.location)(store.location.url, store.location.schema + "_none")
    with pytest.raises(StoreError, match="no review store"):
        open_review_store(elsewhere, read_only=True)
    if store.backend == "sqlite":
        assert not elsewhere.exists()


def test_second_writer_in_the_same_process_is_refused_until_close(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_LOCK_WAIT", "0.2")
    store = open_review_store(tmp_path, user="alice", vocabulary=VOCABULARY)
    with pytest.raises(StoreLockedError) as caught:
        open_review_store(tmp_path)
    assert f"pid {os.getpid()} on host {socket.gethostname()}" in str(caught.value)
    store.close()
    with open_review_store(tmp_path) as again:
        assert again.status(1) is ReviewStatus.UNREVIEWED
    with pytest.raises(StoreError, match="closed"):
        store.status(1)


# --- files that are not an intact store -----------------------------------------------------------
def _refused(path, match, read_only=False) -> StoreError:
    before = path.read_bytes()
    with pytest.raises(StoreError, match=match) as caught:
        open_review_store(path.parent, read_only=read_only)
    assert caught.value.path == str(path)
    assert path.read_bytes() == before  # never reset, never rewritten
    return caught.value


@pytest.mark.parametrize("read_only", [False, True])
def test_a_file_that_is_not_sqlite_is_refused(tmp_path, read_only):
    path = tmp_path / "review.sqlite"
    path.write_text("status,image\nreviewed,1\n" * 100)
    _refused(path, "not an SQLite database", read_only)


def test_someone_elses_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "review.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos(id INTEGER)")
    conn.commit()
    conn.close()
    _refused(path, "not a Reviewer review store")


@pytest.mark.parametrize("read_only", [False, True])
def test_a_store_from_a_newer_reviewer_is_refused(tmp_path, read_only):
    store = open_review_store(tmp_path, user="alice", vocabulary=VOCABULARY)
    store.set_status(1, "reviewed")
    store.close()
    path = tmp_path / "review.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    error = _refused(path, "made by a newer Reviewer", read_only)
    assert str(error).startswith(str(path))


def _fill(store: ReviewStore, n: int) -> None:
    with store.transaction():
        for i in range(n):
            store.set_note(i, f"note {i} " + "x" * 200)
            store.add_image_tag(i, f"tag {i % 13}")


@pytest.mark.parametrize(("keep", "read_only"), [(0.5, False), (0.9, False), (0.5, True)])
def test_a_truncated_store_is_refused(tmp_path, keep, read_only):
    store = open_review_store(tmp_path, user="alice", vocabulary=VOCABULARY)
    _fill(store, 2000)
    store.close()
    path = tmp_path / "review.sqlite"
    assert not (tmp_path / "review.sqlite-wal").exists()  # all data in the main file
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(int(size * keep) // 4096 * 4096 + 1000)
    error = _refused(path, "damaged", read_only)
    assert "move it away" in str(error)


def test_an_empty_store_file_holds_no_review_and_becomes_a_new_store(tmp_path):
    path = tmp_path / "review.sqlite"
    path.write_bytes(b"")
    err = _refused(path, "empty file .0 bytes.: no review is recorded yet", read_only=True)
    assert "older Reviewer" not in str(err) and "damaged" not in str(err)
    with open_review_store(tmp_path) as store:
        store.set_status(1, "reviewed")
    with open_review_store(tmp_path, read_only=True) as store:
        assert store.status(1) is ReviewStatus.REVIEWED


def test_an_empty_store_beside_a_non_empty_wal_is_refused_as_truncated(tmp_path):
    path = tmp_path / "review.sqlite"
    path.write_bytes(b"")
    (tmp_path / "review.sqlite-wal").write_bytes(b"x" * 4096)
    _refused(path, "truncated")
