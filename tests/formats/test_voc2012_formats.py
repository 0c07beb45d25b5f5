"""The same 273 boxes in every format (tests/data/voc2012_det100, see its README / NOTICE):
COCO x2, Pascal VOC XML, and — written here by globox, an independent tool — YOLO labels,
LabelMe JSON, CVAT XML; the 452 predictions as a COCO dataset file and as per-image pixel text.
Every combination gives the same 12 numbers and per-image counts as pycocotools COCOeval on the
COCO files (the oracle runs here). VOC's ``difficult`` flags (38 boxes the COCO files do not
mark) are scored as ordinary objects with ``difficult="score"``; by default they are ignored
like crowd regions, which equals COCOeval on the COCO file with those boxes marked ``iscrowd``.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from reviewer.formats.detection import load_detection
from tests import synth
from tests.formats.helpers import NAMES, VOC, load, per_image, stand_in_images, stats

GT_V1, GT_V2 = VOC / "gt/instances_v1_cvat.json", VOC / "gt/instances_v2.json"
XML = VOC / "gt/pascalvoc_xml"
DETS, TXT = VOC / "pred/coco_dets.json", VOC / "pred/abs_xywh_txt"
RESULTS = VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def oracle():
    gt, res = load(GT_V1), load(RESULTS)
    ev = synth.oracle(gt, res, "bbox")
    files = {e["id"]: e["file_name"] for e in gt["images"]}
    counts = synth.per_image_counts(synth.oracle(gt, res, "bbox", [0.5]))
    return ev.stats, {files[int(k)]: tuple(v) for k, v in counts.items()}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """GT files written by globox from the COCO file, and stand-in images for their sizes."""
    globox = pytest.importorskip("globox", reason="globox (a test dependency) writes the "
                                 "YOLO / LabelMe / CVAT files of this test")
    root = tmp_path_factory.mktemp("globox")
    boxes = globox.AnnotationSet.from_coco(GT_V1)
    boxes.save_yolo_darknet(root / "yolo", label_to_id={n: i for i, n in enumerate(NAMES)})
    boxes.save_labelme(root / "labelme")
    boxes.save_cvat(root / "cvat.xml")
    images = stand_in_images(load(GT_V1), root / "images", fmt="JPEG")
    return root, images


def _check(ds, oracle):
    ref_stats, ref_images = oracle
    np.testing.assert_allclose(stats(ds), ref_stats, atol=1e-9)
    assert len(ds.gt) == 273 and len(ds.pred) == 452
    assert per_image(ds) == ref_images


@pytest.mark.parametrize("gt,pred,kw", [
    (GT_V1, DETS, {}),
    (GT_V2, DETS, {}),
    (XML, DETS, {"options": {"difficult": "score"}}),
    (XML, TXT, {"classes": VOC / "voc.names", "options": {"difficult": "score"}}),
    (GT_V1, TXT, {"classes": VOC / "voc.names"}),
])
def test_every_shipped_format_gives_cocoeval_numbers(gt, pred, kw, oracle):
    ds = load_detection(gt, pred, VOC / "images", **kw)
    _check(ds, oracle)


@pytest.mark.parametrize("fmt", ["labelme", "cvat"])
@pytest.mark.parametrize("pred", [DETS, TXT])
def test_files_written_by_globox_give_cocoeval_numbers(fmt, pred, written, oracle):
    root, images = written
    gt = root / ("cvat.xml" if fmt == "cvat" else fmt)
    ds = load_detection(gt, pred, images, classes=VOC / "voc.names")
    _check(ds, oracle)
    assert not [p for p in ds.problems if p.severity == "error"]


def _yolo_as_coco(folder, coco: dict) -> dict:
    """The test's own reading of YOLO lines (x = cx*W - bw*W/2, width = bw*W, the reading
    README documents) as a COCO file, for the oracle."""
    out = copy.deepcopy(coco)
    out["annotations"] = []
    cats = {c["name"]: c["id"] for c in coco["categories"]}
    for e in coco["images"]:
        w, h = e["width"], e["height"]
        for line in (folder / (e["file_name"].rsplit(".", 1)[0] + ".txt")).read_text().split("\n"):
            if line.strip():
                k, cx, cy, bw, bh = line.split()
                pw, ph = float(bw) * w, float(bh) * h
                box = [float(cx) * w - pw / 2, float(cy) * h - ph / 2, pw, ph]
                out["annotations"].append({"id": len(out["annotations"]) + 1, "image_id": e["id"],
                                           "category_id": cats[NAMES[int(k)]], "bbox": box,
                                           "area": pw * ph, "iscrowd": 0})
    return out


def test_yolo_written_by_globox_gives_cocoeval_numbers_on_the_same_boxes(written):
    """YOLO stores fractions: the boxes come back within 1e-9 px of the COCO file's, and the
    metrics equal COCOeval on exactly the boxes the YOLO files hold."""
    root, images = written
    coco = load(GT_V1)
    yolo_coco = _yolo_as_coco(root / "yolo", coco)
    original = {(a["image_id"], a["id"]): a["bbox"] for a in coco["annotations"]}
    read = np.array([a["bbox"] for a in yolo_coco["annotations"]])
    np.testing.assert_allclose(np.sort(read, axis=0), np.sort(np.array(list(original.values())),
                                                              axis=0), atol=1e-9)
    ds = load_detection(root / "yolo", DETS, images, classes=VOC / "voc.names")
    ids = {e["file_name"]: e["id"] for e in coco["images"]}
    assert ds.images.ids.tolist() == [f.rsplit(".", 1)[0] for f in ds.images.file_names]
    ref = synth.oracle(yolo_coco, load(RESULTS), "bbox").stats
    np.testing.assert_allclose(stats(ds), ref, atol=1e-9)
    assert len(ds.gt) == 273 and set(ids) == set(ds.images.file_names.tolist())


def _difficult_boxes() -> set:
    out = set()
    for f in XML.glob("*.xml"):
        root = ET.parse(f).getroot()
        name = root.findtext("filename")
        for obj in root.findall("object"):
            if obj.findtext("difficult") == "1":
                b = obj.find("bndbox")
                out.add((name, obj.findtext("name"),
                         *(float(b.findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax"))))
    return out


def test_voc_difficult_is_ignored_like_coco_crowd():
    """Default reading: equal to COCOeval on the COCO file with the 38 difficult boxes marked
    iscrowd (found by file, class and box)."""
    difficult = _difficult_boxes()
    assert len(difficult) == 38
    gt = copy.deepcopy(load(GT_V1))
    files = {e["id"]: e["file_name"] for e in gt["images"]}
    cats = {c["id"]: c["name"] for c in gt["categories"]}
    marked = 0
    for a in gt["annotations"]:
        x, y, w, h = a["bbox"]
        if (files[a["image_id"]], cats[a["category_id"]], x, y, x + w, y + h) in difficult:
            a["iscrowd"] = 1
            marked += 1
    assert marked == 38
    ref = synth.oracle(gt, load(RESULTS), "bbox").stats
    ds = load_detection(XML, TXT, VOC / "images", classes=VOC / "voc.names")
    assert int(ds.gt.iscrowd.sum()) == 38
    assert sum(e.get("difficult", 0) for e in ds.gt.extra) == 38  # the flag is kept as well
    assert sum(e.get("truncated", 0) for e in ds.gt.extra) > 0
    np.testing.assert_allclose(stats(ds), ref, atol=1e-9)
    assert not np.allclose(stats(ds), synth.oracle(load(GT_V1), load(RESULTS), "bbox").stats)
