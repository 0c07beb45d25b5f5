"""COCO loader: real files checked against pycocotools (the oracle), malformed files, fuzzing."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from reviewer.core.problems import InputError
from reviewer.io.coco import load_coco_gt, load_detection, load_predictions

DATA = Path(__file__).resolve().parents[1] / "data"
FAKE = DATA / "coco_val2014_fake100"
FAKE_GT = FAKE / "gt" / "instances_val2014_100.json"
FAKE_BBOX = FAKE / "pred" / "instances_val2014_fakebbox100_results.json"
FAKE_SEGM = FAKE / "pred" / "instances_val2014_fakesegm100_results.json"
VOC = DATA / "voc2012_det100"
VOC_V1 = VOC / "gt" / "instances_v1_cvat.json"
VOC_V2 = VOC / "gt" / "instances_v2.json"
VOC_DETS = VOC / "pred" / "coco_dets.json"
VOC_ALIGNED = VOC / "derived" / "coco_dets_results_aligned_to_instances_v1_cvat.json"

realdata = pytest.mark.realdata


def _coco(path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def _load_res(coco: COCO, path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return coco.loadRes(str(path))


def _errors(problems):
    return [p for p in problems if p.severity == "error"]


# ---------------------------------------------------------------- real data vs pycocotools


def _assert_gt_matches_oracle(path, images, categories, gt):
    oracle = _coco(path)
    raw = json.loads(Path(path).read_text())
    assert images.ids.tolist() == [im["id"] for im in raw["images"]]
    assert images.file_names.tolist() == [im["file_name"] for im in raw["images"]]
    assert categories.ids.tolist() == [c["id"] for c in raw["categories"]]
    assert categories.names.tolist() == [c["name"] for c in raw["categories"]]
    assert gt.ids.tolist() == [a["id"] for a in raw["annotations"]]
    anns = oracle.loadAnns(gt.ids.tolist())
    assert images.ids[gt.image_index].tolist() == [a["image_id"] for a in anns]
    assert categories.ids[gt.category_index].tolist() == [a["category_id"] for a in anns]
    np.testing.assert_array_equal(gt.boxes, np.array([a["bbox"] for a in anns], np.float64))
    np.testing.assert_array_equal(gt.areas, [a["area"] for a in anns])
    np.testing.assert_array_equal(gt.iscrowd, [bool(a["iscrowd"]) for a in anns])
    np.testing.assert_array_equal(gt.scores, np.ones(len(anns)))
    return oracle, anns


@realdata
def test_coco_fake100_gt_matches_pycocotools():
    images, categories, gt, problems = load_coco_gt(FAKE_GT)
    assert problems == []
    _, anns = _assert_gt_matches_oracle(FAKE_GT, images, categories, gt)
    assert gt.segmentations == [a["segmentation"] for a in anns]
    crowd = [s for s, c in zip(gt.segmentations, gt.iscrowd, strict=True) if c]
    assert crowd and all(type(s) is dict and type(s["counts"]) is list for s in crowd)
    assert all(type(s) is list
               for s, c in zip(gt.segmentations, gt.iscrowd, strict=True) if not c)
    assert images.extra[0]["coco_url"].startswith("http")


@realdata
def test_coco_fake100_bbox_results_match_load_res():
    images, categories, gt, _ = load_coco_gt(FAKE_GT)
    pred, problems = load_predictions(FAKE_BBOX, images, categories)
    assert problems == []
    res = _load_res(_coco(FAKE_GT), FAKE_BBOX)
    anns = res.loadAnns(sorted(res.getAnnIds()))
    assert pred.ids.tolist() == [a["id"] for a in anns]  # loadRes numbers 1..N in file order
    assert images.ids[pred.image_index].tolist() == [a["image_id"] for a in anns]
    assert categories.ids[pred.category_index].tolist() == [a["category_id"] for a in anns]
    np.testing.assert_array_equal(pred.boxes, [a["bbox"] for a in anns])
    np.testing.assert_array_equal(pred.scores, [a["score"] for a in anns])
    np.testing.assert_allclose(pred.areas, [a["area"] for a in anns], rtol=1e-12)
    assert pred.segmentations is None
    assert not pred.iscrowd.any()


@realdata
def test_coco_fake100_segm_results_boxes_and_areas_from_masks():
    images, categories, _, _ = load_coco_gt(FAKE_GT)
    pred, problems = load_predictions(FAKE_SEGM, images, categories)
    assert problems == []
    raw = json.loads(FAKE_SEGM.read_text())
    res = _load_res(_coco(FAKE_GT), FAKE_SEGM)  # no bbox in the file: loadRes takes the segm path
    anns = res.loadAnns(sorted(res.getAnnIds()))
    np.testing.assert_array_equal(pred.boxes, [a["bbox"] for a in anns])
    np.testing.assert_array_equal(pred.areas, [a["area"] for a in anns])
    assert pred.segmentations == [r["segmentation"] for r in raw]
    assert all(type(s["counts"]) is str for s in pred.segmentations)


@realdata
@pytest.mark.parametrize("gt_path", [VOC_V1, VOC_V2])
def test_voc_gt_matches_pycocotools(gt_path):
    images, categories, gt, problems = load_coco_gt(gt_path)
    assert problems == []
    _, anns = _assert_gt_matches_oracle(gt_path, images, categories, gt)
    if gt_path == VOC_V1:  # CVAT writes segmentation: [] -> no masks at all
        assert gt.segmentations is None
        assert gt.extra == [{"attributes": a["attributes"]} for a in anns]
    else:
        assert gt.segmentations == [a["segmentation"] for a in anns]
        assert gt.extra == [{"ignore": a["ignore"]} for a in anns]
        assert images.ids.tolist()[0] == 20180000001


@realdata
@pytest.mark.parametrize("gt_path", [VOC_V1, VOC_V2])
def test_voc_dataset_style_predictions_join_by_file_name_and_class_name(gt_path):
    images, categories, _, _ = load_coco_gt(gt_path)
    pred, problems = load_predictions(VOC_DETS, images, categories, gt_path)
    raw = json.loads(VOC_DETS.read_text())
    assert len(pred) == len(raw["annotations"]) == 452
    raw_file = {im["id"]: im["file_name"] for im in raw["images"]}
    raw_cat = {c["id"]: c["name"] for c in raw["categories"]}
    assert images.file_names[pred.image_index].tolist() == \
        [raw_file[a["image_id"]] for a in raw["annotations"]]
    assert categories.names[pred.category_index].tolist() == \
        [raw_cat[a["category_id"]] for a in raw["annotations"]]
    assert pred.ids.tolist() == [a["id"] for a in raw["annotations"]]
    assert [p.severity for p in problems] == ["warning", "warning"]
    assert "joined by file_name" in problems[0].message and str(gt_path) in problems[0].message
    assert "joined by name" in problems[1].message
    assert pred.extra[0] == {"iscrowd": 0, "ignore": 0}


@realdata
def test_voc_name_join_equals_the_aligned_results_list():
    ds = load_detection(VOC_V1, VOC_DETS)
    images, categories, _, _ = load_coco_gt(VOC_V1)
    aligned, problems = load_predictions(VOC_ALIGNED, images, categories, VOC_V1)
    assert problems == []
    key = np.lexsort((ds.pred.scores, ds.pred.boxes[:, 0], ds.pred.category_index,
                      ds.pred.image_index))
    key2 = np.lexsort((aligned.scores, aligned.boxes[:, 0], aligned.category_index,
                       aligned.image_index))
    np.testing.assert_array_equal(ds.pred.image_index[key], aligned.image_index[key2])
    np.testing.assert_array_equal(ds.pred.category_index[key], aligned.category_index[key2])
    np.testing.assert_array_equal(ds.pred.boxes[key], aligned.boxes[key2])
    np.testing.assert_array_equal(ds.pred.scores[key], aligned.scores[key2])


@realdata
def test_voc_missing_image_files_are_warnings_naming_the_entry():
    images, _, gt, problems = load_coco_gt(VOC_V1, images_dir=VOC / "images")
    raw = json.loads(VOC_V1.read_text())["images"]
    present = {p.name for p in (VOC / "images").glob("*.jpg")}
    expected = [(f"images[{i}] (id {im['id']})", im["file_name"]) for i, im in enumerate(raw)
                if im["file_name"] not in present]
    assert len(present) == 3 and len(expected) == 97
    assert [(p.entry, Path(p.message.split(": ", 1)[1]).name) for p in problems] == expected
    assert all(p.severity == "warning" and p.message.startswith("image file not found")
               for p in problems)
    assert problems[0].image_id == raw[0]["id"]
    assert len(images) == 100 and len(gt) == 273


@realdata
def test_coco_without_any_image_file_gives_one_warning():
    images, _, gt, problems = load_coco_gt(FAKE_GT, images_dir=FAKE)
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert "none of the 100 image files" in problems[0].message
    assert len(gt) == 839


def test_load_detection_without_predictions():
    ds = load_detection(VOC_V1, None)
    assert len(ds.pred) == 0 and len(ds.gt) == 273 and ds.problems == []


# ---------------------------------------------------------------- malformed input, one per kind

NAN, INF = float("nan"), float("inf")
ANN = "annotations[1] (id 11)"


def _gt() -> dict:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
                   {"id": 2, "file_name": "b.jpg", "width": 50, "height": 40}],
        "categories": [{"id": 3, "name": "cat"}, {"id": 7, "name": "dog"}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "area": 1200,
             "iscrowd": 0, "segmentation": [[1, 2, 31, 2, 31, 42, 1, 42]]},
            {"id": 11, "image_id": 1, "category_id": 7, "bbox": [5, 5, 10, 10], "area": 100,
             "iscrowd": 0},
            {"id": 12, "image_id": 2, "category_id": 3, "bbox": [0, 0, 20, 20], "area": 400,
             "iscrowd": 0},
        ]}


def _write(tmp_path, data, name="gt.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))  # allow_nan: NaN / Infinity literals, as some tools write
    return path


def _set(key, value):
    def mutate(d):
        d["annotations"][1][key] = value
    return mutate


def _delete(key):
    def mutate(d):
        del d["annotations"][1][key]
    return mutate


SEG_DROPPED = "; segmentation dropped, box kept"
GT_CASES = {  # name: (mutation, entry, message, severity, number of GT rows loaded)
    "negative width": (_set("bbox", [5, 5, -3, 10]), ANN, "bbox width is negative (-3)",
                       "error", 2),
    "negative height": (_set("bbox", [5, 5, 3, -4.5]), ANN, "bbox height is negative (-4.5)",
                        "error", 2),
    "nan coordinate": (_set("bbox", [5, NAN, 3, 4]), ANN, "bbox has a NaN or infinite value",
                       "error", 2),
    "inf coordinate": (_set("bbox", [INF, 5, 3, 4]), ANN, "bbox has a NaN or infinite value",
                       "error", 2),
    "wrong length": (_set("bbox", [1, 2, 3]), ANN,
                     "bbox does not have 4 values [x, y, width, height]", "error", 2),
    "non-numeric": (_set("bbox", [1, "2", 3, 4]), ANN, "bbox has a non-numeric value", "error", 2),
    "bbox not a list": (_set("bbox", "1 2 3 4"), ANN, "bbox is not a list [x, y, width, height]",
                        "error", 2),
    "bbox missing": (_delete("bbox"), ANN, "bbox is missing", "error", 2),
    "unknown image_id": (_set("image_id", 99), ANN, "image_id 99 is not in this file", "error", 2),
    "image_id missing": (_delete("image_id"), ANN, "image_id is missing", "error", 2),
    "unknown category_id": (_set("category_id", 5), ANN, "category_id 5 is not in this file",
                            "error", 2),
    "duplicate annotation id": (_set("id", 10), "annotations[1] (id 10)",
                                "duplicate annotation id 10 (first at annotations[0]); "
                                "given a new id", "warning", 3),
    "annotation id missing": (_delete("id"), "annotations[1]",
                              "id is missing or not an integer (None); given a new id",
                              "warning", 3),
    "short polygon": (_set("segmentation", [[1, 2, 3, 4]]), ANN,
                      "segmentation polygon 0 has 4 coordinates (needs an even number, "
                      "at least 6)" + SEG_DROPPED, "warning", 3),
    "odd polygon": (_set("segmentation", [[1, 2, 3, 4, 5, 6, 7]]), ANN,
                    "segmentation polygon 0 has 7 coordinates (needs an even number, "
                    "at least 6)" + SEG_DROPPED, "warning", 3),
    "flat polygon": (_set("segmentation", [1, 2, 3, 4, 5, 6]), ANN,
                     "segmentation is not a list of polygons [[x1, y1, x2, y2, ...], ...]"
                     + SEG_DROPPED, "warning", 3),
    "nan polygon": (_set("segmentation", [[1, 2, 3, NAN, 5, 6]]), ANN,
                    "segmentation polygon has a non-numeric, NaN, infinite or out-of-range "
                    "(beyond ±1e6) coordinate" + SEG_DROPPED, "warning", 3),
    "huge polygon": (_set("segmentation", [[0, 0, 1e9, 0, 0, 1e9]]), ANN,
                     "segmentation polygon has a non-numeric, NaN, infinite or out-of-range "
                     "(beyond ±1e6) coordinate" + SEG_DROPPED, "warning", 3),
    "rle size mismatch": (_set("segmentation", {"size": [10, 10], "counts": "PP"}), ANN,
                          "segmentation RLE size [10, 10] does not match the image size "
                          "[80, 100]" + SEG_DROPPED, "warning", 3),
    "rle counts sum": (_set("segmentation", {"size": [80, 100], "counts": [1, 2]}), ANN,
                       "segmentation RLE counts sum to 3, expected height*width = 8000"
                       + SEG_DROPPED, "warning", 3),
    "rle bad string": (_set("segmentation", {"size": [80, 100], "counts": "abc~"}), ANN,
                       "segmentation RLE counts is not a valid COCO RLE string" + SEG_DROPPED,
                       "warning", 3),
    "segmentation wrong type": (_set("segmentation", "poly"), ANN,
                                "segmentation is neither a polygon list nor an RLE dict"
                                + SEG_DROPPED, "warning", 3),
    "area missing": (_delete("area"), ANN, "area is missing or invalid (None); using the mask "
                     "area, else the box area", "warning", 3),
    "area negative": (_set("area", -1), ANN, "area is missing or invalid (-1); using the mask "
                      "area, else the box area", "warning", 3),
    "iscrowd odd": (_set("iscrowd", 2), ANN, "iscrowd is 2, expected 0 or 1; read as 1",
                    "warning", 3),
    "not an object": (lambda d: d["annotations"].__setitem__(1, 5), "annotations[1]",
                      "entry is not a JSON object {...}", "error", 2),
    "duplicate image id": (lambda d: d["images"][1].__setitem__("id", 1), "images[1] (id 1)",
                           "duplicate image id 1 (first at images[0]); this entry is dropped",
                           "error", 2),
    "image id missing": (lambda d: d["images"][1].pop("id"), "images[1]",
                         "image id is missing or not an integer (None)", "error", 2),
    "image width invalid": (lambda d: d["images"][1].__setitem__("width", -5), "images[1] (id 2)",
                            "width is missing or not a positive integer (-5); treated as unknown",
                            "warning", 3),
    "duplicate category id": (lambda d: d["categories"][1].__setitem__("id", 3),
                              "categories[1] (id 3)", "duplicate category id 3 (first at "
                              "categories[0]); this entry is dropped", "error", 2),
}


@pytest.mark.parametrize("case", list(GT_CASES))
def test_malformed_gt_entry_is_named_and_valid_entries_load(tmp_path, case):
    mutate, entry, message, severity, n_loaded = GT_CASES[case]
    data = _gt()
    mutate(data)
    path = _write(tmp_path, data)
    images, categories, gt, problems = load_coco_gt(path)
    assert problems[0].file == str(path)
    assert (problems[0].entry, problems[0].message, problems[0].severity) == \
        (entry, message, severity)
    assert len(gt) == n_loaded
    assert 10 in gt.ids.tolist()  # the untouched first annotation always loads
    row = gt.ids.tolist().index(10)
    np.testing.assert_array_equal(gt.boxes[row], [1, 2, 30, 40])
    if severity == "warning" and case.startswith(("short", "odd", "flat", "nan p", "huge p", "rle", "segm")):
        assert gt.segmentations[gt.ids.tolist().index(11)] is None


def test_missing_categories_are_made_from_the_annotations(tmp_path):
    data = _gt()
    del data["categories"]
    _, categories, gt, problems = load_coco_gt(_write(tmp_path, data))
    assert categories.ids.tolist() == [3, 7] and categories.names.tolist() == ["3", "7"]
    assert len(gt) == 3 and [p.severity for p in problems] == ["warning"]


def test_images_folder_not_found_is_one_warning(tmp_path):
    _, _, gt, problems = load_coco_gt(_write(tmp_path, _gt()), images_dir=tmp_path / "nope")
    assert [(p.entry, p.message, p.severity) for p in problems] == \
        [("", f"images folder not found: {tmp_path / 'nope'}", "warning")]
    assert len(gt) == 3


def test_renumbered_annotation_id_follows_the_largest(tmp_path):
    data = _gt()
    data["annotations"][1]["id"] = 10
    _, _, gt, _ = load_coco_gt(_write(tmp_path, data))
    assert gt.ids.tolist() == [10, 13, 12]


def test_missing_area_uses_mask_area_then_box_area(tmp_path):
    data = _gt()
    for a in data["annotations"]:
        del a["area"]
    _, _, gt, problems = load_coco_gt(_write(tmp_path, data))
    assert [p.message for p in problems] == \
        ["no annotation has an 'area'; using mask areas, else box areas"]
    poly = data["annotations"][0]["segmentation"]
    mask_area = mask_utils.area(mask_utils.merge(mask_utils.frPyObjects(poly, 80, 100)))
    np.testing.assert_array_equal(gt.areas, [mask_area, 10 * 10, 20 * 20])


def test_bbox_missing_with_segmentation_is_computed_from_the_mask(tmp_path):
    data = _gt()
    del data["annotations"][0]["bbox"]
    _, _, gt, problems = load_coco_gt(_write(tmp_path, data))
    assert (problems[0].entry, problems[0].severity) == ("annotations[0] (id 10)", "warning")
    poly = data["annotations"][0]["segmentation"]
    expected = mask_utils.toBbox(mask_utils.merge(mask_utils.frPyObjects(poly, 80, 100)))
    np.testing.assert_array_equal(gt.boxes[0], expected)


def test_huge_boxes_load_without_numpy_warnings(tmp_path):
    data = _gt()
    data["annotations"][1]["bbox"] = [0, 0, 1e200, 1e200]
    del data["annotations"][1]["area"]
    _, _, gt, problems = load_coco_gt(_write(tmp_path, data))
    assert gt.areas[1] == np.inf and problems[0].severity == "warning"


def test_problem_list_is_capped_per_kind(tmp_path):
    data = _gt()
    bad = {"image_id": 1, "category_id": 3, "bbox": [0, 0, -1, 1], "area": 1}
    data["annotations"] += [dict(bad, id=100 + k) for k in range(1500)]
    _, _, gt, problems = load_coco_gt(_write(tmp_path, data))
    assert len(gt) == 3
    assert len(problems) == 1001
    assert problems[-1].entry == "" and problems[-1].message == \
        "… and 500 more: bbox width is negative"
    assert problems[999].entry == "annotations[1002] (id 1099)"


# ---------------------------------------------------------------- predictions


def _preds() -> list:
    return [{"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.9},
            {"image_id": 2, "category_id": 7, "bbox": [1, 2, 3, 4], "score": 0.5},
            {"image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5], "score": 0.1}]


def _pset(key, value):
    def mutate(p):
        p[1][key] = value
    return mutate


PRED_CASES = {  # name: (mutation, entry, message) -- all errors, the entry is dropped
    "score missing": (lambda p: p[1].pop("score"), "prediction 1", "score is missing"),
    "score nan": (_pset("score", NAN), "prediction 1", "score is NaN"),
    "score inf": (_pset("score", INF), "prediction 1", "score is infinite"),
    "score text": (_pset("score", "0.5"), "prediction 1", "score is not a number ('0.5')"),
    "unknown image": (_pset("image_id", 99), "prediction 1",
                      "image_id 99 is not in the ground truth ({gt})"),
    "unknown category": (_pset("category_id", 4), "prediction 1",
                         "category_id 4 is not in the ground truth ({gt})"),
    "negative width": (_pset("bbox", [1, 2, -3, 4]), "prediction 1",
                       "bbox width is negative (-3)"),
    "bad rle": (lambda p: p[1].update(segmentation={"size": [40, 50], "counts": "abc~"},
                                      bbox=None), "prediction 1",
                "segmentation RLE counts is not a valid COCO RLE string"),
    "rle size mismatch": (lambda p: p[1].update(segmentation={"size": [4, 5], "counts": "0"},
                                                bbox=None),
                          "prediction 1",
                          "segmentation RLE size [4, 5] does not match the image size [40, 50]"),
    "id shown": (lambda p: p[1].update(id=8, score=None), "prediction 1 (id 8)",
                 "score is missing"),
}


@pytest.mark.parametrize("case", list(PRED_CASES))
def test_malformed_prediction_is_named_and_valid_ones_load(tmp_path, case):
    mutate, entry, message = PRED_CASES[case]
    gt_path = _write(tmp_path, _gt())
    images, categories, _, _ = load_coco_gt(gt_path)
    preds = _preds()
    mutate(preds)
    path = _write(tmp_path, preds, "pred.json")
    pred, problems = load_predictions(path, images, categories, gt_path)
    errors = _errors(problems)
    assert [(p.file, p.entry, p.message) for p in errors] == \
        [(str(path), entry, message.format(gt=gt_path))]
    assert len(pred) == 2
    np.testing.assert_array_equal(pred.scores, [0.9, 0.1])
    assert images.ids[pred.image_index].tolist() == [1, 1]


def test_prediction_ids_kept_when_unique_else_numbered(tmp_path):
    images, categories, _, _ = load_coco_gt(_write(tmp_path, _gt()))
    preds = [dict(p, id=k) for p, k in zip(_preds(), (30, 20, 10), strict=True)]
    pred, problems = load_predictions(_write(tmp_path, preds, "p.json"), images, categories)
    assert pred.ids.tolist() == [30, 20, 10] and problems == []
    preds[2]["id"] = 30
    pred, problems = load_predictions(_write(tmp_path, preds, "p.json"), images, categories)
    assert pred.ids.tolist() == [1, 2, 3]
    assert [p.severity for p in problems] == ["warning"] and "1..N" in problems[0].message


def test_ground_truth_given_as_predictions_gives_one_problem(tmp_path):
    gt_path = _write(tmp_path, _gt())
    images, categories, _, _ = load_coco_gt(gt_path)
    pred, problems = load_predictions(gt_path, images, categories)
    assert len(pred) == 0
    assert "looks like ground truth" in problems[0].message
    assert len(problems) == 2 and "none of the 3 predictions" in problems[1].message


def test_dataset_style_predictions_with_matching_ids_join_by_id(tmp_path):
    data = _gt()
    images, categories, _, _ = load_coco_gt(_write(tmp_path, data))
    for a, s in zip(data["annotations"], (0.3, 0.2, 0.1), strict=True):
        a["score"] = s
    data["images"][1]["file_name"] = "other.jpg"  # one image disagrees with the GT's file_name
    pred, problems = load_predictions(_write(tmp_path, data, "p.json"), images, categories)
    assert [(p.entry, p.message) for p in problems] == [
        ("annotations[2] (id 12)",
         "image_id 2: has file_name 'other.jpg' here but 'b.jpg' in the ground truth")]
    assert pred.ids.tolist() == [10, 11]
    assert images.ids[pred.image_index].tolist() == [1, 1]


def test_dataset_style_predictions_join_by_base_name(tmp_path):
    data = _gt()
    images, categories, _, _ = load_coco_gt(_write(tmp_path, data))
    pred_file = {"images": [{"id": 0, "file_name": "val/b.jpg"}, {"id": 5, "file_name": "a.jpg"}],
                 "categories": [{"id": 0, "name": " Dog"}],
                 "annotations": [{"image_id": 0, "category_id": 0, "bbox": [1, 1, 2, 2],
                                  "score": 0.4}]}
    pred, problems = load_predictions(_write(tmp_path, pred_file, "p.json"), images, categories)
    assert images.file_names[pred.image_index].tolist() == ["b.jpg"]
    assert categories.names[pred.category_index].tolist() == ["dog"]
    assert [p.severity for p in problems] == ["warning", "warning"]


# ---------------------------------------------------------------- whole-file errors


def test_truncated_json_raises_input_error_naming_the_file(tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(FAKE_GT.read_bytes()[:5000])
    with pytest.raises(InputError) as info:
        load_coco_gt(path)
    assert str(info.value).startswith(f"{path}: not valid JSON")
    assert "truncated" in str(info.value)
    assert info.value.problems[0].file == str(path)


@pytest.mark.parametrize("text, loader", [
    ("[]", "gt"), ('{"annotations": []}', "gt"), ('"hello"', "pred"), ("{}", "pred"),
    ('{"images": [5], "annotations": []}', "gt")])
def test_wrong_top_level_raises_input_error(tmp_path, text, loader):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(InputError, match=str(path).replace("\\", "\\\\")):
        if loader == "gt":
            load_coco_gt(path)
        else:
            load_predictions(path, *load_coco_gt(_write(tmp_path, _gt()))[:2])


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        load_coco_gt(tmp_path / "nope.json")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_gt()).encode())
    assert len(load_coco_gt(path)[2]) == 3


# ---------------------------------------------------------------- fuzzing

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=12)
_near_valid = st.fixed_dictionaries({}, optional={
    "id": st.integers(-3, 20) | _json, "image_id": st.sampled_from([1, 2, 3]) | _json,
    "category_id": st.sampled_from([3, 7]) | _json, "score": st.floats() | _json,
    "bbox": st.lists(st.floats() | st.integers(-5, 50), min_size=3, max_size=5) | _json,
    "area": _json, "iscrowd": _json,
    "segmentation": st.lists(st.lists(st.floats(-5, 120) | st.floats() | _json, max_size=9),
                             max_size=2)
    | st.fixed_dictionaries({"size": st.lists(st.integers(0, 100) | st.integers(), max_size=3)
                             | _json,
                             "counts": st.text("0123PQRo", max_size=6)
                             | st.lists(st.integers(0, 8000), max_size=3) | _json})
    | _json})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anns=st.lists(_near_valid | _json, max_size=6))
def test_fuzzed_annotations_never_raise(tmp_path_factory, anns):
    tmp = tmp_path_factory.mktemp("fuzz")
    data = _gt()
    data["images"][1].pop("width")  # image 2 has an unknown size: polygons use their extent
    data["annotations"] = anns
    gt_path = _write(tmp, data)
    images, categories, gt, _ = load_coco_gt(gt_path)
    try:
        pred, _ = load_predictions(_write(tmp, anns, "p.json"), images, categories)
    except InputError as exc:  # most entries name images the GT lacks: another dataset's file
        assert "do not belong to" in str(exc)
        pred = gt
    for table in (gt, pred):
        n = len(table)
        assert table.boxes.shape == (n, 4) and np.isfinite(table.boxes).all()
        assert (table.boxes[:, 2:] >= 0).all() and not np.isnan(table.areas).any()
        assert ((table.image_index >= 0) & (table.image_index < len(images))).all()
        assert ((table.category_index >= 0) & (table.category_index < 2)).all()
        assert len(set(table.ids.tolist())) == n
    assert np.isfinite(pred.scores).all()
