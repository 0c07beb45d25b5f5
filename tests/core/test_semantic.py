"""Semantic scoring against an independent plain-numpy oracle (per-class boolean masks)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reviewer.core.semantic import (
    ConfusionStack,
    confusion,
    evaluate,
    evaluate_matrix,
    image_table,
    score_image,
)


def oracle(gt, pred, k, ignore):
    """Per-class counts with boolean masks, no bincount: (K,K) matrix, (K,) void, valid mask."""
    gt = gt.astype(np.int64)
    pred = pred.astype(np.int64)
    valid = (gt >= 0) & (gt < k)
    if ignore is not None:
        valid &= gt != ignore
    mat = np.zeros((k, k), np.int64)
    void = np.zeros(k, np.int64)
    for a in range(k):
        in_a = valid & (gt == a)
        void[a] = (in_a & ((pred < 0) | (pred >= k))).sum()
        for b in range(k):
            mat[a, b] = (in_a & (pred == b)).sum()
    return mat, void, valid


def oracle_iou(gt, pred, k, ignore):
    """IoU per class from pixel sets restricted to valid GT pixels; nan when the union is empty."""
    _, _, valid = oracle(gt, pred, k, ignore)
    iou = np.full(k, np.nan)
    for c in range(k):
        inter = (valid & (gt == c) & (pred == c)).sum()
        union = (valid & ((gt == c) | (pred == c))).sum()
        if union:
            iou[c] = inter / union
    return iou


def evaluated(k, ignore):
    return [c for c in range(k) if c != ignore]


def random_pair(rng, shape, k, ignore, dtype):
    hi = min(k + 3, np.iinfo(dtype).max)
    gt = rng.integers(0, hi, shape).astype(dtype)
    pred = rng.integers(0, hi, shape).astype(dtype)
    if ignore is not None and ignore <= np.iinfo(dtype).max:
        gt[rng.random(shape) < 0.2] = ignore
        pred[rng.random(shape) < 0.05] = ignore
    return gt, pred


CASES = [((1, 1), 1, 255, np.uint8), ((7, 13), 2, 255, np.uint8), ((64, 48), 5, 0, np.uint8),
         ((3, 200), 21, 255, np.uint8), ((40, 40), 151, 0, np.uint8),
         ((33, 17), 300, 65535, np.uint16), ((20, 30), 4, None, np.int32),
         ((0, 5), 3, 255, np.uint8)]


@pytest.mark.parametrize(("shape", "k", "ignore", "dtype"), CASES)
def test_confusion_matches_oracle(shape, k, ignore, dtype):
    rng = np.random.default_rng(sum(shape) + k)
    gt, pred = random_pair(rng, shape, k, ignore, dtype)
    conf = confusion(gt, pred, k, ignore)
    mat, void, _ = oracle(gt, pred, k, ignore)
    assert conf.shape == (k, k + 1) and conf.dtype == np.int64
    np.testing.assert_array_equal(conf[:, :k], mat)
    np.testing.assert_array_equal(conf[:, k], void)


@pytest.mark.parametrize(("shape", "k", "ignore", "dtype"), CASES)
def test_score_image_matches_oracle(shape, k, ignore, dtype):
    rng = np.random.default_rng(7 * sum(shape) + k)
    gt, pred = random_pair(rng, shape, k, ignore, dtype)
    score = score_image(confusion(gt, pred, k, ignore), ignore)
    iou = oracle_iou(gt, pred, k, ignore)
    np.testing.assert_allclose(score.iou, iou, equal_nan=True)
    ev = [c for c in evaluated(k, ignore) if not np.isnan(iou[c])]
    expected_miou = np.mean(iou[ev]) if ev else np.nan
    np.testing.assert_allclose(score.miou, expected_miou, equal_nan=True)
    _, _, valid = oracle(gt, pred, k, ignore)
    acc = (valid & (gt == pred)).sum() / valid.sum() if valid.sum() else np.nan
    np.testing.assert_allclose(score.pixel_acc, acc, equal_nan=True)
    assert score.error == (0.0 if np.isnan(expected_miou) else pytest.approx(1 - expected_miou))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), k=st.integers(1, 12), ignore=st.sampled_from([None, 0, 255]))
def test_confusion_property(data, k, ignore):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=12))
    elems = st.integers(0, 255)
    gt = data.draw(hnp.arrays(np.uint8, shape, elements=elems))
    pred = data.draw(hnp.arrays(np.uint8, shape, elements=elems))
    conf = confusion(gt, pred, k, ignore)
    mat, void, valid = oracle(gt, pred, k, ignore)
    np.testing.assert_array_equal(conf[:, :k], mat)
    np.testing.assert_array_equal(conf[:, k], void)
    assert conf.sum() == valid.sum()
    np.testing.assert_allclose(score_image(conf, ignore).iou, oracle_iou(gt, pred, k, ignore),
                               equal_nan=True)


def test_flags_predicted_absent_and_missed():
    gt = np.array([[1, 1, 2, 2], [1, 1, 2, 0]], np.uint8)
    pred = np.array([[1, 3, 3, 1], [1, 1, 9, 0]], np.uint8)
    score = score_image(confusion(gt, pred, 4, 0), 0)
    # class 3: predicted on 2 pixels, absent from GT; class 2: 3 GT pixels, never predicted
    np.testing.assert_array_equal(score.predicted_absent, [[3, int((pred == 3).sum())]])
    np.testing.assert_array_equal(score.missed, [[2, int((gt == 2).sum())]])
    assert score.void_area == int(((pred >= 4) & (gt != 0)).sum())
    np.testing.assert_allclose(score.iou, oracle_iou(gt, pred, 4, 0), equal_nan=True)


def test_all_ignored_image_is_not_measurable():
    gt = np.full((4, 4), 255, np.uint8)
    score = score_image(confusion(gt, np.ones_like(gt), 3, 255), 255)
    assert np.isnan(score.miou) and np.isnan(score.pixel_acc) and score.error == 0.0
    assert np.isnan(score.iou).all()


def _dataset(rng, n, k, ignore, shapes=((30, 20), (11, 50), (1, 1), (64, 64))):
    pairs = [random_pair(rng, shapes[i % len(shapes)], k, ignore, np.uint8) for i in range(n)]
    confs = [confusion(g, p, k, ignore) for g, p in pairs]
    return pairs, confs, ConfusionStack.from_dense(confs, k)


@pytest.mark.parametrize(("k", "ignore"), [(5, 255), (10, 0), (3, None)])
def test_dataset_eval_and_slices_match_oracle(k, ignore):
    rng = np.random.default_rng(k)
    pairs, _, stack = _dataset(rng, 9, k, ignore)
    for rows in (None, [0, 3, 4], np.arange(9) % 2 == 0, []):
        chosen = range(9) if rows is None else np.flatnonzero(np.isin(np.arange(9), rows)
                                                               if np.asarray(rows).dtype != bool
                                                               else rows)
        mat = sum((oracle(*pairs[i], k, ignore)[0] for i in chosen), np.zeros((k, k), np.int64))
        ev = evaluate(stack, rows, ignore)
        np.testing.assert_array_equal(ev.matrix[:, :k], mat)
        inter = np.diag(mat)
        union = mat.sum(0) + mat.sum(1) + ev.matrix[:, k] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = np.where(union > 0, inter / union, np.nan)
        np.testing.assert_allclose(ev.iou, iou, equal_nan=True)
        classes = evaluated(k, ignore)
        present = [c for c in classes if union[c] > 0]
        np.testing.assert_allclose(ev.miou, np.mean(iou[present]) if present else np.nan)
        np.testing.assert_allclose(ev.miou_all, np.mean(np.nan_to_num(iou[classes])))
        total = mat.sum() + ev.matrix[:, k].sum()
        np.testing.assert_allclose(ev.pixel_acc, inter.sum() / total if total else np.nan)
        assert ev.num_images == len(chosen)


def test_stack_dense_with_image_and_table():
    rng = np.random.default_rng(3)
    k, ignore = 6, 255
    pairs, confs, stack = _dataset(rng, 5, k, ignore)
    assert len(stack) == 5
    for i, conf in enumerate(confs):
        np.testing.assert_array_equal(stack.dense(i), conf)
    gt, pred = pairs[2]
    edited = confusion(gt, gt, k, ignore)  # a perfect prediction after an edit
    new = stack.with_image(2, edited)
    np.testing.assert_array_equal(new.dense(2), edited)
    for i in (0, 1, 3, 4):
        np.testing.assert_array_equal(new.dense(i), confs[i])
    np.testing.assert_array_equal(new.total(), sum(confs) - confs[2] + edited)
    np.testing.assert_array_equal(stack.dense(2), confs[2])  # the old stack is untouched
    names = [f"c{i}" for i in range(k)]
    table = image_table(new, [f"im{i}" for i in range(5)], [f"im{i}.jpg" for i in range(5)],
                        names, ignore)
    for i in range(5):
        score = score_image(new.dense(i), ignore)
        np.testing.assert_allclose(table["miou"][i], score.miou, equal_nan=True)
        np.testing.assert_allclose(table["pixel_acc"][i], score.pixel_acc, equal_nan=True)
        assert table["error"][i] == pytest.approx(score.error)
        assert table["num_missed"][i] == len(score.missed)
        assert table["num_predicted_absent"][i] == len(score.predicted_absent)
        assert table["void_area"][i] == score.void_area
        for c in range(k):
            np.testing.assert_allclose(table[f"iou_c{c}"][i], score.iou[c], equal_nan=True)
    assert table["error"][2] == 0.0


def test_empty_stack():
    stack = ConfusionStack.from_dense([], 4)
    assert len(stack) == 0
    assert stack.total().shape == (4, 5)
    ev = evaluate(stack, None, 255)
    assert np.isnan(ev.miou) and ev.miou_all == 0.0 and np.isnan(ev.pixel_acc)
    table = image_table(stack, [], [], ["a", "b", "c", "d"], 255)
    assert table["miou"].shape == (0,) and table["iou_a"].shape == (0,)


def test_evaluate_matrix_ignore_inside_range_excluded_from_means():
    gt = np.array([[0, 1], [2, 2]], np.uint8)
    pred = np.array([[1, 1], [2, 0]], np.uint8)
    ev = evaluate_matrix(confusion(gt, pred, 3, 0), 0)
    assert not ev.evaluated[0] and ev.evaluated[1:].all()
    iou = oracle_iou(gt, pred, 3, 0)
    np.testing.assert_allclose(ev.miou, np.mean(iou[1:]))
    np.testing.assert_allclose(ev.miou_all, np.mean(iou[1:]))
