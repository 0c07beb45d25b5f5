"""The semantic edit builders draw inside a window around the gesture only: the result must be
exactly what drawing on the full mask gives (the full-canvas drawing is the oracle here)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from reviewer.core import raster
from reviewer.core.commands import decode_patch


def _apply(gt, cmd):
    out = gt.copy()
    if cmd is not None:
        patch = decode_patch(cmd.after)
        assert np.array_equal(decode_patch(cmd.before), gt[cmd.y:cmd.y + patch.shape[0],
                                                           cmd.x:cmd.x + patch.shape[1]])
        out[cmd.y:cmd.y + patch.shape[0], cmd.x:cmd.x + patch.shape[1]] = patch
    return out


def _full_stroke(shape, points, r):
    canvas = np.zeros(shape, np.uint8)
    pts = [(int(round(x)), int(round(y))) for x, y in points]
    for p in pts:
        cv2.circle(canvas, p, r, 1, thickness=-1, lineType=cv2.LINE_8)
    for a, b in zip(pts, pts[1:], strict=False):
        cv2.line(canvas, a, b, 1, thickness=2 * r + 1, lineType=cv2.LINE_8)
    return canvas.astype(bool)


def _full_polygon(shape, polygon):
    canvas = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(canvas, [pts], 1, lineType=cv2.LINE_8)
    return canvas.astype(bool)


def _labels(rng, h=90, w=130):
    return cv2.resize(rng.integers(0, 5, (9, 13), dtype=np.uint8), (w, h),
                      interpolation=cv2.INTER_NEAREST)


def _points(rng, n, h, w):
    # half-pixel coordinates (rounding ties) and points outside the mask on purpose
    return [(float(x), float(y)) for x, y in
            np.round(rng.uniform([-40, -40], [w + 40, h + 40], (n, 2)) * 2) / 2]


@pytest.mark.parametrize("seed", range(40))
def test_brush_equals_full_canvas_drawing(seed):
    rng = np.random.default_rng(seed)
    gt = _labels(rng)
    points, r, value = _points(rng, int(rng.integers(1, 6)), *gt.shape), int(rng.integers(0, 9)), 7
    protect = rng.random(gt.shape) < 0.2 if seed % 2 else None
    expected = gt.copy()
    hit = _full_stroke(gt.shape, points, r)
    if protect is not None:
        hit &= ~protect
    expected[hit] = value
    assert np.array_equal(_apply(gt, raster.brush("a", gt, points, r, value, protect)), expected)


@pytest.mark.parametrize("seed", range(40))
def test_polygon_fill_and_copy_prediction_equal_full_canvas_drawing(seed):
    rng = np.random.default_rng(100 + seed)
    gt, pred = _labels(rng), _labels(rng)
    polygon = _points(rng, int(rng.integers(3, 7)), *gt.shape)
    inside = _full_polygon(gt.shape, polygon)
    filled = gt.copy()
    filled[inside] = 6
    assert np.array_equal(_apply(gt, raster.polygon_fill("a", gt, polygon, 6)), filled)
    classes = [1, 3] if seed % 2 else None
    take = inside & (np.isin(pred, classes) if classes else True)
    copied = gt.copy()
    copied[take] = pred[take]
    got = _apply(gt, raster.copy_prediction("a", gt, pred, polygon, classes))
    assert np.array_equal(got, copied)
    # only into the unlabeled value 0, the ignore value 255 and values beyond 5 classes
    gt[::7, ::5] = 255
    take = inside & np.isin(gt, [0, 255]) | inside & (gt >= 5)
    copied = gt.copy()
    copied[take] = pred[take]
    cmd = raster.copy_prediction("a", gt, pred, polygon, into=[0, 255], num_classes=5)
    assert np.array_equal(_apply(gt, cmd), copied)
    if cmd is not None:
        changed = copied != gt
        pairs = {}
        for o, n in zip(gt[changed].tolist(), copied[changed].tolist(), strict=True):
            pairs[(o, n)] = pairs.get((o, n), 0) + 1
        assert {(o, n): k for o, n, k in raster.paint_changes(cmd)} == pairs


def test_gestures_entirely_outside_the_mask_change_nothing():
    gt = np.zeros((20, 30), np.uint8)
    assert raster.brush("a", gt, [(-50, -50), (-40, -45)], 3, 1) is None
    assert raster.polygon_fill("a", gt, [(100, 100), (120, 100), (110, 120)], 1) is None
    assert raster.brush("a", gt, [], 3, 1) is None
