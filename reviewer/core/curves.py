"""Precision-recall curves per class at one IoU threshold, with the score threshold's operating point.

Built from the same ``match_dataset`` as the dataset AP (area "all", 100 predictions per image and
class): predictions of the class in descending score order, cumulative TP / FP, precision made
monotone from the right as COCO does. The 101-point COCO samples of this curve are exactly
``COCOeval.eval["precision"][t, :, k, 0, -1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ap import _class_order
from .cocoeval import RECALL_THRESHOLDS, match_dataset
from .tables import DetectionDataset


@dataclass(frozen=True)
class PRCurve:
    """One class's curve. scores, precision, recall, precision_interp: (n,) along the ranked
    predictions; operating_point: (precision, recall) of the predictions scoring >= the threshold
    (nan when the class has no GT); ap: area under the 101-point interpolated curve."""

    category_index: int
    scores: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    precision_interp: np.ndarray
    num_gt: int
    operating_point: tuple[float, float]
    ap: float


def pr_curves(ds: DetectionDataset, iou_threshold: float = 0.5, score_threshold: float = 0.5,
              iou_type: str = "bbox", image_rows=None, rles=None) -> list[PRCurve]:
    """Curves of every class (classes without GT get empty curves and nan AP)."""
    res = match_dataset(ds, iou_type, iou_thresholds=[iou_threshold],
                        area_ranges=(("all", 0.0, 1e5**2),), image_rows=image_rows, rles=rles)
    rows = _class_order(ds, res)
    cls = ds.pred.category_index[rows]
    bounds = np.searchsorted(cls, np.arange(len(ds.categories) + 1))
    npig_all = np.bincount(ds.gt.category_index[res.gt_kept & ~res.gt_ignore[0]],
                           minlength=len(ds.categories))
    return [_curve(ds, res, rows[bounds[k]:bounds[k + 1]], k, int(npig_all[k]), score_threshold)
            for k in range(len(ds.categories))]


def _curve(ds, res, block, k, npig, score_threshold) -> PRCurve:
    matched = res.dt_match[0, 0, block] >= 0
    ignored = res.dt_ignore[0, 0, block]
    keep = ~ignored
    scores = ds.pred.scores[block][keep]
    tp = np.cumsum(matched[keep], dtype=np.float64)
    fp = np.cumsum(~matched[keep], dtype=np.float64)
    if npig == 0:
        empty = np.zeros(0)
        return PRCurve(k, empty, empty, empty, empty, 0, (np.nan, np.nan), np.nan)
    recall = tp / npig
    precision = tp / (tp + fp + np.spacing(1))
    interp = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    above = scores >= score_threshold
    n_above = int(above.sum())
    point = (float(precision[n_above - 1]) if n_above else np.nan,
             float(recall[n_above - 1]) if n_above else 0.0)
    inds = np.searchsorted(recall, RECALL_THRESHOLDS, side="left")
    q = np.where(inds < len(interp), interp[np.minimum(inds, max(len(interp) - 1, 0))]
                 if len(interp) else 0.0, 0.0)
    return PRCurve(k, scores, precision, recall, interp, npig, point, float(np.mean(q)))
