"""The image canvas: layers, class visibility, opacity, errors mode, panes, hover, click, zoom."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from pycocotools import mask as mask_utils

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QPainter, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reviewer.core.view_state import CanvasFrame, CanvasObject, LayerState  # noqa: E402
from reviewer.ui.canvas import CanvasView, CanvasWidget, SideBySideView, palette  # noqa: E402
from reviewer.ui.canvas.raster import FILL_ALPHA  # noqa: E402
from reviewer.ui.canvas.rle_crop import rle_crop  # noqa: E402

W, H, IGNORE = 200, 120, 255
COLORS = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200]], dtype=np.uint8)


def _rect_mask(x, y, w, h) -> np.ndarray:
    m = np.zeros((H, W), dtype=np.uint8)
    m[y:y + h, x:x + w] = 1
    return m


def _objects() -> tuple[CanvasObject, ...]:
    o = CanvasObject
    return (
        o("gt", 0, 1, 0, "car", (10, 10, 60, 40), mask=_rect_mask(10, 10, 60, 40)),
        o("pred", 0, 11, 0, "car", (14, 14, 40, 30), score=0.9, iou=0.81, matched_ann_id=1,
          mask=mask_utils.encode(np.asfortranarray(_rect_mask(14, 14, 40, 30)))),
        o("pred", 1, 12, 1, "tree", (100, 20, 30, 30), score=0.7, status="fp",
          error_type="loc", iou=0.3),
        o("gt", 1, 2, 2, "sky", (140, 60, 40, 40), status="fn", error_type="miss"),
        o("pred", 2, 13, 2, "sky", (90, 70, 20, 20), score=0.6, status="fp", error_type="cls"),
        o("gt", 2, 3, 1, "tree", (5, 80, 20, 20), status="ignored"),
        o("pred", 3, 14, 1, "tree", (30, 90, 10, 10), score=0.2, status="below threshold"),
    )


def _semantic() -> tuple[np.ndarray, np.ndarray]:
    gt = np.zeros((H, W), dtype=np.uint8)
    gt[:, W // 2:] = 1
    gt[100:, :20] = IGNORE
    gt[:20, 150:] = 2
    pred = gt.copy()
    pred[30:60, 80:120] = 2      # gt 1 or 0 predicted as 2
    pred[100:, :20] = 0          # under ignore: no error
    return gt, pred


def make_frame(**changes) -> CanvasFrame:
    gt, pred = _semantic()
    rng = np.random.default_rng(0)
    frame = CanvasFrame(image=rng.integers(0, 255, (H, W, 3), dtype=np.uint8), objects=_objects(),
                        semantic_gt=gt, semantic_pred=pred, class_names=("car", "tree", "sky"),
                        class_colors=COLORS, ignore_index=IGNORE)
    return replace(frame, **changes)


def qimage_array(image: QImage) -> np.ndarray:
    """(H,W,4) uint8 BGRA (little-endian ARGB32) copy of a QImage."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    arr = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return arr.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()].copy()


@pytest.fixture
def view(qtbot):
    v = CanvasView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    qtbot.waitExposed(v)
    v.set_frame(make_frame())
    return v


