"""Several reviewers on one store (both backends; two live sessions need PostgreSQL): per-author
undo, conflicts (never applied over someone else's change), annotation ids, assignments, leases
that two reviewers never share, progress per person."""

from __future__ import annotations

import threading

import pytest

from reviewer.core.tags import TagVocabulary
from reviewer.core.targets import target_key
from reviewer.io.store import ReviewStatus, open_review_store
from reviewer.io.store_base import StoreConflictError
from tests.io.conftest import where_of

X, Y, Z = target_key("gt", 1, 10), target_key("gt", 1, 11), target_key("status", 2)


@pytest.fixture
def store(store_where):
    with open_review_store(store_where, user="alice", vocabulary=TagVocabulary()) as opened:
        yield opened


def as_user(store, who: str):
    """Act as another author in the same session (a SQLite store has one writer at a time)."""
    store.user = who
    return store


def test_undo_and_redo_are_per_author(store):
    a = store.append_command(1, "A", {"n": 1}, [X])
    b = as_user(store, "bob").append_command(1, "B", {"n": 2}, [Y])
    c = as_user(store, "alice").append_command(2, "C", {"n": 3}, [Z])
    assert store.history_cursor() == c
    store.undo_command(c)
    store.undo_command(a)
    assert [e.seq for e in store.redo_commands()] == [a, c]
    assert [e.seq for e in store.applied_commands()] == [b]  # everyone's applied commands
    bob = as_user(store, "bob")
    assert bob.history_cursor() == b and bob.redo_commands() == []
    with pytest.raises(ValueError, match="only its author"):
        bob.redo_command(a)
    d = bob.append_command(3, "D", {}, [])  # bob's new command keeps alice's redo stack
    alice = as_user(store, "alice")
    assert [e.seq for e in alice.redo_commands()] == [a, c]
    alice.redo_command(a)
    e = alice.append_command(3, "E", {}, [])  # alice's new command discards her redo tail (c)
    assert [(j.seq, j.discarded) for j in store.journal(include_discarded=True)] == [
        (a, False), (b, False), (c, True), (d, False), (e, False)]
    undo_events = [(ev.who, ev.kind, ev.subject, ev.value) for ev in store.events()
                   if ev.kind in ("undo", "redo")]
    assert undo_events == [("alice", "undo", str(c), str(a)), ("alice", "undo", str(a), "0"),
                           ("alice", "redo", "0", str(a))]


def test_undo_is_refused_while_someone_elses_later_command_touches_its_target(store):
    a = store.append_command(1, "Move", {}, [X])
    b = as_user(store, "bob").append_command(1, "Move", {}, [X, Y])
    alice = as_user(store, "alice")
    with pytest.raises(StoreConflictError) as caught:
        alice.undo_command(a)
    assert "object 10 of image 1 was changed by bob at" in str(caught.value)
    assert str(caught.value).endswith("UTC — reload or keep yours")
    assert (caught.value.who, caught.value.target) == ("bob", X)
    assert alice.history_cursor() == a  # nothing changed
    as_user(store, "bob").undo_command(b)  # bob's change is gone: alice may undo hers
    as_user(store, "alice").undo_command(a)
    assert store.applied_commands() == []


def test_redo_is_refused_when_the_target_changed_since_the_undo(store):
    a = store.append_command(1, "Move", {}, [X])
    store.undo_command(a)
    as_user(store, "bob").append_command(1, "Move", {}, [X])
    with pytest.raises(StoreConflictError, match="changed by bob"):
        as_user(store, "alice").redo_command(a)
    assert [e.seq for e in store.redo_commands()] == [a]


def test_only_the_last_own_command_can_be_undone(store):
    a = store.append_command(1, "A", {}, [X])
    store.append_command(1, "B", {}, [Y])
    with pytest.raises(StoreConflictError, match="not your last one"):
        store.undo_command(a)


def test_annotation_ids_are_never_handed_out_twice(store):
    got = [store.allocate_id(1000) for _ in range(40)]
    assert got == list(range(1000, 1040))
    assert store.allocate_id(5) > 1039  # the floor only raises the counter
    assert store.allocate_id(5000) == 5000


def test_assign_and_progress_per_person(store):
    assert store.assign(["1", "2", "3"], "bob") == 3
    assert store.assign(["3"], "bob") == 0  # unchanged
    store.assign([4], "carol")
    store.assign([2], None)
    assert store.assignments() == {"1": "bob", "3": "bob", "4": "carol"}
    as_user(store, "bob").set_status(1, "reviewed")
    store.set_status(3, "skipped")
    store.set_status(9, "reviewed")
    as_user(store, "alice").set_status(5, "reviewed")
    store.append_command(5, "A", {}, [])
    got = {p.who: (p.statuses, p.assigned, p.assigned_done, p.commands) for p in store.progress()}
    assert got == {"alice": ({"reviewed": 1}, 0, 0, 1),
                   "bob": ({"reviewed": 2, "skipped": 1}, 2, 2, 0),
                   "carol": ({}, 1, 0, 0)}
    only = {p.who: p.reviewed for p in store.progress(["1", "4"])}
    assert only == {"bob": 1, "carol": 0}
    assert [(e.kind, e.image_key, e.value) for e in store.events() if e.kind == "assigned"] == [
        ("assigned", "1", "bob"), ("assigned", "2", "bob"), ("assigned", "3", "bob"),
        ("assigned", "4", "carol"), ("assigned", "2", "")]


