"""Semantic-mask tools, live feedback and the "corrected" filter on the review window.

Each tool is driven with synthetic press / move / release events on the viewport (scene points
mapped with ``view.mapFromScene``). Checked: exactly one history entry per gesture, the mask
pixels (``document.masks``) against independent oracles (pixel-centre geometry, a breadth-first
flood fill, matplotlib's point-in-polygon), undo / redo, the table row's mIoU against a plain
numpy confusion matrix, the status-bar texts. Copy of the sample project in tmp_path, headless
dialogs, isolated QSettings; waits are signals or conditions, never sleeps.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pytest
from matplotlib.path import Path as MplPath
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from .conftest import copy_sample, open_window

LOAD_TIMEOUT = 30_000
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
ROAD, SIDEWALK, IGNORE = 1, 2, 255


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the sample project opening on its segmentation task."""
    dst = copy_sample(tmp_path / "project", "segmentation")
    return dst


def open_app(qtbot, settings, project):
    return open_window(qtbot, settings, project)


@pytest.fixture
def app(qtbot, settings, project):
    return open_app(qtbot, settings, project)


# --- helpers ----------------------------------------------------------------------------------
def row_of(controller, stem: str) -> int:
    names = [str(n) for n in controller.session.document.table["file_name"]]
    return next(i for i, n in enumerate(names) if Path(n).stem == stem)


def show(controller, stem: str) -> int:
    row = row_of(controller, stem)
    controller.select_image(row)
    controller.window.canvas.setFocus()
    return row


def vp(view, x, y) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def use(controller, name: str, class_index: int | None = None) -> None:
    controller.tools.toolbar.actions_by_tool[name].trigger()
    assert controller.tools.active.name == name
    if class_index is not None:
        controller.tools.set_current_class(class_index)


def masks(controller, row):
    gt, pred = controller.session.document.masks(row)
    return gt.copy(), pred


def pixel_centres(shape):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    return np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)


def segment_distance(shape, a, b) -> np.ndarray:
    """(H, W) distance of each pixel centre to the segment a-b (scene coordinates)."""
    p = pixel_centres(shape)
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    t = np.clip(((p - a) @ d) / max(d @ d, 1e-12), 0, 1)
    return np.linalg.norm(p - (a + t[:, None] * d), axis=1).reshape(shape)


def polygon_inside(shape, polygon, margin: float) -> np.ndarray:
    """(H, W) bool: pixel centres inside ``polygon`` grown by ``margin`` px (shrunk when < 0)."""
    inside = MplPath(np.asarray(polygon, float)).contains_points(pixel_centres(shape))
    inside = inside.reshape(shape)
    edge = np.min([segment_distance(shape, a, b) for a, b in
                   zip(polygon, polygon[1:] + polygon[:1], strict=True)], axis=0)
    if margin < 0:
        return inside & (edge > -margin)
    return inside | (edge <= margin)


def numpy_miou(gt, pred, k, ignore=IGNORE) -> float:
    """mIoU of one image with a plain confusion matrix (classes with a non-empty union)."""
    valid = gt != ignore
    g, p = gt[valid].astype(np.int64), pred[valid].astype(np.int64)
    p = np.where(p < k, p, k)
    conf = np.bincount(g * (k + 1) + p, minlength=k * (k + 1)).reshape(k, k + 1)
    inter = np.diag(conf[:, :k])
    union = conf.sum(1) + conf[:, :k].sum(0) - inter
    return float(np.mean(inter[union > 0] / union[union > 0]))


def bfs_region(labels, seed) -> np.ndarray:
    """(H, W) bool: the 4-connected region of equal label around seed (x, y)."""
    h, w = labels.shape
    x0, y0 = seed
    value, out = labels[y0, x0], np.zeros(labels.shape, bool)
    queue = deque([(y0, x0)])
    out[y0, x0] = True
    while queue:
        y, x = queue.popleft()
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < h and 0 <= nx < w and not out[ny, nx] and labels[ny, nx] == value:
                out[ny, nx] = True
                queue.append((ny, nx))
    return out


