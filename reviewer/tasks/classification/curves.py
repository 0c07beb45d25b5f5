"""Counts at every distinct threshold of a score: the one implementation behind AP, ROC AUC, the
PR and ROC curves and the threshold-vs-cost curve.

An image is predicted positive when its score is >= the threshold. ``threshold_counts`` sorts
the scores once (descending) and returns, for every distinct score value t (descending), the
positives and negatives with score >= t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ThresholdCounts:
    """thresholds: (M,) distinct scores, descending; tp, fp: (M,) int64 positives / negatives
    with score >= thresholds[i]; positives, negatives: totals."""

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    positives: int
    negatives: int


def threshold_counts(scores: np.ndarray, positive: np.ndarray) -> ThresholdCounts:
    """scores (n,) float (no NaN), positive (n,) bool -> counts at every distinct threshold.

    Non-negative float32 scores (probabilities) are sorted as one uint64 key holding the score's
    bits and the label (one sort, no argsort); other scores by a stable argsort."""
    scores = np.asarray(scores)
    positive = np.asarray(positive, bool)
    n = len(scores)
    if n == 0:
        z = np.zeros(0, np.int64)
        return ThresholdCounts(np.zeros(0), z, z, 0, 0)
    if scores.dtype == np.float32 and scores.min() >= 0:
        bits = (scores + np.float32(0)).view(np.uint32)  # + 0 turns -0.0 into 0.0
        key = np.sort((bits.astype(np.uint64) << np.uint64(1)) | positive.astype(np.uint64))
        key = key[::-1]
        values = (key >> np.uint64(1)).astype(np.uint32).view(np.float32)
        labels = (key & np.uint64(1)).astype(np.int64)
    else:
        order = np.argsort(-scores.astype(np.float64), kind="stable")
        values, labels = scores[order], positive[order].astype(np.int64)
    ends = np.flatnonzero(np.diff(values)) if n > 1 else np.zeros(0, np.int64)
    ends = np.append(ends, n - 1)
    tp = np.cumsum(labels)[ends]
    fp = ends + 1 - tp
    return ThresholdCounts(values[ends].astype(np.float64), tp, fp, int(tp[-1]), int(fp[-1]))


def average_precision(c: ThresholdCounts) -> float:
    """scikit-learn's ``average_precision_score``: sum over thresholds of
    (R_i - R_{i-1}) * P_i; NaN when there is no positive."""
    if c.positives == 0:
        return float("nan")
    precision = c.tp / (c.tp + c.fp)
    recall = c.tp / c.positives
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def roc_auc(c: ThresholdCounts) -> float:
    """Area under the ROC curve (trapezoids through (0, 0) and every threshold's (FPR, TPR), as
    scikit-learn's ``roc_auc_score``); NaN without positives or without negatives."""
    if c.positives == 0 or c.negatives == 0:
        return float("nan")
    fpr = np.concatenate([[0.0], c.fp / c.negatives])
    tpr = np.concatenate([[0.0], c.tp / c.positives])
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def pr_curve(c: ThresholdCounts) -> dict:
    """Precision and recall (M,) at each threshold (for the window's PR curve)."""
    precision = c.tp / np.maximum(c.tp + c.fp, 1)
    recall = c.tp / c.positives if c.positives else np.full(len(c.tp), np.nan)
    return {"thresholds": c.thresholds, "precision": precision, "recall": recall}


def roc_curve(c: ThresholdCounts) -> dict:
    """FPR and TPR (M + 1,) from (0, 0) through every threshold (threshold +inf first)."""
    fpr = np.concatenate([[0.0], c.fp / c.negatives]) if c.negatives else np.full(
        len(c.fp) + 1, np.nan)
    tpr = np.concatenate([[0.0], c.tp / c.positives]) if c.positives else np.full(
        len(c.tp) + 1, np.nan)
    return {"thresholds": np.concatenate([[np.inf], c.thresholds]), "fpr": fpr, "tpr": tpr}
