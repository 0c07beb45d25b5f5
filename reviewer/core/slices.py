"""Slices by any column: the tag-statistics table generalised (numpy only).

``slice_membership(column, bins)`` cuts a ``metadata.Column`` into slices — (S,) labels and an
(S, N) bool membership:

- text: one slice per value (most images first, ties by value), then ``(missing)``;
- tags: one slice per tag (an image with several tags is in several slices), then ``(no tag)``;
- number / datetime: one slice per value when there are at most ``bins`` distinct values, else
  ``bins`` quantile bins ``[lo, hi)`` (the last one closed), then ``(missing)``; equal quantiles
  merge, so a skewed column may get fewer bins.

``slice_statistics`` counts each slice's images and errors and evaluates it with the task's
slicer — the same function as the dataset metric (``tag_stats.tag_counts`` / ``tag_metrics``),
the rest of the population beside it, the room for improvement, and a bootstrap 95 % interval
of the slice metric: ``resamples`` draws of the slice's images with replacement (a fixed
``seed``; slice ``s`` uses the generator ``default_rng([seed, s])``), each evaluated by
``slicer.resampled(rows, weights)`` (image i counted ``weights[i]`` times), the interval the
2.5th and 97.5th percentiles of the defined values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .metadata import Column, format_value, present
from .tag_stats import tag_counts, tag_metrics

MISSING = "(missing)"
NO_TAG = "(no tag)"
DEFAULT_BINS = 4
DEFAULT_RESAMPLES = 200


@dataclass(frozen=True)
class Slices:
    """labels (S,) str; member (S, N) bool; binned: numbers / dates were cut into ranges;
    edges: the bin edges as shown (None otherwise)."""

    column: str
    kind: str
    labels: list
    member: np.ndarray
    binned: bool = False
    edges: list | None = None


def slice_membership(col: Column, bins: int = DEFAULT_BINS) -> Slices:
    n = len(col.values)
    has = present(col.kind, col.values)
    if col.kind == "tags":
        counts = Counter(t for tags in col.values for t in tags)
        names = sorted(counts, key=lambda t: (-counts[t], t.casefold()))
        member = [np.fromiter((t in tags for tags in col.values), bool, n) for t in names]
        return _with_rest(Slices(col.name, col.kind, names, _stack(member, n)), ~has, NO_TAG)
    if col.kind == "text":
        counts = Counter(v for v in col.values.tolist() if v is not None)
        values = sorted(counts, key=lambda v: (-counts[v], v))
        member = [np.fromiter((x == v for x in col.values), bool, n) for v in values]
        return _with_rest(Slices(col.name, col.kind, values, _stack(member, n)), ~has, MISSING)
    return _with_rest(_ordered(col, has, bins), ~has, MISSING)


def _stack(rows: list, n: int) -> np.ndarray:
    return np.stack(rows) if rows else np.zeros((0, n), bool)


def _with_rest(s: Slices, rest: np.ndarray, label: str) -> Slices:
    if not rest.any():
        return s
    return Slices(s.column, s.kind, [*s.labels, label], np.vstack([s.member, rest[None, :]]),
                  s.binned, s.edges)


def _ordered(col: Column, has: np.ndarray, bins: int) -> Slices:
    """Numbers and dates: one slice per value, or quantile bins."""
    n = len(col.values)
    x = col.values.astype("datetime64[s]").astype(np.int64).astype(np.float64) \
        if col.kind == "datetime" else col.values.astype(np.float64)
    values = np.unique(x[has])
    if len(values) <= max(int(bins), 1):
        labels = [format_value(col.kind, _back(col.kind, v)) for v in values]
        member = [has & (x == v) for v in values]
        return Slices(col.name, col.kind, labels, _stack(member, n))
    edges = np.unique(np.quantile(x[has], np.linspace(0.0, 1.0, int(bins) + 1)))
    member, labels = [], []
    for b in range(len(edges) - 1):
        lo, hi = edges[b], edges[b + 1]
        last = b == len(edges) - 2
        with np.errstate(invalid="ignore"):
            inside = has & (x >= lo) & ((x <= hi) if last else (x < hi))
        member.append(inside)
        a, z = (format_value(col.kind, _back(col.kind, e)) for e in (lo, hi))
        labels.append(f"[{a}, {z}{']' if last else ')'}")
    shown = [format_value(col.kind, _back(col.kind, e)) for e in edges]
    return Slices(col.name, col.kind, labels, _stack(member, n), True, shown)


def _back(kind: str, v: float):
    return np.datetime64(int(round(v)), "s") if kind == "datetime" else float(v)


@dataclass(frozen=True)
class SliceStats:
    """Per slice (S,): images, erroneous, share_of_images, share_of_errors, error_rate,
    mean_error, metric, metric50, metric_rest, metric50_rest, room_for_improvement, ci_low,
    ci_high; overall: the population's ``SliceEval``; population_errors: its erroneous images."""

    slices: Slices
    population: np.ndarray
    population_errors: int
    images: np.ndarray
    erroneous: np.ndarray
    share_of_images: np.ndarray
    share_of_errors: np.ndarray
    error_rate: np.ndarray
    mean_error: np.ndarray
    metric: np.ndarray
    metric50: np.ndarray
    metric_rest: np.ndarray
    metric50_rest: np.ndarray
    room_for_improvement: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    overall: object
    resamples: int
    seed: int


def slice_statistics(slices: Slices, population: np.ndarray, error: np.ndarray,
                     error_threshold: float, slicer, erroneous: np.ndarray | None = None,
                     resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> SliceStats:
    """The table (see the module docstring). population (N,) bool; error (N,) float; slicer: a
    task's ``slicer(rows) -> SliceEval`` with ``resampled(rows, weights) -> float``."""
    population = np.asarray(population, bool)
    counts = tag_counts(slices.member, population, error, error_threshold, erroneous)
    metrics = tag_metrics(slices.member, population, slicer)
    lo = np.full(len(slices.labels), np.nan)
    hi = np.full(len(slices.labels), np.nan)
    for s in range(len(slices.labels)):
        rows = np.flatnonzero(slices.member[s] & population)
        lo[s], hi[s] = bootstrap_interval(slicer, rows, len(population), resamples,
                                          np.random.default_rng([seed, s]))
    return SliceStats(
        slices=slices, population=population, population_errors=counts["population_errors"],
        images=counts["images"], erroneous=counts["erroneous"],
        share_of_images=counts["share_of_images"], share_of_errors=counts["share_of_errors"],
        error_rate=counts["error_rate"], mean_error=counts["mean_error"],
        metric=metrics["metric"], metric50=metrics["metric50"],
        metric_rest=metrics["metric_rest"], metric50_rest=metrics["metric50_rest"],
        room_for_improvement=metrics["room_for_improvement"], ci_low=lo, ci_high=hi,
        overall=metrics["overall"], resamples=int(resamples), seed=int(seed))


def bootstrap_interval(slicer, rows: np.ndarray, n: int, resamples: int,
                       rng: np.random.Generator) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the slice metric over ``resamples`` resamples of
    ``rows`` (with replacement, as many as there are); (nan, nan) without rows or resamples or
    when fewer than half of the resamples define the metric."""
    if not len(rows) or resamples <= 0:
        return float("nan"), float("nan")
    values = np.empty(resamples)
    for b in range(resamples):
        draw = rows[rng.integers(0, len(rows), len(rows))]
        weights = np.bincount(draw, minlength=n)
        values[b] = slicer.resampled(rows, weights)
    values = values[~np.isnan(values)]
    if len(values) * 2 < resamples:
        return float("nan"), float("nan")
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))
