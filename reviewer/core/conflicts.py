"""Does a journalled correction still fit the ground truth it is replayed onto?

A correction records the values it changed (``before``) and the object it deleted or replaced.
When the GT file changed after the review began (ids reassigned, objects or images removed,
boxes edited elsewhere), replaying it blindly would land on another object. Each GT command asks
these helpers before it is redone: the target must still hold exactly the recorded original.
A command whose target differs is a *conflict*: it is set aside, listed for the reviewer, and
either re-applied to the object as it is now (``Command.rebased``) or dropped.

The document answers ``has_image(image_id)``, ``find_gt(ann_id) -> dict | None`` (detection)
and ``gt_patch(image_id, y, x, h, w) -> array | None`` (semantic masks).
"""

from __future__ import annotations

import math

import numpy as np

_TOLERANCE = 1e-6  # relative, for coordinates and areas that went through JSON and float32


class CommandConflictError(ValueError):
    """A command cannot be redone on the document as it stands; ``str()`` says why."""


def same_value(a, b) -> bool:
    """Recorded and current values equal, numbers within a relative 1e-6 (lists, dicts, RLE;
    booleans count as 0 / 1, as COCO's ``iscrowd`` does)."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def image_missing(doc, image_id) -> str | None:
    if doc.has_image(image_id):
        return None
    return f"image {image_id} is no longer in the ground truth"


def id_taken(doc, ann_id) -> str | None:
    if doc.find_gt(ann_id) is None:
        return None
    return f"the ground truth now has another object with id {ann_id}"


def unusable_shape(doc, image_id, obj: dict) -> str | None:
    """Why the object a command would put in the GT has a mask the document refuses (a damaged
    journal), or None."""
    problem = doc.object_problem(image_id, obj) if "segmentation" in obj else None
    return None if problem is None else f"GT object {obj.get('id')}: {problem}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def object_differs(doc, image_id, ann_id, recorded: dict, keys) -> str | None:
    """Why GT object ``ann_id`` of ``image_id`` no longer holds ``recorded`` in ``keys``."""
    current = doc.find_gt(ann_id)
    if current is None:
        return f"GT object {ann_id} is no longer in the ground truth"
    if current.get("image_id") != image_id:
        return f"GT object {ann_id} now belongs to image {current.get('image_id')}"
    for key in keys:
        if not same_value(current.get(key), recorded.get(key)):
            return (f"GT object {ann_id}: its {key} is {_short(current.get(key))} now, it was "
                    f"{_short(recorded.get(key))} when corrected")
    return None


def current_object(doc, image_id, ann_id) -> dict:
    """The current GT object ``ann_id`` of ``image_id``; CommandConflictError when gone."""
    reason = image_missing(doc, image_id)
    current = None if reason else doc.find_gt(ann_id)
    if current is None or current.get("image_id") != image_id:
        raise CommandConflictError(reason or f"GT object {ann_id} is no longer in image "
                                             f"{image_id}: nothing to re-apply the change to")
    return current


def patch_differs(doc, image_id, y: int, x: int, before: np.ndarray) -> str | None:
    """Why the GT mask of ``image_id`` no longer holds ``before`` at (y, x)."""
    h, w = before.shape
    current = doc.gt_patch(image_id, y, x, h, w)
    if current is None:
        return f"image {image_id}: the GT mask no longer covers the painted region"
    changed = int(np.count_nonzero(current != before))
    if changed:
        return f"image {image_id}: {changed} pixels of the painted region differ from the mask " \
               "the correction was made on"
    return None