def _wheel(view: CanvasView, pos: QPoint, steps: int) -> None:
    global_pos = QPointF(view.viewport().mapToGlobal(pos))
    event = QWheelEvent(QPointF(pos), global_pos, QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def _to_view(view: CanvasView, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def test_item_counts_per_layer(view):
    frame = view.frame()
    for source in ("gt", "pred"):
        expected = [o.ann_id for o in frame.objects_of(source)
                    if o.score is None or o.score >= view.canvas_scene.state.score_threshold]
        shown = sorted(i.obj.ann_id for i in view.canvas_scene.box_items(source))
        assert shown == sorted(expected)
        assert len(view.canvas_scene.box_items(source, visible_only=False)) == len(
            frame.objects_of(source))


def test_score_threshold_hides_low_predictions(view):
    view.set_layers(LayerState(score_threshold=0.65))
    shown = {i.obj.ann_id for i in view.canvas_scene.box_items("pred")}
    expected = {o.ann_id for o in view.frame().objects_of("pred") if o.score >= 0.65}
    assert shown == expected and 13 not in shown


def test_hiding_a_class_hides_its_boxes_and_semantic_pixels(view):
    scene = view.canvas_scene
    gt_labels = view.frame().semantic_gt
    ys, xs = np.nonzero(gt_labels == 1)
    y1, x1 = int(ys[0]), int(xs[0])
    ys0, xs0 = np.nonzero(gt_labels == 0)
    before = scene.semantic_items["gt"].image()
    assert before.pixelColor(x1, y1).alpha() > 0
    state = LayerState().with_source("gt", classes=frozenset({0, 2}))
    view.set_layers(state)
    after = scene.semantic_items["gt"].image()
    assert after.pixelColor(x1, y1).alpha() == 0
    assert after.pixelColor(int(xs0[0]), int(ys0[0])).alpha() > 0
    gt_shown = {i.obj.class_index for i in scene.box_items("gt")}
    assert 1 not in gt_shown and {0, 2} <= gt_shown
    assert 1 in {i.obj.class_index for i in scene.box_items("pred")}  # other source unchanged


def test_incremental_class_toggles_equal_a_fresh_render(view):
    scene = view.canvas_scene
    for classes in ({0, 2}, {2}, None, {1}, {0, 1, 2}, {0}):
        state = LayerState().with_source("gt", classes=None if classes is None
                                         else frozenset(classes))
        view.set_layers(state)
        fresh = CanvasView()
        fresh.canvas_scene.set_layers(state)
        fresh.canvas_scene.set_frame(view.frame())
        assert np.array_equal(scene.semantic_items["gt"].raster(),
                              fresh.canvas_scene.semantic_items["gt"].raster())
        fresh.deleteLater()


def test_semantic_overlay_matches_labels_and_ignore_is_transparent(view):
    labels = view.frame().semantic_gt
    alpha = qimage_array(view.canvas_scene.semantic_items["gt"].image())[..., 3]
    expected = labels != IGNORE
    assert np.array_equal(alpha > 0, expected)


def test_class_toggle_reuses_decoded_masks_and_image(view, monkeypatch):
    from reviewer.ui.canvas import overlays
    calls = []
    real = overlays.object_crop
    monkeypatch.setattr(overlays, "object_crop", lambda *a: calls.append(a) or real(*a))
    pixmap_key = view.canvas_scene.image_item.pixmap().cacheKey()
    view.set_layers(LayerState().with_source("pred", classes=frozenset({1})))
    view.set_layers(LayerState())
    assert calls == []
    assert view.canvas_scene.image_item.pixmap().cacheKey() == pixmap_key


def test_instance_masks_from_rle_and_array(view):
    view.set_layers(LayerState().with_source("pred", fill=True))  # default: outlined
    alpha = qimage_array(view.canvas_scene.instance_items["pred"].image())[..., 3]
    pred = view.frame().objects[1]
    decoded = mask_utils.decode(pred.mask).astype(bool)
    assert np.array_equal(alpha > 0, decoded)
    gt_alpha = qimage_array(view.canvas_scene.instance_items["gt"].image())[..., 3]
    assert np.array_equal(gt_alpha > 0, view.frame().objects[0].mask.astype(bool))


def test_rle_crop_matches_pycocotools():
    rng = np.random.default_rng(1)
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 50, 2))
        m = (rng.random((h, w)) < rng.random()).astype(np.uint8)
        full = mask_utils.decode(mask_utils.encode(np.asfortranarray(m))).astype(bool)
        crop = rle_crop(mask_utils.encode(np.asfortranarray(m)))
        if not full.any():
            assert crop is None
            continue
        y0, x0, c = crop
        rebuilt = np.zeros_like(full)
        rebuilt[y0:y0 + c.shape[0], x0:x0 + c.shape[1]] = c
        assert np.array_equal(rebuilt, full)


