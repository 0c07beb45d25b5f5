"""The review window end to end on a copy of the sample project (pytest-qt, offscreen).

Settings are isolated per test (an INI file under tmp_path); dialogs are headless (recorded,
never shown); every wait is a signal or a condition, never a sleep.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from reviewer.app import build, install_excepthook
from reviewer.core.detection_scores import score_detection
from reviewer.core.problems import Problem
from reviewer.core.reports import rank
from reviewer.io.project import ProjectError
from reviewer.io.session import open_session
from reviewer.ui.dialogs.factory import HeadlessDialogs
from reviewer.ui.dialogs.new_project_dialog import create_project
from reviewer.ui.main_window import SIDE_BY_SIDE_PAGE
from reviewer.ui.workers import Cancelled

from . import conftest
from .conftest import LOAD_TIMEOUT, copy_sample


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_sample(tmp_path / "project")


@pytest.fixture
def open_window(qtbot, settings, project):
    """open_window(opener=None, dialogs=None) -> (window, controller), loaded and shown."""
    def make(opener=None, dialogs=None, wait=True):
        window, controller = _build(qtbot, settings, project, opener, dialogs, wait)
        return window, controller
    return make


def _build(qtbot, settings, project, opener=None, dialogs=None, wait=True):
    return conftest.open_window(qtbot, settings, project, opener, dialogs, wait)


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, key, modifier)


def _key(controller, row=None):
    return str(controller.image_id(controller.current if row is None else row))


def test_opens_with_worst_image_selected(open_window, project):
    window, c = open_window()
    with open_session(project, read_only=True) as oracle:
        worst = int(rank(oracle.data.table, "error")[0])
        expected_objects = len(oracle.document.image_scores(worst)[1].gt_status) + \
            len(oracle.document.image_scores(worst)[1].pred_status)
    assert c.current == worst
    assert window.table.selectionModel().currentIndex().row() == 0
    frame = window.canvas.frame()
    assert frame is c.frame and frame.image is not None
    assert frame.image.shape[2] == 3 and len(frame.objects) == expected_objects
    assert "0 of 48 reviewed" in window.reviewed_label.text()


def test_loading_runs_in_background_and_event_loop_keeps_running(qtbot, settings, project):
    release = threading.Event()
    ticks = []

    def slow_opener(path, progress):
        progress("loading", 0, 2)
        assert release.wait(20), "the GUI thread never ran while loading"
        return open_session(path, None, progress)

    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: (ticks.append(1), release.set() if len(ticks) > 3 else None))
    timer.start()
    window, c = _build(qtbot, settings, project, slow_opener, wait=False)
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        pass
    timer.stop()
    assert len(ticks) > 3 and c.session is not None


def test_cancel_loading(qtbot, settings, project):
    started = threading.Event()

    def endless(path, progress):
        started.set()
        deadline = time.monotonic() + 60  # ends only by cancellation (or the test fails)
        while time.monotonic() < deadline:
            progress("loading", 1, 2)
        raise AssertionError("never cancelled")

    window, c = _build(qtbot, settings, project, endless, wait=False)
    qtbot.waitUntil(lambda: started.is_set() and window.cancel_button.isVisible())
    with qtbot.waitSignal(c.loader.load_cancelled, timeout=10_000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert c.session is None and not window.cancel_button.isVisible()


def test_sort_by_clicking_a_header_both_ways(open_window, qtbot):
    window, c = open_window()
    header = window.table.horizontalHeader()
    col = c.model.column_of("fp")
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    fp = c.model.table["fp"]
    seen = []
    for _ in range(2):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=header.rect().center().__class__(x, header.height() // 2))
        assert c.model.sort_key == "fp"
        values = fp[c.model.order]
        assert np.all(np.diff(values) >= 0) if c.model.ascending else np.all(np.diff(values) <= 0)
        seen.append(c.model.ascending)
    assert seen[0] != seen[1]


def test_status_key_marks_reviewed_and_moves_on(open_window, qtbot):
    window, c = open_window()
    first, second = c.model.image_row(0), c.model.image_row(1)
    resets = []
    c.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(c.model.dataChanged):
        _press(qtbot, window, Qt.Key.Key_R)
    assert c.session.store.status(_key(c, first)).value == "reviewed"
    assert c.current == second
    assert window.table.selectionModel().currentIndex().row() == 1
    assert "1 of 48 reviewed" in window.reviewed_label.text()
    assert not resets
    _press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.session.store.status(_key(c, first)).value == "unreviewed"
    assert len(window.history_panel.labels()) == 2  # the undone command stays, for redo
    assert window.history_panel.list.currentRow() == 0
    _press(qtbot, window, Qt.Key.Key_Z,
           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert c.session.store.status(_key(c, first)).value == "reviewed"
    assert window.history_panel.list.currentRow() == 1


def test_tag_key_toggles_tag_in_store(open_window, qtbot):
    window, c = open_window()
    name = c.session.store.vocabulary().by_hotkey("1").name
    with qtbot.waitSignal(c.model.dataChanged):
        _press(qtbot, window, Qt.Key.Key_1)
    assert name in c.session.store.image_tags(_key(c))
    tags_col = c.model.column_of("tags")
    assert name in c.model.index(0, tags_col).data()
    assert len(window.history_panel.labels()) == 2
    _press(qtbot, window, Qt.Key.Key_1)
    assert name not in c.session.store.image_tags(_key(c))


def test_filter_by_status(open_window, qtbot):
    window, c = open_window()
    _press(qtbot, window, Qt.Key.Key_R)
    _press(qtbot, window, Qt.Key.Key_S)
    bar = window.filter_bar
    bar.status.setCurrentIndex(bar.status.findData("reviewed"))
    assert c.model.rowCount() == 1
    assert c.model.review.status[c.model.image_row(0)] == "reviewed"
    bar.status.setCurrentIndex(bar.status.findData("unreviewed"))
    assert c.model.rowCount() == 46
    bar.clear()
    assert c.model.rowCount() == 48


def test_view_modes_switch_with_keys(open_window, qtbot):
    window, c = open_window()
    _press(qtbot, window, Qt.Key.Key_B)
    assert window.canvas_stack.currentIndex() == SIDE_BY_SIDE_PAGE
    assert c.layers.view_mode == "side_by_side"
    assert window.side_by_side.views()[1].frame() is c.frame
    _press(qtbot, window, Qt.Key.Key_E)
    assert c.layers.view_mode == "errors" and window.canvas_stack.currentIndex() == 0
    assert c.actions["view_errors"].isChecked()
    _press(qtbot, window, Qt.Key.Key_O)
    assert c.layers.view_mode == "overlay"
    assert c.panels.layers.state().view_mode == "overlay"


def test_next_previous_and_next_unreviewed(open_window, qtbot):
    window, c = open_window()
    rows = [c.model.image_row(v) for v in range(3)]
    _press(qtbot, window, Qt.Key.Key_J)
    assert c.current == rows[1]
    _press(qtbot, window, Qt.Key.Key_Right)
    assert c.current == rows[2]
    _press(qtbot, window, Qt.Key.Key_K)
    assert c.current == rows[1]
    c.select_image(rows[0])
    _press(qtbot, window, Qt.Key.Key_R)  # rows[0] reviewed, now on rows[1]
    _press(qtbot, window, Qt.Key.Key_K)
    _press(qtbot, window, Qt.Key.Key_U)
    assert c.current == rows[1]


def test_reopen_restores_ranking_filter_position_and_review(qtbot, settings, project):
    window, c = _build(qtbot, settings, project)
    c.model.set_sort("fp", True)
    window.filter_bar.text.setText("street_0")
    window.filter_bar._emit()
    target = c.model.image_row(5)
    c.select_image(target)
    _press(qtbot, window, Qt.Key.Key_2)
    tag = c.session.store.vocabulary().by_hotkey("2").name
    _press(qtbot, window, Qt.Key.Key_N)
    after = c.current
    _press(qtbot, window, Qt.Key.Key_B)
    window.close()
    assert c.session is None

    window2, c2 = _build(qtbot, settings, project)
    assert (c2.model.sort_key, c2.model.ascending) == ("fp", True)
    assert c2.model.filter.text == "street_0" and window2.filter_bar.text.text() == "street_0"
    assert c2.current == after
    assert c2.layers.view_mode == "side_by_side"
    assert tag in c2.session.store.image_tags(_key(c2, target))
    assert c2.session.store.status(_key(c2, target)).value == "needs-second-look"
    assert c2.model.review.status[target] == "needs-second-look"
    assert len(c2.session.history.commands()) == 2


def test_problem_with_image_selects_it(open_window, qtbot):
    window, c = open_window()
    target = c.model.image_row(7)
    image_id = c.image_id(target)
    window.problems_panel.set_problems([
        Problem("annotations/x.json", "annotations[3]", "bbox width is negative"),
        Problem("annotations/x.json", "annotations[9]", "unknown category", image_id=image_id)])
    item = window.problems_panel.tree.topLevelItem(1)
    rect = window.problems_panel.tree.visualItemRect(item)
    window.docks["problems"].show()
    qtbot.mouseClick(window.problems_panel.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert c.current == target


def test_help_dialogs_go_through_the_factory(open_window, qtbot):
    dialogs = HeadlessDialogs()
    window, c = open_window(dialogs=dialogs)
    c.actions["shortcuts"].trigger()
    c.actions["about"].trigger()
    assert [d[0] for d in dialogs.shown] == ["shortcuts", "about"]
    for action in c.actions.values():
        assert action.toolTip()


def test_excepthook_shows_error_dialog(open_window, monkeypatch):
    import sys
    dialogs = HeadlessDialogs()
    window, c = open_window(dialogs=dialogs)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook(window, dialogs)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert dialogs.shown[-1][:2] == ("error", "Unexpected error") and "boom" in dialogs.shown[-1][2]


def test_unusable_project_reports_error(qtbot, settings, tmp_path):
    dialogs = HeadlessDialogs()
    window, c = build(str(tmp_path / "nothing"), settings, dialogs)
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.load_failed, timeout=LOAD_TIMEOUT) as blocker:
        pass
    assert "nothing" in blocker.args[0] and dialogs.shown[0][0] == "error"
    assert c.session is None


def test_new_project_validation(tmp_path, project):
    ann = project / "annotations"
    with pytest.raises(ProjectError):
        create_project(str(tmp_path / "new"), str(project / "images"), None,
                       {"gt": str(tmp_path / "no.json")})
    assert not (tmp_path / "new" / "reviewer.json").exists()
    file = create_project(str(tmp_path / "new"), str(project / "images"), None,
                          {"gt": str(ann / "instances_gt.json"),
                           "pred": str(ann / "predictions.json")})
    assert file.is_file()
    with pytest.raises(ProjectError, match="exists"):
        create_project(str(tmp_path / "new"), str(project / "images"), None,
                       {"gt": str(ann / "instances_gt.json")})


def test_cancelled_job_is_reported(qtbot):
    from concurrent.futures import ThreadPoolExecutor

    from reviewer.ui.workers import Job
    pool = ThreadPoolExecutor(1)

    def fn(progress):
        while True:
            progress("x", 0, 1)

    job = Job(fn)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start(pool)
        job.cancel()
    pool.shutdown(wait=True)
    with pytest.raises(Cancelled):
        job.progress("x", 0, 1)


def test_switch_task_reopens_the_project_on_its_segmentation_masks(open_window, qtbot):
    window, c = open_window()
    assert c.session.data.task == "detection"
    assert c.actions["task_detection"].isChecked() and c.actions["task_segmentation"].isEnabled()
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        c.actions["task_segmentation"].trigger()
    assert c.session.data.task == "segmentation"
    assert c.actions["task_segmentation"].isChecked()
    assert "miou" in c.model.table and c.current is not None
    assert c.frame.semantic_gt is not None


def test_score_threshold_slider_rescores_the_table_in_the_background(open_window, qtbot):
    window, c = open_window()
    doc = c.session.document
    assert c.layers.score_threshold == doc.params.score_threshold == 0.5
    oracle = score_detection(doc.dataset(), replace(doc.params, score_threshold=0.9))
    with qtbot.waitSignal(c.rescorer.applied, timeout=LOAD_TIMEOUT):
        c.apply_layers(replace(c.layers, score_threshold=0.9))
    assert doc.params.score_threshold == 0.9
    np.testing.assert_array_equal(doc.table["fp"], oracle.per_image["fp"])
    np.testing.assert_array_equal(c.model.table["tp"], oracle.per_image["tp"])
    shown = [o for o in c.frame.objects if o.source == "pred" and o.status in ("tp", "fp")]
    assert all(o.score >= 0.9 for o in shown)
