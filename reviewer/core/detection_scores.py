"""Per-image and per-object detection scores at one IoU threshold and one score threshold.

Built on the one matcher (``cocoeval.match_dataset`` with a single threshold, area "all",
100 predictions per image and class), then TIDE error types (``core.tide``), the detection
confusion matrix and per-class counts. ``score_detection(..., image_rows=[i])`` re-scores one
image (what the GUI does after every edit).

Error score of an image (the default ranking, worst first): ``error = FP + FN``, the number of
objects the reviewer has to look at (a mispredicted object is one FP and one FN); ties are ordered
by ``1 - F1`` with ``F1 = 2 TP / (2 TP + FP + FN)`` (1 when the image has neither GT nor
predictions), so of two images with three errors the one with fewer correct objects comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import masks as mask_ops
from . import tide
from .cocoeval import _bbox_iou_fn, _segm_iou_fn, gt_rles, match_dataset, pred_rles
from .geometry import box_iou
from .iou_sources import MatrixIou
from .tables import DetectionDataset

# object status codes
SKIPPED, TP, FP, IGNORED, FN = 0, 1, 2, 3, 4
STATUS_NAMES = {SKIPPED: "below threshold", TP: "tp", FP: "fp", IGNORED: "ignored", FN: "fn"}


@dataclass(frozen=True)
class DetectionParams:
    iou_threshold: float = 0.5
    score_threshold: float = 0.5
    iou_type: str = "bbox"
    max_det: int = 100


@dataclass(frozen=True)
class DetectionScores:
    """Scores of a (subset of a) detection dataset.

    Per image (N,): gt, pred, tp, fp, fn, mispredicted, ignored (int64); precision, recall, f1,
    mean_iou, error (float64); ``errors[type]`` (N,) int64 for each TIDE type.
    Per image and class (N, K): class_gt, class_tp, class_fp, class_fn, class_mispredicted.
    Per prediction (P,): pred_status, pred_match (GT row), pred_iou, pred_error, pred_error_gt.
    Per GT (M,): gt_status, gt_match (prediction row), gt_error.
    confusion: (K+1, K+1) int64, rows GT class, columns predicted class, last = background.
    pairs: the confusion matrix's one-to-one pairs as a dict of (Q,) int64 arrays ``image``,
        ``gt_row``, ``pred_row`` (-1 = background), ``gt_class``, ``pred_class`` (K = background):
        a cell's images are ``pairs["image"][(gt_class == i) & (pred_class == j)]``.
    image_rows: the images scored (all rows of the returned per-image arrays outside it are 0).
    """

    params: DetectionParams
    image_rows: np.ndarray
    per_image: dict
    errors: dict
    per_class_image: dict
    pred_status: np.ndarray
    pred_match: np.ndarray
    pred_iou: np.ndarray
    pred_error: np.ndarray
    pred_error_gt: np.ndarray
    gt_status: np.ndarray
    gt_match: np.ndarray
    gt_error: np.ndarray
    confusion: np.ndarray
    pairs: dict


def iou_type_for(ds: DetectionDataset) -> str:
    """'segm' when every GT and every prediction carries a mask, else 'bbox'."""
    def full(t):
        return t.segmentations is not None and len(t) > 0 and all(
            s is not None and s != [] for s in t.segmentations)
    return "segm" if full(ds.gt) and full(ds.pred) else "bbox"


def score_detection(ds: DetectionDataset, params: DetectionParams = DetectionParams(),
                    image_rows=None, rles: tuple | None = None,
                    iou: np.ndarray | None = None, iou_cols=None) -> DetectionScores:
    """Score every image (or ``image_rows``) of ``ds``.

    iou: optional precomputed IoU of every prediction with every GT of ``ds`` (``pair_iou``;
    only same-image pairs are read), e.g. a document's cache for one image: (P, M), or (P, C)
    with ``iou_cols`` (M,) giving each GT row's column. The scores are exactly those computed
    from the boxes / masks.
    """
    if iou is not None:
        iou_fn = matrix_iou_fn(iou, iou_cols)
    else:
        if params.iou_type == "segm" and rles is None:
            rles = (pred_rles(ds), gt_rles(ds))
        iou_fn = _segm_iou_fn(ds, *rles) if params.iou_type == "segm" else _bbox_iou_fn(ds)
    res = match_dataset(ds, params.iou_type, iou_thresholds=[params.iou_threshold],
                        area_ranges=(("all", 0.0, 1e5**2),), max_det=params.max_det,
                        score_threshold=params.score_threshold, image_rows=image_rows, rles=rles,
                        iou_fn=iou_fn)
    match = res.dt_match[0, 0].astype(np.int64, copy=False)
    ignored = res.dt_ignore[0, 0]
    kept = res.dt_kept
    pred_status = np.select([~kept, match < 0, ignored], [SKIPPED, FP, IGNORED], TP).astype(np.int8)
    pred_status[kept & (match < 0) & ignored] = IGNORED
    gt_ig = res.gt_ignore[0]
    gt_matched = res.gt_matched[0, 0]
    gt_status = np.select([~res.gt_kept, gt_ig, gt_matched], [SKIPPED, IGNORED, TP], FN).astype(np.int8)
    gt_match = np.full(len(ds.gt), -1, dtype=np.int64)
    tp_rows = np.flatnonzero(pred_status == TP)
    gt_match[match[tp_rows]] = tp_rows
    pred_iou = np.where(match >= 0, res.dt_iou, res.dt_iou)
    pred_error, pred_error_gt, gt_error = _error_types(ds, pred_status, gt_status, iou_fn, params)
    pred_iou = _matched_iou(ds, match, pred_status, iou_fn, pred_iou)
    rows = np.arange(len(ds.images)) if image_rows is None else np.asarray(image_rows, np.int64)
    return _tabulate(ds, params, rows, pred_status, match, pred_iou, pred_error, pred_error_gt,
                     gt_status, gt_match, gt_error)


def pair_iou(ds: DetectionDataset, iou_type: str, rles: tuple | None = None, gt_cols=None,
             dt_boxes: np.ndarray | None = None) -> np.ndarray:
    """(P, C) IoU of every prediction of ``ds`` with the GT rows ``gt_cols`` (all: None), any
    class and image, with the crowd rule: the values the matcher computes for those pairs.

    rles: (pred_rles, gt_rles) for ``iou_type`` "segm" (computed when None).
    dt_boxes: (P, 4) ``mask_ops.rle_boxes`` of the prediction masks (segm): only predictions
    whose mask box meets a GT's mask box go to pycocotools, which gives exactly 0 to the
    others (its ``rleIou`` starts from the box IoU) — it skips re-reading every prediction's RLE.
    """
    cols = np.arange(len(ds.gt)) if gt_cols is None else np.asarray(gt_cols, np.int64)
    crowd = ds.gt.iscrowd[cols]
    if iou_type != "segm":
        return box_iou(ds.pred.boxes, ds.gt.boxes[cols], crowd).reshape(len(ds.pred), len(cols))
    dt_rle, gt_rle = rles if rles is not None else (pred_rles(ds), gt_rles(ds))
    g = [gt_rle[c] for c in cols.tolist()]
    if dt_boxes is None or not g or any(r is None for r in g):
        return mask_ops.mask_iou(list(dt_rle), g, crowd)
    near = np.flatnonzero((box_iou(dt_boxes, mask_ops.rle_boxes(g)) > 0).any(axis=1))
    out = np.zeros((len(dt_rle), len(g)))
    out[near] = mask_ops.mask_iou([dt_rle[r] for r in near.tolist()], g, crowd)
    return out


def matrix_iou_fn(iou: np.ndarray, cols=None) -> MatrixIou:
    """A matcher IoU source reading the pairs from a (P, M) IoU matrix, or from a (P, C) one
    with GT row g in column ``cols[g]``."""
    return MatrixIou(iou, cols)


def _matched_iou(ds, match, pred_status, iou_fn, fallback):
    """IoU of each TP with its matched GT (best same-class IoU for the others)."""
    out = fallback.copy()
    tp = np.flatnonzero(pred_status == TP)
    if len(tp):
        out[tp] = iou_fn.rows(tp, match[tp])
    return out


def _error_types(ds, pred_status, gt_status, iou_fn, params):
    fp_rows = np.flatnonzero(pred_status == FP)
    gt_rows = np.flatnonzero((gt_status == TP) | (gt_status == FN))
    codes, target = tide.classify(
        fp_rows, ds.pred.image_index[fp_rows], gt_rows, ds.gt.image_index[gt_rows], len(ds.images),
        iou_fn, ds.pred.category_index, ds.gt.category_index, gt_status == TP,
        params.iou_threshold)
    pred_error = np.zeros(len(ds.pred), dtype=np.int8)
    pred_error_gt = np.full(len(ds.pred), -1, dtype=np.int64)
    pred_error[fp_rows] = codes
    pred_error_gt[fp_rows] = target
    gt_error = np.zeros(len(ds.gt), dtype=np.int8)
    fn_rows = np.flatnonzero(gt_status == FN)
    gt_error[fn_rows] = tide.missed_types(fn_rows, codes, target, len(ds.gt))
    return pred_error, pred_error_gt, gt_error


def confusion_pairs(ds, pred_status, match, pred_error, pred_error_gt, gt_status):
    """One-to-one (gt_row, pred_row) pairs of the confusion matrix (-1 = background).

    TP pairs; each missed GT paired with its highest-scoring ``cls`` prediction (a misprediction);
    every other missed GT against background, every other false positive against background.
    """
    tp = np.flatnonzero(pred_status == TP)
    cls = np.flatnonzero((pred_error == tide.CLS) & (pred_status == FP))
    cls = cls[gt_status[pred_error_gt[cls]] == FN]
    cls = cls[np.lexsort((cls, -ds.pred.scores[cls]))]
    first = np.unique(pred_error_gt[cls], return_index=True)[1]
    mis = cls[first]
    paired_gt = np.zeros(len(ds.gt), dtype=bool)
    paired_gt[pred_error_gt[mis]] = True
    paired_dt = np.zeros(len(ds.pred), dtype=bool)
    paired_dt[mis] = True
    fn = np.flatnonzero((gt_status == FN) & ~paired_gt)
    fp = np.flatnonzero((pred_status == FP) & ~paired_dt)
    gt_side = np.concatenate([match[tp], pred_error_gt[mis], fn, np.full(len(fp), -1)])
    dt_side = np.concatenate([tp, mis, np.full(len(fn), -1), fp])
    return gt_side.astype(np.int64), dt_side.astype(np.int64)


def _tabulate(ds, params, rows, pred_status, match, pred_iou, pred_error, pred_error_gt,
              gt_status, gt_match, gt_error) -> DetectionScores:
    n, k = len(ds.images), len(ds.categories)
    pi, gi = ds.pred.image_index, ds.gt.image_index
    pc, gc = ds.pred.category_index, ds.gt.category_index
    gt_side, dt_side = confusion_pairs(ds, pred_status, match, pred_error, pred_error_gt, gt_status)
    gcls = np.append(gc, k)[gt_side]  # row -1 (background) picks the appended k
    dcls = np.append(pc, k)[dt_side]
    confusion = np.bincount(gcls * (k + 1) + dcls, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    pair_image = np.where(gt_side >= 0, np.append(gi, 0)[gt_side], np.append(pi, 0)[dt_side])
    pairs = {"image": pair_image, "gt_row": gt_side, "pred_row": dt_side, "gt_class": gcls,
             "pred_class": dcls}
    mis_pair = (gt_side >= 0) & (dt_side >= 0) & (gcls != dcls)
    mis_img = gi[gt_side[mis_pair]]

    def per_img_cls(mask, img, cls):
        return np.bincount(img[mask] * k + cls[mask], minlength=n * k).reshape(n, k)

    pcs = {
        "gt": per_img_cls((gt_status == TP) | (gt_status == FN), gi, gc),
        "tp": per_img_cls(pred_status == TP, pi, pc),
        "fp": per_img_cls(pred_status == FP, pi, pc),
        "fn": per_img_cls(gt_status == FN, gi, gc),
        "mispredicted": per_img_cls(mis_pair[mis_pair], mis_img, gcls[mis_pair]),
    }
    tp, fp, fn = (pcs[c].sum(1) for c in ("tp", "fp", "fn"))
    tp_iou = np.bincount(pi[pred_status == TP], pred_iou[pred_status == TP], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 1.0)
        per_image = {
            "gt": pcs["gt"].sum(1), "pred": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "mispredicted": pcs["mispredicted"].sum(1),
            "ignored": np.bincount(pi[pred_status == IGNORED], minlength=n),
            "precision": np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan),
            "recall": np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan),
            "f1": f1, "mean_iou": np.where(tp > 0, tp_iou / np.maximum(tp, 1), np.nan),
            "error": (fp + fn).astype(np.float64),
        }
    errors = {}
    for code, name in enumerate(tide.ERROR_TYPES, start=1):
        if name == "miss":
            errors[name] = np.bincount(gi[(gt_status == FN) & (gt_error == tide.MISS)], minlength=n)
        else:
            errors[name] = np.bincount(pi[(pred_status == FP) & (pred_error == code)], minlength=n)
    return DetectionScores(params, rows, per_image, errors, pcs, pred_status, match, pred_iou,
                           pred_error, pred_error_gt, gt_status, gt_match, gt_error, confusion,
                           pairs)
