"""The per-image table of a classification project and the label-error score.

Columns (N,) of ``score_table`` (and of ``score_rows`` for any subset of rows; one function):

- ``image_id``, ``file_name``;
- ``target``: the label's class index (-1: no label); ``predicted``: the predicted class (-1: no
  prediction). In a binary project (two classes and a positive one) ``predicted`` is the
  positive class when p(positive) >= the operating ``threshold``, else the other; otherwise the
  top-1 class (the lowest index on ties);
- ``confidence``: the highest probability (the top-1 score);
- ``p_target``: the probability of the labelled class;
- ``error = 1 - p_target`` (the default ranking, worst first: confidently wrong on top);
- ``correct``: 1.0 / 0.0 (``predicted == target``), NaN without a label or a prediction;
- ``loss = -ln(clip(p_target, eps, 1 - eps))`` with eps the float64 machine epsilon
  (2.2e-16), the clip scikit-learn's ``log_loss`` applies;
- ``margin = p_target - max_{k != target} p_k`` (negative: another class was preferred);
- ``self_confidence``: confident learning's self-confidence p̂(ỹ; x) = p_target (Northcutt,
  Jiang, Chuang 2021, "Confident learning: estimating uncertainty in dataset labels");
- ``label_issue``: 1.0 when the self-confidence is below its class's threshold
  t_j = mean of p̂_j(x) over the images labelled j (the per-class mean self-confidence), else 0.0;
- ``likely_label``: the class confident learning's *confident joint* puts the image in when
  that is not its label: y* = argmax over {k : p̂_k(x) >= t_k} of p̂_k(x); -1 when that set is
  empty or y* is the label.

Top-1-only predictions (no distribution, more than two classes): ``p_target`` is the score
when the prediction is right and unknown (NaN) when it is wrong; then ``error`` is the score (a
lower bound: p_target <= 1 - score), and ``loss``, ``margin``, ``self_confidence``,
``label_issue`` and ``likely_label`` are NaN / -1 (never guessed).

Every column is NaN (-1 for class indices) where the image has no label or no prediction.
"""

from __future__ import annotations

import numpy as np

from .data import ClassificationDataset

EPS = float(np.finfo(np.float64).eps)
COLUMNS = ("image_id", "file_name", "error", "target", "predicted", "confidence", "p_target",
           "correct", "loss", "margin", "self_confidence", "label_issue", "likely_label")
_CHUNK_VALUES = 4_000_000


