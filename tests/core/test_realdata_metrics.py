"""Metrics on real files (tests/data, copied from shared/realdata with their NOTICE files).

Oracles run here: pycocotools COCOeval for the 12 numbers, per-class AP and per-image matches;
tidecv for the TIDE error counts. The COCO fake100 numbers must also reproduce the values the
faster-coco-eval project published for the same files.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from reviewer.core.ap import accumulate
from reviewer.core.cocoeval import STAT_NAMES, gt_rles, match_dataset, pred_rles
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.io.coco import load_detection
from tests import synth

DATA = Path(__file__).resolve().parents[1] / "data"
COCO = DATA / "coco_val2014_fake100"
VOC = DATA / "voc2012_det100"
PUBLISHED_KEYS = ("AP_all", "AP_50", "AP_75", "AP_small", "AP_medium", "AP_large", "AR_all",
                  "AR_second", "AR_third", "AR_small", "AR_medium", "AR_large")


def _json(path):
    return json.loads(Path(path).read_text())


@pytest.mark.parametrize("iou_type,pred", [("bbox", "instances_val2014_fakebbox100_results.json"),
                                           ("segm", "instances_val2014_fakesegm100_results.json")])
def test_coco_fake100_equals_cocoeval_and_published(iou_type, pred):
    gt_path, pred_path = COCO / "gt/instances_val2014_100.json", COCO / "pred" / pred
    ds = load_detection(gt_path, pred_path)
    rles = (pred_rles(ds), gt_rles(ds)) if iou_type == "segm" else None
    ours = accumulate(ds, match_dataset(ds, iou_type, rles=rles))
    ref = synth.oracle(_json(gt_path), _json(pred_path), iou_type)
    got = [ours.stats[k] for k in STAT_NAMES]
    np.testing.assert_allclose(got, ref.stats, atol=1e-6)
    published = _json(COCO / "expected/faster_coco_eval_test_stats.json")[iou_type]
    np.testing.assert_allclose(got, [published[k] for k in PUBLISHED_KEYS], atol=1e-6)


def test_coco_fake100_per_image_matches_at_50():
    gt_path = COCO / "gt/instances_val2014_100.json"
    pred_path = COCO / "pred/instances_val2014_fakebbox100_results.json"
    ds = load_detection(gt_path, pred_path)
    scores = score_detection(ds, DetectionParams(0.5, 0.0, "bbox"))
    ref = synth.per_image_counts(synth.oracle(_json(gt_path), _json(pred_path), "bbox", [0.5]))
    ids = ds.images.ids.tolist()
    got = {ids[i]: (int(scores.per_image["tp"][i]), int(scores.per_image["fp"][i]),
                    int(scores.per_image["fn"][i])) for i in range(len(ids))}
    assert got == ref


def test_voc_joined_by_name_equals_cocoeval_on_aligned_results():
    """coco_dets.json ids match neither GT file: the loader joins by file_name / class name."""
    ds = load_detection(VOC / "gt/instances_v1_cvat.json", VOC / "pred/coco_dets.json", VOC / "images")
    gt = _json(VOC / "gt/instances_v1_cvat.json")
    aligned = _json(VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json")
    ref = synth.oracle(gt, aligned, "bbox")
    ours = accumulate(ds, match_dataset(ds))
    np.testing.assert_allclose([ours.stats[k] for k in STAT_NAMES], ref.stats, atol=1e-6)
    for k, cat_id in enumerate(ref.params.catIds):
        s = ref.eval["precision"][:, :, k, 0, -1]
        row = ds.categories.index_of()[cat_id]
        np.testing.assert_allclose(ours.class_ap[row], np.mean(s[s > -1]), atol=1e-9)
    scores = score_detection(ds, DetectionParams(0.5, 0.0, "bbox"))
    expected = synth.per_image_counts(synth.oracle(gt, aligned, "bbox", [0.5]))
    ids = ds.images.ids.tolist()
    got = {ids[i]: (int(scores.per_image["tp"][i]), int(scores.per_image["fp"][i]),
                    int(scores.per_image["fn"][i])) for i in range(len(ids))}
    assert got == expected


def _tidecv_counts(gt: dict, res: list) -> dict:
    warnings.simplefilter("ignore")  # tidecv is an old package (oracle only)
    from tidecv import TIDE, Data
    from tidecv.errors import main_errors as me
    g, p = Data("gt"), Data("pred")
    for im in gt["images"]:
        g.add_image(im["id"], im["file_name"])
    for a in gt["annotations"]:
        g.add_ground_truth(a["image_id"], a["category_id"], a["bbox"])
    for r in res:
        p.add_detection(r["image_id"], r["category_id"], r["score"], r["bbox"])
    tide = TIDE(pos_threshold=0.5, background_threshold=0.1, mode=TIDE.BOX)
    with contextlib.redirect_stdout(io.StringIO()):
        tide.evaluate(g, p, name="run")
    d = tide.runs["run"].error_dict
    return {"cls": len(d[me.ClassError]), "loc": len(d[me.BoxError]), "both": len(d[me.OtherError]),
            "dupe": len(d[me.DuplicateError]), "bkg": len(d[me.BackgroundError]),
            "miss": len(d[me.MissedError])}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tide_counts_equal_tidecv_on_voc():
    ds = load_detection(VOC / "gt/instances_v1_cvat.json",
                        VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json")
    for thr in (0.0, 0.5):
        scores = score_detection(ds, DetectionParams(0.5, thr, "bbox"))
        gt = _json(VOC / "gt/instances_v1_cvat.json")
        res = [r for r in _json(VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json")
               if r["score"] >= thr]
        assert {k: int(v.sum()) for k, v in scores.errors.items()} == _tidecv_counts(gt, res)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tide_counts_equal_tidecv_on_generated(seed):
    """No crowd GT and no ties: tidecv's own matcher then agrees with COCO's."""
    gt, res = synth.make_dataset(seed, 30, 5, 0.0, False, False, 12)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        ds = load_detection(*synth.write(Path(tmp), gt, res))
        scores = score_detection(ds, DetectionParams(0.5, 0.3, "bbox"))
    ours = {k: int(v.sum()) for k, v in scores.errors.items()}
    assert ours == _tidecv_counts(gt, [r for r in res if r["score"] >= 0.3])
