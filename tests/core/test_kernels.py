"""The compiled kernels (numba) against the numpy reference, element by element.

Every test runs the same call twice — ``jit`` on, then off (the numpy reference path) — on
generated cases (hypothesis: ties, zero-size and denormal boxes, crowd GT, IoU thresholds 0 and
1) and on crowded images that take the sweep path, and compares every array bit for bit
(NaN == NaN). COCOeval itself is the oracle of the reference path (``test_cocoeval.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from reviewer.core import jit
from reviewer.core.ap import accumulate
from reviewer.core.cocoeval import match_dataset
from reviewer.core.detection_scores import DetectionParams, pair_iou, score_detection
from reviewer.core.geometry import box_iou
from reviewer.core.sparse_iou import DENSE_PAIRS, box_pairs, make_groups
from tests.kernel_cases import crowded, dataset, table

pytestmark = pytest.mark.skipif(not jit.enabled(), reason="numba is not installed")

SIDES = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 1e-200]


@pytest.fixture
def both(monkeypatch):
    """run(fn) -> (result with the kernels, result with the numpy reference)."""
    monkeypatch.setitem(jit._state, "always", True)  # the kernels even on small cases

    def run(fn):
        monkeypatch.setitem(jit._state, "on", True)
        fast = fn()
        monkeypatch.setitem(jit._state, "on", False)
        ref = fn()
        monkeypatch.setitem(jit._state, "on", True)
        return fast, ref
    return run


@st.composite
def small_datasets(draw):
    n_img, n_cls = draw(st.integers(1, 3)), draw(st.integers(1, 3))

    def rows(n, is_gt):
        out = []
        for _ in range(n):
            out.append((draw(st.integers(0, n_img - 1)), draw(st.integers(0, n_cls - 1)),
                        [float(draw(st.integers(0, 12))), float(draw(st.integers(0, 12))),
                         draw(st.sampled_from(SIDES)), draw(st.sampled_from(SIDES))],
                        is_gt and draw(st.booleans()) and draw(st.booleans()),
                        draw(st.sampled_from([0.1, 0.5, 0.9, 1.0])),
                        draw(st.sampled_from([0.0, 4.0, 40.0, 2000.0]))))
        return out

    g, p = rows(draw(st.integers(0, 14)), True), rows(draw(st.integers(0, 18)), False)
    gt = table([r[0] for r in g], [r[1] for r in g], [r[2] for r in g] or np.zeros((0, 4)),
               [r[3] for r in g], areas=[r[5] for r in g])
    pred = table([r[0] for r in p], [r[1] for r in p], [r[2] for r in p] or np.zeros((0, 4)),
                 scores=[r[4] for r in p])
    return dataset(n_img, n_cls, gt, pred)


def assert_same(a, b, fields):
    for f in fields:
        x, y = getattr(a, f), getattr(b, f)
        assert np.array_equal(x, y, equal_nan=True), f


MATCH_FIELDS = ("dt_kept", "dt_rank", "dt_match", "dt_ignore", "dt_iou", "gt_kept", "gt_ignore",
                "gt_matched")
SCORE_FIELDS = ("pred_status", "pred_match", "pred_iou", "pred_error", "pred_error_gt",
                "gt_status", "gt_match", "gt_error", "confusion")
THRESHOLDS = st.lists(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.75, 1.0]), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ds=small_datasets(), thresholds=THRESHOLDS, max_det=st.sampled_from([1, 2, 100]))
def test_matching_equals_reference(both, ds, thresholds, max_det):
    fast, ref = both(lambda: match_dataset(ds, "bbox", iou_thresholds=thresholds,
                                           max_det=max_det))
    assert_same(fast, ref, MATCH_FIELDS)
    acc_fast, acc_ref = both(lambda: accumulate(ds, ref, max_dets=(1, max_det)))
    assert_same(acc_fast, acc_ref, ("precision", "recall"))
    assert acc_fast.stats == acc_ref.stats or np.allclose(
        list(acc_fast.stats.values()), list(acc_ref.stats.values()), equal_nan=True, rtol=0,
        atol=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ds=small_datasets(), iou_thr=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       score_thr=st.sampled_from([0.0, 0.5, 1.0]))
def test_scores_and_tide_equal_reference(both, ds, iou_thr, score_thr):
    params = DetectionParams(iou_thr, score_thr)
    fast, ref = both(lambda: score_detection(ds, params))
    assert_same(fast, ref, SCORE_FIELDS)
    cached = pair_iou(ds, "bbox")  # the document's IoU cache path (a matrix source)
    fast_m, ref_m = both(lambda: score_detection(ds, params, iou=cached))
    assert_same(fast_m, ref, SCORE_FIELDS)
    assert_same(ref_m, ref, SCORE_FIELDS)


@pytest.mark.parametrize("seed", range(4))
def test_crowded_image_equals_reference(both, seed):
    ds = crowded(seed)
    assert DENSE_PAIRS < 160 * 160  # the sweep path
    fast, ref = both(lambda: match_dataset(ds, "bbox"))
    assert_same(fast, ref, MATCH_FIELDS)
    params = DetectionParams(0.5, 0.3)
    fast, ref = both(lambda: score_detection(ds, params))
    assert_same(fast, ref, SCORE_FIELDS)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_pairs_are_exactly_the_nonzero_ious(seed):
    """Every pair with a non-zero (or nan) box IoU is listed with the dense value; the pairs
    left out have IoU 0. keep_all lists every pair."""
    ds = crowded(seed, n=120, n_cls=1)
    order = np.lexsort((-ds.pred.scores,))
    groups = make_groups(order, np.zeros(len(order), np.int64), np.arange(len(ds.gt)),
                         np.zeros(len(ds.gt), np.int64))
    dense = box_iou(ds.pred.boxes, ds.gt.boxes, ds.gt.iscrowd)
    for keep_all in (False, True):
        pairs = box_pairs(groups, ds.pred.boxes, ds.gt.boxes, ds.gt.iscrowd, keep_all)
        got = np.zeros_like(dense)
        listed = np.zeros(dense.shape, bool)
        owner = np.repeat(groups.dt, np.diff(pairs.ptr))
        got[owner, groups.gt[pairs.col]] = pairs.iou
        listed[owner, groups.gt[pairs.col]] = True
        assert np.array_equal(got, dense, equal_nan=True)
        assert listed.sum() == len(pairs.col)  # no pair twice
        assert keep_all == listed.all()
        assert (dense[~listed] == 0).all()


def _random_masks(rng, k, h, w):
    out = []
    for _ in range(k):
        m = np.zeros((h, w), np.uint8)
        y, x = rng.integers(0, h), rng.integers(0, w)
        m[y:y + rng.integers(0, h), x:x + rng.integers(0, w)] = 1
        m[rng.random((h, w)) < 0.05] ^= 1
        if rng.random() < 0.1:
            m[:] = 0
        out.append(mask_utils.encode(np.asfortranarray(m)))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_mask_iou_kernel_equals_pycocotools(seed):
    from reviewer.core.rle_kernel import decode_all, row_ious
    rng = np.random.default_rng(seed)
    dt = _random_masks(rng, 30, 23, 31) + _random_masks(rng, 3, 31, 23)
    gt = _random_masks(rng, 20, 23, 31)
    crowd = rng.random(len(gt)) < 0.3
    oracle = np.asarray(mask_utils.iou(dt, gt, crowd.astype(np.uint8).tolist()))
    d, g = np.meshgrid(np.arange(len(dt)), np.arange(len(gt)), indexing="ij")
    got = row_ious(decode_all(dt), decode_all(gt), crowd, d.ravel(), g.ravel())
    assert np.array_equal(got.reshape(oracle.shape), oracle)
    areas = decode_all(dt).area
    assert np.array_equal(areas, mask_utils.area(dt))


@pytest.mark.parametrize("seed", range(3))
def test_mask_matching_equals_reference(both, seed):
    rng = np.random.default_rng(seed)
    h = w = 40
    n_gt, n_dt = 25, 40
    gt_rles, dt_rles = _random_masks(rng, n_gt, h, w), _random_masks(rng, n_dt, h, w)
    boxes = lambda rles: np.asarray(mask_utils.toBbox(rles)).reshape(-1, 4)  # noqa: E731
    gt = table(rng.integers(0, 2, n_gt), rng.integers(0, 2, n_gt), boxes(gt_rles),
               rng.random(n_gt) < 0.2, segs=gt_rles)
    pred = table(rng.integers(0, 2, n_dt), rng.integers(0, 2, n_dt), boxes(dt_rles),
                 scores=rng.integers(1, 5, n_dt) / 5, segs=dt_rles)
    ds = dataset(2, 2, gt, pred, size=(h, w))
    rles = (dt_rles, gt_rles)
    fast, ref = both(lambda: match_dataset(ds, "segm", rles=rles))
    assert_same(fast, ref, MATCH_FIELDS)
    for thr in (0.0, 0.5):
        params = DetectionParams(thr, 0.3, "segm")
        fast, ref = both(lambda p=params: score_detection(ds, p, rles=rles))
        assert_same(fast, ref, SCORE_FIELDS)


def test_without_numba_the_numpy_path_runs(tmp_path):
    """REVIEWER_NO_JIT=1 (as a machine without numba): the reference path scores."""
    import os
    import subprocess
    import sys
    code = ("from reviewer.core import jit; assert not jit.enabled(); "
            "import sys; assert 'numba' not in sys.modules; "
            "from tests.kernel_cases import crowded; "
            "from reviewer.core.cocoeval import match_dataset; "
            "from reviewer.core.ap import accumulate; d = crowded(0, 70); "
            "print(accumulate(d, match_dataset(d, 'bbox')).stats['AP'])")
    env = {**os.environ, "REVIEWER_NO_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert 0.0 <= float(out.stdout.strip()) <= 1.0


def test_small_projects_do_not_import_numba():
    """Below jit.MIN_WORK predictions the numpy path runs: no process pays numba's import."""
    import subprocess
    import sys
    code = ("import sys; from tests.kernel_cases import crowded; "
            "from reviewer.core.detection_scores import DetectionParams, score_detection; "
            "from reviewer.core.cocoeval import match_dataset; "
            "from reviewer.core.ap import accumulate; d = crowded(0, 20); "
            "score_detection(d, DetectionParams()); accumulate(d, match_dataset(d, 'bbox')); "
            "assert 'numba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
