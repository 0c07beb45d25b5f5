"""Datasets made in memory for the classification tests, and the scikit-learn oracle."""

from __future__ import annotations

import warnings

import numpy as np

from reviewer.core.tables import ImageTable
from reviewer.tasks.classification.data import ClassificationDataset


def make_ds(probs: np.ndarray, targets, positive=None, names=None) -> ClassificationDataset:
    """A dataset of N images from (N, K) probabilities (NaN rows: no prediction) and labels."""
    probs = np.asarray(probs, np.float32)
    n, k = probs.shape
    keys = np.array([f"img_{i:05d}.jpg" for i in range(n)], dtype=object)
    has = ~np.isnan(probs).any(axis=1)
    top1 = np.where(has, np.argmax(np.nan_to_num(probs, nan=-1), axis=1), -1)
    score = np.where(has, np.nanmax(np.where(has[:, None], probs, 0), axis=1), np.nan)
    names = names or [f"c{j}" for j in range(k)]
    return ClassificationDataset(
        ImageTable(keys, keys.copy(), np.zeros(n, np.int64), np.zeros(n, np.int64)),
        np.array(names, dtype=object), np.asarray(targets, np.int64), probs,
        top1.astype(np.int64), score.astype(np.float32), positive, gt_images=n)


def random_probs(rng, n: int, k: int, sharp: float = 1.0) -> np.ndarray:
    """(n, k) float32 rows of a softmax of normal logits (rows renormalised in float32)."""
    logits = rng.normal(size=(n, k)) * sharp
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    return p


def sklearn_metrics(probs: np.ndarray, targets: np.ndarray, predicted: np.ndarray) -> dict:
    """The same metrics computed by scikit-learn (and ECE by a loop over bins)."""
    from sklearn import metrics as M
    k = probs.shape[1]
    labels = np.arange(k)
    p64 = probs.astype(np.float64)
    p64 = p64 / p64.sum(axis=1, keepdims=True)  # float64 rows summing to 1 (no warning)
    present = np.union1d(targets, predicted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the oracle's own warnings on degenerate slices
        prec, rec, f1, support = M.precision_recall_fscore_support(
            targets, predicted, labels=labels, zero_division=0)
        macro = M.precision_recall_fscore_support(targets, predicted, average="macro",
                                                  zero_division=0)
        out = {"accuracy": M.accuracy_score(targets, predicted),
               "balanced_accuracy": M.balanced_accuracy_score(targets, predicted),
               "macro_precision": macro[0], "macro_recall": macro[1], "macro_f1": macro[2],
               "log_loss": M.log_loss(targets, p64, labels=labels),
               "brier": M.brier_score_loss(targets, p64, labels=labels, scale_by_half=False),
               "confusion": M.confusion_matrix(targets, predicted, labels=labels),
               "precision": prec, "recall": rec, "f1": f1, "support": support,
               "present": present}
        if k >= 5:
            out["top5_accuracy"] = M.top_k_accuracy_score(targets, p64, k=5, labels=labels)
        ap, auc = np.full(k, np.nan), np.full(k, np.nan)
        for j in range(k):
            y = targets == j
            if y.any():
                ap[j] = M.average_precision_score(y, probs[:, j].astype(np.float64))
                if not y.all():
                    auc[j] = M.roc_auc_score(y, probs[:, j].astype(np.float64))
        out["ap"], out["roc_auc"] = ap, auc
    conf = probs.max(axis=1).astype(np.float64)
    right = (np.argmax(probs, axis=1) == targets)
    ece = 0.0
    edges = np.linspace(0, 1, 16)
    for b in range(15):
        inside = (conf > edges[b]) & (conf <= edges[b + 1]) if b else (conf <= edges[1])
        if inside.any():
            ece += inside.sum() / len(conf) * abs(right[inside].mean() - conf[inside].mean())
    out["ece"] = ece
    return out