def _render_alpha(scene, x: int, y: int) -> int:
    image = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    scene.render(painter, image.rect().toRectF(), scene.image_rect())
    painter.end()
    return image.pixelColor(x, y).alpha()


def test_opacity_is_applied_to_the_layer(view):
    scene = view.canvas_scene
    state = LayerState(show_image=False).with_source("gt", visible=False).with_source(
        "pred", opacity=0.5, fill=True, show_masks=False, show_boxes=False)
    view.set_layers(state)
    x, y = 60, 110  # pred semantic class 0, no box, no ignore
    assert view.frame().semantic_pred[y, x] == 0
    assert _render_alpha(scene, x, y) == pytest.approx(255 * FILL_ALPHA * 0.5, abs=3)
    view.set_layers(state.with_source("pred", opacity=1.0))
    assert _render_alpha(scene, x, y) == pytest.approx(255 * FILL_ALPHA, abs=3)


@pytest.mark.parametrize("ann_id, source, rgb, dashed", [
    (11, "pred", palette.TP, False),
    (12, "pred", palette.FP, False),
    (13, "pred", palette.MISCLASSIFIED, False),
    (2, "gt", palette.FN, True),
    (3, "gt", palette.IGNORED, True),
])
def test_error_mode_colours(view, ann_id, source, rgb, dashed):
    view.set_layers(LayerState(view_mode="errors"))
    item = view.canvas_scene.boxes[(source, ann_id)]
    pen = item.pen()
    assert (pen.color().red(), pen.color().green(), pen.color().blue()) == rgb
    assert (pen.style() == Qt.PenStyle.CustomDashLine) == dashed
    assert pen.isCosmetic()
    assert view.legend.isVisible() and "True positive" in [e[0] for e in view.legend.entries]


def test_semantic_error_map(view):
    view.set_layers(LayerState(view_mode="errors"))
    gt, pred = view.frame().semantic_gt, view.frame().semantic_pred
    wrong = (gt != pred) & (gt != IGNORE)
    argb = qimage_array(view.canvas_scene.error_item.image())
    assert np.array_equal(argb[..., 3] > 0, wrong)
    assert not view.canvas_scene.semantic_items["gt"].isVisible()
    # hide GT class 0: its wrong pixels turn to the "extra" tone of the predicted class (orange)
    view.set_layers(LayerState(view_mode="errors").with_source("gt", classes=frozenset({1, 2})))
    argb = qimage_array(view.canvas_scene.error_item.image())
    ys, xs = np.nonzero(wrong & (gt == 0))
    b, g, r = (int(v) for v in argb[ys[0], xs[0], :3])
    assert r > b and g > b  # orange-ish (red and green over blue)
    ys, xs = np.nonzero(wrong & (gt == 1))
    b, g, r = (int(v) for v in argb[ys[0], xs[0], :3])
    assert r > 2 * g and r > 2 * b  # red tone


def test_hover_shows_tooltip_of_smallest_box(view, qtbot):
    obj = view.frame().objects[1]  # pred inside the larger GT box
    x, y = obj.box[0] + obj.box[2] / 2, obj.box[1] + obj.box[3] / 2
    with qtbot.waitSignal(view.object_hovered) as blocker:
        qtbot.mouseMove(view.viewport(), _to_view(view, x, y))
    assert blocker.args == ["pred", 11]
    text = view.hover_text
    for part in ("car", "0.90", "IoU 0.81", "tp"):
        assert part in text
    gt = view.frame().objects[0]
    with qtbot.waitSignal(view.object_hovered) as blocker:
        qtbot.mouseMove(view.viewport(), _to_view(view, gt.box[0] + 2, gt.box[1] + 2))
    assert blocker.args == ["gt", 1]


