"""Helpers shared by the exporters: the corrected objects of the exported images, what each
object carries beyond a format's fields, and file names inside the export folder."""

from __future__ import annotations

import posixpath
from collections import Counter

import numpy as np

from reviewer.formats.loss import LossReport
from reviewer.io.export_files import safe_join


def image_rows(ds, rows) -> list[int]:
    return list(range(len(ds.images))) if rows is None else [int(r) for r in rows]


def objects_by_image(table, n_images: int) -> list[list[int]]:
    """Per image row, the table rows of its objects (file order)."""
    out: list[list[int]] = [[] for _ in range(n_images)]
    for r, i in enumerate(table.image_index.tolist()):
        out[i].append(r)
    return out


def stem_name(file_name: str, image_id) -> str:
    """The image's path relative to the images folder without extension (posix), used for
    the per-image files of YOLO, VOC and LabelMe exports."""
    name = str(file_name or image_id).replace("\\", "/").lstrip("/")
    return posixpath.splitext(name)[0] or str(image_id)


def target(root, folder: str, stem: str, ext: str):
    path = safe_join(root, f"{folder}/{stem}{ext}" if folder else f"{stem}{ext}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def extras_lost(report: LossReport, extras: list, rows: list[int], kept: set, what: str,
                unit: str = "objects") -> None:
    """Count the rows whose extra fields hold keys the format cannot keep."""
    keys: Counter = Counter()
    touched = 0
    for r in rows:
        lost = [k for k in (extras[r] if extras else {}) if k not in kept]
        if lost:
            touched += 1
            keys.update(lost)
    if touched:
        shown = ", ".join(k for k, _ in keys.most_common(6))
        report.add(what, touched, f"fields the format has no place for: {shown}", unit)


def is_polygon(seg) -> bool:
    return isinstance(seg, list) and len(seg) > 0


def category_ids_lost(report: LossReport, cats, by_name: bool) -> None:
    """Category ids the format cannot keep. YOLO numbers classes 0..K-1 in the category order
    (``by_name`` False); VOC and LabelMe name classes only, and read back without --classes
    they are numbered 1..K in name order (``by_name`` True)."""
    ids = [int(c) for c in cats.ids.tolist()]
    names = [str(n) for n in cats.names.tolist()]
    if by_name:
        rank = {n: k + 1 for k, n in enumerate(sorted(set(names)))}
        expected = [rank[n] for n in names]
        how = "classes are named, not numbered: read back they are numbered 1..K by name"
    else:
        expected = list(range(len(ids)))
        how = "classes are numbered 0..K-1 in the category order"
    changed = sum(a != b for a, b in zip(ids, expected, strict=True))
    report.add("category ids", changed, how, unit="categories")


def unused_categories_lost(report: LossReport, table, rows: list[int], n_categories: int
                           ) -> None:
    """Classes no exported object uses vanish from formats without a class list."""
    used = set(table.category_index[rows].tolist()) if rows else set()
    report.add("unused categories", n_categories - len(used), "the format has no class list: "
               "a class no object uses is not written", unit="categories")


def plain(v):
    return v.item() if isinstance(v, np.generic) else v


def recomputed(gt, images, rows: list[int], as_box: bool) -> tuple[np.ndarray, np.ndarray]:
    """What a reader of a format without ``area`` / separate boxes gets back for ``rows``:
    ((k,) areas: the mask's pixel area, else the box's w*h; (k, 4) boxes: a polygon's point
    bounds, else the box). ``as_box``: the format keeps boxes only (masks are dropped)."""
    from reviewer.io.coco_segm import mask_areas
    boxes = gt.boxes[rows].astype(np.float64).copy() if rows else np.zeros((0, 4))
    areas = boxes[:, 2] * boxes[:, 3]
    if as_box or gt.segmentations is None:
        return areas, boxes
    segs = [gt.segmentations[r] for r in rows]
    with_mask = [k for k, s in enumerate(segs) if s is not None]
    if with_mask:
        img = gt.image_index[[rows[k] for k in with_mask]]
        areas[with_mask] = mask_areas([segs[k] for k in with_mask], images.heights[img],
                                      images.widths[img])
    for k, s in enumerate(segs):
        if is_polygon(s):
            pts = np.concatenate([np.asarray(p, np.float64) for p in s])
            xs, ys = pts[0::2], pts[1::2]
            boxes[k] = [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()]
    return areas, boxes


def geometry_lost(report: LossReport, gt, images, rows: list[int], as_box: bool,
                  name: str) -> None:
    """Count objects whose ``area`` or box the format cannot carry as they are: a reader
    recomputes them (areas decide COCO's small / medium / large)."""
    if not rows:
        return
    areas, boxes = recomputed(gt, images, rows, as_box)
    area_off = ~np.isclose(areas, gt.areas[rows], rtol=1e-9, atol=1e-6)
    box_off = ~np.isclose(boxes, gt.boxes[rows], rtol=1e-9, atol=1e-6).all(axis=1)
    report.add("area", int(area_off.sum()), f"{name} has no area field: read back, an "
               "object's area is its mask's pixel count, else its box's w x h (COCO's small / "
               "medium / large use it)")
    report.add("box", int(box_off.sum()), f"{name} keeps a polygon, not a separate box: read "
               "back, these objects' boxes are their polygons' bounds")


def image_ids_lost(report: LossReport, images, rows: list[int]) -> None:
    """Per-image formats name an image by its file: read back, its id is the file's path
    without extension."""
    changed = sum(str(images.ids[i]) != stem_name(images.file_names[i], images.ids[i])
                  for i in rows)
    report.add("image ids", changed, "per-image files carry no image id: read back, an "
               "image's id is its file name without extension", unit="images")
