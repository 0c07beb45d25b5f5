"""Dataset detection metrics equal to pycocotools COCOeval (bbox and segm), vectorised.

``match_dataset`` runs the one matcher (``core.matching``) over every (image, class) group at every
IoU threshold and area range; ``accumulate`` turns the matches into COCO precision / recall arrays;
``summarize`` gives the 12 standard numbers and per-class AP. A slice is ``match_dataset`` with
``image_rows`` set — the same code on a subset.

Prediction areas (for the small / medium / large ranges) come from the loader and follow
``COCO.loadRes``: w*h when the result carries a bbox, else the mask area. One deliberate
difference from pycocotools (documented in the README): a GT whose annotation id is 0 counts as
matched (COCOeval treats id 0 as "no match").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import jit
from . import masks as mask_ops
from .iou_sources import BoxIou, MaskIou
from .matching import Bucket, make_buckets, match, rank_within
from .sparse_iou import make_groups
from .tables import DetectionDataset, row_mask

IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
AREA_RANGES = (("all", 0.0, 1e5**2), ("small", 0.0, 32.0**2), ("medium", 32.0**2, 96.0**2),
               ("large", 96.0**2, 1e5**2))
MAX_DETS = (1, 10, 100)
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


@dataclass(frozen=True)
class MatchResult:
    """Matches of every prediction at every IoU threshold and area range.

    dt_kept: (N,) bool — the prediction took part (score filter, image subset, top max_det).
    dt_rank: (N,) int — score rank inside its (image, class) group.
    dt_match: (A, T, N) int (int64, or int32 from the compiled kernel) — matched GT row, -1
        for none.
    dt_ignore: (A, T, N) bool — matched an ignored GT, or unmatched and outside the area range.
    dt_iou: (N,) float — best IoU with a same-class GT of the image (0 if none).
    gt_kept: (M,) bool — GT in the image subset.
    gt_ignore: (A, M) bool — crowd or outside the area range.
    gt_matched: (A, T, M) bool.
    """

    iou_thresholds: np.ndarray
    area_ranges: tuple
    dt_kept: np.ndarray
    dt_rank: np.ndarray
    dt_match: np.ndarray
    dt_ignore: np.ndarray
    dt_iou: np.ndarray
    gt_kept: np.ndarray
    gt_ignore: np.ndarray
    gt_matched: np.ndarray


def gt_rles(ds: DetectionDataset) -> list:
    """Compressed RLE per GT row; a row without a mask gets its box's rectangle."""
    segs = ds.gt.segmentations or [None] * len(ds.gt)
    h, w = ds.images.heights, ds.images.widths
    return [mask_ops.gt_rle(s, b, int(h[i]), int(w[i]))
            for s, b, i in zip(segs, ds.gt.boxes, ds.gt.image_index.tolist(), strict=True)]


def pred_rles(ds: DetectionDataset) -> list:
    """Compressed RLE per prediction row; a row without a mask gets an empty mask."""
    segs = ds.pred.segmentations or [None] * len(ds.pred)
    h, w = ds.images.heights, ds.images.widths
    return [mask_ops.pred_rle(s, int(h[i]), int(w[i]))
            for s, i in zip(segs, ds.pred.image_index.tolist(), strict=True)]


def _bbox_iou_fn(ds: DetectionDataset) -> BoxIou:
    return BoxIou(ds.pred.boxes, ds.gt.boxes, ds.gt.iscrowd)


def _segm_iou_fn(ds: DetectionDataset, dt_rle: list, gt_rle: list) -> MaskIou:
    return MaskIou(dt_rle, gt_rle, ds.gt.iscrowd)


