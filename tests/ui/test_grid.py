"""The grid of thumbnails in real windows (pytest-qt, offscreen): G toggles it keeping the current
image, it shows the table's rows in the table's order and selection (sort and filter live),
several thumbnails selected get a tag, a status or a new label as one history entry, a
double-click opens the canvas, and a 200,000-image project scrolls decoding only what is in view.
The review store and the document are the oracles; no sleeps."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer.core.commands import Macro
from reviewer.tasks.classification.commands import SetLabel
from reviewer.ui.models.image_filter import ImageFilter
from reviewer.ui.task_view import view_of

from .conftest import copy_sample, open_window

LEMONS = Path(__file__).resolve().parents[2] / "sample_project" / "lemons"
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NO_MOD = Qt.KeyboardModifier.NoModifier
DECODE_TIMEOUT = 20_000


@pytest.fixture
def lemons(tmp_path) -> Path:
    return Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))


def _grid_on(qtbot, settings, project):
    window, c = open_window(qtbot, settings, project)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_G)
    assert c.grid.shown
    qtbot.waitUntil(c.grid.grid.hasFocus)
    return window, c, c.grid.grid


def _click(grid, v: int, mods=NO_MOD, double: bool = False) -> None:
    grid.ensure_visible(v)
    centre = grid.cell_rect(v).center()
    if double:
        QTest.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, mods, centre)
    else:
        QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, mods, centre)


def _selected_rows(c) -> list[int]:
    return c.selection.rows()


def _label(c, row) -> str | None:
    return c.session.document.label_of(c.image_id(row))


# --- switching --------------------------------------------------------------------------------
def test_g_toggles_the_grid_and_the_current_image_stays(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons)
    c.select_image(c.model.image_row(20))
    shown = c.current
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_G)
    grid = c.grid.grid
    assert window.canvas_stack.currentWidget() is grid and c.actions["view_grid"].isChecked()
    assert grid.current_row() == c.model.view_row(shown) and grid.is_selected(20)
    assert grid.cell_rect(20).intersects(grid.viewport().rect())  # in view
    QTest.keyClick(grid, Qt.Key.Key_Right)  # move in the grid: the canvas is not rebuilt
    moved = c.model.image_row(21)
    assert c.current == moved and c.frame is None
    QTest.keyClick(grid, Qt.Key.Key_G)
    assert window.canvas_stack.currentWidget() is window.canvas
    assert not c.actions["view_grid"].isChecked()
    assert c.current == moved and c.frame is not None
    assert window.canvas.label_card.label.label == _label(c, moved)
    c.actions["view_grid"].trigger()  # the View menu's action does the same
    assert c.grid.shown and grid.current_row() == 21


def test_enter_and_double_click_open_the_thumbnail_on_the_canvas(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    _click(grid, 9, double=True)
    assert window.canvas_stack.currentWidget() is window.canvas
    assert c.current == c.model.image_row(9)
    assert c.frame is not None and c.frame.image is not None
    QTest.keyClick(window.canvas, Qt.Key.Key_G)
    QTest.keyClick(grid, Qt.Key.Key_End)
    QTest.keyClick(grid, Qt.Key.Key_Return)
    assert window.canvas_stack.currentWidget() is window.canvas
    assert c.current == c.model.image_row(c.model.rowCount() - 1)


def test_a_view_mode_key_leaves_the_grid_for_that_mode(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    QTest.keyClick(grid, Qt.Key.Key_B)
    assert not c.grid.shown and c.layers.view_mode == "side_by_side"
    assert c.frame is not None


# --- order and filter -------------------------------------------------------------------------
def _badges(c, grid, n=6) -> list:
    return [grid.cell_source.cell(v).badge for v in range(n)]


def test_the_grid_follows_the_tables_sort_and_filter(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    view, model = view_of(c.session), c.model
    assert grid.model is model and grid.selection is window.table.selectionModel()
    column = model.column_of("confidence")
    window.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)  # the header click
    confidence = c.session.document.table["confidence"]
    first = [model.image_row(v) for v in range(6)]
    assert list(confidence[first]) == sorted(confidence)[:6]  # the table's new order
    assert _badges(c, grid) == [view.thumb_badge(c.session, r) for r in first]
    source = c.grid.source
    in_view = grid.visible_rows()
    assert model.view_row(c.current) in in_view  # the current image kept in view
    qtbot.waitUntil(lambda: set(source._shown) == {source.key(model.image_row(v))
                                                   for v in in_view})  # pictures asked for
    window.filter_bar.set_value(ImageFilter(text="_07_"))
    assert grid.count() == model.rowCount() == 4
    names = c.session.document.table["file_name"]
    assert all("_07_" in names[model.image_row(v)] for v in range(4))
    assert grid.layout_.band(0, 10_000) == range(4)


# --- several at once ----------------------------------------------------------------------------
def test_a_tag_key_tags_every_selected_thumbnail_and_one_undo_removes_it(qtbot, settings,
                                                                       lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    store = c.session.store
    _click(grid, 2)
    _click(grid, 5, SHIFT)  # 2..5
    _click(grid, 8, CTRL)   # and 8
    rows = [c.model.image_row(v) for v in (2, 3, 4, 5, 8)]
    assert _selected_rows(c) == rows  # the table shows the same selection
    tag = next(t.name for t in store.tags() if t.hotkey == "1")
    QTest.keyClick(grid, Qt.Key.Key_1)
    assert all(tag in store.image_tags(str(c.image_id(r))) for r in rows)
    assert c.session.history.index == 1
    assert isinstance(c.session.history.commands()[0], Macro)
    colour = store.vocabulary().colour(tag)
    assert grid.cell_source.cell(8).tag_colours == (colour,)  # the thumbnail shows the dot
    QTest.keyClick(grid, Qt.Key.Key_R)  # a status on all five, one more entry
    assert {store.status(str(c.image_id(r))).value for r in rows} == {"reviewed"}
    assert grid.cell_source.cell(3).status == "reviewed"
    c.undo()
    c.undo()
    assert not any(store.image_tags(str(c.image_id(r))) for r in rows)
    assert c.session.history.index == 0


def test_rubber_band_and_ctrl_a_select_thumbnails(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    grid.verticalScrollBar().setValue(0)
    start = grid.cell_rect(0).topLeft() - QPoint(2, 2)  # the margin, outside every cell
    end = grid.cell_rect(grid.layout_.columns + 1).center()  # two columns, two rows
    viewport = grid.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, NO_MOD, start)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, NO_MOD, end)
    cols = grid.layout_.columns
    assert _selected_rows(c) == [c.model.image_row(v) for v in (0, 1, cols, cols + 1)]
    QTest.keyClick(grid, Qt.Key.Key_A, CTRL)
    assert len(_selected_rows(c)) == c.model.rowCount()
    assert c.grid.count_label.text() == f"{c.model.rowCount()} selected"
    QTest.keyClick(grid, Qt.Key.Key_Escape)
    assert _selected_rows(c) == [c.current]


def test_several_thumbnails_are_relabelled_as_one_history_entry(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    mold = [v for v in range(20) if _label(c, c.model.image_row(v)) == "mold"][:3]
    for v, mods in zip(mold, (NO_MOD, CTRL, CTRL), strict=True):
        _click(grid, v, mods)
    rows = [c.model.image_row(v) for v in mold]
    QTest.keyClick(grid, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # class 2: no mold
    assert [_label(c, r) for r in rows] == ["no mold"] * 3
    history = c.session.history
    assert history.index == 1 and isinstance(history.commands()[0], Macro)
    assert [type(k) for k in history.commands()[0].children] == [SetLabel] * 3
    assert [grid.cell_source.cell(v).badge.lines[0][0] for v in mold] == ["no mold"] * 3
    QTest.keyClick(grid, Qt.Key.Key_A)  # accept the prediction on all three
    predicted = c.session.document.table["predicted"]
    names = c.session.document.class_names
    assert [_label(c, r) for r in rows] == [names[predicted[r]] for r in rows]
    c.undo()
    c.undo()
    assert [_label(c, r) for r in rows] == [c.session.document.original_label(r) for r in rows]


def test_the_class_picker_relabels_the_selected_thumbnails(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    _click(grid, 1)
    _click(grid, 2, SHIFT)
    rows = [c.model.image_row(v) for v in (1, 2)]
    QTest.keyClick(grid, Qt.Key.Key_L)
    picker = next(h for h in c.tools.key_handlers if getattr(h, "acts_on_images", False)).picker
    assert picker is not None and picker.isVisible()
    picker.chosen.emit(0)  # "mold", as a click in the list does
    assert [_label(c, r) for r in rows] == ["mold", "mold"]
    assert c.session.history.index == 1


# --- many images --------------------------------------------------------------------------------
def _big_project(root: Path, n: int) -> Path:
    """A classification project of n images whose files are absent (placeholders)."""
    root.mkdir()
    (root / "images").mkdir()
    rng = np.random.default_rng(3)
    p = rng.random(n).round(4)
    names = np.char.add(np.char.add("img_", np.arange(n).astype(str)), ".jpg")
    labels = np.where(rng.random(n) < 0.5, "cat", "dog")
    (root / "labels.csv").write_text("image,label\n" + "\n".join(
        f"{a},{b}" for a, b in zip(names, labels, strict=True)) + "\n")
    (root / "pred.csv").write_text("image,cat,dog\n" + "\n".join(
        f"{a},{x},{1 - x:.4f}" for a, x in zip(names, p, strict=True)) + "\n")
    (root / "reviewer.json").write_text(
        '{"reviewer_project": 1, "name": "big", "images": "images", "default_task": '
        '"classification", "classification": {"gt": "labels.csv", "pred": "pred.csv"}}')
    return root


def test_200k_images_scroll_decoding_only_the_thumbnails_in_view(qtbot, settings, tmp_path):
    project = _big_project(tmp_path / "big", 200_000)
    window, c, grid = _grid_on(qtbot, settings, project)
    loader = c.grid.loader
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=DECODE_TIMEOUT)
    gate, decoded = threading.Event(), []
    real = loader.decode

    def held(*key):
        decoded.append(key)
        gate.wait(DECODE_TIMEOUT / 1000)
        return real(*key)
    loader.decode = held
    bar = grid.verticalScrollBar()
    for k in range(1, 41):  # a fling through the whole ranking, the workers held
        bar.setValue(bar.maximum() * k // 40)
        QApplication.processEvents()
    in_view = grid.visible_rows()
    assert bar.value() == bar.maximum() and in_view[-1] == 199_999
    assert loader.pending() <= len(in_view) + 2  # the rows flung past were dropped
    gate.set()
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=DECODE_TIMEOUT)
    last = {c.grid.source.key(c.model.image_row(v)) for v in in_view}
    assert last <= set(decoded)  # everything in view is decoded
    assert len(decoded) <= len(in_view) + 2  # and little else: 2 workers held at the start
    assert all(grid.cell_source.cell(v).thumb is not None for v in in_view)
    assert "not found" in grid.cell_source.cell(in_view[0]).thumb.message
    if sys.platform.startswith("linux"):  # the workers yield the cores to the GUI thread
        main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert len(loader.worker_ids) == 2
        assert {os.getpriority(os.PRIO_PROCESS, t) for t in loader.worker_ids} == \
            {min(19, main + loader.nice)}


def test_the_grid_and_its_size_are_remembered(qtbot, settings, lemons):
    window, c, grid = _grid_on(qtbot, settings, lemons)
    grid.set_thumb_size(150)
    assert c.grid.slider.value() == 150
    window.close()
    window, c = open_window(qtbot, settings, lemons)
    assert c.grid.shown and c.grid.grid.thumb_size == 150


def test_the_other_tasks_show_their_badges(qtbot, settings, tmp_path):
    project = copy_sample(tmp_path / "project")
    window, c, grid = _grid_on(qtbot, settings, project)
    doc = c.session.document
    row = c.model.image_row(0)
    badge = grid.cell_source.cell(0).badge
    gt_boxes = doc.gt.boxes[doc.gt.image_index == row]
    assert badge.box_sources.count("gt") == len(gt_boxes) > 0
    fp, fn = int(doc.table["fp"][row]), int(doc.table["fn"][row])
    assert badge.lines == ((f"FP {fp} · FN {fn}", "bad"),)
    with qtbot.waitSignal(c.loaded, timeout=30_000):
        c.switch_task("segmentation")
    assert c.grid.shown  # as the project was left
    assert c.actions["view_grid"].shortcut().toString() == "Ctrl+G"  # G: the flood fill
    table, names = c.session.document.table, c.session.document.class_names
    miou = table["miou"][c.model.image_row(0)]
    assert c.grid.grid.cell_source.cell(0).badge.lines[0] == (f"mIoU {miou:.2f}", "")
    worst_lines = set()
    for v in range(c.model.rowCount()):  # the worst class named, never "unlabeled"
        row = c.model.image_row(v)
        ious = {n: table[f"iou_{n}"][row] for n in names if n != "unlabeled"}
        present = {n: x for n, x in ious.items() if not np.isnan(x) and x < 1.0}
        lines = c.grid.grid.cell_source.cell(v).badge.lines
        if present:
            worst = min(present, key=present.get)
            assert lines[1][0] == f"{worst} {present[worst]:.2f}"
            worst_lines.add(worst)
        else:
            assert len(lines) == 1
    assert "unlabeled" in names and "unlabeled" not in worst_lines


def _painted(grid, v: int, overlay: bool = True) -> np.ndarray:
    """(h, w, 3) RGB of view row ``v``'s cell as the grid paints it (with or without the
    cell's overlay), on a white background."""
    from dataclasses import replace

    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QImage, QPainter

    from reviewer.ui.grid.paint import Style, paint_cell
    size = grid.thumb_size
    image = QImage(size, size, QImage.Format.Format_RGB888)
    image.fill(QColor(255, 255, 255))
    cell = grid.cell_source.cell(v)
    cell = cell if overlay else replace(cell, overlay=None)
    p = QPainter(image)
    paint_cell(p, QRect(0, 0, size, size), cell, False, False,
               Style(grid.font(), QColor(255, 255, 255), QColor(0, 0, 255)))
    p.end()
    bits = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return bits.reshape(size, image.bytesPerLine())[:, :size * 3].reshape(size, size, 3).copy()


