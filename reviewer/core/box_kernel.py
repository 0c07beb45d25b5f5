"""The numba kernels behind ``sparse_iou.box_pairs`` (imported only when they run, so that
scoring a small project never pays for importing numba)."""

from __future__ import annotations

import numpy as np

from .jit import njit
from .sparse_iou import DENSE_PAIRS


@njit
def _meets(d, i, g, j) -> bool:
    """Boxes d[i] and g[j] overlap with a positive width and height (``box_iou``'s
    ``positive``). Kernels pass whole arrays and row numbers: a row view would cost a
    reference count per pair."""
    w = min(d[i, 2] + d[i, 0], g[j, 2] + g[j, 0]) - max(d[i, 0], g[j, 0])
    h = min(d[i, 3] + d[i, 1], g[j, 3] + g[j, 1]) - max(d[i, 1], g[j, 1])
    return w > 0 and h > 0


@njit
def _box_iou1(d, i, g, j, crowd: bool) -> float:
    """IoU of boxes d[i] and g[j], operation by operation as ``geometry.box_iou`` (IEEE
    division: x / 0 is inf and 0 / 0 nan, as numpy gives)."""
    w = min(d[i, 2] + d[i, 0], g[j, 2] + g[j, 0]) - max(d[i, 0], g[j, 0])
    h = min(d[i, 3] + d[i, 1], g[j, 3] + g[j, 1]) - max(d[i, 1], g[j, 1])
    if not (w > 0 and h > 0):
        return 0.0
    da = d[i, 2] * d[i, 3]
    inter = w * h
    union = da if crowd else da + g[j, 2] * g[j, 3] - inter
    return inter / union


@njit
def _sweep_index(gt, lo, hi, gt_boxes):
    """GT of one group sorted by left edge, per class of width (powers of two):
    -> (order (n,) columns, xs (n,) their left edges, class_start (C+1,), class_width (C,)
    the widest box of each class)."""
    n = hi - lo
    cls = np.empty(n, np.int64)
    for j in range(n):
        w = gt_boxes[gt[lo + j], 2]
        cls[j] = 0 if not (w > 1.0) else min(int(np.log2(w)) + 1, 62)
    n_cls = cls.max() + 1 if n else 0
    x = np.empty(n, np.float64)
    for j in range(n):
        x[j] = gt_boxes[gt[lo + j], 0]
    key = np.argsort(x, kind="mergesort")
    order = key[np.argsort(cls[key], kind="mergesort")]
    class_start = np.zeros(n_cls + 1, np.int64)
    class_width = np.zeros(max(n_cls, 1), np.float64)
    for j in range(n):
        c = cls[j]
        class_start[c + 1] += 1
        class_width[c] = max(class_width[c], gt_boxes[gt[lo + j], 2])
    for c in range(n_cls):
        class_start[c + 1] += class_start[c]
    return order, x[order], class_start, class_width


@njit
def _sweep_candidates(dt_boxes, r, index, lo, gt, gt_boxes, out):
    """Columns of the group's GT whose box meets box ``dt_boxes[r]`` (written into ``out``)
    -> count.

    A GT box starting at or right of d's right edge cannot meet it; one starting more than
    twice its class's widest box (+1) left of d's left edge ends before d starts."""
    order, xs, class_start, class_width = index
    x0 = dt_boxes[r, 0]
    right = x0 + dt_boxes[r, 2]
    k = 0
    for c in range(len(class_start) - 1):
        a, b = class_start[c], class_start[c + 1]
        if a == b:
            continue
        left = x0 - 2.0 * class_width[c] - 1.0
        i = a + np.searchsorted(xs[a:b], left)
        while i < b and xs[i] < right:
            col = order[i]
            if _meets(dt_boxes, r, gt_boxes, gt[lo + col]):
                out[k] = col
                k += 1
            i += 1
    return k


@njit
def _box_counts(dt, dt_start, gt, gt_lo, gt_hi, dt_boxes, gt_boxes, keep_all):
    counts = np.zeros(len(dt), np.int64)
    for g in range(len(dt_start) - 1):
        lo, hi = gt_lo[g], gt_hi[g]
        n = hi - lo
        if n == 0:
            continue
        d0, d1 = dt_start[g], dt_start[g + 1]
        if keep_all:
            counts[d0:d1] = n
        elif (d1 - d0) * n <= DENSE_PAIRS:
            for p in range(d0, d1):
                for j in range(n):
                    if _meets(dt_boxes, dt[p], gt_boxes, gt[lo + j]):
                        counts[p] += 1
        else:
            index = _sweep_index(gt, lo, hi, gt_boxes)
            buf = np.empty(n, np.int64)
            for p in range(d0, d1):
                counts[p] = _sweep_candidates(dt_boxes, dt[p], index, lo, gt, gt_boxes, buf)
    return counts


@njit
def _box_fill(dt, dt_start, gt, gt_lo, gt_hi, dt_boxes, gt_boxes, crowd, keep_all, ptr, col,
              iou):
    for g in range(len(dt_start) - 1):
        lo, hi = gt_lo[g], gt_hi[g]
        n = hi - lo
        if n == 0:
            continue
        d0, d1 = dt_start[g], dt_start[g + 1]
        dense = keep_all or (d1 - d0) * n <= DENSE_PAIRS
        index = _sweep_index(gt, lo, lo if dense else hi, gt_boxes)
        buf = np.empty(0 if dense else n, np.int64)
        for p in range(d0, d1):
            r = dt[p]
            q = ptr[p]
            if dense:
                for j in range(n):
                    if keep_all or _meets(dt_boxes, r, gt_boxes, gt[lo + j]):
                        col[q] = j
                        iou[q] = _box_iou1(dt_boxes, r, gt_boxes, gt[lo + j], crowd[gt[lo + j]])
                        q += 1
            else:
                k = _sweep_candidates(dt_boxes, r, index, lo, gt, gt_boxes, buf)
                for i in range(k):
                    j = buf[i]
                    col[q] = j
                    iou[q] = _box_iou1(dt_boxes, r, gt_boxes, gt[lo + j], crowd[gt[lo + j]])
                    q += 1
