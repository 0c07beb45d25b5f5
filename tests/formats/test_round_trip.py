"""Round trips: import(export(x)) == x for everything a format holds, and the loss report
counts exactly what it cannot (expected counts worked out here from the source file, areas with
pycocotools)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from reviewer.formats.detection import load_gt
from reviewer.io.export import export
from reviewer.io.project import new_project, save_project
from reviewer.io.session import open_session
from tests.formats.helpers import stand_in_images


def _rle(h, w, y0, y1, x0, x1):
    m = np.zeros((h, w), np.uint8)
    m[y0:y1, x0:x1] = 1
    r = mask_utils.encode(np.asfortranarray(m))
    return {"size": [h, w], "counts": r["counts"].decode()}


POLY = [[10.0, 10.0, 30.0, 10.0, 30.0, 25.0, 10.0, 25.0]]
TWO = [[5.0, 5.0, 15.0, 5.0, 15.0, 15.0], [40.0, 30.0, 60.0, 30.0, 60.0, 50.0, 40.0, 50.0]]
SOURCE = {
    "info": {"description": "round trip"},
    "images": [{"id": 11, "file_name": "a.png", "width": 64, "height": 48},
               {"id": 12, "file_name": "b.png", "width": 80, "height": 60},
               {"id": 13, "file_name": "sub/c.png", "width": 50, "height": 50, "license": 2},
               {"id": 14, "file_name": "d.png", "width": 32, "height": 32}],
    "categories": [{"id": 3, "name": "cat", "supercategory": "animal"},
                   {"id": 7, "name": "dog"}, {"id": 9, "name": "unused"}],
    "annotations": [
        {"id": 1, "image_id": 11, "category_id": 3, "bbox": [2, 3, 20, 10], "area": 200,
         "iscrowd": 0, "attributes": {"occluded": True}},
        {"id": 2, "image_id": 11, "category_id": 7, "bbox": [10, 10, 20, 15], "area": 300,
         "iscrowd": 0, "segmentation": POLY},
        {"id": 3, "image_id": 12, "category_id": 7, "bbox": [5, 5, 55, 45], "area": 450,
         "iscrowd": 0, "segmentation": TWO},
        {"id": 4, "image_id": 12, "category_id": 3, "bbox": [0, 40, 20, 20], "area": 400,
         "iscrowd": 1, "segmentation": _rle(60, 80, 40, 60, 0, 20)},
        {"id": 5, "image_id": 13, "category_id": 3, "bbox": [10, 12, 8, 6], "area": 48,
         "iscrowd": 0, "segmentation": _rle(50, 50, 12, 18, 10, 18)},
        {"id": 6, "image_id": 12, "category_id": 3, "bbox": [1.25, 2.5, 10.125, 7.75],
         "area": 50, "iscrowd": 0}]}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt")
    (root / "gt.json").write_text(json.dumps(SOURCE))
    images = stand_in_images(SOURCE, root / "images")
    project = new_project(root / "proj", images, "detection", {"gt": root / "gt.json"})
    save_project(project)
    with open_session(project.root, read_only=True) as session:
        result = export(session, root / "out", formats=["coco", "yolo", "voc", "labelme"],
                        report=False)
        base = session.document.dataset()
    loss = json.loads((root / "out" / "loss_report.json").read_text())["formats"]
    return root, images, base, result, loss


def _lost(loss: dict, fmt: str) -> dict:
    return {x["what"]: x["objects"] for x in loss[fmt]["lost"]}


def _by_key(ds, rows=None):
    """{(image file, class name, box rounded to 1e-9): row} to compare across id changes."""
    table = ds.gt if hasattr(ds, "gt") else ds.annotations
    rows = range(len(table)) if rows is None else rows
    out = {}
    for r in rows:
        name = str(ds.images.file_names[table.image_index[r]])
        cls = str(ds.categories.names[table.category_index[r]])
        out[(name, cls, *np.round(table.boxes[r], 9))] = r
    return out


def _mask_area(seg, h, w) -> float:
    rle = mask_utils.frPyObjects(seg, h, w) if isinstance(seg, list) else seg
    rle = mask_utils.merge(rle) if isinstance(rle, list) else rle
    return float(mask_utils.area(rle))


def test_coco_keeps_everything(exported):
    root, images, base, result, loss = exported
    back = load_gt(root / "out" / "gt.json", images)
    assert json.loads((root / "out" / "gt.json").read_text()) == SOURCE
    assert back.annotations.ids.tolist() == base.gt.ids.tolist()
    assert loss["coco"]["lost"] == [] and loss["coco"]["objects"] == 6


def test_yolo_round_trip_and_loss(exported):
    root, images, base, result, loss = exported
    back = load_gt(root / "out" / "yolo" / "labels", images, "yolo",
                   classes=root / "out" / "yolo" / "data.yaml")
    kept = [r for r in range(len(base.gt)) if not base.gt.iscrowd[r]]
    assert len(back.annotations) == len(kept) == 5
    want, got = _by_key(base, kept), _by_key(back)
    assert set(want) == set(got)
    inexact = 0
    for k, r in want.items():
        np.testing.assert_allclose(back.annotations.boxes[got[k]], base.gt.boxes[r], atol=1e-9)
        inexact += not np.array_equal(back.annotations.boxes[got[k]], base.gt.boxes[r])
    assert back.categories.names.tolist() == ["cat", "dog", "unused"]
    assert sorted(back.images.ids.tolist()) == ["a", "b", "d", "sub/c"]
    masks = sum(1 for r in kept if base.gt.segmentations[r] is not None)
    area = sum(1 for r in kept if not np.isclose(np.prod(base.gt.boxes[r][2:]),
                                                 base.gt.areas[r]))
    assert _lost(loss, "yolo") == {
        "crowd flag": 1, "masks": masks, "extra fields": 1, "annotation ids": 5,
        "category ids": 3, "category fields": 1, "image fields": 1, "image ids": 4,
        "area": area, **({"box precision": inexact} if inexact else {})}
    assert loss["yolo"]["objects"] == 5


def test_voc_round_trip_and_loss(exported):
    root, images, base, result, loss = exported
    back = load_gt(root / "out" / "voc" / "Annotations", images, "voc")
    assert len(back.annotations) == 6
    want, got = _by_key(base), _by_key(back)
    assert set(want) == set(got)
    for k, r in want.items():
        assert back.annotations.iscrowd[got[k]] == base.gt.iscrowd[r]  # crowd <-> difficult
    masks = sum(s is not None for s in base.gt.segmentations)
    area = sum(1 for r in range(6) if not np.isclose(np.prod(base.gt.boxes[r][2:]),
                                                     base.gt.areas[r]))
    assert _lost(loss, "voc") == {"masks": masks, "extra fields": 1, "annotation ids": 6,
                                  "category ids": 3, "unused categories": 1,
                                  "category fields": 1, "image fields": 1, "image ids": 4,
                                  "area": area}
    assert sorted(back.images.file_names.tolist()) == sorted(base.images.file_names.tolist())


def test_labelme_round_trip_and_loss(exported):
    root, images, base, result, loss = exported
    back = load_gt(root / "out" / "labelme", images, "labelme")
    g = back.annotations
    assert sorted(g.ids.tolist()) == sorted(base.gt.ids.tolist())  # ids come back
    order = {int(a): r for r, a in enumerate(g.ids.tolist())}
    for r, ann in enumerate(base.gt.ids.tolist()):
        b = order[int(ann)]
        assert g.iscrowd[b] == base.gt.iscrowd[r]
        assert (g.extra[b] if g.extra else {}) == (base.gt.extra[r] if base.gt.extra else {})
        seg, seg_back = base.gt.segmentations[r], g.segmentations[b]
        if isinstance(seg, list):
            assert seg_back == seg  # every part, same points
        elif isinstance(seg, dict):
            assert mask_utils.decode(seg_back).tolist() == mask_utils.decode(seg).tolist()
        else:
            np.testing.assert_allclose(g.boxes[b], base.gt.boxes[r], atol=1e-9)
    area = 0
    for r in range(6):
        seg = base.gt.segmentations[r]
        i = base.gt.image_index[r]
        h, w = int(base.images.heights[i]), int(base.images.widths[i])
        expect = _mask_area(seg, h, w) if seg is not None else np.prod(base.gt.boxes[r][2:])
        area += not np.isclose(expect, base.gt.areas[r])
    assert _lost(loss, "labelme") == {"category ids": 3, "unused categories": 1,
                                      "category fields": 1, "image ids": 4,
                                      **({"area": area} if area else {})}


def test_yolo_segmentation_labels_when_every_object_has_a_polygon(tmp_path):
    source = {"images": SOURCE["images"][:2], "categories": SOURCE["categories"][:2],
              "annotations": [dict(SOURCE["annotations"][1]), dict(SOURCE["annotations"][2])]}
    (tmp_path / "gt.json").write_text(json.dumps(source))
    images = stand_in_images(source, tmp_path / "images")
    project = new_project(tmp_path / "proj", images, "detection", {"gt": tmp_path / "gt.json"})
    save_project(project)
    with open_session(project.root, read_only=True) as session:
        export(session, tmp_path / "out", formats=["yolo"], report=False)
    lines = (tmp_path / "out/yolo/labels/b.txt").read_text().split()
    assert len(lines) == 1 + 2 * 4  # the largest part of the two-part polygon: 4 points
    back = load_gt(tmp_path / "out/yolo/labels", images, "yolo",
                   classes=tmp_path / "out/yolo/data.yaml")
    segs = {str(back.images.ids[i]): s for i, s in zip(back.annotations.image_index,
                                                       back.annotations.segmentations,
                                                       strict=True)}
    np.testing.assert_allclose(segs["a"][0], POLY[0], atol=1e-9)
    np.testing.assert_allclose(segs["b"][0], TWO[1], atol=1e-9)
    loss = json.loads((tmp_path / "out/loss_report.json").read_text())["formats"]["yolo"]
    assert _lost({"yolo": loss}, "yolo")["multi-part polygons"] == 1
    assert "masks" not in _lost({"yolo": loss}, "yolo")
