"""Tag statistics: the error-analysis table, one row per failure tag.

For each tag (T tags over N images) and a *population* of images (all, or the reviewed ones):

- ``images``: population images carrying the tag (the image or any of its objects has it);
- ``share_of_images = images / population``;
- an image is *erroneous* when its error exceeds ``error_threshold`` (detection: ``FP + FN > 0``;
  segmentation: ``1 - mIoU > 0.1``); ``share_of_errors`` = erroneous images with the tag /
  erroneous images of the population; ``error_rate`` = erroneous images with the tag / images
  with the tag; ``mean_error`` = mean error of the images with the tag;
- ``metric``: the dataset metric (AP@[.5:.95] or mIoU) of the tag's images, by the same engine as
  the whole dataset (``cocoeval.match_dataset`` + ``ap.accumulate``; ``semantic.evaluate``);
- ``room_for_improvement``: how much the population metric would rise if the tag's images
  performed like the rest of the population (``room_for_improvement`` below);
- per class: the class metric inside the tag vs over the population;
- ``cooccurrence[a, b]``: population images carrying both tags;
- ``corrections``: GT-changing commands applied on the tag's images (``gt_corrections``).

Detection slices reuse one population match: COCO matching is per (image, class), so the match of a
subset of images is the population match with ``dt_kept`` / ``gt_kept`` cut to the subset —
exactly what ``match_dataset(..., image_rows=subset)`` returns — and only ``accumulate`` runs per
slice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from . import semantic
from .ap import accumulate, weighted_ap
from .cocoeval import MatchResult, match_dataset
from .tables import DetectionDataset, row_mask
from .tags import name_key


def _nan_if_negative(v: float) -> float:
    v = float(v)
    return float("nan") if v < 0 else v


@dataclass(frozen=True)
class SliceEval:
    """Metric of one set of images.

    value: headline metric (AP@[.5:.95] or mIoU), nan when undefined (no GT / nothing scored).
    value50: AP at IoU 0.5 (nan for segmentation).
    per_class: (K,) float64 class AP or class IoU, nan where undefined.
    """

    value: float
    value50: float
    per_class: np.ndarray


class DetectionSlicer:
    """``slicer(rows) -> SliceEval``: COCO AP of a subset of images of ``ds``.

    The population (``population_rows``, None = all) is matched once; each call restricts that
    match to ``rows`` and accumulates.
    """

    metric_name = "AP"

    def __init__(self, ds: DetectionDataset, iou_type: str = "bbox", rles: tuple | None = None,
                 population_rows=None):
        self.ds = ds
        self.match = match_dataset(ds, iou_type, image_rows=population_rows, rles=rles)

    def restricted(self, rows) -> MatchResult:
        """The population match cut to image ``rows`` (equal to ``match_dataset(rows)`` there)."""
        member = row_mask(rows, len(self.ds.images))
        m = self.match
        return replace(m, dt_kept=m.dt_kept & member[self.ds.pred.image_index],
                       gt_kept=m.gt_kept & member[self.ds.gt.image_index])

    def __call__(self, rows) -> SliceEval:
        ev = accumulate(self.ds, self.restricted(rows))
        return SliceEval(_nan_if_negative(ev.stats["AP"]), _nan_if_negative(ev.stats["AP50"]),
                         ev.class_ap)

    def resampled(self, rows, weights) -> float:
        """AP of ``rows`` with image i counted ``weights[i]`` times (a bootstrap resample)."""
        return _nan_if_negative(weighted_ap(self.ds, self.restricted(rows), weights)[0])


class SemanticSlicer:
    """``slicer(rows) -> SliceEval``: mIoU of a subset of images of a ``ConfusionStack``."""

    metric_name = "mIoU"

    def __init__(self, stack: semantic.ConfusionStack, ignore_index: int | None = 255):
        self.stack = stack
        self.ignore_index = ignore_index

    def __call__(self, rows) -> SliceEval:
        ev = semantic.evaluate(self.stack, rows, self.ignore_index)
        per_class = np.where(ev.evaluated, ev.iou, np.nan)
        return SliceEval(ev.miou, float("nan"), per_class)

    def resampled(self, rows, weights) -> float:
        """mIoU of ``rows`` with image i counted ``weights[i]`` times (a bootstrap resample)."""
        return semantic.evaluate(self.stack, rows, self.ignore_index, weights).miou


def detection_class_images(ds: DetectionDataset) -> np.ndarray:
    """(N, K) bool: the image has a GT object of the class."""
    out = np.zeros((len(ds.images), len(ds.categories)), bool)
    out[ds.gt.image_index, ds.gt.category_index] = True
    return out


def semantic_class_images(stack: semantic.ConfusionStack) -> np.ndarray:
    """(N, K) bool: the image has GT pixels of the class."""
    _, gt_area, _, _ = stack.per_image_stats()
    return gt_area > 0


def room_for_improvement(population: SliceEval, rest: SliceEval) -> tuple[float, np.ndarray]:
    """Gain of the population metric if the slice performed like the rest of the population.

    Counterfactual per class: the rest's class metric where the rest defines it, else the
    population's (a class seen only in the slice has nothing to compare with). The headline gain
    is the mean over the population's classes of (counterfactual - actual), clamped at 0; the
    per-class gains (K,) are clamped at 0 one by one (nan where the population has no value).
    Returns (nan, all-nan) when the population metric is undefined.
    """
    pop = np.asarray(population.per_class, np.float64)
    alt = np.asarray(rest.per_class, np.float64)
    defined = ~np.isnan(pop)
    counter = np.where(np.isnan(alt), pop, alt)
    per_class = np.where(defined, np.maximum(counter - pop, 0.0), np.nan)
    if not defined.any():
        return float("nan"), per_class
    gain = float(np.mean(counter[defined]) - np.mean(pop[defined]))
    return max(gain, 0.0), per_class


def tag_membership(image_keys: list[str], names: list[str], image_tags: dict,
                   object_tags: dict | None = None) -> np.ndarray:
    """(T, N) bool: image n carries tag t (the image has it, or one of its objects has it).

    image_tags: image_key -> tag names; object_tags: (image_key, source, ann_key) -> tag names.
    Names are compared by ``name_key`` (case and spaces do not matter).
    """
    row = {str(k): i for i, k in enumerate(image_keys)}
    col = {name_key(n): t for t, n in enumerate(names)}
    out = np.zeros((len(names), len(image_keys)), bool)
    pairs = list(image_tags.items())
    pairs += [(key[0], tags) for key, tags in (object_tags or {}).items()]
    for image_key, tags in pairs:
        i = row.get(str(image_key))
        if i is None:
            continue
        for name in tags:
            t = col.get(name_key(name))
            if t is not None:
                out[t, i] = True
    return out


def gt_corrections(commands: Iterable, image_row: dict) -> np.ndarray:
    """(N,) int64: applied GT-changing commands per image.

    ``commands``: ``core.commands.Command`` objects (the applied history). A command counts once
    on each image whose GT it changes; a macro counts once per image its GT-changing children
    touch. ``image_row``: str(image id) -> row. Unknown images are skipped.
    """
    out = np.zeros(len(image_row), np.int64)
    for cmd in commands:
        children = getattr(cmd, "children", None)
        parts = children if children is not None else (cmd,)
        touched = {str(c.image_id) for c in parts if c.changes_gt}
        for key in touched:
            r = image_row.get(key)
            if r is not None:
                out[r] += 1
    return out


@dataclass(frozen=True)
class TagStats:
    """The error-analysis table over a population of N images, for T tags and K classes.

    (T,) arrays: images, erroneous, share_of_images, share_of_errors, error_rate, mean_error,
    corrections, metric, metric50, room_for_improvement. (T, K): class_metric, class_images,
    class_room. cooccurrence: (T, T) int64 (diagonal = images). overall: the population's
    SliceEval; class_images_overall: (K,) int64. Ratios are nan when their denominator is 0.
    """

    names: list
    population: np.ndarray
    error_threshold: float
    population_errors: int
    images: np.ndarray
    erroneous: np.ndarray
    share_of_images: np.ndarray
    share_of_errors: np.ndarray
    error_rate: np.ndarray
    mean_error: np.ndarray
    corrections: np.ndarray
    cooccurrence: np.ndarray
    overall: SliceEval
    metric: np.ndarray
    metric50: np.ndarray
    room_for_improvement: np.ndarray
    class_metric: np.ndarray
    class_images: np.ndarray
    class_images_overall: np.ndarray
    class_room: np.ndarray


def _ratio(num: np.ndarray, den) -> np.ndarray:
    num = np.asarray(num, np.float64)
    den = np.broadcast_to(np.asarray(den, np.float64), num.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def tag_counts(carries: np.ndarray, population: np.ndarray, error: np.ndarray,
               error_threshold: float, erroneous: np.ndarray | None = None) -> dict:
    """Counting part of the table: carries (T, N) bool, population (N,) bool, error (N,) float;
    an image is erroneous when its error exceeds ``error_threshold``, or where ``erroneous``
    (N,) bool says so when given (a task's own rule, e.g. a wrong prediction).

    Returns (T,) images, erroneous, share_of_images, share_of_errors, error_rate, mean_error,
    (T, T) cooccurrence and the population's erroneous-image count.
    """
    inside = carries & population[None, :]
    bad = population & (np.asarray(error, np.float64) > error_threshold if erroneous is None
                        else np.asarray(erroneous, bool))
    m = inside.astype(np.int64)
    images = m.sum(axis=1)
    erroneous = (inside & bad[None, :]).sum(axis=1)
    err = np.nan_to_num(np.asarray(error, np.float64))
    n_bad = int(bad.sum())
    return {
        "images": images, "erroneous": erroneous,
        "share_of_images": _ratio(images, int(population.sum())),
        "share_of_errors": _ratio(erroneous, n_bad),
        "error_rate": _ratio(erroneous, images),
        "mean_error": _ratio(m @ err, images),
        "cooccurrence": m @ m.T,
        "population_errors": n_bad,
    }


def tag_metrics(carries: np.ndarray, population: np.ndarray,
                slicer: Callable[[np.ndarray], SliceEval]) -> dict:
    """Metric part: per tag the slice metric, AP50, per-class metric and room for improvement
    (and ``metric_rest`` / ``metric50_rest``: the metric of the population without the slice).

    carries (T, N) bool, population (N,) bool. The population is evaluated once, then each tag's
    slice and the rest of the population (for the room for improvement).
    """
    overall = slicer(population)
    k = len(overall.per_class)
    t = len(carries)
    out = {"overall": overall, "metric": np.full(t, np.nan), "metric50": np.full(t, np.nan),
           "room_for_improvement": np.full(t, np.nan), "class_metric": np.full((t, k), np.nan),
           "class_room": np.full((t, k), np.nan), "metric_rest": np.full(t, np.nan),
           "metric50_rest": np.full(t, np.nan)}
    for i in range(t):
        inside = carries[i] & population
        if not inside.any():
            continue
        part = slicer(inside)
        rest = slicer(population & ~inside)
        out["metric"][i], out["metric50"][i] = part.value, part.value50
        out["metric_rest"][i], out["metric50_rest"][i] = rest.value, rest.value50
        out["class_metric"][i] = part.per_class
        out["room_for_improvement"][i], out["class_room"][i] = room_for_improvement(overall, rest)
    return out


def tag_statistics(names: list, carries: np.ndarray, population: np.ndarray, error: np.ndarray,
                   error_threshold: float, slicer: Callable[[np.ndarray], SliceEval],
                   class_images: np.ndarray, corrections: np.ndarray | None = None,
                   erroneous: np.ndarray | None = None) -> TagStats:
    """The whole table. carries (T, N) bool; population (N,) bool; error (N,) float;
    class_images (N, K) bool (image has GT of the class); corrections (N,) int (None = zeros);
    erroneous (N,) bool: the task's own rule instead of ``error > error_threshold``."""
    carries = np.asarray(carries, bool).reshape(len(names), len(population))
    population = np.asarray(population, bool)
    counts = tag_counts(carries, population, error, error_threshold, erroneous)
    metrics = tag_metrics(carries, population, slicer)
    inside = (carries & population[None, :]).astype(np.int64)
    cls_img = np.asarray(class_images, bool).astype(np.int64)
    corr = np.zeros(len(population), np.int64) if corrections is None else corrections
    return TagStats(
        names=list(names), population=population, error_threshold=float(error_threshold),
        population_errors=counts["population_errors"], images=counts["images"],
        erroneous=counts["erroneous"], share_of_images=counts["share_of_images"],
        share_of_errors=counts["share_of_errors"], error_rate=counts["error_rate"],
        mean_error=counts["mean_error"], corrections=inside @ np.asarray(corr, np.int64),
        cooccurrence=counts["cooccurrence"], overall=metrics["overall"],
        metric=metrics["metric"], metric50=metrics["metric50"],
        room_for_improvement=metrics["room_for_improvement"],
        class_metric=metrics["class_metric"], class_images=inside @ cls_img,
        class_images_overall=population.astype(np.int64) @ cls_img,
        class_room=metrics["class_room"])
