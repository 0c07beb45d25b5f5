"""What the mouse points at in a semantic-segmentation frame (numpy only, no Qt).

``pixel_text(frame, x, y)`` is the hover text of image pixel (x, y): the GT and predicted class
there, what kind of error the pixel is (the errors view's words), and for each of the two classes
its IoU on this image with the pixel counts behind it. The figures come from the frame's
``pixel_confusion`` — the image's (K, K+1) confusion the scores are computed from — so they equal
the image table's ``IoU <class>`` columns (the same ``class_stats`` / ``iou_from_stats``).
"""

from __future__ import annotations

import numpy as np

from reviewer.core.semantic import class_stats, confusion, iou_from_stats
from reviewer.core.view_state import CanvasFrame

UNLABELED_TEXT = "predicted where GT is unlabeled"
MISSED_TEXT = "missed"
IGNORED_TEXT = "GT ignored here: not scored"


def label_at(labels: np.ndarray | None, x: float, y: float) -> int | None:
    """The label value at image point (x, y), None outside the array or without one."""
    if labels is None:
        return None
    col, row = int(np.floor(x)), int(np.floor(y))
    if 0 <= row < labels.shape[0] and 0 <= col < labels.shape[1]:
        return int(labels[row, col])
    return None


def class_at(frame: CanvasFrame | None, x: float, y: float) -> int | None:
    """The class a reviewer means by pointing at (x, y): the GT class, or the predicted class
    where the GT is ignored or unlabeled. None outside the image or without semantic masks."""
    if frame is None:
        return None
    gt, pred = label_at(frame.semantic_gt, x, y), label_at(frame.semantic_pred, x, y)
    k = len(frame.class_names)
    if gt is not None and gt < k and gt != frame.ignore_index \
            and gt not in frame.unlabeled_classes:
        return gt
    return pred if pred is not None and pred < k else None


def image_stats(frame: CanvasFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(intersection, gt_area, pred_area, iou), each (K,), of the frame's image."""
    matrix = frame.pixel_confusion
    k = len(frame.class_names)
    if matrix is None:  # a frame built without scores: the same confusion, computed here
        matrix = confusion(frame.semantic_gt, frame.semantic_pred, k, frame.ignore_index)
    inter, gt_area, pred_area = class_stats(np.asarray(matrix))
    return inter, gt_area, pred_area, iou_from_stats(inter, gt_area, pred_area)


def pixel_text(frame: CanvasFrame | None, x: float, y: float) -> str:
    """Hover text of image pixel (x, y) of a semantic frame ("" when there is nothing there)."""
    if frame is None or frame.semantic_gt is None:
        return ""
    gt, pred = label_at(frame.semantic_gt, x, y), label_at(frame.semantic_pred, x, y)
    if gt is None:
        return ""
    names = frame.class_names
    lines = [f"GT {_name(names, gt, frame.ignore_index)}"
             + ("" if pred is None else f" · predicted {_name(names, pred, None)}")]
    kind = _kind(frame, gt, pred)
    if kind:
        lines.append(kind)
    if frame.semantic_pred is not None and frame.semantic_gt.shape == frame.semantic_pred.shape:
        stats = image_stats(frame)
        for c in dict.fromkeys(v for v in (gt, pred) if v is not None):
            if c < len(names) and c != frame.ignore_index:
                lines.append(_class_line(names[c], c, stats))
    return "\n".join(lines)


def _kind(frame: CanvasFrame, gt: int, pred: int | None) -> str:
    """The errors view's word for the pixel ("" when correct or unknown)."""
    if gt == frame.ignore_index:
        return IGNORED_TEXT
    if pred is None or pred == gt:
        return "" if pred is None else "correct"
    if gt in frame.unlabeled_classes:
        return UNLABELED_TEXT
    return f"{MISSED_TEXT}: GT {_name(frame.class_names, gt, None)} predicted as " \
           f"{_name(frame.class_names, pred, None)}"


def _class_line(name: str, c: int, stats) -> str:
    inter, gt_area, pred_area, iou = stats
    value = "–" if np.isnan(iou[c]) else f"{iou[c]:.3f}"
    return (f"{name} on this image: IoU {value} · GT {int(gt_area[c]):,} px · "
            f"predicted {int(pred_area[c]):,} px · both {int(inter[c]):,} px")


def _name(names, value: int, ignore_index: int | None) -> str:
    if ignore_index is not None and value == ignore_index:
        return f"ignored ({value})" if value >= len(names) else f"{names[value]} (ignored)"
    return str(names[value]) if 0 <= value < len(names) else f"void ({value})"
