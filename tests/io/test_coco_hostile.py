"""COCO inputs that used to hang, crash or give wrong numbers without a word (issue 9).

Masks: every RLE is checked before pycocotools sees it; a prediction whose mask is unusable
keeps its box. Ids: unique as text, joined as text. Predictions of another dataset: refused in
one line. Metrics are compared with pycocotools COCOeval run here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from reviewer.core import reports
from reviewer.core.document import DetectionDocument
from reviewer.core.problems import InputError
from reviewer.io.coco import load_coco_gt, load_detection, load_predictions
from tests import synth

DATA = Path(__file__).resolve().parents[1] / "data"
VOC = DATA / "voc2012_det100"
SAMPLE_GT = Path(__file__).resolve().parents[2] / "sample_project/annotations/instances_gt.json"


def _write(tmp_path, data, name) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _rle(mask: np.ndarray) -> dict:
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(r["size"]), "counts": r["counts"].decode()}


def _square(h, w, y0, y1, x0, x1) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m


def _eval(ds):
    return reports.detection_eval(ds, reports.default_params(ds))


# ---------------------------------------------------------------- RLEs that hang pycocotools


def _gt_two_masks():
    return {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
            "categories": [{"id": 1, "name": "x"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 3, 3], "area": 9,
                 "iscrowd": 0, "segmentation": _rle(_square(10, 10, 2, 5, 2, 5))},
                {"id": 2, "image_id": 1, "category_id": 1, "bbox": [6, 6, 3, 3], "area": 9,
                 "iscrowd": 0, "segmentation": _rle(_square(10, 10, 6, 9, 6, 9))}]}


OVERLONG = _rle(_square(20, 20, 2, 8, 2, 8))["counts"]  # 400 pixels of runs, labelled 10x10


def test_an_rle_whose_runs_overflow_the_image_is_a_problem_in_gt_and_predictions(tmp_path):
    gt = _gt_two_masks()
    gt["annotations"][1]["segmentation"] = {"size": [10, 10], "counts": OVERLONG}
    preds = [{"image_id": 1, "category_id": 1, "score": 0.9,
              "segmentation": {"size": [10, 10], "counts": OVERLONG}},
             {"image_id": 1, "category_id": 1, "score": 0.8, "bbox": [2, 2, 3, 3],
              "segmentation": {"size": [10, 10], "counts": OVERLONG}}]
    gt_path, pred_path = _write(tmp_path, gt, "gt.json"), _write(tmp_path, preds, "pred.json")
    ds = load_detection(gt_path, pred_path)
    why = "segmentation RLE counts sum to 400, expected height*width = 100"
    assert [(p.file, p.entry, p.message, p.severity) for p in ds.problems] == [
        (str(gt_path), "annotations[1] (id 2)", f"{why}; segmentation dropped, box kept",
         "warning"),
        (str(pred_path), "prediction 0", why, "error"),
        (str(pred_path), "prediction 1", f"{why}; the mask is not used (an empty mask in mask "
         "scoring), the box is kept", "warning")]
    assert len(ds.gt) == 2 and ds.gt.segmentations[1] is None
    assert len(ds.pred) == 1 and mask_utils.area(
        mask_utils.frPyObjects(ds.pred.segmentations[0], 10, 10)) == 0
    payload = _eval(ds)  # used to loop forever inside pycocotools' iou
    assert payload["by_iou_type"]["segm"]["overall"]["AP"] == 0.0


# ---------------------------------------------------------------- a mask that does not fit


def _dummy(tmp_path):
    """faster-coco-eval's ``coco_metric_dummy`` shape: 10x10 RLEs on a 640x640 image."""
    m = _rle(_square(10, 10, 0, 5, 0, 5))
    gt = {"images": [{"id": 0, "file_name": "fake.jpg", "width": 640, "height": 640}],
          "categories": [{"id": 1, "name": "bird"}],
          "annotations": [{"id": k + 1, "image_id": 0, "category_id": 1, "bbox": box,
                           "area": box[2] * box[3], "iscrowd": 0, "segmentation": m}
                          for k, box in enumerate([[50, 60, 20, 20], [100, 120, 30, 40]])]}
    preds = [{"image_id": 0, "category_id": 1, "bbox": a["bbox"], "score": s, "segmentation": m}
             for a, s in zip(gt["annotations"], (1.0, 0.98), strict=True)]
    return gt, preds, _write(tmp_path, gt, "gt.json"), _write(tmp_path, preds, "pred.json")