def one_gesture(controller, gesture) -> None:
    """Run ``gesture()``; exactly one command must reach the history."""
    history = controller.session.history
    before = history.index
    gesture()
    assert history.index == before + 1
    assert not history.can_redo


def undo_redo_round_trip(controller, row, before, after) -> None:
    controller.undo()
    assert np.array_equal(controller.session.document.masks(row)[0], before)
    controller.redo()
    assert np.array_equal(controller.session.document.masks(row)[0], after)


def click_polygon(view, points, close="first") -> None:
    for x, y in points:
        QTest.mouseClick(view.viewport(), LEFT, NO_MOD, vp(view, x, y))
    if close == "first":
        QTest.mouseClick(view.viewport(), LEFT, NO_MOD, vp(view, *points[0]))
    else:
        QTest.keyClick(view, Qt.Key.Key_Return)


# --- brush and eraser -------------------------------------------------------------------------
def test_brush_stroke_is_one_command_painting_along_the_drag(app, qtbot):
    window, c = app
    view, row = window.canvas, show(c, "street_000")
    use(c, "brush", SIDEWALK)
    c.tools.mask_options.set_radius(4)
    before, pred = masks(c, row)
    a, b = (120.0, 200.0), (260.0, 230.0)
    pa, pb = vp(view, *a), vp(view, *b)
    seen = [view.mapToScene(pa), view.mapToScene(pb)]  # the scene points the tool receives

    def stroke():
        QTest.mousePress(view.viewport(), LEFT, NO_MOD, pa)
        for k in range(1, 6):
            QTest.mouseMove(view.viewport(), pa + (pb - pa) * (k / 5))
        QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, pb)
    one_gesture(c, stroke)
    after = c.session.document.masks(row)[0]
    dist = segment_distance(before.shape, (seen[0].x(), seen[0].y()), (seen[1].x(), seen[1].y()))
    assert np.all(after[dist <= 3.0] == SIDEWALK)        # well inside the 9-px-wide stroke
    # untouched away from it: radius + half a pixel, plus the rounding of the intermediate
    # mouse positions to whole viewport pixels (up to 0.71 px, in image pixels at this zoom)
    away = max(6.5, 4.5 + 0.71 / view.zoom() + 0.5)
    assert np.array_equal(after[dist > away], before[dist > away])
    assert np.count_nonzero(after != before) > 100
    assert c.tools.active.points == [] and c.tools.active._stroke is None  # preview dropped
    expected = numpy_miou(after, pred, len(c.session.document.class_names))
    assert c.session.document.table["miou"][row] == pytest.approx(expected)
    column = c.model.column_of("miou")
    cell = c.model.index(c.model.view_row(row), column)
    assert c.model.data(cell) == f"{expected:.3f}"
    assert window.canvas.frame().semantic_gt[int(seen[0].y()), int(seen[0].x())] == SIDEWALK
    undo_redo_round_trip(c, row, before, after)


def test_eraser_paints_unlabeled_and_brush_size_keys(app, qtbot):
    window, c = app
    view, row = window.canvas, show(c, "street_000")
    use(c, "eraser")
    options = c.tools.mask_options
    options.set_radius(5)
    QTest.keyClick(view, Qt.Key.Key_BracketRight)
    assert options.radius == 6 and c.mask_controls.size.value() == 6
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    assert options.radius == 4 and c.mask_controls.size.value() == 4
    c.mask_controls.size.setValue(3)
    assert options.radius == 3
    assert c.session.document.class_names[0] == "unlabeled"
    tip = c.tools.toolbar.actions_by_tool["eraser"].toolTip()
    assert "unlabeled" in tip and "value 0" in tip
    before, _ = masks(c, row)
    p = vp(view, 300.5, 300.5)
    target = view.mapToScene(p)
    one_gesture(c, lambda: (QTest.mousePress(view.viewport(), LEFT, NO_MOD, p),
                            QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, p)))
    after = c.session.document.masks(row)[0]
    dist = segment_distance(before.shape, (target.x(), target.y()), (target.x(), target.y()))
    assert np.all(after[dist <= 2.0] == 0)
    assert np.array_equal(after[dist > 5.0], before[dist > 5.0])
    undo_redo_round_trip(c, row, before, after)


