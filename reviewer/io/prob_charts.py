"""Charts of class probabilities drawn into a matplotlib figure (no Qt, no pyplot): the
window's panels (``reviewer.ui.analysis.prob_panels``, ``cost_panel``) and the export's report
(the classification task's section) draw with the same functions.

The numbers arrive plot-ready from the task's engine (``reviewer.tasks.classification.analysis``);
these functions only draw them. Long curves are thinned for drawing only (``thin``): a curve of a
million thresholds is drawn through at most ``MAX_POINTS`` of them, its end points kept.
"""

from __future__ import annotations

import numpy as np

DATA_COLOR = "#4393c3"
ERROR_COLOR = "#d6604d"

MAX_POINTS = 4000
OTHER_COLOR = "#9a9a9a"
GAP_COLOR = "#d6604d"


def thin(*arrays, limit: int = MAX_POINTS):
    """The arrays at evenly spaced indices (first and last kept) when longer than ``limit``."""
    n = len(arrays[0])
    if n <= limit:
        return arrays
    idx = np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
    return tuple(np.asarray(a)[idx] for a in arrays)


def _message(fig, text: str) -> None:
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, color="grey", wrap=True)


def _square(ax, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.25)


def draw_class_curves(fig, curves: list[dict], colors: dict) -> None:
    """PR (left) and ROC (right) of each class one-vs-rest; dots: the operating points."""
    if not curves:
        _message(fig, "Tick a class on the left to draw its curves")
        return
    pr, roc = fig.subplots(1, 2)
    for c in curves:
        color = colors[c["class"]]
        point = c["point"]
        if c["positives"]:
            recall, precision = thin(c["pr"]["recall"], c["pr"]["precision"])
            recall = np.concatenate([[0.0], recall])  # the step up to the first threshold
            precision = np.concatenate([[precision[0] if len(precision) else 1.0], precision])
            pr.plot(recall, precision, drawstyle="steps-pre", color=color, lw=1.5,
                    label=f"{c['name']} (AP {c['ap']:.3f})")
            pr.plot([point["recall"]], [point["precision"]], "o", color=color, ms=6,
                    mec="white", mew=1.0)
        if c["positives"] and c["negatives"]:
            fpr, tpr = thin(c["roc"]["fpr"], c["roc"]["tpr"])
            roc.plot(fpr, tpr, color=color, lw=1.5, label=f"{c['name']} (AUC {c['auc']:.3f})")
            roc.plot([point["fpr"]], [point["tpr"]], "o", color=color, ms=6, mec="white",
                     mew=1.0)
    roc.plot([0, 1], [0, 1], ls=":", color=OTHER_COLOR, lw=1)
    _square(pr, "Recall", "Precision", "Precision-recall (one vs the rest)")
    _square(roc, "False positive rate", "True positive rate", "ROC (one vs the rest)")
    for ax, where in ((pr, "best"), (roc, "lower right")):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc=where, framealpha=0.6)


def draw_reliability(fig, r: dict) -> None:
    """Accuracy against mean confidence per bin (bars), the gap to the diagonal shaded, and
    the images per bin beside it."""
    diagram, counts = fig.subplots(1, 2, width_ratios=(3, 2))
    edges = np.asarray(r["edges"])
    width = np.diff(edges)
    left = edges[:-1]
    filled = np.asarray(r["count"]) > 0
    acc, conf = np.asarray(r["accuracy"]), np.asarray(r["confidence"])
    diagram.bar(left[filled], acc[filled], width[filled], align="edge", color=DATA_COLOR,
                edgecolor="white", lw=0.6, label="accuracy")
    low, high = np.minimum(acc, conf), np.maximum(acc, conf)
    diagram.bar(left[filled], (high - low)[filled], width[filled], bottom=low[filled],
                align="edge", facecolor="none", hatch="///", edgecolor=GAP_COLOR, lw=0,
                label="gap to the mean confidence")
    diagram.hlines(conf[filled], left[filled], (left + width)[filled], color=GAP_COLOR, lw=1.5,
                   label="mean confidence")
    diagram.plot([0, 1], [0, 1], ls=":", color=OTHER_COLOR, lw=1, label="perfectly calibrated")
    _square(diagram, "Confidence (top-1 probability)", "Accuracy",
            f"Reliability: ECE {r['ece']:.3f} over {r['images']:,} images "
            f"({len(width)} bins)")
    diagram.legend(fontsize=7, loc="upper left", framealpha=0.6)
    n = np.asarray(r["count"])
    counts.bar(left, n, width, align="edge", color=DATA_COLOR, edgecolor="white", lw=0.6)
    for x, w, v in zip(left[filled], width[filled], n[filled], strict=True):
        counts.text(x + w / 2, v, f"{int(v):,}", ha="center", va="bottom", fontsize=6)
    counts.set_xlim(0, 1)
    counts.set_ylim(0, max(1, int(n.max(initial=0))) * 1.18)
    counts.set_xlabel("Confidence", fontsize=8)
    counts.set_title("Images per bin", fontsize=9)
    counts.grid(axis="y", alpha=0.25)


