"""COCO AP of a dataset whose images are weighted: the bootstrap's detection metric.

``APResampler(ds, res)`` keeps, from one ``MatchResult`` (area range "all"), the kept
predictions in the order ``ap.accumulate`` ranks them (per class: score descending, then image
id order, then rank in the image; at most 100 per image and class), their true / false positive
flags at every IoU threshold, and the GT objects that count (not crowd, not ignored).
``metric(weights)`` gives, for each row of image weights (bootstrap counts), the AP that
COCOeval computes on the dataset where image i appears w_i times:

- a prediction of image i counts w_i times: the cumulative true / false positives of its class
  are cumulative sums of ``flag * w[image]`` (an image repeated w times puts its predictions
  there w times; the interpolated precision is the same whether the w copies are w points of
  the curve or one point of weight w, and a weight 0 adds a point equal to its predecessor);
- the GT count of a class is the weighted count of its objects;
- recall thresholds are found exactly: each prediction's recall is turned into the number of
  the 101 thresholds it reaches (one ``searchsorted``), so the first prediction of class k
  reaching threshold j is a ``searchsorted`` on the integers ``reached + 102 k``;
- the precision at threshold j is the maximum precision from that prediction to the end of its
  class (COCO's precision made monotone from the right): ``maximum.reduceat`` over the pieces
  between successive threshold positions, then a running maximum from the right.

Per resample: O(T · D) for D predictions and T IoU thresholds, no Python loop over classes.
The same steps as one compiled loop (``_weighted_ap``, numba through ``core.jit``) run when the
work is large (``jit.use``: predictions × thresholds × resamples): a class's weighted
cumulative sums, precision made monotone from the right, the first row reaching each recall
threshold — ~10x faster than the numpy steps and tested against them.
With all weights 1 the result equals ``accumulate``'s AP (the tests hold it), and with any
weights COCOeval's AP on the repeated images, up to one tie order: two predictions of one image
with equal scores are ranked p1 ×w, p2 ×w here, where COCOeval interleaves the copies
(p1 p2 p1 p2 …); tests/io/test_compare.py holds the equality on distinct scores.
"""

from __future__ import annotations

import numpy as np

from . import jit
from .ap import _class_order  # the ranking accumulate uses
from .cocoeval import MAX_DETS, RECALL_THRESHOLDS, MatchResult
from .tables import DetectionDataset

_EPS = np.spacing(1)
_R = len(RECALL_THRESHOLDS)


class APResampler:
    """AP (IoU thresholds of ``res``, area "all", ``max_det`` predictions per image and class)
    of image-weighted versions of ``ds``. ``metric(weights (c, N)) -> (c,)``, nan where no
    class has a GT object of weight > 0."""

    def __init__(self, ds: DetectionDataset, res: MatchResult, max_det: int = MAX_DETS[-1],
                 kernel: bool | None = None):
        self.kernel = kernel  # None: the compiled loop when jit.use says so
        a = [name for name, _, _ in res.area_ranges].index("all")
        rows = _class_order(ds, res)
        rows = rows[res.dt_rank[rows] < max_det]
        matched = res.dt_match[a][:, rows] >= 0
        ignored = res.dt_ignore[a][:, rows]
        self.tp = (matched & ~ignored).astype(np.float64)  # (T, D)
        self.fp = (~matched & ~ignored).astype(np.float64)
        self.image = ds.pred.image_index[rows]
        cls = ds.pred.category_index[rows].astype(np.int64)
        self.k = len(ds.categories)
        self.start = np.searchsorted(cls, np.arange(self.k))  # (K,) first row of each class
        self.end = np.searchsorted(cls, np.arange(self.k), side="right")
        self.row_start = self.start[cls]
        self.cls = cls
        self.key_base = cls * (_R + 1)
        gt = res.gt_kept & ~res.gt_ignore[a]
        self.gt_image = ds.gt.image_index[gt]
        self.gt_class = ds.gt.category_index[gt]

    def metric(self, weights: np.ndarray) -> np.ndarray:
        w = np.atleast_2d(np.asarray(weights, np.float64))
        kernel = self.kernel if self.kernel is not None else jit.use(self.tp.size * len(w))
        if kernel:
            return _weighted_ap(self.tp, self.fp, self.image, self.start, self.end,
                                self.gt_image, self.gt_class.astype(np.int64), self.k,
                                np.ascontiguousarray(w), RECALL_THRESHOLDS.astype(np.float64))
        return np.array([self._one(row) for row in w])

    def _one(self, w: np.ndarray) -> float:
        npig = np.bincount(self.gt_class, weights=w[self.gt_image], minlength=self.k)
        valid = np.flatnonzero(npig > 0)
        if not len(valid):
            return float("nan")
        n_t, d = self.tp.shape
        wd = w[self.image]
        tps, fps = (self._segment_cumsum(flags * wd) for flags in (self.tp, self.fp))
        cls_npig = npig[self.cls]
        with np.errstate(divide="ignore", invalid="ignore"):
            rc = np.where(cls_npig > 0, tps / np.where(cls_npig > 0, cls_npig, 1.0), 0.0)
        pr = tps / (fps + tps + _EPS)
        reached = np.searchsorted(RECALL_THRESHOLDS, rc, side="right")  # (T, D)
        queries = (np.arange(1, _R + 1)[None, :] + (valid * (_R + 1))[:, None]).ravel()
        ends = self.end[valid]
        total = 0.0
        for t in range(n_t):
            idx = np.searchsorted(reached[t] + self.key_base, queries, side="left")
            total += _precision_sum(np.append(pr[t], 0.0), idx.reshape(len(valid), _R), ends)
        return total / (n_t * _R * len(valid))

    def _segment_cumsum(self, values: np.ndarray) -> np.ndarray:
        """(T, D) cumulative sums restarting at each class's first row (exact: integer-valued
        weights)."""
        cs = np.cumsum(values, axis=1)
        before = np.concatenate([np.zeros((cs.shape[0], 1)), cs], axis=1)
        return cs - before[:, self.row_start]


