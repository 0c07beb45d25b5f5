"""Semantic-mask edits as patches: brush, eraser, polygon fill, flood fill, copy-from-prediction.

Each function takes the current GT mask (H, W) and returns a ``PaintMask`` command holding only the
changed rectangle before and after — small journal entries, exact undo. Rasterisation uses OpenCV
(a Qt-free C library, like pycocotools' RLE codec): full resolution, no anti-aliasing.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import commands as C


def _patch_command(image_id, gt: np.ndarray, new: np.ndarray) -> C.PaintMask | None:
    """Command for the bounding rectangle of the pixels that differ (None when nothing does)."""
    ys, xs = np.nonzero(gt != new)
    if not len(ys):
        return None
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    return C.PaintMask(image_id, y0, x0, C.encode_patch(gt[y0:y1, x0:x1]),
                       C.encode_patch(new[y0:y1, x0:x1]))


def _stroke_mask(shape, points, radius: int) -> np.ndarray:
    """(H, W) bool: a round brush of ``radius`` px dragged along ``points`` [(x, y), ...]."""
    canvas = np.zeros(shape, np.uint8)
    pts = [(int(round(x)), int(round(y))) for x, y in points]
    r = max(int(radius), 0)
    for p in pts:
        cv2.circle(canvas, p, r, 1, thickness=-1, lineType=cv2.LINE_8)
    for a, b in zip(pts, pts[1:], strict=False):
        cv2.line(canvas, a, b, 1, thickness=2 * r + 1, lineType=cv2.LINE_8)
    return canvas.astype(bool)


def brush(image_id, gt: np.ndarray, points, radius: int, value: int,
          protect=None) -> C.PaintMask | None:
    """Paint class ``value`` along a stroke (the eraser paints the ignore / unlabeled value).

    protect: optional (H, W) bool of pixels the stroke must not change.
    """
    hit = _stroke_mask(gt.shape, points, radius)
    if protect is not None:
        hit &= ~protect
    new = gt.copy()
    new[hit] = value
    return _patch_command(image_id, gt, new)


def polygon_fill(image_id, gt: np.ndarray, polygon, value: int) -> C.PaintMask | None:
    """Fill a polygon [(x, y), ...] with class ``value``."""
    canvas = np.zeros(gt.shape, np.uint8)
    pts = np.round(np.asarray(polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(canvas, [pts], 1, lineType=cv2.LINE_8)
    new = gt.copy()
    new[canvas.astype(bool)] = value
    return _patch_command(image_id, gt, new)


def flood_fill(image_id, gt: np.ndarray, seed, value: int) -> C.PaintMask | None:
    """Fill the 4-connected region of equal class around ``seed`` (x, y) with ``value``."""
    x, y = (int(round(v)) for v in seed)
    if not (0 <= y < gt.shape[0] and 0 <= x < gt.shape[1]):
        return None
    region = (gt == gt[y, x]).astype(np.uint8)
    count, labels = cv2.connectedComponents(region, connectivity=4)
    new = gt.copy()
    new[labels == labels[y, x]] = value
    return _patch_command(image_id, gt, new)


def copy_prediction(image_id, gt: np.ndarray, pred: np.ndarray, polygon,
                    classes=None) -> C.PaintMask | None:
    """Inside ``polygon``, set GT to the prediction (optionally only where it predicts ``classes``).

    The "unlabeled road the model got right" fix: outline the road, copy the model's pixels.
    """
    canvas = np.zeros(gt.shape, np.uint8)
    pts = np.round(np.asarray(polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(canvas, [pts], 1, lineType=cv2.LINE_8)
    take = canvas.astype(bool)
    if classes is not None:
        take &= np.isin(pred, list(classes))
    new = gt.copy()
    new[take] = pred[take].astype(gt.dtype)
    return _patch_command(image_id, gt, new)
