"""The one matching implementation: COCOeval's greedy matching, vectorised over groups.

A *group* is one (image, class) pair. Inside a group, predictions are taken in descending score
order (ties: file order) and each takes the unmatched GT with the highest IoU >= threshold, exactly
as ``COCOeval.evaluateImg``:

- regular GT are preferred; ignored GT (crowd, or outside the area range) are considered only when
  no regular GT qualifies;
- among equal IoUs the later GT (in file order within its tier) wins, as in COCOeval's ``>=`` scan;
- crowd GT can be matched any number of times, others once;
- the threshold is ``min(t, 1 - 1e-10)``.

Groups are padded into small dense blocks of similar size (``Bucket``) and all area ranges,
all IoU thresholds and all groups of a block advance one prediction rank per numpy step. The per-
image table, the dataset AP, the confusion matrix, slices and the GUI all call ``match``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bucket:
    """Groups padded to a common size.

    groups: (B,) group ids, ordered by descending prediction count.
    dt_rows: (B, D) prediction rows in score order, -1 = padding.
    gt_rows: (B, G) GT rows in file order, -1 = padding.
    """

    groups: np.ndarray
    dt_rows: np.ndarray
    gt_rows: np.ndarray


def rank_within(group: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rank of every row inside its group, rows visited in ``order``.

    group: (N,) int group id per row; order: (N,) permutation sorted by group first.
    Returns (N,) int64 rank (0 = first in its group).
    """
    n = len(group)
    rank = np.zeros(n, dtype=np.int64)
    if n == 0:
        return rank
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank[order] = np.arange(n) - run_start
    return rank


def _pow2(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 1, x, 1 << np.ceil(np.log2(np.maximum(x, 1))).astype(np.int64))


def make_buckets(dt_group: np.ndarray, dt_rank: np.ndarray, gt_group: np.ndarray,
                 n_groups: int) -> list[Bucket]:
    """Pad groups into buckets of similar (prediction count, GT count).

    dt_group, dt_rank: (N,) group id and score rank of every prediction taking part;
    gt_group: (M,) group id of every GT. Groups without predictions are left out (nothing to match).
    """
    n_dt = np.bincount(dt_group, minlength=n_groups)
    n_gt = np.bincount(gt_group, minlength=n_groups)
    has = np.flatnonzero(n_dt > 0)
    key = _pow2(n_dt[has]) * (1 << 20) + _pow2(n_gt[has])
    gt_order = np.argsort(gt_group, kind="stable")
    gt_rank = rank_within(gt_group, gt_order)
    slot = np.full(n_groups, -1, dtype=np.int64)
    buckets = []
    for k in np.unique(key):
        groups = has[key == k]
        groups = groups[np.argsort(-n_dt[groups], kind="stable")]
        slot[groups] = np.arange(len(groups))
        dt_rows = np.full((len(groups), int(n_dt[groups].max())), -1, dtype=np.int64)
        gt_rows = np.full((len(groups), int(n_gt[groups].max())), -1, dtype=np.int64)
        sel = np.flatnonzero(slot[dt_group] >= 0)
        dt_rows[slot[dt_group[sel]], dt_rank[sel]] = sel
        sel = np.flatnonzero(slot[gt_group] >= 0)
        gt_rows[slot[gt_group[sel]], gt_rank[sel]] = sel
        slot[groups] = -1
        buckets.append(Bucket(groups, dt_rows, gt_rows))
    return buckets


def _last_argmax(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the last maximum along the last axis, and whether it is finite."""
    g = values.shape[-1]
    idx = g - 1 - np.argmax(values[..., ::-1], axis=-1)
    return idx, np.isfinite(values.max(axis=-1))  # the value at idx is the maximum


def greedy_match(iou: np.ndarray, gt_ignore: np.ndarray, crowd: np.ndarray, n_dt: np.ndarray,
                 thresholds: np.ndarray) -> np.ndarray:
    """COCOeval matching for one bucket.

    iou: (B, D, G) float64, prediction x GT, any value < 0 for padding.
    gt_ignore: (A, B, G) bool per area range; crowd: (B, G) bool.
    n_dt: (B,) predictions per group, non-increasing.
    thresholds: (T,) IoU thresholds.
    Returns (A, T, B, D) int64: GT column matched by each prediction, -1 for none.
    """
    n_area, n_b, n_g = gt_ignore.shape
    n_d = iou.shape[1]
    thr = np.minimum(np.asarray(thresholds, dtype=np.float64), 1 - 1e-10)[None, :, None, None]
    out = np.full((n_area, len(thresholds), n_b, n_d), -1, dtype=np.int64)
    if n_g == 0:
        return out
    taken = np.zeros((n_area, len(thresholds), n_b, n_g), dtype=bool)
    ignore = gt_ignore[:, None]
    single = ~crowd[None, None]
    active_counts = np.searchsorted(-n_dt, -np.arange(n_d), side="left")  # groups with n_dt > d
    for d in range(n_d):
        nb = int(active_counts[d])
        v = iou[:nb, d][None, None]
        ok = (v >= thr) & ~(taken[:, :, :nb] & single[:, :, :nb])
        ig = ignore[:, :, :nb]
        idx_r, found_r = _last_argmax(np.where(ok & ~ig, v, -np.inf))
        idx_i, found_i = _last_argmax(np.where(ok & ig, v, -np.inf))
        m = np.where(found_r, idx_r, np.where(found_i, idx_i, -1))
        out[:, :, :nb, d] = m
        a, t, b = np.nonzero(m >= 0)
        taken[a, t, b, m[a, t, b]] = True
    return out


IouFn = Callable[[Bucket], np.ndarray]


def match(buckets: list[Bucket], iou_fn: IouFn, gt_ignore: np.ndarray, gt_crowd: np.ndarray,
          thresholds: np.ndarray, n_dt_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Match every bucket.

    iou_fn(bucket) -> (B, D, G) IoU with negative padding.
    gt_ignore: (A, M) bool per area range and GT row; gt_crowd: (M,) bool.
    Returns dt_match (A, T, N) int64 GT row matched (-1: none; also for rows in no bucket) and
    best_iou (N,) the highest IoU of each prediction with a GT of its group.
    """
    n_area = gt_ignore.shape[0]
    dt_match = np.full((n_area, len(thresholds), n_dt_rows), -1, dtype=np.int64)
    dt_best_iou = np.zeros(n_dt_rows, dtype=np.float64)
    for bucket in buckets:
        if bucket.gt_rows.shape[1] == 0:
            continue  # no GT in these groups: every prediction stays unmatched
        iou = iou_fn(bucket)
        gt_rows = bucket.gt_rows
        pad = gt_rows < 0
        safe = np.where(pad, 0, gt_rows)
        ign = np.where(pad[None], True, gt_ignore[:, safe])
        crowd = np.where(pad, False, gt_crowd[safe])
        n_dt = (bucket.dt_rows >= 0).sum(axis=1)
        cols = greedy_match(iou, ign, crowd, n_dt, thresholds)
        valid = bucket.dt_rows >= 0
        b, d = np.nonzero(valid)
        rows = bucket.dt_rows[b, d]
        c = cols[:, :, b, d]
        dt_match[:, :, rows] = np.where(c >= 0, gt_rows[b, np.maximum(c, 0)], -1)
        dt_best_iou[rows] = np.maximum(iou[b, d].max(axis=1), 0.0)
    return dt_match, dt_best_iou
