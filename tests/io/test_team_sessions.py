"""Two reviewers' sessions on one server store (the sample project on PostgreSQL): two authors
edit one box, catching up, per-author undo, ids of new objects, keep yours, a dropped
connection. Documents are compared with a fresh session's replay of the journal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer.core import commands as C
from reviewer.core import edits
from reviewer.io import team
from reviewer.io.session import open_session
from reviewer.io.store_base import StoreConflictError

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


def shared_copy(dst: Path, location) -> Path:
    """A copy of the sample project whose review store is ``location`` (a server schema)."""
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("review.sqlite*", "*.py",
                                                               "__pycache__"))
    config = json.loads((dst / "reviewer.json").read_text())
    config["store"] = {"url": location.url, "schema": location.schema}
    (dst / "reviewer.json").write_text(json.dumps(config))
    return dst


@pytest.fixture
def project(tmp_path, pg_location):
    return shared_copy(tmp_path / "sample", pg_location)


@pytest.fixture
def pair(project):
    alice = open_session(project, user="alice")
    bob = open_session(project, user="bob")
    yield alice, bob
    alice.close()
    bob.close()


def same_gt(a, b) -> None:
    np.testing.assert_array_equal(a.document.gt.ids, b.document.gt.ids)
    np.testing.assert_array_equal(a.document.gt.boxes, b.document.gt.boxes)
    np.testing.assert_array_equal(a.document.gt.category_index, b.document.gt.category_index)
    for col in ("tp", "fp", "fn", "error"):
        np.testing.assert_array_equal(a.document.table[col], b.document.table[col])


def plain(value):
    return value.item() if hasattr(value, "item") else value


def first_object(session) -> dict:
    return session.document.gt_object(int(session.document.gt.ids[0]))


def test_two_authors_edit_one_box_the_second_is_refused_then_keeps_theirs(pair, project):
    alice, bob = pair
    obj = first_object(alice)
    ann, image = obj["id"], obj["image_id"]
    alice_move = edits.move_box(alice.document, ann, [10.0, 10.0, 40.0, 30.0])
    bob_move = edits.move_box(bob.document, ann, [50.0, 50.0, 20.0, 20.0])
    team.execute(alice, alice_move)
    with pytest.raises(StoreConflictError) as caught:
        team.execute(bob, bob_move)
    name = alice.data.table["file_name"][alice.document.image_row(image)]
    assert str(caught.value).split(": ", 1)[1].startswith(  # images named by their file
        f"object {ann} of image {name} was changed by alice at ")
    assert bob.document.gt_object(ann)["bbox"] == obj["bbox"]  # nothing applied over alice's
    assert [e.who for e in bob.store.applied_commands()] == ["alice"]

    assert team.keep_mine(bob, bob_move)  # catches up with alice's move, then moves it again
    assert bob.document.gt_object(ann)["bbox"] == [50.0, 50.0, 20.0, 20.0]
    assert bob.history.commands()[-1].before["bbox"] == [10.0, 10.0, 40.0, 30.0]
    caught_up = team.catch_up(alice)
    assert caught_up.images == {str(image)}
    assert alice.document.gt_object(ann)["bbox"] == [50.0, 50.0, 20.0, 20.0]
    with pytest.raises(StoreConflictError, match="changed by bob"):
        team.undo(alice)  # alice's move is under bob's: her undo would erase it
    team.undo(bob)  # bob's undo gives alice's box back
    team.catch_up(alice)
    assert alice.document.gt_object(ann)["bbox"] == [10.0, 10.0, 40.0, 30.0]
    with open_session(project, user="carol") as fresh:  # a restart replays everyone's work
        same_gt(fresh, alice)
        same_gt(fresh, bob)


def test_catching_up_brings_other_reviewers_corrections_and_review_state(pair):
    alice, bob = pair
    doc = alice.document
    i = int(np.argmax(doc.table["fn"]))
    image = plain(doc.base.images.ids[i])
    team.execute(alice, C.SetStatus(image, "unreviewed", "reviewed"))
    team.execute(alice, C.SetImageTags(image, (), ("occlusion",)))
    gone = int(doc.gt.ids[doc.gt.image_index == i][0])
    team.execute(alice, edits.delete(doc, gone))
    added = edits.add_box(doc, i, int(doc.base.categories.ids[0]), [1, 2, 30, 40])
    team.execute(alice, added)
    result = team.catch_up(bob)
    assert result.images == {str(image)} and result.events >= 4 and not result.own_history
    assert bob.store.status(image).value == "reviewed"
    assert bob.store.image_tags(image) == {"occlusion"}
    same_gt(alice, bob)
    assert team.catch_up(bob).events == 0  # nothing new


def test_undo_is_per_author_and_new_objects_get_distinct_ids(pair):
    alice, bob = pair
    i = 0
    cat = int(alice.document.base.categories.ids[0])
    a = edits.add_box(alice.document, i, cat, [5, 5, 20, 20])
    b = edits.add_box(bob.document, i, cat, [50, 50, 20, 20])  # both documents asked for an id
    assert a.obj["id"] != b.obj["id"]
    team.execute(alice, a)
    team.execute(bob, b)
    team.catch_up(alice)
    team.undo(alice)  # alice's own last command, not bob's later one
    assert a.obj["id"] not in alice.document.gt.ids.tolist()
    assert b.obj["id"] in alice.document.gt.ids.tolist()
    team.catch_up(bob)
    same_gt(alice, bob)
    assert bob.history.undo_labels() == ["add object"] and not alice.history.can_undo
    assert alice.history.redo_labels() == ["add object"]


def test_one_author_in_two_windows_undoes_their_last_command_wherever_it_was_made(project):
    with open_session(project, user="alice") as one, open_session(project, user="alice") as two:
        image = plain(one.document.base.images.ids[0])
        team.execute(one, C.SetStatus(image, "unreviewed", "skipped"))
        with pytest.raises(StoreConflictError):  # window two has not seen window one's change
            team.execute(two, C.SetStatus(image, "unreviewed", "reviewed"))
        team.catch_up(two)
        team.execute(two, C.SetStatus(image, "skipped", "reviewed"))
        result = team.catch_up(one)
        assert result.own_history and one.history.index == 2
        team.undo(one)
        assert one.store.status(image).value == "skipped"
        assert team.catch_up(two).own_history
        assert two.history.undo_labels() == ["set status"]
        assert two.history.redo_labels() == ["set status"]


def test_a_dropped_connection_is_reconnected_and_the_command_saved_once(pair):
    import psycopg
    alice, bob = pair
    image = plain(alice.document.base.images.ids[3])
    pid = alice.store._conn().info.backend_pid
    with psycopg.connect(alice.store.location.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    result = team.execute(alice, C.SetStatus(image, "unreviewed", "needs-second-look"))
    assert result is not None  # it had to reconnect
    commands = [e for e in bob.store.journal() if e.kind == "set_status"]
    assert [(e.who, e.payload["after"]) for e in commands] == [("alice", "needs-second-look")]
    assert alice.history.undo_labels() == ["set status"]
