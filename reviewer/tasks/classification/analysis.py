"""What the window's class-probability panels draw, computed by the engine (no Qt, no plotting).

Every number comes from the functions ``reviewer eval`` and ``reviewer cost`` use: the curves
from ``curves.threshold_counts`` (AP and ROC AUC are ``curves.average_precision`` /
``roc_auc`` of the same counts), the operating point from ``metrics.confusion``, the reliability
bins from ``metrics.reliability`` (the ECE's bins), the cost curve from ``cost.cost_payload``.
Images count as in ``eval``: those with a label and a prediction (``metrics.evaluated_rows``).

    class_curve(ds, k, threshold) -> {"name", "positives", "negatives", "ap", "auc",
        "pr": {"recall", "precision", "thresholds"}, "roc": {"fpr", "tpr", "thresholds"},
        "point": {"precision", "recall", "fpr", "tpr", "rule"}}
    reliability_bins(ds, image_rows=None) -> {"edges" (16,), "count", "accuracy", "confidence" (15,), "ece",
        "images"}
    score_distribution(ds, k, threshold, bins=20) -> {"edges", "labelled", "others" (counts),
        "n_labelled", "n_others", "line"}
    class_scatter(ds, a, b, limit) -> {"rows", "x", "y", "label" (n,), "images"}
    label_error_scatter(columns, limit) -> {"rows", "x" (confidence), "y" (p_target),
        "group" (n,) 0 likely label error / 1 wrong / 2 right, "counts", "images"}
    cost_view(ds, threshold, saved, fp_cost, fn_cost) -> {"curve": CostCurve, "best",
        "current", "saved", "at_0_5", …} (``reviewer cost``'s numbers)
"""

from __future__ import annotations

import numpy as np

from . import cost, curves, metrics
from .data import ClassificationDataset

HIST_BINS = 20
SCATTER_LIMIT = 20_000


def class_curve(ds: ClassificationDataset, k: int, threshold: float) -> dict:
    """One-vs-rest PR and ROC curves of class ``k``'s probability column.

    The PR arrays run from the highest threshold down (recall rising), without scikit-learn's
    extra (recall 0, precision 1) end point; the ROC arrays start at (0, 0). The operating
    point is the class's precision, recall, FPR and TPR of the decisions the table shows
    (``predicted``: the operating threshold in a two-class project, else the most probable
    class), from the confusion matrix — exact, and on the curve where the decision is a
    threshold on this column."""
    rows = metrics.evaluated_rows(ds)
    t = ds.targets[rows]
    c = curves.threshold_counts(np.ascontiguousarray(ds.probs[rows, k]), t == k)
    conf = metrics.confusion(ds, None, threshold)
    tp = int(conf[k, k])
    predicted, labelled = int(conf[:, k].sum()), int(conf[k].sum())
    negatives = len(rows) - labelled
    point = {"precision": tp / predicted if predicted else float("nan"),
             "recall": tp / labelled if labelled else float("nan"),
             "fpr": (predicted - tp) / negatives if negatives else float("nan"),
             "tpr": tp / labelled if labelled else float("nan"), "rule": _rule(ds, k, threshold)}
    return {"name": str(ds.class_names[k]), "class": k, "positives": c.positives,
            "negatives": c.negatives, "ap": curves.average_precision(c),
            "auc": curves.roc_auc(c), "pr": curves.pr_curve(c), "roc": curves.roc_curve(c),
            "point": point}


def _rule(ds: ClassificationDataset, k: int, threshold: float) -> str:
    """The decision behind the operating point, in words."""
    if ds.is_binary:
        pos = str(ds.class_names[ds.positive])
        return f"p({pos}) ≥ {threshold:.3g}" if k == ds.positive else f"p({pos}) < {threshold:.3g}"
    return "the most probable class"


def reliability_bins(ds: ClassificationDataset, image_rows=None) -> dict:
    """The reliability diagram of the images ``image_rows`` (None: all): per bin of the top-1
    confidence (the ECE's 15 bins) the images, their accuracy (the top-1 class is the label)
    and mean confidence; the ECE beside it."""
    rows = metrics.evaluated_rows(ds, image_rows)
    confidence = ds.top1_score[rows].astype(np.float64)
    if not len(rows) or np.isnan(confidence).any():
        raise ValueError("the predictions give no confidence for every image")
    right = (ds.top1[rows] == ds.targets[rows]).astype(np.float64)
    out = metrics.reliability(confidence, right)
    out["ece"] = metrics.expected_calibration_error(confidence, right)
    out["images"] = int(len(rows))
    out["accuracy_all"] = float(right.mean())
    return out


