"""Per-object statuses, TIDE types and the confusion matrix on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core import tide
from reviewer.core.detection_scores import FN, FP, IGNORED, TP, DetectionParams, score_detection
from reviewer.core.reports import detection_table, rank
from reviewer.io.coco import load_detection
from tests import synth

CAT, DOG = 1, 2


def _ds(tmp_path, gts, preds, n_images=1):
    images = [{"id": i + 1, "file_name": f"{i}.jpg", "width": 400, "height": 300}
              for i in range(n_images)]
    anns = [{"id": i + 1, "image_id": g.get("image", 1), "category_id": g["cls"], "bbox": g["box"],
             "area": g["box"][2] * g["box"][3], "iscrowd": g.get("crowd", 0)}
            for i, g in enumerate(gts)]
    res = [{"image_id": p.get("image", 1), "category_id": p["cls"], "bbox": p["box"],
            "score": p["score"]} for p in preds]
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": CAT, "name": "cat"}, {"id": DOG, "name": "dog"}]}
    return load_detection(*synth.write(tmp_path, gt, res))


def test_each_error_type_on_its_textbook_case(tmp_path):
    box = [10, 10, 100, 100]
    gts = [{"cls": CAT, "box": box},                       # 0: matched by pred 0, duplicated by 1
           {"cls": CAT, "box": [200, 10, 100, 100]},        # 1: missed outright
           {"cls": DOG, "box": [10, 150, 100, 100]},        # 2: predicted as cat (cls)
           {"cls": DOG, "box": [200, 150, 100, 100]}]       # 3: poorly localised dog (loc)
    preds = [{"cls": CAT, "box": box, "score": 0.9},                     # tp
             {"cls": CAT, "box": [12, 12, 100, 100], "score": 0.8},      # dupe
             {"cls": CAT, "box": [10, 150, 100, 100], "score": 0.7},     # cls
             {"cls": DOG, "box": [250, 150, 100, 100], "score": 0.6},    # loc (IoU 1/3)
             {"cls": DOG, "box": [330, 260, 20, 20], "score": 0.55},     # bkg
             {"cls": DOG, "box": [60, 60, 100, 100], "score": 0.52},     # both: cat GT, IoU 0.14
             {"cls": CAT, "box": [0, 0, 5, 5], "score": 0.2}]            # below score threshold
    ds = _ds(tmp_path, gts, preds)
    s = score_detection(ds, DetectionParams(0.5, 0.5, "bbox"))
    assert s.pred_status.tolist() == [TP, FP, FP, FP, FP, FP, 0]
    names = {0: "", **dict(enumerate(tide.ERROR_TYPES, start=1))}
    assert [names[c] for c in s.pred_error[:6]] == ["", "dupe", "cls", "loc", "bkg", "both"]
    assert s.gt_status.tolist() == [TP, FN, FN, FN]
    assert [names[c] for c in s.gt_error] == ["", "miss", "cls", "loc"]
    # confusion: rows GT (cat, dog, background), columns predictions (cat, dog, background)
    expected = np.array([[1, 0, 1],      # cat GT: 1 TP, 1 missed
                         [1, 0, 1],      # dog GT: 1 predicted as cat, 1 missed (loc pred is a ghost)
                         [1, 3, 0]])     # ghosts: dupe cat; loc, bkg, both dogs
    assert s.confusion.tolist() == expected.tolist()
    assert s.per_image["mispredicted"][0] == 1
    assert (s.per_image["tp"][0], s.per_image["fp"][0], s.per_image["fn"][0]) == (1, 5, 3)


def test_crowd_match_is_ignored_not_false_positive(tmp_path):
    gts = [{"cls": CAT, "box": [0, 0, 200, 200], "crowd": 1}]
    preds = [{"cls": CAT, "box": [10, 10, 50, 50], "score": 0.9}]
    s = score_detection(_ds(tmp_path, gts, preds), DetectionParams(0.5, 0.5, "bbox"))
    assert s.pred_status.tolist() == [IGNORED]
    assert s.gt_status.tolist() == [IGNORED]
    assert s.confusion.sum() == 0


@pytest.mark.parametrize("seed", range(4))
def test_confusion_rows_and_columns_count_every_object_once(tmp_path, seed):
    gt, res = synth.make_dataset(seed, 20, 4, 0.05, True, False, 10)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    s = score_detection(ds, DetectionParams(0.5, 0.4, "bbox"))
    k = len(ds.categories)
    counted_gt = np.isin(s.gt_status, [TP, FN])
    counted_dt = np.isin(s.pred_status, [TP, FP])
    assert s.confusion[:k].sum(1).tolist() == np.bincount(ds.gt.category_index[counted_gt], minlength=k).tolist()
    assert s.confusion[:, :k].sum(0).tolist() == np.bincount(ds.pred.category_index[counted_dt], minlength=k).tolist()
    assert np.diag(s.confusion)[:k].tolist() == s.per_class_image["tp"].sum(0).tolist()


def test_rescoring_one_image_equals_full_scoring(tmp_path):
    gt, res = synth.make_dataset(21, 15, 3, 0.05, True, False, 10)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    full = score_detection(ds)
    for i in (0, 7, 14):
        one = score_detection(ds, image_rows=[i])
        for col in ("tp", "fp", "fn", "mispredicted", "error"):
            assert one.per_image[col][i] == full.per_image[col][i]
        rows = ds.pred.image_index == i
        assert one.pred_status[rows].tolist() == full.pred_status[rows].tolist()


def test_ranking_is_worst_first_with_ties_by_f1(tmp_path):
    gts = [{"cls": CAT, "box": [10, 10, 50, 50], "image": 1},
           {"cls": CAT, "box": [10, 10, 50, 50], "image": 2},
           {"cls": CAT, "box": [100, 100, 50, 50], "image": 2}]
    preds = [{"cls": CAT, "box": [200, 200, 50, 50], "score": 0.9, "image": 1},  # image 1: fp + fn
             {"cls": CAT, "box": [10, 10, 50, 50], "score": 0.9, "image": 2},    # image 2: tp
             {"cls": CAT, "box": [300, 200, 50, 50], "score": 0.9, "image": 2}]  # + fp + fn
    ds = _ds(tmp_path, gts, preds, n_images=3)
    table = detection_table(ds, score_detection(ds))
    assert table["error"].tolist() == [2.0, 2.0, 0.0]
    assert [table["image_id"][i] for i in rank(table)] == [1, 2, 3]
    assert [table["image_id"][i] for i in rank(table, "error", ascending=True)] == [3, 2, 1]
