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
from reviewer.io.coco_annotations import Entries, Join
from reviewer.io.coco_validate import lookup, lookup_text

_KEYS = (int, str)


def check_same_dataset(anns: Entries, join: Join, name: str, gt_name: str) -> None:
    """Raise InputError (one line, no per-entry list) when ``anns`` look like another dataset's."""
    column = anns.column("image_id")
    if set(map(type, column)) <= set(_KEYS):
        keep = range(len(column))
    else:
        keep = [i for i, v in enumerate(column) if type(v) in _KEYS]
    if not keep:
        return
    all_ids, all_cats = anns.column("image_id"), anns.column("category_id")
    if len(keep) == len(anns):
        image_ids, categories = all_ids, all_cats
    else:
        image_ids, categories = [all_ids[i] for i in keep], [all_cats[i] for i in keep]
    known = _joined(image_ids, join.image_rows)
    n, n_known = len(image_ids), int(known.sum())
    if n_known < n:
        seen = {str(v) for v, k in zip(image_ids, known.tolist(), strict=True) if k}
        missing = {str(v) for v, k in zip(image_ids, known.tolist(), strict=True) if not k}
        if n - n_known > n_known or len(missing) > len(seen):
            raise _foreign(name, gt_name, f"{n - n_known} of its {n} predictions name an "
                           "image_id that is not in the ground truth "
                           f"({len(missing)} of the {len(missing) + len(seen)} images they name)")
    typed = np.fromiter((type(c) in _KEYS for c in categories), bool, n)
    if not (known & typed).any() or (known & _joined(categories, join.category_rows)).any():
        return
    named = sorted({str(categories[i]) for i in np.flatnonzero(known & typed).tolist()})
    shown = ", ".join(named[:5]) + (", ..." if len(named) > 5 else "")
    raise _foreign(name, gt_name, f"none of its category_id values ({shown}) is a category of "
                   "the ground truth")


def _joined(values: list, index: dict) -> np.ndarray:
    """(N,) bool: the value joins ``index`` as written or as text."""
    rows = lookup(values, index)
    if (rows < 0).any():
        lookup_text(values, rows, index)
    return rows >= 0


def _foreign(name: str, gt_name: str, why: str) -> InputError:
    return InputError(f"{name}: these predictions do not belong to {gt_name}: {why}. Check that "
                      "the predictions and the ground truth come from the same dataset (or keep "
                      "only the predictions of the ground truth's images)")
