"""Refuse a prediction file that belongs to another dataset, in one line, before any scoring.

Joined by id, a results file made for another dataset either finds few of its images in the
ground truth (its predictions become hundreds of "not in the ground truth" problems and AP 0)
or, worse, finds images whose ids merely overlap and attaches its boxes to the wrong pictures.
pycocotools refuses any result whose image is not in the ground truth; Reviewer keeps a few
such entries as problems but refuses the file when, after the join (by id, or by ``file_name``
and category ``name`` for a dataset-style file, see ``coco_join``):

- more predictions name an image the ground truth lacks than one it has, or
- more of the distinct images the predictions name are missing than present, or
- none of the predictions on known images names a category of the ground truth.
"""

from __future__ import annotations

import numpy as np

from reviewer.core.problems import InputError
from reviewer.io.coco_annotations import Join
from reviewer.io.coco_validate import lookup, lookup_text

_KEYS = (int, str)


def check_same_dataset(anns: list, join: Join, name: str, gt_name: str) -> None:
    """Raise InputError (one line, no per-entry list) when ``anns`` look like another dataset's."""
    entries = [a for a in anns if type(a) is dict and type(a.get("image_id")) in _KEYS]
    if not entries:
        return
    image_ids = [a["image_id"] for a in entries]
    rows = lookup(image_ids, join.image_rows)
    lookup_text(image_ids, rows, join.image_rows)
    known = rows >= 0
    n, n_known = len(entries), int(known.sum())
    distinct_known = len({str(v) for v, k in zip(image_ids, known, strict=True) if k})
    distinct_missing = len({str(v) for v, k in zip(image_ids, known, strict=True) if not k})
    if n - n_known > n_known or distinct_missing > distinct_known:
        raise _foreign(name, gt_name, f"{n - n_known} of its {n} predictions name an image_id "
                       f"that is not in the ground truth ({distinct_missing} of the "
                       f"{distinct_missing + distinct_known} images they name)")
    categories = [c for c in (entries[i].get("category_id") for i in np.flatnonzero(known))
                  if type(c) in _KEYS]
    cat_rows = lookup(categories, join.category_rows)
    lookup_text(categories, cat_rows, join.category_rows)
    if len(categories) and not (cat_rows >= 0).any():
        named = sorted({str(c) for c in categories})
        shown = ", ".join(named[:5]) + (", ..." if len(named) > 5 else "")
        raise _foreign(name, gt_name, f"none of its category_id values ({shown}) is a category "
                       "of the ground truth")


def _foreign(name: str, gt_name: str, why: str) -> InputError:
    return InputError(f"{name}: these predictions do not belong to {gt_name}: {why}. Check that "
                      "the predictions and the ground truth come from the same dataset (or keep "
                      "only the predictions of the ground truth's images)")
