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


def _window(shape, points, margin: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1): the rectangle of ``shape`` within ``margin`` px of the rounded
    ``points`` (None when it is empty). Drawing is done inside it only: a stroke or polygon
    touches a few thousand pixels of a 12-Mpixel mask, so this keeps a 4000x3000 edit cheap."""
    pts = np.round(np.asarray(points, np.float64).reshape(-1, 2))
    if not len(pts):
        return None
    x0, y0 = (int(v) - margin for v in pts.min(axis=0))
    x1, y1 = (int(v) + margin + 1 for v in pts.max(axis=0))
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])
    return None if x0 >= x1 or y0 >= y1 else (y0, y1, x0, x1)


def _shifted(points, y0: int, x0: int) -> list[tuple[int, int]]:
    """Points rounded in image coordinates, then moved to a window at (y0, x0)."""
    return [(int(round(x)) - x0, int(round(y)) - y0) for x, y in points]


def _window_command(image_id, gt: np.ndarray, win, new_sub: np.ndarray) -> C.PaintMask | None:
    """``_patch_command`` of a window whose new content is ``new_sub``."""
    y0, y1, x0, x1 = win
    cmd = _patch_command(image_id, gt[y0:y1, x0:x1], new_sub)
    if cmd is None:
        return None
    return C.PaintMask(image_id, cmd.y + y0, cmd.x + x0, cmd.before, cmd.after)


def brush(image_id, gt: np.ndarray, points, radius: int, value: int,
          protect=None) -> C.PaintMask | None:
    """Paint class ``value`` along a stroke (the eraser paints the ignore / unlabeled value).

    protect: optional (H, W) bool of pixels the stroke must not change.
    """
    r = max(int(radius), 0)
    win = _window(gt.shape, points, r + 2)
    if win is None:
        return None
    y0, y1, x0, x1 = win
    hit = _stroke_mask((y1 - y0, x1 - x0), _shifted(points, y0, x0), r)
    if protect is not None:
        hit &= ~protect[y0:y1, x0:x1]
    new = gt[y0:y1, x0:x1].copy()
    new[hit] = value
    return _window_command(image_id, gt, win, new)


def _polygon_window(gt: np.ndarray, polygon):
    """(window, (h, w) bool inside-polygon mask of the window), or (None, None)."""
    win = _window(gt.shape, polygon, 1)
    if win is None:
        return None, None
    y0, y1, x0, x1 = win
    canvas = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.asarray(_shifted(polygon, y0, x0), np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(canvas, [pts], 1, lineType=cv2.LINE_8)
    return win, canvas.astype(bool)


def polygon_fill(image_id, gt: np.ndarray, polygon, value: int) -> C.PaintMask | None:
    """Fill a polygon [(x, y), ...] with class ``value``."""
    win, inside = _polygon_window(gt, polygon)
    if win is None:
        return None
    y0, y1, x0, x1 = win
    new = gt[y0:y1, x0:x1].copy()
    new[inside] = value
    return _window_command(image_id, gt, win, new)


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


def copy_prediction(image_id, gt: np.ndarray, pred: np.ndarray, polygon, classes=None,
                    into=None, num_classes: int | None = None) -> C.PaintMask | None:
    """Inside ``polygon``, set GT to the prediction.

    The "unlabeled road the model got right" fix: outline the road, copy the model's pixels.
    classes: take only the pixels the model predicts as one of these (None: any class).
    into: the GT values that may be replaced (e.g. the unlabeled class and the ignore value, so
        correct labels inside the outline stay as they are); None replaces every pixel. With
        ``num_classes``, GT values outside ``0..num_classes-1`` count as replaceable too.
    """
    win, take = _polygon_window(gt, polygon)
    if win is None:
        return None
    y0, y1, x0, x1 = win
    sub_pred, sub_gt = pred[y0:y1, x0:x1], gt[y0:y1, x0:x1]
    if classes is not None:
        take &= np.isin(sub_pred, list(classes))
    if into is not None:
        writable = np.isin(sub_gt, list(into))
        if num_classes is not None:
            writable |= sub_gt >= num_classes
        take &= writable
    new = sub_gt.copy()
    new[take] = sub_pred[take].astype(gt.dtype)
    return _window_command(image_id, gt, win, new)


def paint_changes(cmd: C.PaintMask) -> list[tuple[int, int, int]]:
    """(old value, new value, pixels) of every change a paint makes, most pixels first."""
    before, after = C.decode_patch(cmd.before), C.decode_patch(cmd.after)
    changed = before != after
    pairs = np.stack([before[changed], after[changed]], axis=1).astype(np.int64)
    if not len(pairs):
        return []
    values, counts = np.unique(pairs, axis=0, return_counts=True)
    out = [(int(o), int(n), int(k)) for (o, n), k in zip(values, counts, strict=True)]
    return sorted(out, key=lambda t: -t[2])
