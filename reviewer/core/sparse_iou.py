"""Sparse prediction x GT IoU: only the pairs whose boxes meet, computed by compiled kernels.

The matcher and TIDE read the IoU of a group's predictions with the group's GT. Pairs whose boxes
do not overlap have IoU exactly 0 (``geometry.box_iou``: no positive width and height; for masks
pycocotools' ``rleIou`` starts from the mask boxes' IoU and leaves such pairs at 0), and a zero
never matches at a threshold above 0, never raises a best IoU above 0 and never wins an argmax
over zeros. So the kernels list, per prediction, only the GT whose box meets its box
(``Pairs``): a small group is scanned pair by pair, a large one (a crowded image) by a sweep over
the GT sorted by their left edge, per class of box width, so 100,000 + 100,000 boxes cost
~N log N instead of N^2. With an IoU threshold of 0 (every pair matches, even at IoU 0) every pair
is listed (``keep_all``).

IoU values are computed with the exact floating-point recipe of ``geometry.box_iou`` (boxes) and
pycocotools' ``rleIou`` (masks: integer run lengths, then one division), so every listed value
equals the dense one bit for bit; ``tests/core/test_kernels.py`` checks it against the numpy
reference on generated cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import njit

DENSE_PAIRS = 4096
"""Groups with at most this many prediction x GT pairs are scanned pair by pair."""


@dataclass(frozen=True)
class Groups:
    """Predictions and GT split into groups ((image, class) for matching, image for TIDE).

    dt: (D,) prediction rows, sorted by group then rank; dt_start: (G+1,) group g owns
        ``dt[dt_start[g]:dt_start[g+1]]``.
    gt: (E,) GT rows sorted by group then row; gt_lo, gt_hi: (G,) group g owns ``gt[gt_lo[g]:
        gt_hi[g]]`` (its *columns* 0..n-1 in that order, as the reference's padded buckets).
    """

    dt: np.ndarray
    dt_start: np.ndarray
    gt: np.ndarray
    gt_lo: np.ndarray
    gt_hi: np.ndarray

    def __len__(self) -> int:
        return len(self.dt_start) - 1


@dataclass(frozen=True)
class Pairs:
    """CSR list of prediction x GT pairs: position p of ``Groups.dt`` owns
    ``col[ptr[p]:ptr[p+1]]`` (GT columns of its group, any order) and their IoU ``iou``."""

    ptr: np.ndarray
    col: np.ndarray
    iou: np.ndarray


def make_groups(dt_rows: np.ndarray, dt_group: np.ndarray, gt_rows: np.ndarray,
                gt_group: np.ndarray) -> Groups:
    """dt_rows: (D,) prediction rows already ordered by (group, rank); dt_group: (D,) their
    group; gt_rows, gt_group: (E,) GT rows and groups in any order (sorted stably here)."""
    dt_rows = np.asarray(dt_rows, np.int64)
    dt_group = np.asarray(dt_group, np.int64)
    if len(dt_rows):
        starts = np.flatnonzero(np.r_[True, dt_group[1:] != dt_group[:-1]])
    else:
        starts = np.zeros(0, np.int64)
    groups = dt_group[starts]
    order = np.argsort(gt_group, kind="stable")
    gt_sorted = np.asarray(gt_rows, np.int64)[order]
    g_sorted = np.asarray(gt_group, np.int64)[order]
    return Groups(dt_rows, np.r_[starts, len(dt_rows)].astype(np.int64), gt_sorted,
                  np.searchsorted(g_sorted, groups, "left").astype(np.int64),
                  np.searchsorted(g_sorted, groups, "right").astype(np.int64))


def box_pairs(groups: Groups, dt_boxes: np.ndarray, gt_boxes: np.ndarray,
              gt_crowd: np.ndarray, keep_all: bool = False) -> Pairs:
    """Pairs of boxes that meet (all pairs with ``keep_all``); IoU as ``geometry.box_iou``.

    dt_boxes: (N, 4), gt_boxes: (M, 4) xywh float64 indexed by row; gt_crowd: (M,) bool."""
    dt_boxes = np.ascontiguousarray(dt_boxes, np.float64).reshape(-1, 4)
    gt_boxes = np.ascontiguousarray(gt_boxes, np.float64).reshape(-1, 4)
    crowd = np.ascontiguousarray(gt_crowd, np.bool_)
    counts = _box_counts(groups.dt, groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi,
                         dt_boxes, gt_boxes, keep_all)
    ptr = np.zeros(len(groups.dt) + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    col = np.empty(int(ptr[-1]), np.int64)
    iou = np.empty(int(ptr[-1]), np.float64)
    _box_fill(groups.dt, groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi, dt_boxes,
              gt_boxes, crowd, keep_all, ptr, col, iou)
    return Pairs(ptr, col, iou)


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
