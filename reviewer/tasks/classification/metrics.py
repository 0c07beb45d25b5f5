"""Dataset metrics of a classification project: the ``eval --json`` payload.

``evaluate(ds, image_rows=None, threshold=0.5)`` is the one function; a slice is the same
function on a subset of image rows. Images count when they have a label and a prediction.
Definitions (scikit-learn's, checked against it in the tests):

- accuracy: share of images whose predicted class is the label; ``predicted`` as in
  ``scores.predicted_classes`` (binary projects: p(positive) >= the operating threshold);
- per class: ``precision_recall_fscore_support(zero_division=0)``; support = labelled images,
  predicted = images predicted as the class; macro P / R / F1 = their mean over the classes
  that occur as a label or a prediction in the images evaluated (scikit-learn's default
  ``labels``); balanced accuracy = mean recall over the classes that occur as a label;
- log_loss: mean of -ln(clip(p_target, eps, 1 - eps)), eps = float64 machine epsilon;
- brier: mean over images of sum_k (p_k - y_k)^2 (for two classes twice the one-column Brier
  score: scikit-learn's ``brier_score_loss(scale_by_half=False)``);
- ece: 15 equal-width bins of the top-1 confidence, bin b = (b/15, (b+1)/15], ECE = sum_b
  |B|/N |accuracy(B) - mean confidence(B)| with the top-1 class's correctness (Guo et al. 2017);
- top5_accuracy (5 classes or more): the label is among the 5 highest probabilities, ties
  broken as scikit-learn's ``top_k_accuracy_score`` (the higher class index first);
- per-class ap / roc_auc: ``average_precision_score`` / ``roc_auc_score`` of the class's
  probability column one-vs-rest (``curves``); None when the class has no labelled image (or,
  for roc_auc, no other image) among those evaluated.

Top-1-only predictions: log_loss, brier, top5_accuracy, ap and roc_auc are None, and
``unavailable`` says why (never guessed); ece needs the scores.
"""

from __future__ import annotations

import math

import numpy as np

from reviewer.core.tables import row_mask

from .curves import average_precision, roc_auc, threshold_counts
from .data import ClassificationDataset
from .scores import EPS, predicted_classes

ECE_BINS = 15
TOP_K = 5
_CHUNK_VALUES = 4_000_000
_NO_DISTRIBUTION = "the predictions give only the top-1 class"


def evaluated_rows(ds: ClassificationDataset, image_rows=None) -> np.ndarray:
    """(n,) int64 image rows in ``image_rows`` (None = all) with a label and a prediction."""
    keep = row_mask(image_rows, len(ds)) & (ds.targets >= 0) & ds.has_prediction
    return np.flatnonzero(keep)


def confusion(ds: ClassificationDataset, image_rows=None, threshold: float = 0.5,
              weights=None) -> np.ndarray:
    """(K, K) int64 counts, rows = label, columns = predicted class; ``weights`` (N,) int:
    how many times each image counts (a bootstrap resample; None: once)."""
    rows = evaluated_rows(ds, image_rows)
    w = None if weights is None else np.asarray(weights, np.int64)[rows]
    return _confusion(ds.targets[rows], predicted_classes(ds, rows, threshold), ds.num_classes,
                      w)


def _confusion(t: np.ndarray, p: np.ndarray, k: int, w=None) -> np.ndarray:
    return np.bincount(t * k + p, weights=w, minlength=k * k).astype(np.int64).reshape(k, k)


def evaluate(ds: ClassificationDataset, image_rows=None, threshold: float = 0.5) -> dict:
    """The ``eval --json`` payload (see the module docstring)."""
    rows = evaluated_rows(ds, image_rows)
    t = ds.targets[rows]
    k = ds.num_classes
    conf = _confusion(t, predicted_classes(ds, rows, threshold), k)
    counts = _class_counts(conf)
    overall = _overall(counts, len(rows))
    overall.update(_distribution_metrics(ds, rows, t))
    overall["ece"] = _ece(ds, rows, t)
    names = [str(n) for n in ds.class_names]
    ap, auc = _ranking_metrics(ds, rows, t)
    per_class = {name: {"precision": counts["precision"][j], "recall": counts["recall"][j],
                        "f1": counts["f1"][j], "support": int(counts["support"][j]),
                        "predicted": int(counts["predicted"][j]), "ap": ap[j],
                        "roc_auc": auc[j]} for j, name in enumerate(names)}
    payload = {"task": "classification", "images": int(len(rows)),
               "threshold": float(threshold) if ds.is_binary else None,
               "positive": names[ds.positive] if ds.positive is not None else None,
               "overall": _clean(overall), "per_class": _clean(per_class),
               "confusion": {"labels": names, "rows": "ground truth",
                             "columns": "prediction", "matrix": conf.tolist()}}
    if ds.probs is None:
        payload["unavailable"] = {m: _NO_DISTRIBUTION for m in
                                  ("log_loss", "brier", "top5_accuracy", "ap", "roc_auc")}
    return payload


