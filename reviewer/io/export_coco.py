"""The fixed COCO dataset: the original file with the review's corrections applied.

Top-level keys of the original file (``info``, ``licenses``, ...) keep their order and values;
``images`` and ``categories`` are the original entries verbatim, in file order (only entries the
loader could use: an image entry it dropped, e.g. a duplicate id, is not written). Annotations:

- an original object that was not changed is written exactly as in the file (all its fields);
- an edited object keeps its id, its place and its other fields, with the edited values;
- a deleted object is dropped; a new object (drawn or accepted) is appended with its fresh id,
  an accepted prediction carrying ``"accepted_from_prediction": <prediction id>``.

With ``image_rows`` (a subset) only those images and their annotations are written.
"""

from __future__ import annotations

import numpy as np

from reviewer.core.problems import Problem
from reviewer.io.coco import read_json

_CORE = ("id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation")


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def table_object(ds, table, r: int) -> dict:
    """Row ``r`` of an AnnotationTable of ``ds`` as a COCO annotation dict."""
    obj = {"id": int(table.ids[r]), "image_id": _plain(ds.images.ids[table.image_index[r]]),
           "category_id": int(ds.categories.ids[table.category_index[r]]),
           "bbox": [float(v) for v in table.boxes[r]], "area": float(table.areas[r]),
           "iscrowd": int(table.iscrowd[r])}
    seg = table.segmentations[r] if table.segmentations is not None else None
    if seg is not None:
        obj["segmentation"] = seg
    if table.extra:
        obj.update(table.extra[r])
    return obj


def _first_by_id(entries, valid_ids: set) -> dict:
    """id -> the first raw entry with that id, for ids the loader kept."""
    out: dict = {}
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict):
            key = e.get("id")
            if isinstance(key, int | str) and key in valid_ids and key not in out:
                out[key] = e
    return out


def _merged(raw: dict | None, current: dict) -> dict:
    """The current values in the raw entry's key order (new keys last)."""
    if raw is None:
        head = {k: current[k] for k in _CORE if k in current}
        return {**head, **{k: v for k, v in current.items() if k not in head}}
    out = {k: current[k] for k in raw if k in current}
    out.update({k: v for k, v in current.items() if k not in out})
    return out


def fixed_annotations(document, raw_anns, image_rows=None) -> list[dict]:
    """The corrected annotation list (see module docstring), in file order, new ones last."""
    base, gt = document.base, document.gt
    ds = document.dataset()
    base_rows = {int(a): r for r, a in enumerate(base.gt.ids.tolist())}
    raw = _first_by_id(raw_anns, set(base_rows))
    keep = np.ones(len(gt), bool)
    if image_rows is not None:
        member = np.zeros(len(base.images), bool)
        member[np.asarray(image_rows, np.int64)] = True
        keep = member[gt.image_index]
    corrected = document.corrected_images
    out = []
    for r in np.flatnonzero(keep).tolist():
        ann = int(gt.ids[r])
        br = base_rows.get(ann)
        if br is not None and ann in raw:
            if int(gt.image_index[r]) not in corrected:
                out.append(raw[ann])
                continue
            current = table_object(ds, gt, r)
            if current == table_object(base, base.gt, br):
                out.append(raw[ann])
                continue
            out.append(_merged(raw[ann], current))
        else:
            out.append(_merged(None, table_object(ds, gt, r)))
    return out


def _left_out(data: dict, document, gt_path) -> list[Problem]:
    """Problems naming the entries of the file the loader rejected (not exported)."""
    out = []
    for key, kept in (("images", len(document.base.images)), ("annotations", len(document.base.gt))):
        entries = data.get(key)
        n = len(entries) if isinstance(entries, list) else 0
        if n > kept:
            out.append(Problem(str(gt_path), key, f"{n - kept} of {n} entries could not be "
                               "loaded and are not in the exported file", severity="warning"))
    return out


def fixed_coco(document, gt_path, image_rows=None, problems: list | None = None) -> dict:
    """The corrected COCO dataset dict for ``document`` whose GT was read from ``gt_path``;
    entries the loader rejected are left out and reported in ``problems`` when given."""
    data = read_json(gt_path)
    if problems is not None:
        problems.extend(_left_out(data, document, gt_path))
    images = document.base.images
    valid = set(images.ids.tolist())
    if image_rows is not None:
        valid = {images.ids[i] for i in np.asarray(image_rows, np.int64).tolist()}
    raw_images = _first_by_id(data.get("images"), valid)
    raw_cats = _first_by_id(data.get("categories"), set(document.base.categories.ids.tolist()))
    out = {}
    for key, value in data.items():
        if key == "images":
            out[key] = [raw_images[k] for k in images.ids.tolist() if k in raw_images]
        elif key == "categories":
            out[key] = list(raw_cats.values())
        elif key == "annotations":
            out[key] = fixed_annotations(document, value, image_rows)
        else:
            out[key] = value
    if "annotations" not in out:
        out["annotations"] = fixed_annotations(document, [], image_rows)
    if "categories" not in out:
        cats = document.base.categories
        out["categories"] = [{"id": int(c), "name": str(n)}
                             for c, n in zip(cats.ids.tolist(), cats.names.tolist(), strict=True)]
    return out
