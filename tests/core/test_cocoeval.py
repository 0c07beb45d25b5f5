"""Dataset AP and per-image matches against pycocotools COCOeval, run inside the tests."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core.ap import accumulate
from reviewer.core.cocoeval import STAT_NAMES, match_dataset
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.io.coco import load_detection
from tests import synth

CASES = [  # seed, images, classes, crowd share, ties, masks, max GT per image
    (0, 30, 5, 0.05, True, False, 12),
    (1, 30, 5, 0.05, False, False, 12),
    (2, 60, 1, 0.0, True, False, 30),
    (3, 10, 12, 0.2, True, False, 6),
    (4, 25, 3, 0.1, True, True, 8),
    (5, 25, 4, 0.0, False, True, 10),
    (6, 5, 2, 0.0, True, False, 1),
    (7, 40, 8, 0.3, True, False, 40),
]


def _load(tmp_path, gt, res):
    g, p = synth.write(tmp_path, gt, res)
    ds = load_detection(g, p)
    assert not [x for x in ds.problems if x.severity == "error"]
    return ds


@pytest.mark.parametrize("case", CASES, ids=[f"seed{c[0]}" for c in CASES])
def test_stats_and_precision_equal_cocoeval(tmp_path, case):
    seed, n_img, n_cat, crowd, ties, masks, max_gt = case
    gt, res = synth.make_dataset(seed, n_img, n_cat, crowd, ties, masks, max_gt)
    ds = _load(tmp_path, gt, res)
    for iou_type in (("bbox", "segm") if masks else ("bbox",)):
        ours = accumulate(ds, match_dataset(ds, iou_type))
        ref = synth.oracle(gt, res, iou_type)
        np.testing.assert_allclose([ours.stats[k] for k in STAT_NAMES], ref.stats, atol=1e-12)
        np.testing.assert_allclose(ours.precision, ref.eval["precision"], atol=1e-12)
        np.testing.assert_allclose(ours.recall, ref.eval["recall"], atol=1e-12)


@pytest.mark.parametrize("case", CASES[:5], ids=[f"seed{c[0]}" for c in CASES[:5]])
@pytest.mark.parametrize("score_thr,iou_thr", [(0.5, 0.5), (0.0, 0.5), (0.3, 0.75)])
def test_per_image_counts_equal_eval_imgs(tmp_path, case, score_thr, iou_thr):
    seed, n_img, n_cat, crowd, ties, masks, max_gt = case
    gt, res = synth.make_dataset(seed, n_img, n_cat, crowd, ties, masks, max_gt)
    ds = _load(tmp_path, gt, res)
    iou_type = "segm" if masks else "bbox"
    scores = score_detection(ds, DetectionParams(iou_thr, score_thr, iou_type))
    ref = synth.oracle(gt, [r for r in res if r["score"] >= score_thr], iou_type, [iou_thr])
    expected = synth.per_image_counts(ref)
    ids = ds.images.ids.tolist()
    got = {ids[i]: (int(scores.per_image["tp"][i]), int(scores.per_image["fp"][i]),
                    int(scores.per_image["fn"][i])) for i in range(len(ids))}
    assert got == expected


def test_slice_equals_cocoeval_on_subset(tmp_path):
    gt, res = synth.make_dataset(11, 40, 6, 0.05, True, False, 12)
    ds = _load(tmp_path, gt, res)
    rows = np.arange(0, 40, 3)
    keep = {gt["images"][i]["id"] for i in rows}
    ours = accumulate(ds, match_dataset(ds, image_rows=rows))
    sub_gt = dict(gt, images=[im for im in gt["images"] if im["id"] in keep],
                  annotations=[a for a in gt["annotations"] if a["image_id"] in keep])
    ref = synth.oracle(sub_gt, [r for r in res if r["image_id"] in keep])
    np.testing.assert_allclose([ours.stats[k] for k in STAT_NAMES], ref.stats, atol=1e-12)


def test_per_class_ap_equals_cocoeval(tmp_path):
    gt, res = synth.make_dataset(12, 40, 6, 0.05, True, False, 12)
    ds = _load(tmp_path, gt, res)
    ours = accumulate(ds, match_dataset(ds))
    ref = synth.oracle(gt, res)
    p = ref.eval["precision"][:, :, :, 0, -1]  # T, R, K
    for k, cat_id in enumerate(ref.params.catIds):
        s = p[:, :, k]
        expected = np.mean(s[s > -1]) if (s > -1).any() else np.nan
        row = ds.categories.index_of()[cat_id]
        np.testing.assert_allclose(ours.class_ap[row], expected, atol=1e-12, equal_nan=True)


def test_empty_predictions_and_empty_gt(tmp_path):
    gt, res = synth.make_dataset(13, 5, 2, 0.0, True, False, 4)
    ds = _load(tmp_path, gt, [])
    ours = accumulate(ds, match_dataset(ds))
    ref = synth.oracle(gt, [])
    np.testing.assert_allclose([ours.stats[k] for k in STAT_NAMES], ref.stats, atol=1e-12)
    scores = score_detection(ds)
    assert scores.per_image["fp"].sum() == 0
    assert scores.per_image["fn"].sum() == sum(1 for a in gt["annotations"] if not a["iscrowd"])


def test_results_with_box_and_mask_follow_load_res_areas(tmp_path):
    """detectron2-style results carry bbox and segmentation: COCO.loadRes then takes area = w*h
    for the area ranges; we must give the same 12 numbers for bbox and segm."""
    from pycocotools import mask as mask_utils
    gt, res = synth.make_dataset(14, 25, 4, 0.05, True, True, 10)
    for r in res:
        rle = {"size": r["segmentation"]["size"], "counts": r["segmentation"]["counts"].encode()}
        x, y, w, h = mask_utils.toBbox(rle).tolist()
        r["bbox"] = [x, y, w * 1.3 + 2, h * 1.3 + 2]  # a box that disagrees with the mask area
    ds = _load(tmp_path, gt, res)
    for iou_type in ("bbox", "segm"):
        ours = accumulate(ds, match_dataset(ds, iou_type))
        ref = synth.oracle(gt, res, iou_type)
        np.testing.assert_allclose([ours.stats[k] for k in STAT_NAMES], ref.stats, atol=1e-12)