def class_thresholds(ds: ClassificationDataset, targets: np.ndarray | None = None) -> np.ndarray:
    """(K,) float64 t_j = mean self-confidence of the images labelled j (with a prediction);
    NaN for a class without such an image or without a distribution."""
    k = ds.num_classes
    if ds.probs is None:
        return np.full(k, np.nan)
    targets = ds.targets if targets is None else targets
    rows = np.flatnonzero((targets >= 0) & ds.has_prediction)
    p = ds.probs[rows, targets[rows]].astype(np.float64)
    count = np.bincount(targets[rows], minlength=k)
    total = np.bincount(targets[rows], weights=p, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def predicted_classes(ds: ClassificationDataset, rows: np.ndarray,
                      threshold: float = 0.5) -> np.ndarray:
    """(n,) int64 predicted class of image ``rows`` (-1: no prediction); see the module."""
    top1 = ds.top1[rows]
    if not ds.is_binary or ds.probs is None:
        return top1
    pos = ds.positive
    p = ds.probs[rows, pos]
    out = np.where(p >= threshold, pos, 1 - pos).astype(np.int64)
    return np.where(top1 >= 0, out, -1)


def score_rows(ds: ClassificationDataset, rows, threshold: float = 0.5,
               thresholds: np.ndarray | None = None,
               targets: np.ndarray | None = None) -> dict:
    """The table's columns (n,) for image ``rows`` (int indices).

    thresholds: (K,) per-class self-confidence thresholds (``class_thresholds``; computed from
    ``targets`` when None); targets: (N,) labels to score against (default ``ds.targets``)."""
    rows = np.asarray(rows, np.int64)
    targets = ds.targets if targets is None else targets
    if thresholds is None:
        thresholds = class_thresholds(ds, targets)
    t = targets[rows]
    predicted = predicted_classes(ds, rows, threshold)
    scored = (t >= 0) & (predicted >= 0)
    out = {"image_id": ds.images.ids[rows], "file_name": ds.images.file_names[rows],
           "target": t.copy(), "predicted": predicted,
           "confidence": ds.top1_score[rows].astype(np.float64)}
    correct = np.where(scored, (predicted == t).astype(np.float64), np.nan)
    out["correct"] = correct
    if ds.probs is None:
        out.update(_top1_columns(ds, rows, scored, correct))
    else:
        out.update(_distribution_columns(ds.probs, rows, t, scored, thresholds))
    return {c: out[c] for c in COLUMNS}


def score_table(ds: ClassificationDataset, threshold: float = 0.5,
                thresholds: np.ndarray | None = None,
                targets: np.ndarray | None = None) -> dict:
    """Columns (N,) of every image (``score_rows`` over all rows, in chunks)."""
    targets = ds.targets if targets is None else targets
    if thresholds is None:
        thresholds = class_thresholds(ds, targets)
    n = len(ds)
    step = max(1, _CHUNK_VALUES // max(ds.num_classes, 1))
    parts = [score_rows(ds, np.arange(lo, min(lo + step, n)), threshold, thresholds, targets)
             for lo in range(0, n, step)]
    if not parts:
        return score_rows(ds, np.zeros(0, np.int64), threshold, thresholds, targets)
    return {c: np.concatenate([p[c] for p in parts]) for c in COLUMNS}


def _top1_columns(ds: ClassificationDataset, rows, scored, correct) -> dict:
    score = ds.top1_score[rows].astype(np.float64)
    right = scored & (correct == 1.0)
    p_target = np.where(right, score, np.nan)
    error = np.where(right, 1.0 - score, np.where(scored, score, np.nan))
    n = len(rows)
    return {"p_target": p_target, "error": error, "loss": _loss(p_target),
            "margin": np.full(n, np.nan), "self_confidence": np.full(n, np.nan),
            "label_issue": np.full(n, np.nan), "likely_label": np.full(n, -1, np.int64)}


def _distribution_columns(probs, rows, t, scored, thresholds) -> dict:
    """p_target, error, loss, margin and the label-error columns from the (n, K) rows."""
    block = probs[rows].astype(np.float64)
    n = len(rows)
    safe_t = np.where(scored, t, 0)
    p_target = np.where(scored, block[np.arange(n), safe_t], np.nan)
    others = block.copy()
    others[np.arange(n), safe_t] = -np.inf
    margin = np.where(scored, p_target - others.max(axis=1, initial=-np.inf), np.nan)
    if block.shape[1] < 2:
        margin = np.where(scored, p_target, np.nan)
    thr = thresholds[safe_t]
    with np.errstate(invalid="ignore"):
        issue = np.where(scored & ~np.isnan(thr), (p_target < thr).astype(np.float64), np.nan)
    return {"p_target": p_target, "error": 1.0 - p_target, "loss": _loss(p_target),
            "margin": margin, "self_confidence": p_target.copy(), "label_issue": issue,
            "likely_label": _likely_labels(block, safe_t, scored, thresholds)}


def _likely_labels(block, t, scored, thresholds) -> np.ndarray:
    """(n,) confident-joint class y* of each row when it is not the label, else -1."""
    with np.errstate(invalid="ignore"):
        above = block >= thresholds[None, :]  # NaN thresholds never qualify
    masked = np.where(above, block, -1.0)
    best = np.argmax(masked, axis=1) if block.shape[1] else np.zeros(len(block), np.int64)
    found = above.any(axis=1) & scored & (best != t)
    return np.where(found, best, -1).astype(np.int64)


def _loss(p_target: np.ndarray) -> np.ndarray:
    return -np.log(np.clip(p_target, EPS, 1.0 - EPS))
