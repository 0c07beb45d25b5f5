"""COCO precision / recall accumulation and the 12 summary numbers, from a ``MatchResult``.

Mirrors ``COCOeval.accumulate`` and ``summarize``: per class, predictions of all images are ordered
by descending score (ties: image id order, then rank in the image), cumulated into precision and
recall, precision made monotone from the right, then read at 101 recall thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import jit
from .cocoeval import MAX_DETS, RECALL_THRESHOLDS, STAT_NAMES, MatchResult
from .tables import DetectionDataset

_EPS = np.spacing(1)


@dataclass(frozen=True)
class DetectionEval:
    """Dataset AP arrays, COCO layout.

    precision: (T, R, K, A, M) float64, -1 where the class has no GT in that area range.
    recall: (T, K, A, M) float64, -1 likewise.
    stats: the 12 COCO numbers keyed by ``STAT_NAMES``.
    class_ap, class_ap50, class_ap75, class_ar100: (K,) float64 (nan for classes without GT).
    """

    precision: np.ndarray
    recall: np.ndarray
    stats: dict
    class_ap: np.ndarray
    class_ap50: np.ndarray
    class_ap75: np.ndarray
    class_ar100: np.ndarray


def _class_order(ds: DetectionDataset, res: MatchResult) -> np.ndarray:
    """Kept prediction rows ordered by (class, -score, image id order, rank)."""
    pred = ds.pred
    image_pos = np.empty(len(ds.images), dtype=np.int64)
    image_pos[_id_order(ds.images.ids)] = np.arange(len(ds.images))
    rows = np.flatnonzero(res.dt_kept)
    keys = (res.dt_rank[rows], image_pos[pred.image_index[rows]], -pred.scores[rows],
            pred.category_index[rows])
    return rows[np.lexsort(keys)]


def _id_order(ids: np.ndarray) -> np.ndarray:
    try:
        return np.argsort(ids.astype(np.int64), kind="stable")
    except (TypeError, ValueError):
        return np.argsort(ids.astype(str), kind="stable")


def _curve(tp: np.ndarray, fp: np.ndarray, npig: float, precision_out, recall_out) -> None:
    """One (T, n) block of tp/fp flags -> precision (T, R) and recall (T,) written in place."""
    tp_sum = np.cumsum(tp, axis=1, dtype=np.float64)
    fp_sum = np.cumsum(fp, axis=1, dtype=np.float64)
    n = tp.shape[1]
    recall_out[:] = tp_sum[:, -1] / npig if n else 0.0
    precision_out[:] = 0.0
    if n == 0:
        return
    rc = tp_sum / npig
    pr = tp_sum / (fp_sum + tp_sum + _EPS)
    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
    for t in range(tp.shape[0]):
        inds = np.searchsorted(rc[t], RECALL_THRESHOLDS, side="left")
        ok = inds < n
        precision_out[t, ok] = pr[t, inds[ok]]


def accumulate(ds: DetectionDataset, res: MatchResult, max_dets=MAX_DETS) -> DetectionEval:
    """Precision / recall arrays and summary numbers for a ``MatchResult``."""
    n_t, n_a, n_k, n_m = len(res.iou_thresholds), len(res.area_ranges), len(ds.categories), len(max_dets)
    precision = -np.ones((n_t, len(RECALL_THRESHOLDS), n_k, n_a, n_m))
    recall = -np.ones((n_t, n_k, n_a, n_m))
    rows = _class_order(ds, res)
    cls = ds.pred.category_index[rows]
    bounds = np.searchsorted(cls, np.arange(n_k + 1))
    gt_cls = ds.gt.category_index
    if jit.use(len(rows)):
        _accumulate_compiled(res, rows, bounds, gt_cls, n_k, max_dets, precision, recall)
        return _summarize(precision, recall, res, max_dets)
    for k in range(n_k):
        block = rows[bounds[k]:bounds[k + 1]]
        gt_k = res.gt_kept & (gt_cls == k)
        for a in range(n_a):
            npig = np.count_nonzero(gt_k & ~res.gt_ignore[a])
            if npig == 0:
                continue
            for m, max_det in enumerate(max_dets):
                sel = block[res.dt_rank[block] < max_det]
                matched = res.dt_match[a][:, sel] >= 0
                ignored = res.dt_ignore[a][:, sel]
                _curve(matched & ~ignored, ~matched & ~ignored, npig,
                       precision[:, :, k, a, m], recall[:, k, a, m])
    return _summarize(precision, recall, res, max_dets)


def _accumulate_compiled(res: MatchResult, rows, bounds, gt_cls, n_k, max_dets, precision,
                         recall) -> None:
    """The loops of ``accumulate`` by the compiled kernel (``match_kernel.curves``): one pass
    per area range and max-detections setting over all classes."""
    from .match_kernel import curves, flags
    rank = res.dt_rank[rows]
    for a in range(len(res.area_ranges)):
        npig = np.bincount(gt_cls[res.gt_kept & ~res.gt_ignore[a]], minlength=n_k)
        matched, ignored = flags(res.dt_match[a], res.dt_ignore[a], rows)
        for m, max_det in enumerate(max_dets):
            curves(matched, ignored, rank < max_det, bounds, npig, RECALL_THRESHOLDS,
                   precision[:, :, :, a, m], recall[:, :, a, m])


def _mean_valid(s: np.ndarray) -> float:
    v = s[s > -1]
    return float(np.mean(v)) if v.size else -1.0


def _per_class(arr: np.ndarray) -> np.ndarray:
    """(..., K) -> (K,) mean over the leading axes of values > -1, nan when none."""
    flat = arr.reshape(-1, arr.shape[-1])
    valid = flat > -1
    count = valid.sum(axis=0)
    total = np.where(valid, flat, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _summarize(precision, recall, res: MatchResult, max_dets) -> DetectionEval:
    labels = [name for name, _, _ in res.area_ranges]
    thr = res.iou_thresholds
    t50 = np.flatnonzero(np.isclose(thr, 0.5))
    t75 = np.flatnonzero(np.isclose(thr, 0.75))
    m_last = len(max_dets) - 1

    def ap(area="all", t=None, m=m_last):
        s = precision if t is None else precision[t]
        return _mean_valid(s[:, :, :, labels.index(area), m])

    def ar(area="all", m=m_last):
        return _mean_valid(recall[:, :, labels.index(area), m])

    values = [ap(), ap(t=t50), ap(t=t75), ap("small"), ap("medium"), ap("large"),
              ar(m=0), ar(m=1), ar(), ar("small"), ar("medium"), ar("large")]
    stats = dict(zip(STAT_NAMES, values, strict=False))
    all_a = labels.index("all")
    p_all = precision[:, :, :, all_a, m_last]
    return DetectionEval(
        precision, recall, stats,
        class_ap=_per_class(p_all),
        class_ap50=_per_class(p_all[t50]) if len(t50) else np.full(p_all.shape[-1], np.nan),
        class_ap75=_per_class(p_all[t75]) if len(t75) else np.full(p_all.shape[-1], np.nan),
        class_ar100=_per_class(recall[:, :, all_a, m_last]))
