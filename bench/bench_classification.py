"""Classification at scale: Reviewer's load + score + eval against scikit-learn from the same CSV.

    python bench/bench_classification.py [--images 1000000] [--classes 100] [--repeat 3]

Generates (once, cached in bench/data/cls_<N>x<K>/) a GT CSV ``image,label`` and a prediction
CSV ``image`` + one probability column per class (6 decimals, rows renormalised by the
loader), then times, each run in a fresh child process (so peak RSS is that run's own):

- ``reviewer``: ``load_classification`` + ``score_table`` + ``metrics.evaluate`` (CSV -> the
  eval payload, with the per-image table);
- ``sklearn``: ``pandas.read_csv`` of both files, joined by image, then the same metrics with
  scikit-learn (accuracy, balanced accuracy, macro P/R/F1 and per class, log loss, Brier,
  top-5 accuracy, confusion matrix, per-class AP and ROC AUC) and ECE with numpy;
- ``reviewer-metrics`` / ``sklearn-metrics``: the metrics alone on arrays already in memory
  (the CSV read left out of the timing).

Prints medians of ``--repeat`` runs, peak RSS, ratios to scikit-learn, and checks that both
sides give the same numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(folder: Path, n: int, k: int, seed: int = 0) -> None:
    """Deterministic GT and prediction CSVs (an informative, over-confident model)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv
    if (folder / "pred.csv").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"class_{j:03d}" for j in range(k)]
    images = np.array([f"img/{i // 1000:04d}/{i:07d}.jpg" for i in range(n)], dtype=object)
    targets = rng.integers(0, k, n)
    columns = {"image": pa.array(images, pa.string())}
    probs = np.empty((n, k), np.float32)
    step = 100_000
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        logits = rng.normal(size=(hi - lo, k)).astype(np.float32) * 2
        logits[np.arange(hi - lo), targets[lo:hi]] += rng.normal(3.0, 2.0, hi - lo)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs[lo:hi] = np.round(e / e.sum(axis=1, keepdims=True), 6)
    for j, name in enumerate(names):
        columns[name] = pa.array(probs[:, j])
    pacsv.write_csv(pa.table(columns), folder / "pred.csv")
    gt = pa.table({"image": columns["image"],
                   "label": pa.array(np.array(names, dtype=object)[targets], pa.string())})
    pacsv.write_csv(gt, folder / "gt.csv")


# --- the runs (each in a child process) ---------------------------------------------------------

def run_reviewer(folder: Path, metrics_only: bool) -> dict:
    from reviewer.tasks.classification.load import load_classification
    from reviewer.tasks.classification.metrics import evaluate
    from reviewer.tasks.classification.scores import score_table
    t0 = time.perf_counter()
    ds = load_classification(folder / "gt.csv", folder / "pred.csv")
    t1 = time.perf_counter()
    table = score_table(ds)
    payload = evaluate(ds)
    t2 = time.perf_counter()
    return {"seconds": (t2 - t1) if metrics_only else (t2 - t0), "load_s": t1 - t0,
            "score_eval_s": t2 - t1, "rows": len(table["error"]), "summary": _summary(payload)}


def run_sklearn(folder: Path, metrics_only: bool) -> dict:
    import pandas as pd
    t0 = time.perf_counter()
    gt = pd.read_csv(folder / "gt.csv")
    pred = pd.read_csv(folder / "pred.csv")
    frame = gt.merge(pred, on="image", how="inner")
    names = sorted(gt["label"].unique())
    probs = frame[names].to_numpy(np.float64)
    probs = probs / probs.sum(axis=1, keepdims=True)
    y = pd.Index(names).get_indexer(frame["label"])
    del frame, pred
    t1 = time.perf_counter()
    payload = sklearn_payload(probs, y, names)
    t2 = time.perf_counter()
    return {"seconds": (t2 - t1) if metrics_only else (t2 - t0), "load_s": t1 - t0,
            "score_eval_s": t2 - t1, "summary": payload}


