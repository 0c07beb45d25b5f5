"""Seeing what is being judged: distinct GT / prediction styles and their swap key, the stacked
layout, "show only this class", segmentation hover figures, the "predicted where GT is
unlabeled" tone, sort arrows and the class picker. Real windows on copies of the sample project
(pytest-qt, offscreen); oracles are the document's own tables; waits are conditions, no sleeps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from reviewer.core.semantic import class_stats, iou_from_stats
from reviewer.core.view_state import LayerState
from reviewer.ui.canvas import palette, pixel_info
from reviewer.ui.canvas.raster import pack_argb
from reviewer.ui.main_window import SIDE_BY_SIDE_PAGE
from reviewer.ui.tools.relabel import ClassPickerPopup
from reviewer.ui.widgets.sort_arrows import SortArrowStyle, arrow_points_up

from .conftest import copy_sample, open_window

NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def app(qtbot, settings, tmp_path):
    window, c = open_window(qtbot, settings, copy_sample(tmp_path / "project"))
    window.canvas.setFocus()
    return window, c


@pytest.fixture
def seg(qtbot, settings, tmp_path):
    window, c = open_window(qtbot, settings, copy_sample(tmp_path / "project", "segmentation"))
    window.canvas.setFocus()
    return window, c


def key(widget, k, modifier=NO_MOD) -> None:
    widget.setFocus()
    QTest.keyClick(widget, k, modifier)


def show(c, stem: str) -> int:
    names = [Path(str(n)).stem for n in c.session.document.table["file_name"]]
    row = names.index(stem)
    c.select_image(row)
    return row


# --- styles ---------------------------------------------------------------------------------
def test_gt_and_predictions_look_different_by_default_and_x_swaps_them(app):
    window, c = app
    view = window.canvas
    assert c.layers.gt.fill and not c.layers.pred.fill and c.layers.gt.opacity < 1.0
    boxes = view.canvas_scene.boxes

    def brushes(source):
        return {boxes[o.key].brush().style() for o in view.frame().objects_of(source)
                if boxes[o.key].isVisible()}
    assert brushes("pred") == {Qt.BrushStyle.NoBrush}
    assert Qt.BrushStyle.NoBrush not in brushes("gt")
    key(view, Qt.Key.Key_X)
    assert not c.layers.gt.fill and c.layers.pred.fill
    assert c.layers.pred.opacity < 1.0 and c.layers.gt.opacity == 1.0
    assert brushes("gt") == {Qt.BrushStyle.NoBrush}
    assert Qt.BrushStyle.NoBrush not in brushes("pred")
    panel = c.panels.layers
    assert panel.gt.fill_group.checkedButton().objectName() == "outline"
    assert panel.pred.fill_group.checkedButton().objectName() == "fill"
    key(view, Qt.Key.Key_X)
    assert c.layers.gt == LayerState().gt and c.layers.pred == LayerState().pred


def test_swapping_two_alike_sources_restores_the_distinct_default():
    both = LayerState().with_source("gt", fill=False)
    swapped = both.swapped_styles()
    assert swapped.gt.fill and not swapped.pred.fill


# --- stacked layout -------------------------------------------------------------------------
def test_stacked_layout_puts_the_panes_one_above_the_other_in_sync(app, qtbot):
    window, c = app
    key(window.canvas, Qt.Key.Key_T)
    assert c.layers.view_mode == "stacked" and c.actions["view_stacked"].isChecked()
    assert window.canvas_stack.currentIndex() == SIDE_BY_SIDE_PAGE
    panes = window.side_by_side.panes
    assert window.side_by_side.stacked
    qtbot.waitUntil(lambda: panes["pred"].y() > panes["gt"].y() > panes["image"].y())
    assert panes["image"].x() == panes["gt"].x() == panes["pred"].x()
    assert all(v.frame() is c.frame for v in panes.values())
    pred_look = panes["pred"].canvas_scene.state.pred  # panes draw both sources alike
    gt_look = panes["gt"].canvas_scene.state.gt
    assert pred_look.fill and gt_look.fill and pred_look.opacity == gt_look.opacity
    assert not panes["gt"].canvas_scene.state.pred.visible
    assert not panes["image"].canvas_scene.state.gt.visible
    panes["gt"].zoom_by(2.0)
    panes["gt"].scroll_by(QPoint(7, 5))
    for view in panes.values():
        assert view.transform() == panes["gt"].transform()
        assert view.horizontalScrollBar().value() == panes["gt"].horizontalScrollBar().value()
        assert view.verticalScrollBar().value() == panes["gt"].verticalScrollBar().value()
    key(window.canvas_stack, Qt.Key.Key_B)
    assert c.layers.view_mode == "side_by_side" and not window.side_by_side.stacked
    qtbot.waitUntil(lambda: panes["pred"].x() > panes["gt"].x() > panes["image"].x())


# --- one class ------------------------------------------------------------------------------
def test_show_only_the_selected_objects_class_in_gt_and_predictions(app):
    window, c = app
    view = window.canvas
    target = next(o for o in view.frame().objects if o.source == "gt" and o.class_index > 0)
    c.tools.select(target.key)
    key(view, Qt.Key.Key_I)
    only = frozenset({target.class_index})
    assert c.layers.gt.classes == only and c.layers.pred.classes == only
    shown = [i.obj for i in view.canvas_scene.boxes.values() if i.isVisible()]
    assert shown and {o.class_index for o in shown} == {target.class_index}
    assert {o.source for o in shown} <= {"gt", "pred"}
    hidden = [o for o in view.frame().objects if o.class_index != target.class_index]
    assert hidden and not any(view.canvas_scene.boxes[o.key].isVisible() for o in hidden)
    for section in (c.panels.layers.gt, c.panels.layers.pred):
        assert section.class_list.visible_classes() == only
    key(view, Qt.Key.Key_I)  # again: every class
    assert c.layers.gt.classes is None and c.layers.pred.classes is None


def test_double_click_on_a_class_row_shows_that_class_alone_in_both_sources(app, qtbot):
    window, c = app
    rows = c.panels.layers.pred.class_list  # the predictions' list: GT follows too
    item = rows.topLevelItem(2)
    rect = rows.visualItemRect(item)
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # as a
    qtbot.mouseDClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # mouse does
    assert c.layers.gt.classes == c.layers.pred.classes == frozenset({2})
    rows.only_requested.emit(2)  # the same class again: every class
    assert c.layers.gt.classes is None and c.layers.pred.classes is None


# --- segmentation: hover and the unlabeled tone ---------------------------------------------
def _unlabeled_pixel(frame) -> tuple[int, int]:
    """A pixel whose GT class is "unlabeled" and whose prediction is a real class."""
    k = frame.class_names.index("unlabeled")
    ys, xs = np.nonzero((frame.semantic_gt == k) & (frame.semantic_pred != k)
                        & (frame.semantic_pred < len(frame.class_names)))
    return int(xs[len(xs) // 2]), int(ys[len(ys) // 2])


def test_segmentation_hover_names_the_classes_and_the_images_iou(seg, qtbot):
    window, c = seg
    view = window.canvas
    row = show(c, "street_012")  # the camper van: predicted vehicle where GT is unlabeled
    frame = view.frame()
    assert frame.unlabeled_classes == frozenset({frame.class_names.index("unlabeled")})
    x, y = _unlabeled_pixel(frame)
    pred_class = frame.class_names[int(frame.semantic_pred[y, x])]
    QTest.mouseMove(view.viewport(), view.mapFromScene(QPointF(x + 0.5, y + 0.5)))
    qtbot.waitUntil(lambda: bool(view.hover_text))
    text = view.hover_text
    assert pixel_info.UNLABELED_TEXT in text and f"predicted {pred_class}" in text
    table = c.session.document.table  # one truth: the table's IoU of that class, this image
    expected = table[f"iou_{pred_class}"][row]
    assert f"{pred_class} on this image: IoU {expected:.3f}" in text
    inter, gt_area, pred_area = class_stats(c.session.document.stack.dense(row))
    k = frame.class_names.index(pred_class)
    assert iou_from_stats(inter, gt_area, pred_area)[k] == pytest.approx(expected)
    assert f"GT {int(gt_area[k]):,} px" in text and f"predicted {int(pred_area[k]):,} px" in text


def test_errors_view_names_pixels_predicted_where_gt_is_unlabeled(seg):
    window, c = seg
    view = window.canvas
    show(c, "street_012")
    key(view, Qt.Key.Key_E)
    frame = view.frame()
    x, y = _unlabeled_pixel(frame)
    raster = view.canvas_scene.error_item.raster()
    unlabeled = pack_argb(np.array([palette.SEM_UNLABELED]), 0.7)[0]
    assert raster[y, x] == unlabeled
    missed = (frame.semantic_gt != frame.semantic_pred) & ~np.isin(
        frame.semantic_gt, list(frame.unlabeled_classes) + [frame.ignore_index])
    assert not np.any(raster[missed] == unlabeled)  # real misses keep the "missed" tone
    labels = [e[0] for e in view.legend.entries]
    assert "Predicted where GT is unlabeled" in labels
    assert "Missed pixels (GT class)" in labels


# --- sort arrows ----------------------------------------------------------------------------
def _arrow_points_down(header, column) -> bool:
    """Render the header and look at the sort arrow's pixels: wider at the top = pointing down."""
    image = header.grab().toImage()
    x0 = header.sectionViewportPosition(column)
    widths = []
    for y in range(image.height()):
        dark = [x for x in range(x0, x0 + header.sectionSize(column))
                if image.pixelColor(x, y).lightness() < 100]
        widths.append(max(dark) - min(dark) + 1 if dark else 0)
    rows = [w for w in widths if w]
    return rows[0] > rows[-1]