def match_dataset(ds: DetectionDataset, iou_type: str = "bbox", *,
                  iou_thresholds=IOU_THRESHOLDS, area_ranges=AREA_RANGES, max_det: int = 100,
                  score_threshold: float | None = None, image_rows=None,
                  rles: tuple | None = None, iou_fn=None) -> MatchResult:
    """Match predictions to GT of the same class in every image, COCOeval style.

    iou_type: "bbox" or "segm" (``rles`` = (pred_rles, gt_rles) avoids re-encoding).
    iou_fn: IoU of a Bucket's pairs, (B,D,G) with -1 for padding, giving the IoU of ``iou_type``
    from precomputed values (a document's cache); None computes it from boxes / masks.
    score_threshold: predictions below it are left out (None: keep all).
    image_rows: evaluate only these image rows (a slice); None = all images.
    """
    n_img, n_cls = len(ds.images), len(ds.categories)
    gt, pred = ds.gt, ds.pred
    images = row_mask(image_rows, n_img)
    gt_kept = images[gt.image_index]
    dt_in = images[pred.image_index]
    if score_threshold is not None:
        dt_in &= pred.scores >= score_threshold
    dt_group = pred.image_index * n_cls + pred.category_index
    order = np.lexsort((np.arange(len(pred)), -pred.scores, dt_group, ~dt_in))
    order = order[: int(dt_in.sum())]
    dt_rank = np.full(len(pred), -1, dtype=np.int64)
    if len(order):
        sub_rank = rank_within(dt_group[order], np.arange(len(order)))
        dt_rank[order] = sub_rank
    dt_kept = dt_in & (dt_rank < max_det) & (dt_rank >= 0)

    areas = np.array([(lo, hi) for _, lo, hi in area_ranges], dtype=np.float64)
    gt_ignore = gt.iscrowd[None, :] | (gt.areas[None, :] < areas[:, :1]) | (gt.areas[None, :] > areas[:, 1:])
    gt_group = gt.image_index * n_cls + gt.category_index
    if iou_fn is None and iou_type == "segm":
        dt_rle, gt_rle = rles if rles is not None else (pred_rles(ds), gt_rles(ds))
        iou_fn = _segm_iou_fn(ds, dt_rle, gt_rle)
    elif iou_fn is None:
        iou_fn = _bbox_iou_fn(ds)
    thresholds = np.asarray(iou_thresholds, dtype=np.float64)
    kept_gt = np.flatnonzero(gt_kept)
    outside = (pred.areas[None, :] < areas[:, :1]) | (pred.areas[None, :] > areas[:, 1:])
    kept_dt = order[dt_kept[order]]  # by group, then rank
    groups = make_groups(kept_dt, dt_group[kept_dt], kept_gt, gt_group[kept_gt])
    if hasattr(iou_fn, "pairs") and jit.use(len(kept_dt), groups.largest()):
        from .match_kernel import greedy
        pairs = iou_fn.pairs(groups, keep_all=bool(thresholds.size and thresholds.min() <= 0))
        dt_match, dt_ignore, gt_matched, dt_iou = greedy(groups, pairs, gt_ignore, gt.iscrowd,
                                                         thresholds, outside)
        return MatchResult(thresholds, tuple(area_ranges), dt_kept, dt_rank, dt_match,
                           dt_ignore, dt_iou, gt_kept, gt_ignore, gt_matched)
    kept_dt = np.flatnonzero(dt_kept)
    buckets = make_buckets(dt_group[kept_dt], dt_rank[kept_dt], gt_group[kept_gt],
                           n_img * n_cls)
    buckets = [Bucket(b.groups, np.where(b.dt_rows >= 0, kept_dt[np.maximum(b.dt_rows, 0)],
                                         -1),
                      np.where(b.gt_rows >= 0, kept_gt[np.maximum(b.gt_rows, 0)], -1))
               for b in buckets]
    dt_match, dt_iou = match(buckets, iou_fn, gt_ignore, gt.iscrowd, thresholds, len(pred))
    return _finish(thresholds, tuple(area_ranges), dt_kept, dt_rank, dt_match, dt_iou, outside,
                   gt_kept, gt_ignore)


def _finish(thresholds, area_ranges, dt_kept, dt_rank, dt_match, dt_iou, outside,
            gt_kept, gt_ignore) -> MatchResult:
    """The reference path's MatchResult (the kernel fills dt_ignore / gt_matched itself)."""
    matched = dt_match >= 0
    a_idx = np.arange(len(area_ranges))[:, None, None]
    padded = np.concatenate([gt_ignore, np.zeros((len(area_ranges), 1), dtype=bool)], axis=1)
    dt_ignore = padded[a_idx, np.where(matched, dt_match, gt_ignore.shape[1])]
    dt_ignore |= ~matched & outside[:, None, :]
    gt_matched = np.zeros((len(area_ranges), len(thresholds), len(gt_kept)), dtype=bool)
    a, t, n = np.nonzero(matched)
    gt_matched[a, t, dt_match[a, t, n]] = True
    return MatchResult(thresholds, area_ranges, dt_kept, dt_rank, dt_match, dt_ignore, dt_iou,
                       gt_kept, gt_ignore, gt_matched)
