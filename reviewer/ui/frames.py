"""Build the canvas's ``CanvasFrame`` for one image of a session (no Qt).

Detection: GT and predicted objects of the image with their statuses, TIDE error types, IoU and
matches, from ``document.image_scores(i)``. Segmentation: the GT and predicted label masks from
``document.masks(i)``. The image pixels come from the caller (the preloader's cache).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from reviewer.core import masks as mask_ops
from reviewer.core import tide
from reviewer.core.detection_scores import FN, FP, IGNORED, SKIPPED, TP
from reviewer.core.view_state import CanvasFrame, CanvasObject

_PRED_STATUS = {SKIPPED: "below threshold", TP: "tp", FP: "fp", IGNORED: "ignored"}
_GT_STATUS = {SKIPPED: "ignored", TP: "tp", FN: "fn", IGNORED: "ignored"}
_ERROR = ("",) + tide.ERROR_TYPES


def image_path(session, i: int) -> Path | None:
    """Where image row ``i``'s file is (None when the project cannot tell)."""
    ds = session.data.dataset
    if session.data.task == "segmentation":
        return ds.image_path(i)
    return Path(session.project.images) / str(ds.images.file_names[i])


def build_frame(session, i: int, image: np.ndarray | None) -> CanvasFrame:
    """The frame of image row ``i``; ``image`` is its (H,W,3) uint8 RGB pixels or None."""
    if session.data.task == "segmentation":
        return _semantic_frame(session, i, image)
    return _detection_frame(session, i, image)


def _semantic_frame(session, i, image) -> CanvasFrame:
    ds = session.data.dataset
    doc = session.document
    gt, pred = doc.masks(i)
    colors = None if ds.class_colors is None else np.asarray(ds.class_colors, np.uint8)
    return CanvasFrame(image, semantic_gt=gt, semantic_pred=pred,
                       class_names=tuple(doc.class_names), class_colors=colors,
                       ignore_index=doc.ignore_index, image_size=_size(ds.images, i),
                       placeholder_text=_missing_text(session, i))


def _detection_frame(session, i, image) -> CanvasFrame:
    doc = session.document
    sub, scores = doc.image_scores(i)
    names = tuple(str(n) for n in sub.categories.names)
    w, h = _size(sub.images, 0) or (0, 0)
    if image is not None:
        h, w = image.shape[:2]
    corrected = i in doc.corrected_images
    gt = [_gt_object(sub, scores, r, names, h, w, corrected) for r in range(len(sub.gt))]
    pred = [_pred_object(sub, scores, r, names, h, w) for r in range(len(sub.pred))]
    return CanvasFrame(image, tuple(gt + pred), class_names=names,
                       image_size=(w, h) if w and h else None,
                       placeholder_text=_missing_text(session, i))


def _gt_object(sub, scores, r, names, h, w, corrected) -> CanvasObject:
    g = sub.gt
    match = int(scores.gt_match[r])
    iou = float(scores.pred_iou[match]) if match >= 0 else None
    extra = g.extra[r] if g.extra else {}
    return CanvasObject(
        "gt", r, int(g.ids[r]), int(g.category_index[r]), names[g.category_index[r]],
        tuple(g.boxes[r]), _mask(g, r, h, w), None,
        _GT_STATUS.get(int(scores.gt_status[r]), "ignored"), _ERROR[int(scores.gt_error[r])],
        _finite(iou), int(sub.pred.ids[match]) if match >= 0 else None,
        corrected and bool(extra.get("accepted_from_prediction", False)))


def _pred_object(sub, scores, r, names, h, w) -> CanvasObject:
    p = sub.pred
    match = int(scores.pred_match[r]) if int(scores.pred_status[r]) == TP else -1
    return CanvasObject(
        "pred", r, int(p.ids[r]), int(p.category_index[r]), names[p.category_index[r]],
        tuple(p.boxes[r]), _mask(p, r, h, w), float(p.scores[r]),
        _PRED_STATUS.get(int(scores.pred_status[r]), "fp"), _ERROR[int(scores.pred_error[r])],
        _finite(float(scores.pred_iou[r])), int(sub.gt.ids[match]) if match >= 0 else None)


def _mask(table, r, h, w):
    if table.segmentations is None or table.segmentations[r] is None or not (h and w):
        return None
    try:
        return mask_ops.to_rle(table.segmentations[r], h, w)
    except (ValueError, TypeError, KeyError):  # a mask pycocotools refuses: draw the box only
        return None


def _finite(v):
    return None if v is None or math.isnan(v) else v


def _size(images, i):
    w, h = int(images.widths[i]), int(images.heights[i])
    return (w, h) if w > 0 and h > 0 else None


def _missing_text(session, i) -> str:
    path = image_path(session, i)
    return f"Image file not found:\n{path}" if path is not None else "Image file not found"