def test_worst_first_shows_a_down_arrow_and_ascending_an_up_arrow(app, qtbot):
    window, c = app
    header = window.table.horizontalHeader()
    assert isinstance(header.style(), SortArrowStyle)
    column = c.model.column_of("error")
    assert c.model.sort_key == "error" and not c.model.ascending  # worst first
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    header.viewport().repaint()
    assert not arrow_points_up(header.style().drawn)
    header.setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    assert c.model.ascending
    header.viewport().repaint()
    assert arrow_points_up(header.style().drawn)
    header.setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    header.viewport().repaint()
    assert not arrow_points_up(header.style().drawn)


def test_sort_arrow_pixels_point_down_for_a_descending_column(qtbot):
    from PySide6.QtWidgets import QTableWidget

    from reviewer.ui.widgets.sort_arrows import install_sort_arrows
    table = QTableWidget(3, 1)
    qtbot.addWidget(table)
    table.setHorizontalHeaderLabels([""])  # no text: the only dark pixels are the arrow
    install_sort_arrows(table.horizontalHeader())
    table.setSortingEnabled(True)
    table.resize(200, 120)
    table.show()
    qtbot.waitExposed(table)
    header = table.horizontalHeader()
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert _arrow_points_down(header, 0)
    header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    assert not _arrow_points_down(header, 0)


