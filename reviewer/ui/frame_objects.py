"""The CanvasObjects of one image's GT or predictions, rebuilt incrementally (no Qt).

``object_columns`` gathers every field a ``CanvasObject`` draws from the document's one-image
scores as arrays; ``diff_objects`` compares them with the columns of the previous build of the
same image and constructs objects only for rows whose fields changed: after an edit of one
object among thousands, the others keep their ``CanvasObject`` (the canvas then keeps their
items). Rows that only moved in the table (a GT deleted above them) get a copy with the new row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reviewer.core import tide
from reviewer.core.detection_scores import FN, FP, IGNORED, SKIPPED, TP
from reviewer.core.view_state import CanvasObject

_PRED_STATUS = {SKIPPED: "below threshold", TP: "tp", FP: "fp", IGNORED: "ignored"}
_GT_STATUS = {SKIPPED: "ignored", TP: "tp", FN: "fn", IGNORED: "ignored"}
_ERROR = ("",) + tide.ERROR_TYPES
_NUMERIC = ("ids", "cls", "score", "status", "error", "iou", "matched", "has_match", "corrected")


@dataclass(frozen=True)
class ObjectColumns:
    """Fields of the N objects of one source, in table row order.

    ids, cls, matched (the matched object's id where has_match), status, error: (N,) int64;
    boxes (N,4), score, iou: (N,) float64 (NaN: none); has_match, corrected: (N,) bool;
    masks: N RLE dicts or None.
    """

    source: str
    ids: np.ndarray
    cls: np.ndarray
    boxes: np.ndarray
    score: np.ndarray
    status: np.ndarray
    error: np.ndarray
    iou: np.ndarray
    matched: np.ndarray
    has_match: np.ndarray
    corrected: np.ndarray
    masks: list


def object_columns(source: str, sub, scores, masks: list, corrected: bool) -> ObjectColumns:
    """Columns of the GT (source "gt") or the predictions of a one-image sub-dataset."""
    if source == "gt":
        g, m = sub.gt, scores.gt_match
        has = m >= 0
        safe = np.maximum(m, 0)
        iou = np.where(has, scores.pred_iou[safe] if len(scores.pred_iou) else np.nan, np.nan)
        matched = np.where(has, sub.pred.ids[safe] if len(sub.pred) else -1, -1)
        flags = np.zeros(len(g), dtype=bool)
        if corrected and g.extra:
            flags[:] = [bool(e.get("accepted_from_prediction", False)) for e in g.extra]
        return ObjectColumns("gt", g.ids, g.category_index, g.boxes, np.full(len(g), np.nan),
                             scores.gt_status.astype(np.int64), scores.gt_error.astype(np.int64),
                             iou, matched, has, flags, masks)
    p, m = sub.pred, scores.pred_match
    has = (scores.pred_status == TP) & (m >= 0)
    matched = np.where(has, sub.gt.ids[np.maximum(m, 0)] if len(sub.gt) else -1, -1)
    return ObjectColumns("pred", p.ids, p.category_index, p.boxes, p.scores.astype(np.float64),
                         scores.pred_status.astype(np.int64), scores.pred_error.astype(np.int64),
                         scores.pred_iou.astype(np.float64), matched, has,
                         np.zeros(len(p), dtype=bool), masks)


def diff_objects(new: ObjectColumns, names: tuple, old: ObjectColumns | None,
                 old_objects: list | None) -> list[CanvasObject]:
    """The CanvasObjects of ``new``, taken from ``old_objects`` (built from ``old``) where equal."""
    n = len(new.ids)
    pos = np.full(n, -1, dtype=np.int64)
    if old is not None and old_objects is not None:
        if len(old.ids) == n and np.array_equal(old.ids, new.ids):
            pos = np.arange(n)
        else:
            index = {a: k for k, a in enumerate(old.ids.tolist())}
            pos = np.array([index.get(a, -1) for a in new.ids.tolist()], dtype=np.int64)
    same = pos >= 0
    if same.any():
        at = np.maximum(pos, 0)
        for name in _NUMERIC:
            a, b = getattr(new, name), getattr(old, name)[at]
            same &= (a == b) | (np.isnan(a) & np.isnan(b) if a.dtype.kind == "f" else False)
        same &= (new.boxes == old.boxes[at]).all(axis=1)
        same &= np.array([x is y for x, y in zip(new.masks, [old.masks[k] for k in at.tolist()],
                                                 strict=True)], dtype=bool).reshape(-1)
    out: list = [None] * n
    fresh = np.flatnonzero(~same)
    for r, obj in zip(fresh.tolist(), _make_rows(new, names, fresh), strict=True):
        out[r] = obj
    kept = np.flatnonzero(same)
    for r, k in zip(kept.tolist(), pos[kept].tolist(), strict=True):
        out[r] = old_objects[k] if k == r else _with_row(old_objects[k], r)
    return out


def _make_rows(c: ObjectColumns, names: tuple, rows: np.ndarray):
    """The CanvasObjects of ``rows`` of the columns, in order. Each field is converted to
    Python values by one numpy call; objects after the first (built by the validating
    constructor) are filled directly: the columns give valid values for all or none."""
    gt = c.source == "gt"
    status = _GT_STATUS if gt else _PRED_STATUS
    default = "ignored" if gt else "fp"
    cols = [getattr(c, name)[rows].tolist() for name in (
        "ids", "cls", "status", "error", "score", "iou", "matched", "has_match", "corrected")]
    boxes = c.boxes[rows].tolist()
    first = True
    for r, box, ann, cls, st, err, score, iou, matched, has, corrected in zip(
            rows.tolist(), boxes, *cols, strict=True):
        values = {
            "source": c.source, "row": r, "ann_id": ann, "class_index": cls,
            "class_name": names[cls], "box": tuple(box), "mask": c.masks[r],
            "score": None if gt else score, "status": status.get(st, default),
            "error_type": _ERROR[err], "iou": None if iou != iou else iou,
            "matched_ann_id": matched if has else None, "corrected": corrected}
        if first:
            first = False
            yield CanvasObject(**values)
            continue
        obj = object.__new__(CanvasObject)
        obj.__dict__.update(values)
        yield obj


def _with_row(obj: CanvasObject, row: int) -> CanvasObject:
    """A copy of a (validated) CanvasObject at another table row."""
    copy = object.__new__(CanvasObject)
    copy.__dict__.update(obj.__dict__)
    copy.__dict__["row"] = row
    return copy


def _finite(v):
    return None if v is None or math.isnan(v) else v
