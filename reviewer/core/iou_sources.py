"""Where the matcher and TIDE get prediction x GT IoU from: boxes, masks, or a cached matrix.

Each source answers two ways, one per implementation of the matcher:

- ``source(bucket) -> (B, D, G)`` dense IoU of a ``matching.Bucket``'s pairs, -1 for padding:
  the numpy reference path (``matching.match``, ``tide.classify`` without numba);
- ``source.pairs(groups, keep_all) -> sparse_iou.Pairs``: only the pairs whose boxes meet (every
  pair with ``keep_all``), for the compiled kernels (``core.jit``).

``source.rows(dt_rows, gt_rows) -> (K,)`` is the IoU of K given (prediction, GT) row pairs.
"""

from __future__ import annotations

import numpy as np

from . import masks as mask_ops
from . import sparse_iou
from .geometry import box_iou


def _padding(b) -> np.ndarray:
    return (b.dt_rows[:, :, None] >= 0) & (b.gt_rows[:, None, :] >= 0)


class BoxIou:
    """Box IoU (``geometry.box_iou``, crowd rule) of prediction rows with GT rows.

    dt_boxes: (N, 4), gt_boxes: (M, 4) xywh; gt_crowd: (M,) bool."""

    def __init__(self, dt_boxes: np.ndarray, gt_boxes: np.ndarray, gt_crowd: np.ndarray):
        self.dt_boxes = np.asarray(dt_boxes, np.float64).reshape(-1, 4)
        self.gt_boxes = np.asarray(gt_boxes, np.float64).reshape(-1, 4)
        self.gt_crowd = np.asarray(gt_crowd, bool)

    def __call__(self, b) -> np.ndarray:
        dt = self.dt_boxes[np.maximum(b.dt_rows, 0)]
        gt = self.gt_boxes[np.maximum(b.gt_rows, 0)]
        iou = box_iou(dt, gt, self.gt_crowd[np.maximum(b.gt_rows, 0)])
        return np.where(_padding(b), iou, -1.0)

    def pairs(self, groups: sparse_iou.Groups, keep_all: bool = False) -> sparse_iou.Pairs:
        return sparse_iou.box_pairs(groups, self.dt_boxes, self.gt_boxes, self.gt_crowd,
                                    keep_all)

    def rows(self, dt_rows: np.ndarray, gt_rows: np.ndarray) -> np.ndarray:
        d, g = np.asarray(dt_rows, np.int64), np.asarray(gt_rows, np.int64)
        iou = box_iou(self.dt_boxes[d][:, None, :], self.gt_boxes[g][:, None, :],
                      self.gt_crowd[g][:, None])
        return iou.reshape(len(d))


class MaskIou:
    """Mask IoU of compressed RLEs (pycocotools ``iou``, crowd: over the prediction's area).

    dt_rles: N compressed RLE dicts per prediction row; gt_rles: M per GT row; gt_crowd (M,)."""

    def __init__(self, dt_rles: list, gt_rles: list, gt_crowd: np.ndarray):
        self.dt_rles = dt_rles
        self.gt_rles = gt_rles
        self.gt_crowd = np.asarray(gt_crowd, bool)
        self._runs = None

    def __call__(self, b) -> np.ndarray:
        """One pycocotools call per group (cheaper than whole images: most prediction / GT
        pairs of an image are of different classes and never compared)."""
        out = np.full((len(b.groups), b.dt_rows.shape[1], b.gt_rows.shape[1]), -1.0)
        for i in range(len(b.groups)):
            d = b.dt_rows[i][b.dt_rows[i] >= 0]
            g = b.gt_rows[i][b.gt_rows[i] >= 0]
            if len(g) and len(d):
                out[i, :len(d), :len(g)] = mask_ops.mask_iou(
                    [self.dt_rles[r] for r in d], [self.gt_rles[r] for r in g], self.gt_crowd[g])
        return out

    def _decoded(self):
        if self._runs is None:
            from .rle_kernel import decode_all
            self._runs = (decode_all(self.dt_rles), decode_all(self.gt_rles))
        return self._runs

    def pairs(self, groups: sparse_iou.Groups, keep_all: bool = False) -> sparse_iou.Pairs:
        from .rle_kernel import mask_pairs
        dt, gt = self._decoded()
        return mask_pairs(groups, dt, gt, self.gt_crowd, keep_all)

    def rows(self, dt_rows: np.ndarray, gt_rows: np.ndarray) -> np.ndarray:
        from . import jit
        d, g = np.asarray(dt_rows, np.int64), np.asarray(gt_rows, np.int64)
        if jit.use(len(d)):
            from .rle_kernel import row_ious
            dt, gt = self._decoded()
            return row_ious(dt, gt, self.gt_crowd, d, g)
        return np.array([mask_ops.mask_iou([self.dt_rles[i]], [self.gt_rles[j]],
                                           self.gt_crowd[[j]])[0, 0]
                         for i, j in zip(d.tolist(), g.tolist(), strict=True)], np.float64)


class MatrixIou:
    """Precomputed IoU of every prediction with every GT: a (P, M) matrix, or (P, C) with GT
    row g in column ``cols[g]`` (a document's per-image cache)."""

    def __init__(self, iou: np.ndarray, cols=None):
        self.iou = iou
        self.cols = None if cols is None else np.asarray(cols, np.int64)

    def _col(self, gt_rows):
        return gt_rows if self.cols is None else self.cols[gt_rows]

    def __call__(self, b) -> np.ndarray:
        valid = _padding(b)
        if not valid.any():
            return np.full(valid.shape, -1.0)
        dt, gt = np.maximum(b.dt_rows, 0), np.maximum(b.gt_rows, 0)
        out = self.iou[dt[:, :, None], self._col(gt)[:, None, :]]
        return np.where(valid, out, -1.0)

    def pairs(self, groups: sparse_iou.Groups, keep_all: bool = False) -> sparse_iou.Pairs:
        """Every pair of each group read from the matrix; kept when its IoU is not <= 0."""
        n_dt = np.diff(groups.dt_start)
        n_gt = groups.gt_hi - groups.gt_lo
        per_dt = np.repeat(n_gt, n_dt)
        pos = np.repeat(np.arange(len(groups.dt)), per_dt)
        first = np.cumsum(per_dt) - per_dt
        col = np.arange(len(pos)) - np.repeat(first, per_dt)
        lo = np.repeat(np.repeat(groups.gt_lo, n_dt), per_dt)
        vals = self.iou[groups.dt[pos], self._col(groups.gt[lo + col])].astype(np.float64)
        if not keep_all:
            keep = ~(vals <= 0)
            pos, col, vals = pos[keep], col[keep], vals[keep]
        ptr = np.zeros(len(groups.dt) + 1, np.int64)
        np.cumsum(np.bincount(pos, minlength=len(groups.dt)), out=ptr[1:])
        return sparse_iou.Pairs(ptr, col.astype(np.int64), vals)

    def rows(self, dt_rows: np.ndarray, gt_rows: np.ndarray) -> np.ndarray:
        return self.iou[np.asarray(dt_rows, np.int64), self._col(np.asarray(gt_rows, np.int64))]
