"""PR curves: the 101-point samples equal COCOeval's precision at the same IoU threshold."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core.curves import pr_curves
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.io.coco import load_detection
from tests import synth


@pytest.mark.parametrize("seed,iou", [(0, 0.5), (3, 0.75), (7, 0.5)])
def test_curve_ap_equals_cocoeval(tmp_path, seed, iou):
    gt, res = synth.make_dataset(seed, 30, 5, 0.1, True, False, 12)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    curves = pr_curves(ds, iou, 0.5)
    ref = synth.oracle(gt, res, "bbox", [iou])
    for k, cat_id in enumerate(ref.params.catIds):
        s = ref.eval["precision"][0, :, k, 0, -1]
        row = ds.categories.index_of()[cat_id]
        expected = np.mean(s) if (s > -1).all() else np.nan
        np.testing.assert_allclose(curves[row].ap, expected, atol=1e-12, equal_nan=True)


def test_operating_point_equals_the_per_image_counts_at_the_threshold(tmp_path):
    gt, res = synth.make_dataset(4, 30, 3, 0.0, False, False, 12)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    scores = score_detection(ds, DetectionParams(0.5, 0.4, "bbox"))
    for c in pr_curves(ds, 0.5, 0.4):
        tp = scores.per_class_image["tp"][:, c.category_index].sum()
        fp = scores.per_class_image["fp"][:, c.category_index].sum()
        fn = scores.per_class_image["fn"][:, c.category_index].sum()
        assert c.operating_point[1] == pytest.approx(tp / (tp + fn))
        assert c.operating_point[0] == pytest.approx(tp / (tp + fp))
