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

    def largest(self) -> int:
        """The most prediction x GT pairs of one group (0 when there is none)."""
        pairs = np.diff(self.dt_start) * (self.gt_hi - self.gt_lo)
        return int(pairs.max()) if len(pairs) else 0


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
    from .box_kernel import _box_counts, _box_fill
    counts = _box_counts(groups.dt, groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi,
                         dt_boxes, gt_boxes, keep_all)
    ptr = np.zeros(len(groups.dt) + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    col = np.empty(int(ptr[-1]), np.int64)
    iou = np.empty(int(ptr[-1]), np.float64)
    _box_fill(groups.dt, groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi, dt_boxes,
              gt_boxes, crowd, keep_all, ptr, col, iou)
    return Pairs(ptr, col, iou)