def test_next_image_lease_skips_reviewed_others_work_and_expires(store):
    store.set_status("a", "reviewed")
    store.assign(["b"], "bob")
    store.assign(["d"], "alice")
    lease = store.take_lease(["a", "b", "c", "d"])
    assert lease.image_key == "d" and lease.who == "alice"  # own assignments first
    assert store.take_lease(["a", "b", "c", "d"]).image_key == "d"  # still mine
    store.set_status("d", "reviewed")
    assert store.take_lease(["a", "b", "c", "d"]).image_key == "c"
    assert [(x.image_key, x.who) for x in store.leases()] == [("c", "alice")]  # d released
    store.release_lease()
    assert store.leases() == []
    assert store.take_lease(["a", "b"]) is None
    assert store.take_lease(["c"], minutes=-1).image_key == "c"
    assert store.leases() == []  # expired at once


def test_statuses_count_for_who_set_them_last(store):
    store.set_status(1, "reviewed")
    as_user(store, "bob").set_status(1, ReviewStatus.NEEDS_SECOND_LOOK)
    store.set_note(1, "bob only wrote a note")
    review = store.image_review(1)
    assert (review.status, review.who) == (ReviewStatus.NEEDS_SECOND_LOOK, "bob")
    assert {p.who: p.statuses for p in store.progress()} == {"bob": {"needs-second-look": 1}}


# --- two sessions at once (a server store) -----------------------------------------------------
@pytest.fixture
def pair(pg_location):
    alice = open_review_store(pg_location, user="alice", vocabulary=TagVocabulary())
    bob = open_review_store(pg_location, user="bob")
    yield alice, bob
    alice.close()
    bob.close()


def test_a_command_on_a_target_changed_by_another_session_is_refused_until_caught_up(pair):
    alice, bob = pair
    alice.append_command(1, "Move", {"to": 1}, [X])
    with pytest.raises(StoreConflictError, match="object 10 of image 1 was changed by alice"):
        bob.append_command(1, "Move", {"to": 2}, [X])
    bob.append_command(1, "Relabel", {}, [Y])  # another object: no conflict
    bob.horizon = bob.last_event_id()  # bob's window caught up (saw alice's move)
    bob.append_command(1, "Move", {"to": 2}, [X])
    assert [e.who for e in alice.applied_commands()] == ["alice", "bob", "bob"]
    with pytest.raises(StoreConflictError, match="changed by bob"):
        alice.undo_command(alice.history_cursor())


def test_same_author_in_two_windows_shares_one_undo_stack(pg_location):
    one = open_review_store(pg_location, user="alice", vocabulary=TagVocabulary())
    two = open_review_store(pg_location, user="alice")
    try:
        a = one.append_command(1, "A", {}, [X])
        b = two.append_command(1, "B", {}, [Y])
        with pytest.raises(StoreConflictError, match="newer command in another window"):
            one.undo_command(a)
        one.undo_command(b)  # "you undo your own last command", whichever window made it
        assert one.history_cursor() == two.history_cursor() == a
    finally:
        one.close()
        two.close()


def test_concurrent_next_image_requests_never_get_the_same_image(pg_location):
    stores = [open_review_store(pg_location, user=f"r{i}", vocabulary=TagVocabulary())
              for i in range(8)]
    candidates = [f"img{i}" for i in range(12)]
    start = threading.Barrier(len(stores))
    got: dict[int, str | None] = {}

    def ask(i: int) -> None:
        start.wait()
        lease = stores[i].take_lease(candidates)
        got[i] = None if lease is None else lease.image_key

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert len(got) == len(stores) and None not in got.values()
        assert len(set(got.values())) == len(stores)
        assert {x.image_key: x.who for x in stores[0].leases()} == {
            key: f"r{i}" for i, key in got.items()}
    finally:
        for s in stores:
            s.close()


def test_annotation_ids_are_unique_across_sessions(pair):
    alice, bob = pair
    ids = [alice.allocate_id(100) for _ in range(20)] + [bob.allocate_id(100) for _ in range(20)]
    ids += [alice.allocate_id(100) for _ in range(20)]
    assert len(set(ids)) == len(ids)


def test_a_reopened_store_keeps_the_state_of_every_author(store):
    a = store.append_command(1, "A", {}, [X])
    as_user(store, "bob").append_command(1, "B", {}, [Y])
    as_user(store, "alice").undo_command(a)
    store.close()
    with open_review_store(where_of(store), user="alice") as again:
        assert [e.seq for e in again.redo_commands()] == [a]
        assert [e.who for e in again.applied_commands()] == ["bob"]


def _at_once(stores, action) -> list:
    """Run ``action(store)`` in one thread per store, released together; results or errors."""
    start = threading.Barrier(len(stores))
    out: list = [None] * len(stores)

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = action(stores[i])
        except Exception as exc:  # collected for the test to look at
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def test_of_many_sessions_editing_one_target_at_once_exactly_one_wins(pg_location):
    stores = [open_review_store(pg_location, user=f"r{i}", vocabulary=TagVocabulary())
              for i in range(8)]
    try:
        results = _at_once(stores, lambda s: s.append_command(1, "Move", {"who": s.user}, [X]))
        wins = [r for r in results if isinstance(r, int)]
        assert len(wins) == 1
        assert all(isinstance(r, StoreConflictError) for r in results if r not in wins)
        assert len(stores[0].journal()) == 1
        names = _at_once(stores, lambda s: s.add_image_tag(s.user, "brand new"))
        assert names == [None] * len(stores)  # the new tag is made once, by whoever came first
        assert [t.name for t in stores[0].tags()] == ["brand new"]
    finally:
        for s in stores:
            s.close()