def _class_counts(conf: np.ndarray) -> dict:
    """(K,) per-class precision, recall, f1 (zero_division=0), support, predicted, tp."""
    tp = np.diag(conf).astype(np.float64)
    support = conf.sum(axis=1)
    predicted = conf.sum(axis=0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"tp": tp, "support": support, "predicted": predicted, "precision": precision,
            "recall": recall, "f1": f1}


def _overall(c: dict, n: int) -> dict:
    present = (c["support"] > 0) | (c["predicted"] > 0)
    labelled = c["support"] > 0
    out = {"accuracy": c["tp"].sum() / n if n else math.nan,
           "balanced_accuracy": c["recall"][labelled].mean() if labelled.any() else math.nan}
    for name in ("precision", "recall", "f1"):
        out[f"macro_{name}"] = c[name][present].mean() if present.any() else math.nan
    return out


def _distribution_metrics(ds: ClassificationDataset, rows: np.ndarray, t: np.ndarray) -> dict:
    out = {"log_loss": math.nan, "brier": math.nan}
    if ds.num_classes >= TOP_K:
        out["top5_accuracy"] = math.nan
    if ds.probs is None or not len(rows):
        return out
    p_t = ds.probs[rows, t].astype(np.float64)
    out["log_loss"] = float(np.mean(-np.log(np.clip(p_t, EPS, 1.0 - EPS))))
    squares = np.zeros(len(rows))
    hits = np.zeros(len(rows), bool)
    step = max(1, _CHUNK_VALUES // ds.num_classes)
    classes = np.arange(ds.num_classes)
    for lo in range(0, len(rows), step):
        part = slice(lo, lo + step)
        block = ds.probs[rows[part]].astype(np.float64)
        squares[part] = np.einsum("ij,ij->i", block, block)
        if ds.num_classes >= TOP_K:
            pt = p_t[part, None]
            ahead = (block > pt).sum(axis=1) + ((block == pt) & (classes > t[part, None])).sum(1)
            hits[part] = ahead < TOP_K
    out["brier"] = float(np.mean(squares - 2.0 * p_t + 1.0))
    if ds.num_classes >= TOP_K:
        out["top5_accuracy"] = float(hits.mean())
    return out


def _ece(ds: ClassificationDataset, rows: np.ndarray, t: np.ndarray) -> float:
    conf = ds.top1_score[rows].astype(np.float64)
    if not len(rows) or np.isnan(conf).any():
        return math.nan
    right = (ds.top1[rows] == t).astype(np.float64)
    return expected_calibration_error(conf, right)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """ECE of (n,) top-1 confidences and (n,) 0/1 correctness over ``bins`` equal-width bins
    (b/bins, (b+1)/bins] (a confidence of 0 falls in the first)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    b = np.clip(np.searchsorted(edges[1:], confidence, side="left"), 0, bins - 1)
    gap = np.bincount(b, weights=correct, minlength=bins) - np.bincount(
        b, weights=confidence, minlength=bins)
    return float(np.abs(gap).sum() / len(confidence))


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> dict:
    """Per bin (bins,): count, accuracy, mean confidence (NaN in empty bins); for the
    reliability diagram, on the same bins as ``expected_calibration_error``."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    b = np.clip(np.searchsorted(edges[1:], confidence, side="left"), 0, bins - 1)
    size = np.bincount(b, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.bincount(b, weights=correct, minlength=bins) / size
        mean = np.bincount(b, weights=confidence, minlength=bins) / size
    return {"edges": edges, "count": size, "accuracy": acc, "confidence": mean}


def _ranking_metrics(ds: ClassificationDataset, rows: np.ndarray, t: np.ndarray):
    """(K,) AP and ROC AUC of each class's probability column (NaN where undefined)."""
    k = ds.num_classes
    ap, auc = np.full(k, np.nan), np.full(k, np.nan)
    if ds.probs is None or not len(rows):
        return ap, auc
    everything = len(rows) == len(ds)
    for j in range(k):
        column = ds.probs[:, j] if everything else ds.probs[rows, j]
        c = threshold_counts(np.ascontiguousarray(column), t == j)
        ap[j], auc[j] = average_precision(c), roc_auc(c)
    return ap, auc


def _clean(value):
    """NaN -> None, numpy numbers -> Python numbers, recursively."""
    if isinstance(value, dict):
        return {key: _clean(v) for key, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