def score_distribution(ds: ClassificationDataset, k: int, threshold: float,
                       bins: int = HIST_BINS) -> dict:
    """Counts of p(class k) in ``bins`` equal-width bins over [0, 1] for the images labelled k
    and for the others; ``line``: the threshold on this column that decides k in a two-class
    project (None otherwise)."""
    rows = metrics.evaluated_rows(ds)
    p = ds.probs[rows, k].astype(np.float64)
    mine = ds.targets[rows] == k
    edges = np.linspace(0.0, 1.0, bins + 1)
    line = None
    if ds.is_binary:
        line = threshold if k == ds.positive else 1.0 - threshold
    return {"name": str(ds.class_names[k]), "edges": edges,
            "labelled": np.histogram(p[mine], edges)[0], "others": np.histogram(p[~mine], edges)[0],
            "n_labelled": int(mine.sum()), "n_others": int((~mine).sum()), "line": line}


def class_scatter(ds: ClassificationDataset, a: int, b: int, limit: int = SCATTER_LIMIT,
                  seed: int = 0) -> dict:
    """p(a), p(b) and the label of the evaluated images (a random sample of ``limit`` when
    there are more, the same sample every time); ``rows``: their image rows."""
    rows = metrics.evaluated_rows(ds)
    total = len(rows)
    if total > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    return {"rows": rows, "x": ds.probs[rows, a].astype(np.float64),
            "y": ds.probs[rows, b].astype(np.float64), "label": ds.targets[rows].copy(),
            "images": total, "a": str(ds.class_names[a]), "b": str(ds.class_names[b])}


ERROR_GROUPS = ("likely label error", "wrong prediction", "right prediction")
ERROR_COLUMNS = ("confidence", "p_target", "correct", "label_issue")


def label_error_scatter(columns: dict, limit: int = SCATTER_LIMIT, seed: int = 0) -> dict:
    """Confidence (x) against the probability of the label (y: confident learning's
    self-confidence) of every image of the per-image table ``columns`` (``ERROR_COLUMNS``,
    copied from ``score_table``'s — what ``reviewer score`` prints) that has both; grouped as
    likely label error (``label_issue``), else wrong or right prediction. Right predictions lie
    on the diagonal (p_target is the highest probability); the confidently wrong are at the
    bottom right. A random sample of ``limit`` (the same each time) when there are more."""
    x = np.asarray(columns["confidence"], np.float64)
    y = np.asarray(columns["p_target"], np.float64)
    rows = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    issue = np.asarray(columns["label_issue"], np.float64) == 1
    right = np.asarray(columns["correct"], np.float64) == 1
    group = np.where(issue, 0, np.where(right, 2, 1))
    counts = np.bincount(group[rows], minlength=3).tolist()
    total = len(rows)
    if total > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    return {"rows": rows, "x": x[rows], "y": y[rows], "group": group[rows], "counts": counts,
            "images": total, "names": ERROR_GROUPS}


def cost_view(ds: ClassificationDataset, threshold: float, saved: float, fp_cost: float,
              fn_cost: float, positive: int | None = None) -> dict:
    """The cost curve of a positive class as ``reviewer cost`` computes it (``cost.cost_curve``
    and its ``best_point``; arrays instead of ``--json``'s list of points), with the points at
    0.5 and — in a two-class project, whose operating threshold decides the predictions — of
    the current (``threshold``) and the saved operating thresholds: {"positive", "fp_cost",
    "fn_cost", "images", "curve": CostCurve, "best", "current", "saved", "at_0_5"}. Another
    ``positive`` (any class of a multi-class project: ``reviewer cost --positive``) gives its
    curve against the rest, with "current" and "saved" None: no threshold decides there."""
    decides = ds.is_binary and positive in (None, ds.positive)
    if positive is None:
        if not ds.is_binary:
            raise ValueError("say which class is positive: a cost curve needs one")
        positive = ds.positive
    scores, labelled = cost.positive_scores(ds, positive)
    curve = cost.cost_curve(scores, labelled, fp_cost, fn_cost)
    at = {"current": threshold, "saved": saved} if decides else {}
    points = {name: cost.cost_at(scores, labelled, t, fp_cost, fn_cost)
              for name, t in (*at.items(), ("at_0_5", 0.5))}
    return {"positive": str(ds.class_names[positive]), "fp_cost": float(fp_cost),
            "fn_cost": float(fn_cost), "images": int(len(scores)), "curve": curve,
            "best": cost.best_point(curve), "current": None, "saved": None, **points}