def draw_score_hist(fig, d: dict) -> None:
    """p(class) of the images labelled with it and of the others, each as a share of its
    group; the operating threshold where one decides the class."""
    ax = fig.subplots()
    edges = np.asarray(d["edges"])
    name = d["name"]
    for key, n_key, color, text in (("others", "n_others", OTHER_COLOR, "other labels"),
                                    ("labelled", "n_labelled", DATA_COLOR, f"labelled {name}")):
        counts = np.asarray(d[key], np.float64)
        n = d[n_key]
        share = 100 * counts / n if n else counts
        ax.stairs(share, edges, fill=True, alpha=0.45, color=color,
                  label=f"{text} ({n:,} images)")
        ax.stairs(share, edges, color=color, lw=1.2)
    if d.get("line") is not None:
        ax.axvline(d["line"], color=ERROR_COLOR, lw=1.4, ls="--",
                   label=f"operating threshold ({d['line']:.3g})")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"p({name})", fontsize=8)
    ax.set_ylabel("% of the group", fontsize=8)
    ax.set_title(f"Distribution of p({name}): the images labelled {name} against the others",
                 fontsize=9)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, loc="best", framealpha=0.6)


def draw_scatter(fig, d: dict, groups: list[tuple[str, str, np.ndarray]]):
    """p(a) against p(b), one colour per label group ``(name, color, mask)``; returns the
    artists in group order."""
    ax = fig.subplots()
    artists = []
    size = 14 if len(d["x"]) < 2000 else 4
    for name, color, mask in groups:
        n = int(mask.sum())
        artists.append(ax.scatter(d["x"][mask], d["y"][mask], s=size, color=color, alpha=0.75,
                                  lw=0, label=f"{name} ({n:,})"))
    ax.plot([0, 1], [0, 1], ls=":", color=OTHER_COLOR, lw=1)
    shown = len(d["x"])
    sample = "" if shown == d["images"] else f" (a random {shown:,} of {d['images']:,})"
    _square(ax, d.get("xlabel") or f"p({d['a']})", d.get("ylabel") or f"p({d['b']})",
            f"{d.get('title') or 'Images by label'}{sample}: click a point to open its image")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), framealpha=0.6,
              title=d.get("legend_title", "label"), title_fontsize=7)
    return artists


def draw_cost(fig, view: dict, line: float):
    """Cost per image against the threshold; the best threshold, the saved one and the
    draggable current one (returns (axes, the current threshold's line))."""
    ax = fig.subplots()
    curve = view["curve"]
    t, cost = np.asarray(curve.thresholds), np.asarray(curve.cost)
    if len(t) > MAX_POINTS:  # exact values on a fine grid (a step function of the threshold)
        t = np.linspace(0.0, 1.0, MAX_POINTS + 1)
    else:  # every step, from 0 (every image positive) to 1
        t = np.unique(np.concatenate([[0.0], t[t <= 1.0], [1.0]]))
    cost = cost_at_thresholds(curve, t)
    ax.plot(t, cost, drawstyle="steps-pre", color=DATA_COLOR, lw=1.5, label="cost per image")
    best = view["best"]
    if best is not None:
        ax.axvline(best["threshold"], color="#1b7837", lw=1, ls=":")
        ax.plot([best["threshold"]], [best["cost"]], "o", color="#1b7837", ms=7,
                label=f"best {best['threshold']:.4f}: {best['cost']:.4g}")
    if view["saved"] is not None:
        saved = view["saved"]["threshold"]
        ax.axvline(saved, color=OTHER_COLOR, lw=1, ls="--", label=f"saved {saved:.4f}")
    current = ax.axvline(line, color=ERROR_COLOR, lw=2.2, label=(
        "operating threshold (drag)" if view["saved"] is not None else "threshold (drag)"))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(float(np.max(cost, initial=0)) * 1.08, 1e-9))
    ax.set_xlabel(f"Threshold on p({view['positive']})", fontsize=8)
    ax.set_ylabel("Cost per image", fontsize=8)
    ax.set_title(f"(FP × {view['fp_cost']:g} + FN × {view['fn_cost']:g}) / {view['images']:,} "
                 "images", fontsize=9)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, loc="upper center", framealpha=0.6, ncols=2)
    return ax, current


def cost_at_thresholds(curve, thresholds) -> np.ndarray:
    """The curve's cost per image at any thresholds: at t the images with p ≥ t are positive,
    as at the smallest distinct probability ≥ t (thresholds above every one: the first point)."""
    t = np.asarray(curve.thresholds)  # descending
    idx = np.searchsorted(-t, -_as_compared(thresholds), side="right") - 1
    return np.asarray(curve.cost)[np.clip(idx, 0, len(t) - 1)]


def counts_at(curve, threshold: float) -> dict:
    """tp, fp, fn, tn and the cost per image at ``threshold`` (from the curve's arrays)."""
    t = np.asarray(curve.thresholds)
    i = int(np.clip(np.searchsorted(-t, -_as_compared(threshold), side="right") - 1, 0,
                    len(t) - 1))
    return {"threshold": float(threshold), "cost": float(curve.cost[i]), "tp": int(curve.tp[i]),
            "fp": int(curve.fp[i]), "fn": int(curve.fn[i]), "tn": int(curve.tn[i])}


def _as_compared(threshold):
    """The threshold as the table compares it with float32 probabilities (``p >= t`` with a
    Python float t compares in float32), as float64."""
    return np.asarray(threshold, np.float64).astype(np.float32).astype(np.float64)