def _precision_sum(pr: np.ndarray, idx: np.ndarray, ends: np.ndarray) -> float:
    """Sum over classes and recall thresholds of COCO's interpolated precision.

    pr: (D+1,) precision per ranked prediction (a trailing 0); idx: (V, R) first row reaching
    each recall threshold (``ends`` when none does); ends: (V,) end row of each class."""
    bounds = np.concatenate([idx, ends[:, None]], axis=1)  # (V, R+1), nondecreasing overall
    pieces = np.maximum.reduceat(pr, bounds.ravel()).reshape(bounds.shape)[:, :_R]
    pieces = np.where(bounds[:, 1:] > bounds[:, :-1], pieces, -np.inf)  # empty pieces
    best = np.maximum.accumulate(pieces[:, ::-1], axis=1)[:, ::-1]
    return float(np.where(idx < ends[:, None], best, 0.0).sum())


@jit.njit
def _weighted_ap(tp, fp, image, start, end, gt_image, gt_class, k, weights, thresholds):
    """``APResampler._one`` of each row of ``weights`` as one loop (the compiled kernel)."""
    n_t, d = tp.shape
    out = np.empty(weights.shape[0])
    npig = np.empty(k)
    pr = np.empty(d)
    rc = np.empty(d)
    for row in range(weights.shape[0]):
        w = weights[row]
        npig[:] = 0.0
        for g in range(gt_image.shape[0]):
            npig[gt_class[g]] += w[gt_image[g]]
        valid = np.flatnonzero(npig > 0)
        if len(valid) == 0:
            out[row] = np.nan
            continue
        total = 0.0
        for t in range(n_t):
            for c in valid:
                total += _class_precision_sum(tp[t], fp[t], image, start[c], end[c], w,
                                              npig[c], thresholds, pr, rc)
        out[row] = total / (n_t * thresholds.shape[0] * len(valid))
    return out


@jit.njit
def _class_precision_sum(tp, fp, image, s, e, w, npig, thresholds, pr, rc) -> float:
    """Sum over the recall thresholds of one class's interpolated precision (rows s..e).

    A row of weight 0 (its image not drawn) or ignored (neither TP nor FP) would add a point
    equal to the one before it (or recall 0 and precision 0 first), which changes neither the
    monotone precision nor the first point reaching a recall: it is left out."""
    eps = np.spacing(1.0)
    tps, fps, n = 0.0, 0.0, 0
    for i in range(s, e):
        wi = w[image[i]]
        if wi == 0.0 or (tp[i] == 0.0 and fp[i] == 0.0):
            continue
        tps += tp[i] * wi
        fps += fp[i] * wi
        rc[n] = tps / npig
        pr[n] = tps / (fps + tps + eps)
        n += 1
    for i in range(n - 1, 0, -1):  # precision made monotone from the right
        if pr[i] > pr[i - 1]:
            pr[i - 1] = pr[i]
    total, i = 0.0, 0
    for j in range(thresholds.shape[0]):  # the first point reaching each recall threshold
        while i < n and rc[i] < thresholds[j]:
            i += 1
        if i == n:
            break
        total += pr[i]
    return total