# --- fills ------------------------------------------------------------------------------------
def test_flood_fill_click_fills_the_connected_region(app, qtbot):
    window, c = app
    view, row = window.canvas, show(c, "street_000")
    use(c, "flood_fill", SIDEWALK)
    before, _ = masks(c, row)
    seed = (320, 330)  # the road near the bottom centre
    assert before[seed[1], seed[0]] == ROAD
    p = vp(view, seed[0] + 0.5, seed[1] + 0.5)
    one_gesture(c, lambda: QTest.mouseClick(view.viewport(), LEFT, NO_MOD, p))
    after = c.session.document.masks(row)[0]
    region = bfs_region(before, seed)
    expected = before.copy()
    expected[region] = SIDEWALK
    assert np.array_equal(after, expected)
    undo_redo_round_trip(c, row, before, after)


@pytest.mark.parametrize("close", ["first", "enter"])
def test_polygon_fill_paints_inside_the_clicked_polygon(app, qtbot, close):
    window, c = app
    view, row = window.canvas, show(c, "street_000")
    use(c, "polygon_fill", 7)  # parking lot
    before, _ = masks(c, row)
    polygon = [(100.0, 100.0), (260.0, 120.0), (240.0, 260.0), (110.0, 230.0)]
    seen = [view.mapToScene(vp(view, x, y)) for x, y in polygon]
    seen = [(p.x(), p.y()) for p in seen]
    one_gesture(c, lambda: click_polygon(view, polygon, close))
    after = c.session.document.masks(row)[0]
    assert np.all(after[polygon_inside(before.shape, seen, -1.5)] == 7)
    outside = ~polygon_inside(before.shape, seen, 1.5)
    assert np.array_equal(after[outside], before[outside])
    undo_redo_round_trip(c, row, before, after)


@pytest.mark.parametrize("mode", ["unlabeled", "class", "predicted_class", "all"])
def test_copy_prediction_inside_a_polygon(app, qtbot, mode):
    window, c = app
    view, row = window.canvas, show(c, "street_007")
    use(c, "copy_prediction", ROAD)
    if mode == "class":
        use(c, "copy_prediction", SIDEWALK)  # replace the GT's sidewalk pixels
    c.mask_controls.set_copy_mode(mode)
    before, pred = masks(c, row)
    polygon = [(150.0, 250.0), (500.0, 250.0), (600.0, 355.0), (40.0, 355.0)]
    seen = [(p.x(), p.y()) for p in (view.mapToScene(vp(view, x, y)) for x, y in polygon)]
    one_gesture(c, lambda: click_polygon(view, polygon))
    after = c.session.document.masks(row)[0]
    inside = polygon_inside(before.shape, seen, -1.5)
    core = polygon_inside(before.shape, seen, 1.5)
    allowed = {"unlabeled": (before == 0) | (before == 255), "class": before == SIDEWALK,
               "predicted_class": pred == ROAD, "all": np.ones_like(inside)}[mode]
    take = inside & allowed
    assert np.array_equal(after[take], pred[take].astype(after.dtype))
    assert np.array_equal(after[~(core & allowed)], before[~(core & allowed)])
    if mode in ("unlabeled", "predicted_class", "all"):
        assert np.count_nonzero(after[inside] == ROAD) > 1000  # the unlabeled road is road now
    changed = [(int(o), int(n)) for o, n in zip(before[after != before], after[after != before],
                                                 strict=True)]
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Copied the prediction: {len(changed):,} px: ")
    undo_redo_round_trip(c, row, before, after)


def test_escape_drops_a_polygon_without_a_command(app, qtbot):
    window, c = app
    view, _ = window.canvas, show(c, "street_000")
    use(c, "polygon_fill", ROAD)
    for x, y in ((50, 50), (150, 60), (120, 150)):
        QTest.mouseClick(view.viewport(), LEFT, NO_MOD, vp(view, x, y))
    QTest.keyClick(view, Qt.Key.Key_Escape)
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert c.session.history.index == 0 and c.tools.active.points == []


