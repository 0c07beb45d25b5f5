"""Very many boxes on one image: the canvas stays bounded (pytest-qt, offscreen).

Structural bounds, not timings: a source with more than ``DENSE_OBJECTS`` objects adds two
graphics items whatever its size; picking, highlighting, layer filters, labels when zoomed in
and editing with the select tool still work; a patched raster equals a fresh one.
"""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from reviewer.app import build
from reviewer.core.view_state import CanvasFrame, CanvasObject, LayerState
from reviewer.ui.canvas import dense
from reviewer.ui.canvas.view import CanvasView
from reviewer.ui.dialogs.factory import HeadlessDialogs

W, H = 4000, 3000


def _objects(n: int, seed: int = 0) -> tuple[CanvasObject, ...]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, [W - 60, H - 60], (n, 2))
    wh = rng.uniform(4, 40, (n, 2))
    out = []
    for source in ("gt", "pred"):
        for k in range(n):
            out.append(CanvasObject(source, k, k + 1, k % 5, f"class_{k % 5}",
                                    (*xy[k], *wh[k]),
                                    score=None if source == "gt" else float(k % 10) / 10,
                                    status="tp"))
    return tuple(out)


def _frame(objects) -> CanvasFrame:
    return CanvasFrame(np.zeros((H, W, 3), np.uint8), objects,
                       class_names=tuple(f"class_{c}" for c in range(5)))