def test_a_prediction_whose_mask_does_not_fit_keeps_its_box_for_bbox_ap(tmp_path):
    gt, preds, gt_path, pred_path = _dummy(tmp_path)
    ds = load_detection(gt_path, pred_path)
    assert len(ds.pred) == 2
    assert all("does not match the image size [640, 640]" in p.message for p in ds.problems)
    assert {p.severity for p in ds.problems} == {"warning"}
    payload = _eval(ds)
    oracle = synth.oracle(gt, [{k: v for k, v in p.items() if k != "segmentation"}
                               for p in preds], "bbox")
    bbox = payload["by_iou_type"]["bbox"]["overall"]
    assert payload["iou_type"] == "bbox" and "segm" not in payload["by_iou_type"]
    assert bbox["AP"] == pytest.approx(oracle.stats[0], abs=1e-6)
    assert bbox["AP"] == pytest.approx(1.0)
    assert payload["per_class"]["bird"]["tp"] == 2


def test_in_mask_scoring_a_prediction_without_a_usable_mask_is_an_empty_mask(tmp_path):
    gt = _gt_two_masks()
    good = _rle(_square(10, 10, 2, 5, 2, 5))
    preds = [{"image_id": 1, "category_id": 1, "bbox": [2, 2, 3, 3], "score": 0.9,
              "segmentation": good},
             {"image_id": 1, "category_id": 1, "bbox": [6, 6, 3, 3], "score": 0.8,
              "segmentation": {"size": [5, 5], "counts": "0"}},
             {"image_id": 1, "category_id": 1, "bbox": [6, 6, 3, 3], "score": 0.7}]
    ds = load_detection(_write(tmp_path, gt, "gt.json"), _write(tmp_path, preds, "pred.json"))
    assert len(ds.pred) == 3
    payload = _eval(ds)
    empty = _rle(np.zeros((10, 10), bool))
    as_empty = [dict(p, segmentation=p.get("segmentation", empty)) for p in preds]
    as_empty[1]["segmentation"] = empty
    oracle = synth.oracle(gt, [{k: v for k, v in p.items() if k != "bbox"} for p in as_empty],
                          "segm")
    segm, bbox = (payload["by_iou_type"][t]["overall"] for t in ("segm", "bbox"))
    np.testing.assert_allclose([segm[k] for k in reports.STAT_NAMES], oracle.stats, atol=1e-6)
    assert segm["AP"] < bbox["AP"]


# ---------------------------------------------------------------- ids


