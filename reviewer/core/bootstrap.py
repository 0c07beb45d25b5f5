"""Paired bootstrap over images: is model B's headline metric better than model A's by more than
chance?

Both models are scored on the same images (and the same corrected ground truth). One *resample*
draws N images with replacement from the N images; image i drawn w_i times (``w`` a multinomial
count vector, ``sum(w) = N``) counts w_i times in **both** models' metrics — the pairing that
cancels the variance the two models share (hard images are hard for both). The difference
``metric_B(w) - metric_A(w)`` over ``resamples`` resamples (1,000 by default, from
``numpy.random.default_rng(seed)``: the same seed gives the same numbers) gives the 95 % interval
(percentiles 2.5 and 97.5, Efron's percentile interval) and the share of resamples where B's
metric is higher (``p_b_better``).

Every metric is recomputed per resample from per-image parts computed once, never by evaluating
a resampled dataset again:

- detection AP (``reviewer.core.ap_weighted.APResampler``): the matching of every prediction is
  per image and does not change when images repeat, so it is computed once
  (``cocoeval.match_dataset``); a resample weights each prediction and each GT object by its
  image's count, and the per-class precision / recall curves are cumulative sums of weighted
  true / false positives in the score order ``accumulate`` uses — exactly COCOeval's AP on the
  dataset with image i repeated w_i times;
- segmentation mIoU (``MiouResampler``): per-image intersection, GT and predicted areas per
  class (N, K); a resample's areas are ``w @ areas``, its mIoU the mean IoU over the classes
  present — the pixel confusion matrices summed with weights;
- classification accuracy (``RatioResampler``): per-image correctness and whether the image
  counts (a label and a prediction); accuracy = ``(w @ correct) / (w @ counted)``.

With all weights 1 each resampler gives exactly the number ``reviewer eval`` prints (tests hold
it, and hold the resampled AP against COCOeval on a dataset with repeated images).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
SEED = 0
CHUNK = 64  # resamples weighted at once: (CHUNK, N) float64


def resample_weights(n: int, resamples: int = RESAMPLES, seed: int = SEED,
                     chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Bootstrap resamples of n images as weight rows: (c, n) float64 counts summing to n, in
    chunks of at most ``chunk`` rows; the same ``seed`` gives the same rows."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < resamples:
        c = min(chunk, resamples - done)
        picks = rng.integers(0, n, size=(c, n)) if n else np.zeros((c, 0), np.int64)
        offsets = (np.arange(c) * n)[:, None]
        counts = np.bincount((picks + offsets).ravel(), minlength=c * n).reshape(c, n)
        yield counts.astype(np.float64)
        done += c


@dataclass(frozen=True)
class BootstrapResult:
    """values: (M, R) the metric of each model in each resample (nan: undefined there);
    differences: (R,) B - A of the first two models."""

    values: np.ndarray
    resamples: int
    seed: int

    def difference(self, a: int = 0, b: int = 1) -> dict:
        """{"value" (mean over the resamples is not it: see ``point``), "ci95", "p_b_better",
        "resamples"} of model b minus model a; None values where undefined."""
        diff = self.values[b] - self.values[a]
        ok = diff[~np.isnan(diff)]
        if not len(ok):
            return {"ci95": [None, None], "p_b_better": None, "resamples": self.resamples,
                    "seed": self.seed}
        lo, hi = np.quantile(ok, [0.025, 0.975])
        return {"ci95": [float(lo), float(hi)], "p_b_better": float(np.mean(ok > 0)),
                "resamples": self.resamples, "resamples_defined": int(len(ok)),
                "seed": self.seed}


Metric = Callable[[np.ndarray], np.ndarray]


def paired_bootstrap(metrics: list[Metric], n: int, resamples: int = RESAMPLES,
                     seed: int = SEED, progress: Callable[[int, int], None] | None = None,
                     ) -> BootstrapResult:
    """Each ``metric(weights (c, n)) -> (c,)`` on the same resamples of n images."""
    values = np.empty((len(metrics), resamples))
    done = 0
    for w in resample_weights(n, resamples, seed):
        for m, metric in enumerate(metrics):
            values[m, done:done + len(w)] = metric(w)
        done += len(w)
        if progress is not None:
            progress(done, resamples)
    return BootstrapResult(values, resamples, seed)


class RatioResampler:
    """``sum(w * numerator) / sum(w * denominator)`` (accuracy: correct / counted images)."""

    def __init__(self, numerator, denominator):
        self.num = np.asarray(numerator, np.float64)
        self.den = np.asarray(denominator, np.float64)

    def metric(self, weights: np.ndarray) -> np.ndarray:
        num, den = weights @ self.num, weights @ self.den
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan)


class MiouResampler:
    """mIoU of weighted images: intersection, gt_area, pred_area (N, K) per image, evaluated
    (K,) bool (``semantic.evaluate``'s ``miou``: the mean over evaluated classes present)."""

    def __init__(self, intersection, gt_area, pred_area, evaluated):
        self.parts = [np.asarray(a, np.float64) for a in (intersection, gt_area, pred_area)]
        self.evaluated = np.asarray(evaluated, bool)

    def metric(self, weights: np.ndarray) -> np.ndarray:
        from .semantic import _mean_present, iou_from_stats  # not for the CLI's parser

        inter, gt, pred = (weights @ p for p in self.parts)
        return _mean_present(iou_from_stats(inter, gt, pred), self.evaluated)
