"""The keyboard flow of a review: Enter on a new tag gives the image the keyboard back, new tags
take the next free number key, moving a tag moves its key, and several selected images get a
status or a tag as one history entry (undo / redo as one). Real windows on copies of the sample
project (pytest-qt, offscreen); the review store is the oracle; no sleeps.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer.core.commands import Macro, SetImageTags, SetStatus
from reviewer.io.session import open_session

from .conftest import copy_sample, open_window

NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def project(tmp_path):
    return copy_sample(tmp_path / "project")


@pytest.fixture
def app(qtbot, settings, project):
    window, c = open_window(qtbot, settings, project)
    window.canvas.setFocus()
    return window, c


def _key(c, row) -> str:
    return str(c.image_id(row))


def _status(c, row) -> str:
    return c.session.store.status(_key(c, row)).value


# --- focus after a new tag --------------------------------------------------------------------
def test_enter_on_a_new_tag_returns_the_keyboard_to_the_image(app, qtbot):
    window, c = app
    first, second = c.current, c.model.image_row(1)
    field = c.panels.tags.new_tag_edit
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    QTest.keyClicks(field, "rain")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert "rain" in c.session.store.image_tags(_key(c, first))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.canvas)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_R)  # straight on, no click
    assert _status(c, first) == "reviewed"
    assert c.current == second
    assert field.text() == ""


# --- number keys of new and moved tags --------------------------------------------------------
def test_a_new_tag_gets_the_next_free_number_key(app, qtbot):
    window, c = app
    store = c.session.store
    store.update_tag("blur", hotkey=None)  # frees 3
    c.panels._refresh_vocabulary()
    field = c.panels.tags.new_tag_edit
    field.setFocus()
    QTest.keyClicks(field, "glare")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert {r.name: r.hotkey for r in store.tags()}["glare"] == "3"
    assert c.panels.tags.image_list.item_for("glare").text(1) == "3"
    c.panels.tags.image_list.toggle("glare", False)  # untag, then the key tags again
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_3)
    assert "glare" in store.image_tags(_key(c, c.current))
    QTest.keyClicks(field, "fog")  # all nine keys taken now: no key
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert {r.name: r.hotkey for r in store.tags()}["fog"] is None


def test_moving_a_tag_moves_its_key_and_is_kept_in_the_store(app, qtbot, project):
    window, c = app
    tags_list = c.panels.tags.image_list
    before = [r.name for r in c.session.store.tags()]
    assert before[-2:] == ["label wrong", "ambiguous"]
    tags_list.setFocus()
    tags_list.select_name("ambiguous")
    QTest.keyClick(tags_list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    keys = {r.name: r.hotkey for r in c.session.store.tags()}
    assert keys["ambiguous"] == "9" and keys["label wrong"] is None
    assert [r.name for r in c.session.store.tags()][-2:] == ["ambiguous", "label wrong"]
    assert tags_list.item_for("ambiguous").text(1) == "9"
    assert tags_list.currentItem() is tags_list.item_for("ambiguous")  # keeps the keyboard
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_9)
    assert "ambiguous" in c.session.store.image_tags(_key(c, c.current))
    QTest.keyClick(tags_list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    tags_list.select_name("poor lighting")  # first of its group: cannot go up
    QTest.keyClick(tags_list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    window.close()
    with open_session(project, read_only=True) as session:
        keys = {r.name: r.hotkey for r in session.store.tags()}
        order = [r.name for r in session.store.tags()]
    assert order == before and keys["label wrong"] == "9" and keys["ambiguous"] is None


# --- several images ---------------------------------------------------------------------------
def _select_view_rows(window, c, view_rows) -> list[int]:
    """Ctrl+click the rows as a user does; returns their image rows."""
    table = window.table
    for i, v in enumerate(view_rows):
        rect = table.visualRect(c.model.index(v, 0))
        mod = NO_MOD if i == 0 else Qt.KeyboardModifier.ControlModifier
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, mod, rect.center())
    return [c.model.image_row(v) for v in view_rows]


def test_status_key_on_several_selected_images_is_one_history_entry(app, qtbot):
    window, c = app
    rows = _select_view_rows(window, c, [1, 3, 4])
    assert sorted(c.selection.rows()) == sorted(rows)
    others = [c.model.image_row(v) for v in (0, 2, 5)]
    n = c.session.history.index
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_R)
    assert c.session.history.index == n + 1
    command = c.session.history.commands()[-1]
    assert isinstance(command, Macro) and len(command.children) == 3
    assert all(isinstance(ch, SetStatus) for ch in command.children)
    assert [_status(c, r) for r in rows] == ["reviewed"] * 3
    assert [_status(c, r) for r in others] == ["unreviewed"] * 3
    assert all(c.model.review.status[r] == "reviewed" for r in rows)  # the table follows
    c.undo()
    assert [_status(c, r) for r in rows] == ["unreviewed"] * 3
    assert c.session.history.index == n
    c.redo()
    assert [_status(c, r) for r in rows] == ["reviewed"] * 3


def test_tag_key_on_several_selected_images_adds_to_all_then_removes_from_all(app, qtbot):
    window, c = app
    rows = _select_view_rows(window, c, [0, 2, 6, 7])
    store = c.session.store
    n = c.session.history.index
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_2)  # "occlusion"
    assert c.session.history.index == n + 1
    command = c.session.history.commands()[-1]
    assert isinstance(command, Macro) and all(isinstance(ch, SetImageTags)
                                              for ch in command.children)
    assert all("occlusion" in store.image_tags(_key(c, r)) for r in rows)
    QTest.keyClick(window.table, Qt.Key.Key_2)  # again: off everywhere, one more entry
    assert c.session.history.index == n + 2
    assert not any("occlusion" in store.image_tags(_key(c, r)) for r in rows)
    c.undo()
    assert all("occlusion" in store.image_tags(_key(c, r)) for r in rows)
    c.undo()
    assert not any("occlusion" in store.image_tags(_key(c, r)) for r in rows)
    c.redo()
    assert all("occlusion" in store.image_tags(_key(c, r)) for r in rows)
    assert all("occlusion" in c.model.review.tags[r] for r in rows)


def test_ctrl_a_on_a_filtered_view_sets_the_status_of_exactly_those_images(app, qtbot):
    window, c = app
    with qtbot.waitSignal(c.model.ranking_changed):
        window.filter_bar.text.setText("street_01")
    shown = [c.model.image_row(v) for v in range(c.model.rowCount())]
    assert 1 < len(shown) < 48
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert sorted(c.selection.rows()) == sorted(shown)
    n = c.session.history.index
    QTest.keyClick(window.table, Qt.Key.Key_S)
    assert c.session.history.index == n + 1
    statuses = c.model.review.status
    assert {statuses[r] for r in shown} == {"skipped"}
    assert sum(s == "skipped" for s in statuses) == len(shown)
    assert f"{len(shown)} images marked skipped" in window.statusBar().currentMessage()


def test_one_selected_image_keeps_the_single_image_flow(app, qtbot):
    window, c = app
    selection = window.table.selectionModel()
    selection.select(c.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
    first, second = c.model.image_row(0), c.model.image_row(1)
    QTest.keyClick(window.canvas, Qt.Key.Key_N)
    assert _status(c, first) == "needs-second-look" and c.current == second
    assert not isinstance(c.session.history.commands()[-1], Macro)
