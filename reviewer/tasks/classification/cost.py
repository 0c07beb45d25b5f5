"""Threshold vs cost: what a false positive and a false negative cost at every threshold.

An image is predicted positive when p(positive) >= t. For every distinct threshold (the distinct
probabilities, descending, from one sort: ``curves.threshold_counts``) and one more above them
all (nothing positive): tp, fp, fn, tn, FPR = fp / negatives, FNR = fn / positives (None without
such images) and the cost per image (A * fp + B * fn) / N, A = ``fp_cost``, B = ``fn_cost``.
The best threshold has the lowest cost; ties go to the threshold nearest 0.5, then the higher.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .curves import threshold_counts
from .data import ClassificationDataset
from .metrics import _clean, evaluated_rows


@dataclass(frozen=True)
class CostCurve:
    """(M,) arrays, thresholds descending; the first threshold predicts nothing positive."""

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    cost: np.ndarray
    fp_cost: float
    fn_cost: float

    @property
    def images(self) -> int:
        return int(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0]) if len(self.tp) else 0

    def best(self) -> int:
        """Index of the lowest cost (ties: the threshold nearest 0.5, then the higher)."""
        near = np.abs(self.thresholds - 0.5)
        return int(np.lexsort((-self.thresholds, near, self.cost))[0])


def cost_curve(scores: np.ndarray, positive: np.ndarray, fp_cost: float,
               fn_cost: float) -> CostCurve:
    """scores (n,) p(positive), positive (n,) bool: the image is of the positive class."""
    c = threshold_counts(scores, positive)
    top = np.nextafter(c.thresholds[0], np.inf) if len(c.thresholds) else 1.0
    thresholds = np.concatenate([[top], c.thresholds])
    tp = np.concatenate([[0], c.tp]).astype(np.int64)
    fp = np.concatenate([[0], c.fp]).astype(np.int64)
    fn, tn = c.positives - tp, c.negatives - fp
    n = max(c.positives + c.negatives, 1)
    cost = (fp_cost * fp + fn_cost * fn) / n
    return CostCurve(thresholds, tp, fp, fn, tn, cost, float(fp_cost), float(fn_cost))


def cost_at(scores: np.ndarray, positive: np.ndarray, threshold: float, fp_cost: float,
            fn_cost: float) -> dict:
    """The point of one threshold: {threshold, cost, tp, fp, fn, tn, fpr, fnr}."""
    pred = scores >= threshold
    tp = int(np.sum(pred & positive))
    fp = int(np.sum(pred & ~positive))
    fn = int(np.sum(~pred & positive))
    tn = int(np.sum(~pred & ~positive))
    return _point(threshold, tp, fp, fn, tn, fp_cost, fn_cost)


def _point(threshold, tp, fp, fn, tn, fp_cost, fn_cost) -> dict:
    n = tp + fp + fn + tn
    return {"threshold": float(threshold),
            "cost": (fp_cost * fp + fn_cost * fn) / n if n else None,
            "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
            "fpr": fp / (fp + tn) if fp + tn else None,
            "fnr": fn / (fn + tp) if fn + tp else None}


def best_point(curve: CostCurve) -> dict | None:
    """The point of the best threshold (``CostCurve.best``); None for an empty curve."""
    if not curve.images:
        return None
    i = curve.best()
    return _point(curve.thresholds[i], curve.tp[i], curve.fp[i], curve.fn[i], curve.tn[i],
                  curve.fp_cost, curve.fn_cost)


def curve_points(curve: CostCurve) -> list[dict]:
    """The curve as JSON points, thresholds descending."""
    cols = zip(curve.thresholds.tolist(), curve.tp.tolist(), curve.fp.tolist(),
               curve.fn.tolist(), curve.tn.tolist(), strict=True)
    return [_point(t, tp, fp, fn, tn, curve.fp_cost, curve.fn_cost)
            for t, tp, fp, fn, tn in cols]


def positive_scores(ds: ClassificationDataset, positive: int, image_rows=None):
    """((n,) p(positive), (n,) bool labelled positive) of the evaluated images of a slice.
    ValueError when the predictions give no probability of that class."""
    if ds.probs is None:
        raise ValueError("the predictions give only the top-1 class: the probability of the "
                         "positive class is unknown, so no threshold can be chosen")
    rows = evaluated_rows(ds, image_rows)
    return ds.probs[rows, positive], ds.targets[rows] == positive


def cost_payload(ds: ClassificationDataset, positive: int, fp_cost: float, fn_cost: float,
                 image_rows=None) -> dict:
    """``reviewer cost --json``: {positive, fp_cost, fn_cost, images, best, at_0_5, curve}."""
    scores, labelled = positive_scores(ds, positive, image_rows)
    curve = cost_curve(scores, labelled, fp_cost, fn_cost)
    return _clean({"positive": str(ds.class_names[positive]), "fp_cost": float(fp_cost),
                   "fn_cost": float(fn_cost), "images": int(len(scores)),
                   "best": best_point(curve),
                   "at_0_5": cost_at(scores, labelled, 0.5, fp_cost, fn_cost),
                   "curve": curve_points(curve)})
