"""Write the corrected ground truth as LabelMe JSON (one file per image) with a loss report.

``labelme/<image path without extension>.json``: ``version``, ``flags``, ``shapes``,
``imagePath`` (relative to the JSON file, so LabelMe opens the image from the export),
``imageData`` null, ``imageHeight``, ``imageWidth``, and the image's extra fields as top-level
keys (LabelMe keeps unknown keys). Per object: a ``rectangle`` (box only), one ``polygon`` per
part (the parts of one object share a ``group_id``, as LabelMe groups them) or a ``mask`` shape
(an RLE mask: a PNG of its bounding region). The annotation id is kept as ``id``, a crowd object
as the shape flag ``iscrowd``, and the other extra fields as keys of the shape: read back, every
one of them returns. Lost, and counted: category ids and fields (LabelMe names classes by label
only).
"""

from __future__ import annotations

import base64
import io
import json
import os

import numpy as np

from reviewer.core.masks import decode
from reviewer.formats import _export as ex
from reviewer.formats.loss import LossReport

FOLDER = "labelme"
VERSION = "5.5.0"


def export_labelme(source, out, rows, problems=None) -> LossReport:
    ds = source.document.dataset()
    gt, images, cats = ds.gt, ds.images, ds.categories
    chosen = ex.image_rows(ds, rows)
    per_image = ex.objects_by_image(gt, len(images))
    report = LossReport("labelme", images=len(chosen), files=[f"{FOLDER}/"])
    groups = [int(e["group_id"]) for e in (gt.extra or []) if isinstance(e.get("group_id"), int)]
    next_group = [max(groups, default=0) + 1]
    n = 0
    for i in chosen:
        stem = ex.stem_name(images.file_names[i], images.ids[i])
        path = ex.target(out, FOLDER, stem, ".json")
        shapes = [s for r in per_image[i] for s in _shapes(gt, cats, r, images, i, next_group)]
        n += len(per_image[i])
        data = {"version": VERSION, "flags": {}, "shapes": shapes,
                "imagePath": _image_path(source, images.file_names[i], path.parent),
                "imageData": None, "imageHeight": int(images.heights[i]),
                "imageWidth": int(images.widths[i])}
        extra = images.extra[i] if images.extra else {}
        data.update({k: v for k, v in extra.items() if k not in data})
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=ex.plain) + "\n",
                        encoding="utf-8")
    report.objects = n
    objs = [r for i in chosen for r in per_image[i]]
    ex.geometry_lost(report, gt, images, objs, False, "LabelMe")
    ex.category_ids_lost(report, cats, by_name=True)
    ex.unused_categories_lost(report, gt, objs, len(cats))
    ex.image_ids_lost(report, images, chosen)
    ex.extras_lost(report, cats.extra, list(range(len(cats))), set(), "category fields",
                   "categories")
    return report


def _image_path(source, file_name, folder) -> str:
    if source.images_dir is None:
        return str(file_name)
    return os.path.relpath(os.path.join(source.images_dir, str(file_name)),
                           folder).replace(os.sep, "/")


def _shapes(gt, cats, r: int, images, i: int, next_group: list) -> list[dict]:
    extra = dict(gt.extra[r]) if gt.extra else {}
    flags = dict(extra.pop("flags", {}) or {})
    if gt.iscrowd[r]:
        flags["iscrowd"] = True
    base = {"label": str(cats.names[gt.category_index[r]]), "group_id": extra.pop("group_id",
                                                                                   None),
            "description": extra.pop("description", ""), "flags": flags,
            "id": int(gt.ids[r]), **extra}
    seg = gt.segmentations[r] if gt.segmentations is not None else None
    x, y, w, h = (float(v) for v in gt.boxes[r])
    if ex.is_polygon(seg):
        if len(seg) > 1 and base["group_id"] is None:
            base["group_id"] = next_group[0]
            next_group[0] += 1
        return [{**base, "shape_type": "polygon",
                 "points": [[float(p[k]), float(p[k + 1])] for k in range(0, len(p), 2)]}
                for p in seg]
    if isinstance(seg, dict):
        shape = _mask_shape(seg, int(images.heights[i]), int(images.widths[i]))
        if shape is not None:
            return [{**base, **shape}]
    return [{**base, "shape_type": "rectangle", "points": [[x, y], [x + w, y + h]]}]


def _mask_shape(seg: dict, h: int, w: int) -> dict | None:
    """An RLE mask -> a LabelMe ``mask`` shape (PNG of the mask's bounding region)."""
    from PIL import Image

    from reviewer.io.coco_segm import to_rle
    mask = decode(to_rle(seg, h, w)).astype(bool)
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
    buf = io.BytesIO()
    Image.fromarray(mask[y0:y1 + 1, x0:x1 + 1]).save(buf, format="PNG")
    return {"shape_type": "mask", "points": [[x0, y0], [x1, y1]],
            "mask": base64.b64encode(buf.getvalue()).decode("ascii")}