@pytest.fixture
def view(qtbot):
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(1200, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def _painted(qtbot, view):
    view.viewport().update()
    qtbot.waitUntil(lambda: view.painted_frame is view.frame())
    view.viewport().repaint()


@pytest.mark.parametrize("n", [dense.DENSE_OBJECTS + 1, 20_000])
def test_scene_items_stay_bounded(view, n):
    view.set_frame(_frame(_objects(n)))
    scene = view.canvas_scene
    assert len(scene.items()) < 40  # image, overlays, containers, two dense items per source
    assert scene.boxes == {}
    assert all(len(scene.dense[s].boxes.objects) == n for s in ("gt", "pred"))


def test_below_the_threshold_objects_keep_their_items(view):
    n = dense.DENSE_OBJECTS
    view.set_frame(_frame(_objects(n)))
    assert len(view.canvas_scene.boxes) == 2 * n
    assert all(view.canvas_scene.dense[s].boxes is None for s in ("gt", "pred"))


def test_picking_highlight_and_lookup_work_on_dense_boxes(view):
    objects = _objects(5000)
    view.set_frame(_frame(objects))
    scene = view.canvas_scene
    target = objects[5000 + 17]  # a prediction
    x, y, w, h = target.box
    hit = scene.object_at(QPointF(x + w / 2, y + h / 2))
    inside = [o for o in objects if o.box[0] <= x + w / 2 <= o.box[0] + o.box[2]
              and o.box[1] <= y + h / 2 <= o.box[1] + o.box[3]]
    smallest = min(inside, key=lambda o: (o.area, o.source != "pred"))
    assert hit is not None and hit.area == smallest.area
    assert scene.object(target.key) is target
    assert view.highlight([target.key]) == [target.key]
    assert len(scene.highlight_layer.childItems()) == 1
    assert scene.object(("pred", 10**9)) is None


def test_layer_filters_apply_to_dense_boxes(view):
    objects = _objects(5000)
    view.set_frame(_frame(objects))
    state = LayerState(score_threshold=0.5).with_source("gt", classes=frozenset({1, 2}))
    view.set_layers(state)
    scene = view.canvas_scene
    for source in ("gt", "pred"):
        boxes = scene.dense[source].boxes
        expected = [state.shows(o) for o in objects if o.source == source]
        assert boxes.shown.tolist() == expected
    shown, _ = scene._pick
    assert len(shown) == sum(state.shows(o) for o in objects)


def test_fit_draws_a_raster_and_a_close_view_draws_vectors_and_labels(qtbot, view):
    view.set_frame(_frame(_objects(20_000)))
    _painted(qtbot, view)
    item = view.canvas_scene.dense["gt"]
    assert item.rasters_rendered == 1  # everything in view: one raster, not 20,000 strokes
    assert view.canvas_scene.dense_labels["gt"].drawn == 0  # no labels at this distance
    view.zoom_by(40.0)
    _painted(qtbot, view)
    labels = view.canvas_scene.dense_labels["gt"]
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    in_view = len(item.boxes.in_rect(seen))
    assert 0 < in_view <= dense.LABEL_LIMIT
    assert labels.drawn == in_view and item.rasters_rendered == 1


def test_patched_raster_equals_a_fresh_render(qtbot, view):
    objects = list(_objects(20_000))
    view.set_frame(_frame(tuple(objects)))
    _painted(qtbot, view)
    item = view.canvas_scene.dense["gt"]
    for k in (3, 250, 9000):
        x, y, w, h = objects[k].box
        objects[k] = replace(objects[k], box=(x + 37, y - 20, w + 5, h))
    frame = replace(view.frame(), objects=tuple(objects))
    view.set_frame(frame)
    _painted(qtbot, view)
    assert item.rasters_patched == 1 and item.rasters_rendered == 1
    patched = item._raster[1]
    fresh = item._render(item.boxes, item._raster[0])
    assert patched == fresh


def _crowded_project(root, n: int):
    """One 4000x3000 image (id 2) with n GT boxes and n predictions, and a small one (id 1)."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    cv2.imwrite(str(root / "images" / "crowd.jpg"), np.full((H, W, 3), 90, np.uint8))
    cv2.imwrite(str(root / "images" / "small.jpg"), np.full((48, 64, 3), 90, np.uint8))
    xy, wh = rng.uniform(0, [W - 60, H - 60], (n, 2)), rng.uniform(8, 60, (n, 2))
    gt = [{"id": k + 1, "image_id": 2, "category_id": 1 + k % 3, "iscrowd": 0,
           "bbox": [*xy[k], *wh[k]], "area": float(wh[k].prod())} for k in range(n)]
    pred = [{"image_id": 2, "category_id": 1 + k % 3, "score": 0.9,
             "bbox": [*(xy[k] - 1), *(wh[k] + 2)]} for k in range(n)]
    images = [{"id": 1, "file_name": "small.jpg", "width": 64, "height": 48},
              {"id": 2, "file_name": "crowd.jpg", "width": W, "height": H}]
    cats = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    (root / "gt.json").write_text(json.dumps({"images": images, "annotations": gt,
                                              "categories": cats}))
    (root / "pred.json").write_text(json.dumps(pred))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "crowd", "images": "images",
        "default_task": "detection", "detection": {"gt": "gt.json", "pred": "pred.json"}}))
    return root


@pytest.fixture
def crowded(qtbot, settings, tmp_path):
    root = _crowded_project(tmp_path / "p", dense.DENSE_OBJECTS + 500)
    window, c = build(str(root), settings, HeadlessDialogs())
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.loaded, timeout=60_000):
        pass
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    c.select_image(c.session.document.image_row(2))
    qtbot.waitUntil(lambda: c.frame is not None and len(c.frame.objects) > 1000)
    return window, c


def test_a_box_among_thousands_can_be_selected_and_moved(qtbot, crowded):
    window, c = crowded
    view, vp = window.canvas, window.canvas.viewport()
    scene = view.canvas_scene
    assert scene.dense["gt"].boxes is not None and len(scene.items()) < 200
    view.zoom_by(6.0)
    c.tools.activate("select")
    seen = view.mapToScene(vp.rect()).boundingRect()
    for obj in c.frame.objects_of("gt"):
        x, y, w, h = obj.box
        at = view.mapFromScene(QPointF(x + w / 2, y + h / 2))
        if seen.contains(x + w / 2, y + h / 2) and w * view.zoom() > 15:
            hit = scene.object_at(view.mapToScene(at))
            if hit is not None and hit.key == obj.key:
                break
    else:
        pytest.fail("no box to grab")
    before = c.session.history.index
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(vp, left, none, at)
    assert c.tools.selected == obj.key
    QTest.mouseMove(vp, at + QPoint(10, 5))
    QTest.mouseMove(vp, at + QPoint(30, 15))
    QTest.mouseRelease(vp, left, none, at + QPoint(30, 15))
    qtbot.waitUntil(lambda: c.session.history.index == before + 1)
    moved = c.session.document.gt_object(obj.ann_id)["bbox"]
    assert moved[0] == pytest.approx(x + 30 / view.zoom(), abs=1.0)
    new = scene.object(obj.key)
    assert new is not None and new.box[0] == pytest.approx(moved[0])
    assert len(scene.items()) < 200 and scene.boxes == {}
