"""Two review windows on one PostgreSQL store (alice and bob, one process, pytest-qt): live
refresh of rows, canvas and counts within a second, two reviewers moving one box (reload / keep
mine), "next image for me" leases, progress per person, a dropped listener connection, and the
password prompt (these need $REVIEWER_TEST_PG_DSN; .ci/run starts a server); and the reviewer's
name in a local project."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings

from reviewer.app import build
from reviewer.core import edits
from reviewer.io.session import open_session
from reviewer.io.store_base import StorePasswordError
from reviewer.io.store_url import remembered_password
from reviewer.ui.dialogs.factory import HeadlessDialogs
from reviewer.ui.settings import Settings

from .conftest import copy_sample

LOAD_TIMEOUT = 30_000
LIVE = 1_000  # ms: other windows show a change within a second


@pytest.fixture
def project(tmp_path, pg_location):
    dst = copy_sample(tmp_path / "project")
    config = json.loads((dst / "reviewer.json").read_text())
    config["store"] = {"url": pg_location.url, "schema": pg_location.schema}
    (dst / "reviewer.json").write_text(json.dumps(config))
    return dst


def _window(qtbot, tmp_path, project, user: str, dialogs=None):
    settings = Settings(QSettings(str(tmp_path / f"{user}.ini"), QSettings.Format.IniFormat))

    def opener(path, progress, task=None):
        return open_session(path, task, progress, user=user)

    window, c = build(str(project), settings, dialogs or HeadlessDialogs(), opener)
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        pass
    return window, c


@pytest.fixture
def pair(qtbot, tmp_path, project):
    alice = _window(qtbot, tmp_path, project, "alice", HeadlessDialogs({"conflict": "keep"}))
    bob = _window(qtbot, tmp_path, project, "bob", HeadlessDialogs({"conflict": "reload"}))
    qtbot.waitUntil(lambda: alice[1].team.listener.isRunning()
                    and bob[1].team.listener.isRunning())
    yield alice, bob
    for window, _ in (alice, bob):
        window.close()


def gt_ids(c, row: int) -> set[int]:
    doc = c.session.document
    return set(doc.gt.ids[doc.gt.image_index == row].tolist())


def test_a_status_and_a_deleted_object_reach_the_other_window_within_a_second(pair, qtbot):
    (wa, a), (wb, b) = pair
    row = a.current
    b.select_image(row)
    a.mark_status("reviewed")
    qtbot.waitUntil(lambda: b.model.review.status[row] == "reviewed", timeout=LIVE)
    assert wb.reviewed_label.text() == f"1 of {len(b.model.review)} reviewed"
    a.select_image(row)
    ann = min(gt_ids(a, row))
    old_frame = b.frame
    a.execute(edits.delete(a.session.document, ann))
    qtbot.waitUntil(lambda: ann not in gt_ids(b, row), timeout=LIVE)
    qtbot.waitUntil(lambda: b.frame is not old_frame, timeout=LIVE)
    shown = {o.ann_id for o in b.frame.objects if o.source == "gt"}
    assert shown == gt_ids(b, row) == gt_ids(a, row)  # bob's canvas draws alice's GT
    for col in ("gt", "fn", "fp", "error"):
        assert b.session.document.table[col][row] == a.session.document.table[col][row]
    assert b.model.review.corrected[row]


def test_two_reviewers_move_one_box_keep_mine_then_reload(pair, qtbot):
    (wa, a), (wb, b) = pair
    row = a.current
    ann = min(gt_ids(a, row))
    original = a.session.document.gt_object(ann)["bbox"]
    a_move = edits.move_box(a.session.document, ann, [1.0, 1.0, 20.0, 20.0])
    b_move = edits.move_box(b.session.document, ann, [40.0, 40.0, 10.0, 10.0])
    assert b.execute(b_move)  # bob first
    assert a.execute(a_move)  # alice had not seen bob's: she is asked, and keeps hers
    kinds = [s[0] for s in a.dialogs.shown]
    assert kinds == ["conflict"]
    assert "was changed by bob at" in a.dialogs.shown[0][1]
    assert a.session.document.gt_object(ann)["bbox"] == [1.0, 1.0, 20.0, 20.0]
    qtbot.waitUntil(lambda: b.session.document.gt_object(ann)["bbox"] == [1.0, 1.0, 20.0, 20.0],
                    timeout=LIVE)
    assert a.session.history.commands()[-1].before["bbox"] == [40.0, 40.0, 10.0, 10.0]
    b_again = edits.move_box(b.session.document, ann, [5.0, 5.0, 5.0, 5.0])
    a_again = edits.move_box(a.session.document, ann, [6.0, 6.0, 6.0, 6.0])
    assert a.execute(a_again)
    assert not b.execute(b_again)  # bob is asked too, and reloads: alice's box stays
    assert [s[0] for s in b.dialogs.shown] == ["conflict"]
    assert b.session.document.gt_object(ann)["bbox"] == [6.0, 6.0, 6.0, 6.0]
    assert original != [6.0, 6.0, 6.0, 6.0]


def test_next_image_for_me_gives_two_reviewers_different_images(pair, qtbot):
    (wa, a), (wb, b) = pair
    a.actions["next_for_me"].trigger()
    b.actions["next_for_me"].trigger()
    first_a, first_b = a.current, b.current
    assert first_a != first_b
    assert a.model.view_row(first_a) == 0  # alice got the worst image
    leases = {x.image_key: x.who for x in a.session.store.leases()}
    assert leases == {a.model.review.keys[first_a]: "alice", b.model.review.keys[first_b]: "bob"}
    a.mark_status("reviewed")  # moves on to alice's next free image, never bob's
    assert a.current not in (first_a, first_b) and a.team.lease_mode
    assert a.model.review.status[a.current] == "unreviewed"
    qtbot.waitUntil(lambda: "alice 1" in wb.team_label.text(), timeout=LIVE)
    assert not wb.team_label.isHidden()
    assert wb.team_label.text() == "you 0 · alice 1 reviewed"


def test_the_listener_reconnects_and_changes_flow_again(pair, qtbot):
    import psycopg
    (wa, a), (wb, b) = pair
    listener = b.team.listener
    pid = listener.source._conn.info.backend_pid
    with qtbot.waitSignal(listener.connection_back, timeout=10_000), \
            psycopg.connect(a.session.store.location.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    row = a.current
    a.mark_status("skipped")
    qtbot.waitUntil(lambda: b.model.review.status[row] == "skipped", timeout=LIVE)


def test_a_server_asking_for_a_password_gets_it_from_a_prompt(qtbot, tmp_path, project):
    calls = []

    def opener(path, progress, task=None):
        calls.append(remembered_password(json.loads(
            (project / "reviewer.json").read_text())["store"]["url"]))
        if len(calls) == 1:
            raise StorePasswordError("server", "the server asks for a password")
        return open_session(path, task, progress, user="carol")

    settings = Settings(QSettings(str(tmp_path / "carol.ini"), QSettings.Format.IniFormat))
    dialogs = HeadlessDialogs({"password": "s3cret"})
    window, c = build(str(project), settings, dialogs, opener)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
            pass
        assert [d[0] for d in dialogs.shown] == ["password"]
        assert calls == [None, "s3cret"]  # kept in memory for the retry, never in the file
        assert "s3cret" not in (project / "reviewer.json").read_text()
        assert c.session.store.user == "carol"
    finally:
        window.close()


def test_progress_and_identity_in_a_local_project(qtbot, tmp_path, settings, monkeypatch):
    """A SQLite project: no listener; the name set in the window is recorded with changes."""
    monkeypatch.delenv("REVIEWER_USER", raising=False)
    project = copy_sample(tmp_path / "local")
    dialogs = HeadlessDialogs({"user_name": "Dana"})
    window, c = build(str(project), settings, dialogs)
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        pass
    assert c.team.listener is None
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        c.actions["set_user_name"].trigger()  # reopens the project as Dana
    assert c.session.store.user == "Dana" and settings.user_name() == "Dana"
    c.mark_status("reviewed")
    assert [e.who for e in c.session.store.events() if e.kind == "status"] == ["Dana"]
    assert c.window.team_label.isHidden()  # one person: "N of M reviewed" says it all
    window.close()
    with open_session(project, read_only=True) as again:
        assert [p.who for p in again.store.progress()] == ["Dana"]