# --- feedback ---------------------------------------------------------------------------------
def test_score_before_after_and_dataset_metric_update_after_an_edit(app, qtbot):
    window, c = app
    feedback = c.feedback
    qtbot.waitUntil(lambda: "…" not in feedback.metric_label.text(), timeout=10_000)
    view, row = window.canvas, show(c, "street_007")
    doc = c.session.document
    k = len(doc.class_names)
    gt0, pred = masks(c, row)
    assert feedback.score_label.text() == f"Image: mIoU {numpy_miou(gt0, pred, k):.2f}"
    use(c, "copy_prediction", ROAD)
    with qtbot.waitSignal(feedback.metric_changed, timeout=10_000) as blocker:
        click_polygon(view, [(0.0, 200.0), (640.0, 200.0), (640.0, 360.0), (0.0, 360.0)])
    gt1 = doc.masks(row)[0]
    m0, m1 = numpy_miou(gt0, pred, k), numpy_miou(gt1, pred, k)
    assert m1 > m0 + 0.1
    assert feedback.score_label.text() == f"Image: mIoU {m0:.2f} → {m1:.2f}"
    every = [doc.masks(i) for i in range(len(doc.image_ids))]
    dataset_before = _dataset_miou([(g if i != row else gt0, p) for i, (g, p) in
                                    enumerate(every)], k)
    dataset_after = _dataset_miou(every, k)
    expected = f"mIoU {dataset_before:.3f} → {dataset_after:.3f}"
    assert blocker.args == [expected] and feedback.metric_label.text() == f"Dataset: {expected}"


def _dataset_miou(pairs, k) -> float:
    conf = np.zeros((k, k + 1), np.int64)
    for gt, pred in pairs:
        valid = gt != IGNORE
        g, p = gt[valid].astype(np.int64), pred[valid].astype(np.int64)
        p = np.where(p < k, p, k)
        conf += np.bincount(g * (k + 1) + p, minlength=k * (k + 1)).reshape(k, k + 1)
    inter = np.diag(conf[:, :k])
    union = conf.sum(1) + conf[:, :k].sum(0) - inter
    return float(np.mean(inter[union > 0] / union[union > 0]))


def test_corrected_filter_lists_exactly_the_corrected_images(app, qtbot, settings, project):
    window, c = app
    view = window.canvas
    use(c, "brush", ROAD)
    edited = []
    for stem in ("street_003", "street_010"):
        row = show(c, stem)
        p = vp(view, 200.5, 200.5)
        QTest.mousePress(view.viewport(), LEFT, NO_MOD, p)
        QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, p)
        edited.append(row)
    assert sorted(c.session.document.corrected_images) == sorted(edited)
    column = c.model.column_of("corrected")
    marks = {c.model.image_row(v): c.model.data(c.model.index(v, column))
             for v in range(c.model.rowCount())}
    assert {r for r, m in marks.items() if m} == set(edited)
    window.filter_bar.corrected.setChecked(True)
    shown = {c.model.image_row(v) for v in range(c.model.rowCount())}
    assert shown == set(edited)
    row = show(c, "street_020")  # a third image joins the filtered list once corrected
    QTest.mousePress(view.viewport(), LEFT, NO_MOD, vp(view, 100.5, 100.5))
    QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, vp(view, 100.5, 100.5))
    assert {c.model.image_row(v) for v in range(c.model.rowCount())} == set(edited) | {row}
    window.close()  # the journal is replayed on open: the corrected marks survive a restart
    window2, c2 = open_app(qtbot, settings, project)
    assert sorted(c2.session.document.corrected_images) == sorted(edited + [row])
    assert c2.model.filter.corrected  # the filter is view state, restored too
    assert {c2.model.image_row(v) for v in range(c2.model.rowCount())} == set(edited) | {row}