def _alpha(thumb) -> np.ndarray:
    image = thumb.image
    bits = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return bits.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4] \
        .reshape(image.height(), image.width(), 4)[..., 3]


def test_segmentation_thumbnails_tint_the_wrong_pixels_and_follow_an_edit(qtbot, settings,
                                                                          tmp_path):
    from reviewer.core.raster import _patch_command
    from reviewer.io.report_thumbs import TINT_ALPHA, TINT_BGR
    project = copy_sample(tmp_path / "project")
    window, c, grid = _grid_on(qtbot, settings, project)
    with qtbot.waitSignal(c.loaded, timeout=30_000):
        c.switch_task("segmentation")
    grid, source, doc = c.grid.grid, c.grid.source, c.session.document
    row = c.model.image_row(0)
    qtbot.waitUntil(lambda: source.loader.get(source.overlay_key(row)) is not None,
                    timeout=DECODE_TIMEOUT)
    gt, pred = doc.masks(row)
    wrong = (gt != pred) & (gt != doc.ignore_index)
    assert wrong.any()
    alpha = _alpha(grid.cell_source.cell(0).overlay)
    assert alpha.shape[1] / alpha.shape[0] == pytest.approx(gt.shape[1] / gt.shape[0], rel=0.05)
    # area shrinking keeps the share of wrong pixels: the tint's mean is that share
    assert alpha.mean() / (255 * TINT_ALPHA) == pytest.approx(wrong.mean(), abs=0.01)
    on, off = _painted(grid, 0).astype(int), _painted(grid, 0, overlay=False).astype(int)
    tint = np.asarray(TINT_BGR[::-1])  # blending moves every pixel towards the tint, some far
    closer = np.abs(off - tint) - np.abs(on - tint)  # (a few levels: premultiplied rounding)
    assert closer.min() >= -6 and (closer.sum(-1) > 30).sum() > 0.25 * wrong.mean() * on[..., 0].size
    fixed = np.where(gt == doc.ignore_index, gt, pred).astype(gt.dtype)
    assert c.execute(_patch_command(c.image_id(row), gt, fixed))  # the GT now agrees
    qtbot.waitUntil(lambda: source.loader.get(source.overlay_key(row)) is not None,
                    timeout=DECODE_TIMEOUT)
    assert not _alpha(grid.cell_source.cell(0).overlay).any()
    c.undo()
    qtbot.waitUntil(lambda: source.loader.get(source.overlay_key(row)) is not None,
                    timeout=DECODE_TIMEOUT)
    assert _alpha(grid.cell_source.cell(0).overlay).mean() == pytest.approx(alpha.mean())


