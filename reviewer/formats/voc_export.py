"""Write the corrected ground truth as Pascal VOC XML with a loss report.

``voc/Annotations/<image path without extension>.xml`` per exported image: ``filename``,
``size`` (``depth`` 3), ``segmented`` 0 and per object ``name``, ``difficult``, and ``pose``,
``truncated``, ``occluded`` when the object has them, ``bndbox`` as ``xmin = x``,
``xmax = x + w`` (no ±1 shift; integers written as integers, other values with every digit).

A crowd object is written as ``difficult`` 1 (VOC's way of saying "ignore in evaluation"; read
back as crowd). Lost, and counted: masks (VOC XML holds boxes), other extra fields, annotation
ids, category ids and fields, image fields.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reviewer.formats import _export as ex
from reviewer.formats import _xml as xml
from reviewer.formats.loss import LossReport

FOLDER = "voc/Annotations"
KEPT = {"difficult", "truncated", "occluded", "pose"}


def export_voc(source, out, rows, problems=None) -> LossReport:
    ds = source.document.dataset()
    gt, images, cats = ds.gt, ds.images, ds.categories
    chosen = ex.image_rows(ds, rows)
    per_image = ex.objects_by_image(gt, len(images))
    report = LossReport("voc", images=len(chosen), files=[f"{FOLDER}/"])
    for i in chosen:
        root = ET.Element("annotation")
        xml.sub(root, "filename", str(images.file_names[i]))
        size = xml.sub(root, "size")
        xml.sub(size, "width", int(images.widths[i]))
        xml.sub(size, "height", int(images.heights[i]))
        xml.sub(size, "depth", 3)
        xml.sub(root, "segmented", 0)
        for r in per_image[i]:
            _object(root, gt, cats, r)
        xml.write(root, ex.target(out, FOLDER, ex.stem_name(images.file_names[i],
                                                            images.ids[i]), ".xml"))
    objs = [r for i in chosen for r in per_image[i]]
    report.objects = len(objs)
    segs = gt.segmentations
    if segs is not None:
        report.add("masks", sum(segs[r] is not None for r in objs),
                   "Pascal VOC XML holds boxes: masks are written as their boxes")
    ex.geometry_lost(report, gt, images, objs, True, "Pascal VOC")
    ex.extras_lost(report, gt.extra, objs, KEPT, "extra fields")
    if source.gt_format == "coco":
        report.add("annotation ids", len(objs), "VOC objects have no ids (numbered in file "
                   "order when read back)")
    ex.category_ids_lost(report, cats, by_name=True)
    ex.unused_categories_lost(report, gt, objs, len(cats))
    ex.extras_lost(report, cats.extra, list(range(len(cats))), set(), "category fields",
                   "categories")
    ex.extras_lost(report, images.extra, chosen, set(), "image fields", "images")
    ex.image_ids_lost(report, images, chosen)
    return report


def _object(root: ET.Element, gt, cats, r: int) -> None:
    extra = gt.extra[r] if gt.extra else {}
    obj = xml.sub(root, "object")
    xml.sub(obj, "name", str(cats.names[gt.category_index[r]]))
    if "pose" in extra:
        xml.sub(obj, "pose", extra["pose"])
    if "truncated" in extra:
        xml.sub(obj, "truncated", int(bool(extra["truncated"])))
    difficult = bool(gt.iscrowd[r]) or bool(extra.get("difficult", 0))
    xml.sub(obj, "difficult", int(difficult))
    if "occluded" in extra:
        xml.sub(obj, "occluded", int(bool(extra["occluded"])))
    x, y, w, h = (float(v) for v in gt.boxes[r])
    box = xml.sub(obj, "bndbox")
    for tag, v in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
        xml.sub(box, tag, xml.num(v))