def test_click_emits_ann_id_and_highlights(view, qtbot):
    obj = view.frame().objects[2]
    pos = _to_view(view, obj.box[0] + 5, obj.box[1] + 5)
    with qtbot.waitSignal(view.object_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["pred", 12]
    outlines = view.canvas_scene.highlight_layer.childItems()
    assert [o.obj.key for o in outlines] == [("pred", 12)]


def test_missing_image_shows_placeholder(qtbot):
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    view.set_frame(make_frame(image=None, placeholder_text="Image file not found: a.jpg"))
    assert view.message.isVisible() and view.message.text == "Image file not found: a.jpg"
    pixmap = view.canvas_scene.image_item.pixmap()
    assert (pixmap.width(), pixmap.height()) == (W, H)
    color = pixmap.toImage().pixelColor(5, 5)
    assert color.red() == color.green() == color.blue()
    view.set_frame(make_frame())
    assert not view.message.isVisible()


def test_wheel_zoom_keeps_point_under_cursor(view):
    pos = QPoint(130, 90)
    before = view.mapToScene(pos)
    zoom = view.zoom()
    _wheel(view, pos, 2)
    assert view.zoom() == pytest.approx(zoom * 1.25 ** 2)
    after = view.mapToScene(pos)
    tolerance = 1.0 / view.zoom()
    assert abs(after.x() - before.x()) <= tolerance and abs(after.y() - before.y()) <= tolerance
    view.actual_size()
    assert view.zoom() == pytest.approx(1.0)
    view.fit()
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(
        view.canvas_scene.image_rect())


def _pane_centres(panes):
    return [p.mapToScene(p.viewport().rect().center()) for p in panes]


def test_side_by_side_panes_stay_in_sync(qtbot):
    sbs = SideBySideView()
    qtbot.addWidget(sbs)
    sbs.resize(960, 320)
    sbs.show()
    qtbot.waitExposed(sbs)
    sbs.set_frame(make_frame())
    sbs.set_layers(LayerState(view_mode="side_by_side"))
    image, gt, pred = sbs.views()
    assert not gt.canvas_scene.box_items("pred") and gt.canvas_scene.box_items("gt")
    assert not image.canvas_scene.box_items("gt") and not image.canvas_scene.box_items("pred")
    _wheel(gt, QPoint(40, 50), 3)
    assert image.transform() == gt.transform() == pred.transform()
    before = _pane_centres([image])[0]
    qtbot.mousePress(pred.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    for step in range(1, 6):
        qtbot.mouseMove(pred.viewport(), QPoint(100 - 8 * step, 100 - 5 * step))
    qtbot.mouseRelease(pred.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 75))
    centres = _pane_centres(sbs.views())
    assert centres[0].x() - before.x() == pytest.approx(40 / gt.zoom(), abs=1.5 / gt.zoom())
    assert centres[0].y() - before.y() == pytest.approx(25 / gt.zoom(), abs=1.5 / gt.zoom())
    for c in centres[1:]:
        assert abs(c.x() - centres[0].x()) <= 1.0 / gt.zoom() + 1e-9
        assert abs(c.y() - centres[0].y()) <= 1.0 / gt.zoom() + 1e-9
    assert image.horizontalScrollBar().value() == pred.horizontalScrollBar().value()


def test_canvas_widget_switches_to_side_by_side(qtbot):
    canvas = CanvasWidget()
    qtbot.addWidget(canvas)
    canvas.resize(900, 300)
    canvas.show()
    canvas.set_frame(make_frame())
    canvas.highlight([("gt", 1)])
    canvas.set_layers(LayerState(view_mode="side_by_side"))
    assert canvas.current() is canvas.side_by_side
    gt_pane = canvas.side_by_side.panes["gt"]
    assert gt_pane.frame() is not None and gt_pane.canvas_scene.highlight_layer.childItems()
    canvas.set_layers(LayerState(view_mode="errors"))
    assert canvas.current() is canvas.single and canvas.single.legend.isVisible()


def test_labels_show_class_and_score(view):
    label = view.canvas_scene.boxes[("pred", 11)].label
    assert label.text == "car 0.90" and label.isVisible()
    view.set_layers(LayerState(show_labels=False))
    assert not label.isVisible()
