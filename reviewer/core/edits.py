"""Build correction commands from a reviewer's intent (Qt-free; the GUI tools and tests call these).

Each function reads the current document and returns one command (or a ``Macro``) with complete
before/after values; nothing changes until ``history.execute`` runs it.
"""

from __future__ import annotations

import numpy as np

from . import commands as C
from . import masks as mask_ops
from .detection_scores import FP, TP
from .geometry import box_iou


def _image_id(doc, image_row: int):
    v = doc.base.images.ids[image_row]
    return v.item() if hasattr(v, "item") else v


def _box_area(bbox) -> float:
    return float(bbox[2]) * float(bbox[3])


def clip_box(bbox, width: int, height: int) -> list[float]:
    """xywh clipped to the image; width/height never negative."""
    x, y, w, h = (float(v) for v in bbox)
    x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
    x1, y1 = min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)
    return [x0, y0, max(x1 - x0, 0.0), max(y1 - y0, 0.0)]


def add_box(doc, image_row: int, category_id: int, bbox) -> C.AddObject:
    """A new GT box of ``category_id`` (clipped to the image)."""
    w, h = int(doc.base.images.widths[image_row]), int(doc.base.images.heights[image_row])
    box = clip_box(bbox, w, h) if w and h else [float(v) for v in bbox]
    obj = {"id": doc.new_ann_id(), "category_id": int(category_id), "bbox": box,
           "area": _box_area(box), "iscrowd": 0}
    return C.AddObject(_image_id(doc, image_row), obj)


def add_polygon(doc, image_row: int, category_id: int, polygon) -> C.AddObject:
    """A new GT instance mask from one polygon ``[x0, y0, x1, y1, ...]``."""
    seg, box, area = _polygon_shape(doc, image_row, polygon)
    obj = {"id": doc.new_ann_id(), "category_id": int(category_id), "bbox": box, "area": area,
           "iscrowd": 0, "segmentation": seg}
    return C.AddObject(_image_id(doc, image_row), obj)


def _polygon_shape(doc, image_row: int, polygon):
    coords = [float(v) for v in polygon]
    if len(coords) < 6 or len(coords) % 2:
        raise ValueError("a polygon needs at least three points")
    h, w = int(doc.base.images.heights[image_row]), int(doc.base.images.widths[image_row])
    rle = mask_ops.to_rle([coords], h, w)
    box = mask_ops.rle_boxes([rle])[0].tolist()
    return [coords], box, float(mask_ops.rle_areas([rle])[0])


def delete(doc, ann_id: int) -> C.DeleteObject:
    obj = doc.gt_object(ann_id)
    return C.DeleteObject(obj["image_id"], obj)


def relabel(doc, ann_id: int, category_id: int) -> C.Relabel:
    obj = doc.gt_object(ann_id)
    return C.Relabel(obj["image_id"], int(ann_id), {"category_id": obj["category_id"]},
                     {"category_id": int(category_id)})


def move_box(doc, ann_id: int, bbox) -> C.MoveBox:
    """Move / resize a box. Objects with a mask keep their mask (reshape the polygon instead)."""
    obj = doc.gt_object(ann_id)
    box = [float(v) for v in bbox]
    before = {"bbox": obj["bbox"], "area": obj["area"]}
    after = {"bbox": box, "area": obj["area"] if obj.get("segmentation") else _box_area(box)}
    return C.MoveBox(obj["image_id"], int(ann_id), before, after)


def reshape(doc, ann_id: int, polygon) -> C.ReplaceShape:
    """Replace an object's outline with ``polygon`` (box and area follow the new shape)."""
    obj = doc.gt_object(ann_id)
    seg, box, area = _polygon_shape(doc, doc.image_row(obj["image_id"]), polygon)
    before = {"bbox": obj["bbox"], "area": obj["area"], "segmentation": obj.get("segmentation")}
    return C.ReplaceShape(obj["image_id"], int(ann_id), before,
                          {"bbox": box, "area": area, "segmentation": seg})


def _pred_object(doc, pred_row: int) -> dict:
    p = doc.base.pred
    obj = {"id": doc.new_ann_id(),
           "category_id": int(doc.base.categories.ids[p.category_index[pred_row]]),
           "bbox": [float(v) for v in p.boxes[pred_row]], "area": float(p.areas[pred_row]),
           "iscrowd": 0, "accepted_from_prediction": int(p.ids[pred_row])}
    seg = p.segmentations[pred_row] if p.segmentations is not None else None
    area = float(mask_ops.rle_areas([_rle_of(doc, pred_row, seg)])[0]) if seg is not None else 0
    if area > 0:  # an empty mask (e.g. one the loader could not use) is not copied: box only
        obj["segmentation"] = seg
        obj["area"] = area
    return obj


def _rle_of(doc, pred_row, seg):
    i = doc.base.pred.image_index[pred_row]
    return mask_ops.to_rle(seg, int(doc.base.images.heights[i]), int(doc.base.images.widths[i]))


def accept_prediction(doc, pred_row: int, replace: bool = False, min_iou: float = 0.5):
    """Copy prediction ``pred_row`` (a row of ``doc.base.pred``) into GT.

    replace: also remove the GT object it overlaps most (IoU >= ``min_iou``, any class) — the
    "wrong class / bad box" fix; without it every existing object is kept.
    """
    i = int(doc.base.pred.image_index[pred_row])
    obj = _pred_object(doc, pred_row)
    replaced = None
    if replace:
        g_rows = np.flatnonzero(doc.gt.image_index == i)
        if len(g_rows):
            iou = box_iou(doc.base.pred.boxes[[pred_row]], doc.gt.boxes[g_rows])[0]
            best = int(np.argmax(iou))
            if iou[best] >= min_iou:
                replaced = doc.gt_object(int(doc.gt.ids[g_rows[best]]))
    return C.AcceptPrediction(_image_id(doc, i), int(doc.base.pred.ids[pred_row]), obj, replaced)


def accept_all_of_class(doc, image_row: int, category_row: int) -> C.Macro | None:
    """Accept every false-positive prediction of one class in one image (one history entry).

    Uses the current scores: predictions at or above the score threshold that match nothing.
    Returns None when there is nothing to accept.
    """
    sub, scores = doc.image_scores(image_row)
    local = np.flatnonzero((scores.pred_status == FP) & (sub.pred.category_index == category_row))
    if not len(local):
        return None
    rows = doc.pred_rows(image_row)[local]
    children = tuple(accept_prediction(doc, int(r)) for r in rows)
    name = doc.base.categories.names[category_row]
    return C.Macro(_image_id(doc, image_row), f"accept {len(children)} {name} predictions", children)


def matched_pairs(doc, image_row: int) -> list[tuple[int, int]]:
    """(GT annotation id, prediction id) of the image's true positives."""
    sub, scores = doc.image_scores(image_row)
    tp = np.flatnonzero(scores.pred_status == TP)
    return [(int(sub.gt.ids[scores.pred_match[r]]), int(sub.pred.ids[r])) for r in tp]
