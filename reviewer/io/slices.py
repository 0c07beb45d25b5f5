"""Slices of a review session by any column, as a JSON-ready payload (``reviewer slices --json``,
the window's Slices panel).

Glue only, like ``reviewer.io.stats``: the column comes from ``image_columns.SessionColumns``
(metadata, ``tag``, ``status``, the per-image table), the slicer and the erroneous rule from the
task (``stats_parts``, ``erroneous``: the same as tag statistics and ``eval``), the table from
``core.slices``. The payload::

    {"by": COLUMN, "kind", "task", "metric": "AP" | "miou" | "accuracy", "metric_name",
     "ground_truth", "population_images", "erroneous_images", "erroneous_rule", "bins",
     "edges", "bootstrap": {"resamples", "seed", "level": 0.95},
     "overall": {METRIC: x, "AP50"?: y},
     "slices": {label: {"images", "share_of_images", "erroneous_images", "error_rate",
                        "share_of_errors", "mean_error", METRIC, METRIC_rest, "AP50"?,
                        "AP50_rest"?, "ci95": [lo, hi], "room_for_improvement"}}}

Numbers are fractions; None where undefined (a slice without GT for AP, no resample defined).
"""

from __future__ import annotations

import math

import numpy as np

from reviewer import tasks
from reviewer.core import slices as sl
from reviewer.core.tables import row_mask
from reviewer.io.image_columns import SessionColumns


class SliceColumnError(ValueError):
    """``--by`` names no column; the message lists the columns."""


def _num(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def compute_slices(session, by: str, bins: int = sl.DEFAULT_BINS, rows=None,
                   original: bool = False, resamples: int = sl.DEFAULT_RESAMPLES,
                   seed: int = 0, columns: SessionColumns | None = None):
    """-> (SliceStats, context). rows: the population (``--where``; None = every image)."""
    columns = columns or SessionColumns(session, original)
    col = columns(by)
    if col is None:
        raise SliceColumnError(f"--by {by!r}: no such column (columns: "
                               f"{', '.join(columns.names())})")
    n = columns.n
    population = row_mask(rows, n).copy() if rows is not None else np.ones(n, bool)
    task = tasks.get(session.data.task)
    slicer, classes, _, metric_name = task.stats_parts(session, population, original)
    doc = session.document
    table = doc.table_before if original else doc.table
    erroneous = task.erroneous(table, None)
    cut = sl.slice_membership(col, bins)
    stats = sl.slice_statistics(cut, population, np.asarray(table["error"], np.float64),
                                task.error_threshold, slicer, erroneous, resamples, seed)
    rule = task.erroneous_rule if erroneous is not None else f"error > {task.error_threshold:g}"
    return stats, {"task": task, "metric_name": metric_name, "rule": rule,
                   "original": original, "bins": bins}


def slices_payload(session, by: str, bins: int = sl.DEFAULT_BINS, rows=None,
                   original: bool = False, resamples: int = sl.DEFAULT_RESAMPLES,
                   seed: int = 0, columns: SessionColumns | None = None) -> dict:
    """The ``reviewer slices --json`` object (see the module docstring)."""
    stats, ctx = compute_slices(session, by, bins, rows, original, resamples, seed, columns)
    task = ctx["task"]
    key = task.slice_metric_key
    detection50 = "AP50_overall" in task.stats_extra(stats, None)  # the task reports AP50
    overall = {key: _num(stats.overall.value)}
    if detection50:
        overall["AP50"] = _num(stats.overall.value50)
    out = {"by": by, "kind": stats.slices.kind, "task": task.name, "metric": key,
           "metric_name": ctx["metric_name"],
           "ground_truth": "original" if original else "corrected",
           "population_images": int(stats.population.sum()),
           "erroneous_images": stats.population_errors, "erroneous_rule": ctx["rule"],
           "bins": bins if stats.slices.binned else None, "edges": stats.slices.edges,
           "bootstrap": {"resamples": stats.resamples, "seed": stats.seed, "level": 0.95},
           "overall": overall, "slices": {}}
    for s, label in enumerate(stats.slices.labels):
        entry = {"images": int(stats.images[s]),
                 "share_of_images": _num(stats.share_of_images[s]),
                 "erroneous_images": int(stats.erroneous[s]),
                 "error_rate": _num(stats.error_rate[s]),
                 "share_of_errors": _num(stats.share_of_errors[s]),
                 "mean_error": _num(stats.mean_error[s]),
                 key: _num(stats.metric[s]), f"{key}_rest": _num(stats.metric_rest[s])}
        if detection50:
            entry["AP50"] = _num(stats.metric50[s])
            entry["AP50_rest"] = _num(stats.metric50_rest[s])
        entry["ci95"] = [_num(stats.ci_low[s]), _num(stats.ci_high[s])]
        entry["room_for_improvement"] = _num(stats.room_for_improvement[s])
        out["slices"][str(label)] = entry
    return out


def slice_rows(session, by: str, label: str, bins: int = sl.DEFAULT_BINS,
               columns: SessionColumns | None = None) -> np.ndarray:
    """Image rows of one slice (``label`` as in the payload): (S,) int64."""
    columns = columns or SessionColumns(session)
    col = columns(by)
    if col is None:
        raise SliceColumnError(f"no column {by!r}")
    cut = sl.slice_membership(col, bins)
    return np.flatnonzero(cut.member[cut.labels.index(label)])
