"""The window's class-probability panels at scale: what one refresh of each computes
(``reviewer.tasks.classification.analysis``, run on the analysis thread) against the same
numbers from scikit-learn / numpy, on the same in-memory arrays, medians of ``--repeat`` runs.

    python bench/bench_class_panels.py [--images 1000000] [--classes 20] [--repeat 3]

- curves: PR and ROC curves, AP and AUC of the five ticked classes plus their operating points
  (sklearn: ``precision_recall_curve``, ``roc_curve(drop_intermediate=False)``,
  ``average_precision_score``, ``roc_auc_score`` per class and ``confusion_matrix``);
- reliability: the 15 bins and the ECE (sklearn: ``calibration_curve`` and the ECE with numpy);
- cost: the binary cost curve and its best threshold (sklearn: ``roc_curve`` counts, numpy cost).
Checks that both sides agree before printing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.core.tables import ImageTable  # noqa: E402
from reviewer.tasks.classification import analysis  # noqa: E402
from reviewer.tasks.classification.data import ClassificationDataset  # noqa: E402


def dataset(n: int, k: int, positive=None, seed: int = 0) -> ClassificationDataset:
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)).astype(np.float32)
    logits[np.arange(n), targets] += 1.5
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p = np.round(p, 4).astype(np.float32)  # ties, as in a CSV written with 4 decimals
    keys = np.array([f"{i}.jpg" for i in range(n)], dtype=object)
    top1 = np.argmax(p, axis=1)
    return ClassificationDataset(
        ImageTable(keys, keys.copy(), np.zeros(n, np.int64), np.zeros(n, np.int64)),
        np.array([f"c{j}" for j in range(k)], dtype=object), targets.astype(np.int64), p,
        top1.astype(np.int64), p[np.arange(n), top1], positive, gt_images=n)


def ours_curves(ds, classes):
    return [analysis.class_curve(ds, k, 0.5) for k in classes]


def sk_curves(ds, classes):
    from sklearn import metrics as M
    out = []
    conf = M.confusion_matrix(ds.targets, ds.top1, labels=np.arange(len(ds.class_names)))
    for k in classes:
        y, s = ds.targets == k, ds.probs[:, k]
        precision, recall, _ = M.precision_recall_curve(y, s)
        fpr, tpr, _ = M.roc_curve(y, s, drop_intermediate=False)
        out.append((precision, recall, fpr, tpr, M.average_precision_score(y, s),
                    M.roc_auc_score(y, s), conf[k, k] / conf[:, k].sum()))
    return out


def sk_reliability(ds):
    from sklearn.calibration import calibration_curve
    conf = ds.top1_score.astype(np.float64)
    right = (ds.top1 == ds.targets).astype(int)
    prob_true, prob_pred = calibration_curve(right, conf, n_bins=15)
    edges = np.linspace(0, 1, 16)
    b = np.clip(np.searchsorted(edges[1:-1], conf), 0, 14)
    size = np.bincount(b, minlength=15)
    gap = np.bincount(b, right, 15) - np.bincount(b, conf, 15)
    return prob_true, prob_pred, np.abs(gap).sum() / len(conf), size


def sk_cost(ds, fp_cost=1.0, fn_cost=5.0):
    from sklearn import metrics as M
    y, s = ds.targets == ds.positive, ds.probs[:, ds.positive]
    fpr, tpr, thr = M.roc_curve(y, s, drop_intermediate=False)
    pos, neg = y.sum(), (~y).sum()
    cost = (fp_cost * fpr * neg + fn_cost * (1 - tpr) * pos) / len(y)
    return thr[np.argmin(cost)], cost.min()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--classes", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    ds = dataset(a.images, a.classes)
    classes = list(range(min(5, a.classes)))
    binary = dataset(a.images, 2, positive=1, seed=1)
    rows = [("curves (5 classes)", lambda: ours_curves(ds, classes), lambda: sk_curves(ds, classes)),
            ("reliability", lambda: analysis.reliability_bins(ds), lambda: sk_reliability(ds)),
            ("cost (binary)", lambda: analysis.cost_view(binary, 0.5, 0.5, 1.0, 5.0),
             lambda: sk_cost(binary))]
    print(f"{a.images:,} images, {a.classes} classes; medians of {a.repeat}")
    for name, ours, theirs in rows:
        t_ours, r_ours = timed(ours, a.repeat)
        t_sk, r_sk = timed(theirs, a.repeat)
        _check(name, r_ours, r_sk)
        print(f"{name:22s} reviewer {t_ours:7.3f} s   scikit-learn {t_sk:7.3f} s   "
              f"ratio {t_ours / t_sk:5.2f}")
    return 0


def _check(name, ours, theirs) -> None:
    if name.startswith("curves"):
        for c, (p, r, fpr, tpr, apk, auc, prec) in zip(ours, theirs, strict=True):
            assert np.allclose(c["pr"]["precision"], p[:-1][::-1])
            assert np.allclose(c["pr"]["recall"], r[:-1][::-1])
            assert np.allclose(c["roc"]["fpr"], fpr) and np.allclose(c["roc"]["tpr"], tpr)
            assert np.isclose(c["ap"], apk)
            assert np.isclose(c["auc"], auc) and np.isclose(c["point"]["precision"], prec)
    elif name == "reliability":
        prob_true, prob_pred, ece, size = theirs
        filled = ours["count"] > 0
        assert np.allclose(ours["accuracy"][filled], prob_true) and np.isclose(ours["ece"], ece)
    else:
        assert np.isclose(ours["best"]["cost"], theirs[1])


if __name__ == "__main__":
    raise SystemExit(main())