def sklearn_payload(probs: np.ndarray, y: np.ndarray, names: list) -> dict:
    from sklearn import metrics as M
    k = len(names)
    labels = np.arange(k)
    pred = probs.argmax(axis=1)
    p, r, f, support = M.precision_recall_fscore_support(y, pred, labels=labels,
                                                         zero_division=0)
    ap = [M.average_precision_score(y == j, probs[:, j]) for j in range(k)]
    auc = [M.roc_auc_score(y == j, probs[:, j]) for j in range(k)]
    conf = probs.max(axis=1)
    bins = np.clip(np.searchsorted(np.linspace(0, 1, 16)[1:], conf), 0, 14)
    right = (pred == y).astype(np.float64)
    ece = np.abs(np.bincount(bins, right, 15) - np.bincount(bins, conf, 15)).sum() / len(y)
    return {"accuracy": M.accuracy_score(y, pred),
            "balanced_accuracy": M.balanced_accuracy_score(y, pred),
            "macro_f1": float(np.mean(f)),
            "log_loss": M.log_loss(y, probs, labels=labels),
            "brier": M.brier_score_loss(y, probs, labels=labels, scale_by_half=False),
            "top5_accuracy": M.top_k_accuracy_score(y, probs, k=5, labels=labels),
            "ece": float(ece), "confusion_sum": int(M.confusion_matrix(y, pred).sum()),
            "mean_ap": float(np.mean(ap)), "mean_auc": float(np.mean(auc)),
            "macro_precision": float(np.mean(p)), "support": int(support.sum())}


def _summary(payload: dict) -> dict:
    o = payload["overall"]
    pc = payload["per_class"].values()
    return {**{m: o[m] for m in ("accuracy", "balanced_accuracy", "macro_f1", "log_loss",
                                 "brier", "top5_accuracy", "ece", "macro_precision")},
            "confusion_sum": int(np.sum(payload["confusion"]["matrix"])),
            "mean_ap": float(np.mean([c["ap"] for c in pc])),
            "mean_auc": float(np.mean([c["roc_auc"] for c in pc])),
            "support": int(sum(c["support"] for c in pc))}


def child(tool: str, folder: str) -> None:
    metrics_only = tool.endswith("-metrics")
    fn = run_reviewer if tool.startswith("reviewer") else run_sklearn
    out = fn(Path(folder), metrics_only)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


# --- the parent -----------------------------------------------------------------------------------

def measure(tool: str, folder: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", tool, str(folder)],
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "load_s": statistics.median(r["load_s"] for r in runs),
            "score_eval_s": statistics.median(r["score_eval_s"] for r in runs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "summary": runs[-1]["summary"], "runs": [r["seconds"] for r in runs]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    folder = ROOT / "bench" / "data" / f"cls_{args.images}x{args.classes}"
    t = time.perf_counter()
    generate(folder, args.images, args.classes)
    print(f"data: {folder} ({time.perf_counter() - t:.0f} s; pred.csv "
          f"{(folder / 'pred.csv').stat().st_size / 2**20:.0f} MB)")
    results = {tool: measure(tool, folder, args.repeat)
               for tool in ("reviewer", "sklearn", "reviewer-metrics", "sklearn-metrics")}
    print(f"{'tool':18} {'median s':>9} {'load s':>8} {'metrics s':>10} {'peak RSS MB':>12}")
    for tool, r in results.items():
        print(f"{tool:18} {r['seconds']:9.2f} {r['load_s']:8.2f} {r['score_eval_s']:10.2f} "
              f"{r['peak_rss_mb']:12.0f}")
    for a, b in (("reviewer", "sklearn"), ("reviewer-metrics", "sklearn-metrics")):
        print(f"ratio {a} / {b}: time {results[a]['seconds'] / results[b]['seconds']:.2f}x, "
              f"peak RSS {results[a]['peak_rss_mb'] / results[b]['peak_rss_mb']:.2f}x")
    ours, theirs = results["reviewer"]["summary"], results["sklearn"]["summary"]
    worst = max(abs(ours[m] - theirs[m]) / max(abs(theirs[m]), 1e-12) for m in theirs)
    print(f"largest relative difference of a metric: {worst:.2e}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"classification_{args.images}x{args.classes}.json").write_text(
        json.dumps(results, indent=2))
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