def test_reviewer_open_grid_starts_in_the_grid(qtbot, settings, lemons):
    from reviewer.app import build
    from reviewer.cli import _parser
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    args = _parser().parse_args(["open", str(lemons), "--grid"])
    assert args.grid and not _parser().parse_args(["open", str(lemons)]).grid
    window, c = build(str(lemons), settings, HeadlessDialogs(), grid=args.grid)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: c.session is not None and c.grid.shown, timeout=30_000)
    assert window.canvas_stack.currentWidget() is c.grid.grid and c.actions["view_grid"].isChecked()
    assert c.grid.grid.current_row() == c.model.view_row(c.current) == 0
    c.grid.toggle()
    assert not c.grid.shown and c.frame is not None


def test_hovering_a_thumbnail_tells_its_image_label_prediction_status_and_tags(qtbot, settings,
                                                                               lemons):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip
    window, c, grid = _grid_on(qtbot, settings, lemons)
    _click(grid, 3)
    QTest.keyClick(grid, Qt.Key.Key_1)
    tag = next(t.name for t in c.session.store.tags() if t.hotkey == "1")
    row, doc = c.model.image_row(3), c.session.document
    at = grid.viewport().mapTo(grid, grid.cell_rect(3).center())
    QApplication.sendEvent(grid, QHelpEvent(QEvent.Type.ToolTip, at, grid.mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible)
    text = QToolTip.text()
    names = doc.class_names
    predicted = names[doc.table["predicted"][row]]
    assert text.startswith(f"<b>{doc.table['file_name'][row]}</b> — 4 of {c.model.rowCount()}")
    assert f"label: {names[doc.table['target'][row]]}" in text
    assert f"predicted: {predicted} ({doc.table['confidence'][row]:.3f})" in text
    assert "status: not reviewed" in text and f"tags: {tag}" in text
    QToolTip.hideText()


def test_choosing_another_model_keeps_the_grid_and_shows_its_errors(qtbot, settings, tmp_path):
    project = copy_sample(tmp_path / "project")
    window, c, grid = _grid_on(qtbot, settings, project)
    assert c.session.model == "baseline"
    with qtbot.waitSignal(c.loaded, timeout=30_000):
        c.models.switch_model("retrained")
    assert c.session.model == "retrained" and c.grid.shown
    grid, table = c.grid.grid, c.session.document.table
    for v in range(grid.count()):
        row = c.model.image_row(v)
        fp, fn = int(table["fp"][row]), int(table["fn"][row])
        expected = ("no errors", "good") if fp + fn == 0 else (f"FP {fp} · FN {fn}", "bad")
        assert grid.cell_source.cell(v).badge.lines == (expected,)
