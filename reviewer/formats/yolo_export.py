"""Write the corrected ground truth as YOLO labels (ultralytics layout) with a loss report.

``yolo/labels/<image path without extension>.txt`` per exported image (an empty file for an
image without objects) and ``yolo/data.yaml`` naming the classes (index = line's class).
Coordinates are normalised by the image's width and height and written with every digit
(``repr``), chosen so that reading them back gives exactly the same pixels (``normalised``).

- Detection labels (``class cx cy w h``), or segmentation labels (``class x1 y1 ...``) when every
  exported non-crowd object has a polygon mask.
- Lost, and counted in the loss report: crowd objects (YOLO has no crowd flag: left out, as
  ultralytics' own COCO converter leaves them out), masks written as boxes, all but the largest
  part of multi-part polygons, extra fields, annotation ids, category ids that are not
  0..K-1 in order, image and category fields, objects of images of unknown size.
"""

from __future__ import annotations

import numpy as np

from reviewer.formats import _export as ex
from reviewer.formats.classes import write_data_yaml
from reviewer.formats.loss import LossReport
from reviewer.formats.yolo import to_pixels

FOLDER = "yolo"


def _f(v: float) -> str:
    return repr(float(v))


def _nearest(value: float, ok) -> float:
    """``value`` or one of its nearest floats (within 8 steps) for which ``ok`` holds."""
    up = down = value
    for _ in range(9):
        for v in (up, down):
            if ok(v):
                return v
        up, down = np.nextafter(up, np.inf), np.nextafter(down, -np.inf)
    return value


def normalised(box, w: int, h: int) -> list[float]:
    """Pixel xywh -> ``cx cy bw bh`` fractions that ``yolo.to_pixels`` turns back into ``box``
    exactly when some float a few units in the last place from the correctly rounded fraction
    does (about 3 boxes in 4 of integer-pixel data); else the correctly rounded fraction (the
    box comes back within ~1e-13 px; the loss report counts these)."""
    x, y, bw, bh = (float(v) for v in box)
    fw = _nearest(bw / w, lambda v: float(v) * w == bw)
    fh = _nearest(bh / h, lambda v: float(v) * h == bh)
    pw, ph = float(fw) * w, float(fh) * h
    cx = _nearest((x + bw / 2) / w, lambda v: float(v) * w - pw / 2 == x)
    cy = _nearest((y + bh / 2) / h, lambda v: float(v) * h - ph / 2 == y)
    return [float(cx), float(cy), float(fw), float(fh)]


def _largest(parts: list) -> list:
    def area(p):
        x, y = np.asarray(p[0::2], float), np.asarray(p[1::2], float)
        return abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2
    return max(parts, key=area)


def export_yolo(source, out, rows, problems=None) -> LossReport:
    ds = source.document.dataset()
    gt, images, cats = ds.gt, ds.images, ds.categories
    chosen = ex.image_rows(ds, rows)
    per_image = ex.objects_by_image(gt, len(images))
    objs = [r for i in chosen for r in per_image[i]]
    crowd = [r for r in objs if gt.iscrowd[r]]
    kept = [r for r in objs if not gt.iscrowd[r]]
    segs = gt.segmentations
    seg_mode = bool(kept) and segs is not None and all(ex.is_polygon(segs[r]) for r in kept)
    report = LossReport("yolo", images=len(chosen), files=[f"{FOLDER}/labels/",
                                                           f"{FOLDER}/data.yaml"])
    tally = {"unknown_size": 0, "multi": 0, "written": 0, "inexact": 0, "worst": 0.0}
    for i in chosen:
        w, h = int(images.widths[i]), int(images.heights[i])
        lines = [_line(gt, r, w, h, seg_mode, tally) for r in per_image[i]
                 if not gt.iscrowd[r]]
        path = ex.target(out, f"{FOLDER}/labels", ex.stem_name(images.file_names[i],
                                                                images.ids[i]), ".txt")
        path.write_text("".join(line + "\n" for line in lines if line), encoding="utf-8")
    write_data_yaml(ex.target(out, FOLDER, "data", ".yaml"), [str(n) for n in cats.names])
    report.objects = tally["written"]
    what = "polygon precision" if seg_mode else "box precision"
    report.add(what, tally["inexact"], "normalised coordinates cannot always give the pixels "
               f"back bit for bit: these come back within {tally['worst']:.1g} px")
    _losses(report, source, gt, kept, crowd, seg_mode, tally["multi"], tally["unknown_size"],
            cats, images, chosen)
    return report


def _line(gt, r: int, w: int, h: int, seg_mode: bool, tally: dict) -> str | None:
    """One object's label line (None: its image's size is unknown); ``tally`` counts what
    was lost on the way."""
    if w <= 0 or h <= 0:
        tally["unknown_size"] += 1
        return None
    if seg_mode:
        parts = gt.segmentations[r]
        tally["multi"] += len(parts) > 1
        poly = [float(v) for v in (_largest(parts) if len(parts) > 1 else parts[0])]
        coords = [v / (w if k % 2 == 0 else h) for k, v in enumerate(poly)]
        back = [c * (w if k % 2 == 0 else h) for k, c in enumerate(coords)]
        want = poly
    else:
        coords = normalised(gt.boxes[r], w, h)
        back, want = to_pixels(coords, w, h), [float(v) for v in gt.boxes[r]]
    if back != want:
        tally["inexact"] += 1
        tally["worst"] = max(tally["worst"], max(abs(a - b) for a, b in zip(back, want,
                                                                            strict=True)))
    tally["written"] += 1
    return " ".join([str(int(gt.category_index[r])), *map(_f, coords)])


def _losses(report: LossReport, source, gt, kept, crowd, seg_mode, multi, unknown_size, cats,
            images, chosen) -> None:
    segs = gt.segmentations
    report.add("crowd flag", len(crowd), "YOLO has no crowd flag: crowd objects are left out "
               "(as ultralytics' COCO converter does)")
    if not seg_mode and segs is not None:
        report.add("masks", sum(segs[r] is not None for r in kept),
                   "not every object has a polygon, so YOLO detection labels are written: "
                   "masks become their boxes")
    report.add("multi-part polygons", multi, "a YOLO segment is one polygon: only each "
               "object's largest part is written")
    report.add("image size unknown", unknown_size, "normalised coordinates need the image's "
               "size: these objects are left out")
    ex.geometry_lost(report, gt, images, kept, not seg_mode, "YOLO")
    ex.extras_lost(report, gt.extra, kept, set(), "extra fields")
    if source.gt_format == "coco":
        report.add("annotation ids", len(kept), "YOLO lines have no ids (objects are numbered "
                   "in file order when read back)")
    ex.category_ids_lost(report, cats, by_name=False)
    ex.extras_lost(report, cats.extra, list(range(len(cats))), set(), "category fields",
                   "categories")
    ex.extras_lost(report, images.extra, chosen, set(), "image fields", "images")
    ex.image_ids_lost(report, images, chosen)