def test_first_click_on_a_header_ranks_worst_first(app, qtbot):
    window, c = app
    header = window.table.horizontalHeader()
    for key_name, ascending in (("fn", False), ("tp", True)):
        col = c.model.column_of(key_name)
        x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(x, header.height() // 2))
        assert c.model.sort_key == key_name and c.model.ascending == ascending


# --- class picker ---------------------------------------------------------------------------
def test_class_picker_opens_empty_and_focused_not_on_the_current_class(app, qtbot):
    window, c = app
    view, doc = window.canvas, c.session.document
    target = next(o for o in view.frame().objects if o.source == "gt" and o.class_index > 0)
    c.tools.select(target.key)
    n = c.session.history.index
    key(view, Qt.Key.Key_C)
    picker = c.tools.object_actions.picker
    qtbot.waitUntil(lambda: picker.isVisible() and picker.filter.hasFocus())
    assert picker.filter.text() == ""
    assert picker.list.currentRow() == -1 and picker.list.currentItem() is None
    assert picker.visible_rows() == list(range(len(doc.base.categories)))
    QTest.keyClick(picker.filter, Qt.Key.Key_Return)  # nothing chosen: nothing happens
    assert c.session.history.index == n
    assert doc.gt_object(target.ann_id)["category_id"] == \
        int(doc.base.categories.ids[target.class_index])


def test_class_picker_with_150_classes_starts_at_the_top(qtbot):
    names = [f"class {i:03d}" for i in range(150)]
    picker = ClassPickerPopup(names, current=140)
    qtbot.addWidget(picker)
    picker.popup_at(QPoint(0, 0))
    qtbot.waitUntil(picker.isVisible)
    assert picker.list.currentRow() == -1
    assert picker.list.verticalScrollBar().value() == 0
    assert "(current)" in picker.list.item(140).text()
    QTest.keyClicks(picker.filter, "14")  # typing picks the first match, "(current)" ignored
    assert picker.list.currentRow() == 14
    with qtbot.waitSignal(picker.chosen) as blocker:
        QTest.keyClick(picker.filter, Qt.Key.Key_Return)
    assert blocker.args == [14]


def test_layers_panel_fits_a_1366_pixel_window(app, qtbot):
    window, c = app
    window.resize(1366, 768)
    window.default_layout()
    qtbot.waitUntil(lambda: window.canvas_stack.width() >= 600)
    layers = window.docks["layers"]
    assert c.panels.layers.minimumSizeHint().width() <= layers.width()
    assert window.canvas_stack.width() > window.docks["images"].width()  # the image gets room


def test_canvas_only_hides_every_panel_and_brings_them_back(app, qtbot):
    window, c = app
    shown = [name for name, d in window.docks.items() if d.isVisible()]
    assert "images" in shown
    key(window.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    assert not any(d.isVisible() for d in window.docks.values())
    key(window.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    assert [name for name, d in window.docks.items() if d.isVisible()] == shown


def test_i_on_a_segmentation_pixel_shows_its_class_alone(seg, qtbot):
    window, c = seg
    view = window.canvas
    show(c, "street_012")
    frame = view.frame()
    road = frame.class_names.index("road")
    ys, xs = np.nonzero((frame.semantic_gt == road) & (frame.semantic_pred == road))
    x, y = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])
    QTest.mouseMove(view.viewport(), view.mapFromScene(QPointF(x + 0.5, y + 0.5)))
    qtbot.waitUntil(lambda: "GT road" in view.hover_text)
    key(view, Qt.Key.Key_I)
    assert c.layers.gt.classes == c.layers.pred.classes == frozenset({road})
    alpha = view.canvas_scene.semantic_items["gt"].raster() >> 24
    assert np.array_equal(alpha > 0, frame.semantic_gt == road)  # only road is drawn