def _gt_ids(*ids):
    return {"images": [{"id": i, "file_name": f"im{k}.jpg", "width": 50, "height": 40}
                       for k, i in enumerate(ids)],
            "categories": [{"id": 3, "name": "cat"}],
            "annotations": [{"id": 10 + k, "image_id": i, "category_id": 3,
                             "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0}
                            for k, i in enumerate(ids)]}


def test_image_ids_equal_as_text_are_one_id(tmp_path):
    path = _write(tmp_path, _gt_ids(1, "1", 2), "gt.json")
    images, _, gt, problems = load_coco_gt(path)
    assert images.ids.tolist() == [1, 2]
    assert [(p.entry, p.message) for p in problems if p.severity == "error"] == [
        ("images[1] (id '1')", "duplicate image id '1' (as text: images[0] has id 1, and "
         "Reviewer tells images apart by the id's text) (first at images[0]); this entry is "
         "dropped")]
    # annotations[1] names image "1": it joins image 1 by its text, with one warning
    assert images.ids[gt.image_index].tolist() == [1, 1, 2]
    assert any("image_id value(s) match an id only as text" in p.message for p in problems)


def test_predictions_join_ids_by_their_text(tmp_path):
    gt_path = _write(tmp_path, _gt_ids("7", 8), "gt.json")
    images, categories, _, _ = load_coco_gt(gt_path)
    preds = [{"image_id": 7, "category_id": "3", "bbox": [1, 1, 5, 5], "score": 0.9},
             {"image_id": "8", "category_id": 3, "bbox": [1, 1, 5, 5], "score": 0.8}]
    pred, problems = load_predictions(_write(tmp_path, preds, "p.json"), images, categories)
    assert images.ids[pred.image_index].tolist() == ["7", 8]
    assert categories.ids[pred.category_index].tolist() == [3, 3]
    assert [p.severity for p in problems] == ["warning", "warning"]


@pytest.mark.parametrize("huge", [2**70, -(2**70), 2**63])
def test_an_image_id_beyond_64_bits_is_a_problem_and_the_rest_scores(tmp_path, huge):
    ds = load_detection(_write(tmp_path, _gt_ids(huge, 2), "gt.json"), None)
    assert ds.images.ids.tolist() == [2]
    assert ds.problems[0].entry == f"images[0] (id {huge})"
    assert ds.problems[0].message == f"image id {huge} does not fit in 64 bits; this entry is dropped"
    assert _eval(ds)["per_class"]["cat"]["gt"] == 1


def test_only_unusable_images_or_categories_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no usable entry in 'images'"):
        load_coco_gt(_write(tmp_path, _gt_ids(2**70), "gt.json"))
    data = _gt_ids(1)
    data["categories"] = [{"id": "x", "name": "cat"}]
    with pytest.raises(InputError, match="no usable category") as info:
        load_coco_gt(_write(tmp_path, data, "gt2.json"))
    assert info.value.problems[0].entry == "categories[0] (id 'x')"


# ---------------------------------------------------------------- another dataset's predictions


def test_voc_results_on_the_sample_gt_are_refused_in_one_line():
    images, categories, _, _ = load_coco_gt(SAMPLE_GT)
    path = VOC / "derived" / "coco_dets_results_aligned_to_instances_v1_cvat.json"
    with pytest.raises(InputError) as info:
        load_predictions(path, images, categories, SAMPLE_GT)
    message = str(info.value)
    assert "\n" not in message and info.value.problems == []
    assert message.startswith(f"{path}: these predictions do not belong to {SAMPLE_GT}: ")
    assert "185 of its 452 predictions name an image_id that is not in the ground truth" in message


def test_a_dataset_style_file_whose_names_match_nothing_is_refused():
    images, categories, _, _ = load_coco_gt(SAMPLE_GT)
    with pytest.raises(InputError, match="452 of its 452 predictions"):
        load_predictions(VOC / "pred" / "coco_dets.json", images, categories, SAMPLE_GT)


def test_disjoint_categories_are_refused(tmp_path):
    gt_path = _write(tmp_path, _gt_ids(1, 2), "gt.json")
    images, categories, _, _ = load_coco_gt(gt_path)
    preds = [{"image_id": i, "category_id": 90 + i, "bbox": [1, 1, 2, 2], "score": 0.5}
             for i in (1, 2)]
    with pytest.raises(InputError, match=r"none of its category_id values \(91, 92\)"):
        load_predictions(_write(tmp_path, preds, "p.json"), images, categories)


def test_a_few_strays_and_extra_classes_still_load(tmp_path):
    """A person-only GT with an 80-class detector's output, plus one unknown image: problems,
    not a refusal (pycocotools evaluates the GT's classes only)."""
    gt_path = _write(tmp_path, _gt_ids(1, 2, 3), "gt.json")
    images, categories, _, _ = load_coco_gt(gt_path)
    preds = [{"image_id": i, "category_id": c, "bbox": [1, 1, 5, 5], "score": 0.5}
             for i in (1, 2, 3) for c in (3, 5, 6, 7, 8)]
    preds.append({"image_id": 99, "category_id": 3, "bbox": [1, 1, 5, 5], "score": 0.5})
    pred, problems = load_predictions(_write(tmp_path, preds, "p.json"), images, categories)
    assert len(pred) == 3 and len(problems) == 13


@pytest.mark.realdata
def test_voc_dataset_style_predictions_still_join_by_file_name():
    ds = load_detection(VOC / "gt" / "instances_v1_cvat.json", VOC / "pred" / "coco_dets.json")
    assert len(ds.pred) == 452


def test_new_annotation_ids_stay_within_64_bits(tmp_path):
    data = _gt_ids(1, 2)
    data["annotations"][0]["id"] = 2**63 - 1
    data["annotations"][1]["id"] = None
    _, _, gt, problems = load_coco_gt(_write(tmp_path, data, "gt.json"))
    assert gt.ids.tolist() == [2**63 - 1, 1]
    assert problems[0].message == "id is missing or not an integer (None); given a new id"
    ds = load_detection(_write(tmp_path, data, "gt2.json"), None)
    doc = DetectionDocument(ds, reports.default_params(ds), None)
    assert doc.new_ann_id() == 2
