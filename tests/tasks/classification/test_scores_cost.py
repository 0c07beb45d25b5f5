"""The per-image table against direct formulas, the label-error score against confident
learning's definitions written out here, and the cost curve against a brute-force loop."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from reviewer.tasks.classification.cost import cost_at, cost_curve, cost_payload
from reviewer.tasks.classification.curves import threshold_counts
from reviewer.tasks.classification.scores import class_thresholds, score_rows, score_table

from .helpers import make_ds, random_probs

EPS = np.finfo(np.float64).eps


@pytest.fixture
def ds():
    rng = np.random.default_rng(11)
    probs = random_probs(rng, 300, 6, 2.5)
    targets = rng.integers(0, 6, 300)
    targets[:5] = -1
    probs[5:9] = np.nan
    return make_ds(probs, targets)


def test_columns_follow_their_formulas(ds):
    table = score_table(ds)
    for i in range(len(ds)):
        t, p = int(ds.targets[i]), ds.probs[i].astype(np.float64)
        if t < 0 or np.isnan(p).any():
            assert math.isnan(table["error"][i]) and math.isnan(table["correct"][i])
            continue
        assert table["p_target"][i] == p[t]
        assert table["error"][i] == 1 - p[t]
        assert table["confidence"][i] == pytest.approx(p.max())
        assert table["predicted"][i] == int(np.argmax(p))
        assert table["correct"][i] == float(np.argmax(p) == t)
        assert table["loss"][i] == pytest.approx(-math.log(min(max(p[t], EPS), 1 - EPS)))
        assert table["margin"][i] == pytest.approx(p[t] - np.delete(p, t).max())


def test_self_confidence_flags_and_confident_joint(ds):
    table = score_table(ds)
    k = ds.num_classes
    thr = np.full(k, np.nan)
    for j in range(k):
        members = [i for i in range(len(ds)) if ds.targets[i] == j and ds.top1[i] >= 0]
        thr[j] = np.mean([float(ds.probs[i, j]) for i in members])
    assert np.allclose(class_thresholds(ds), thr)
    for i in range(len(ds)):
        t = int(ds.targets[i])
        if t < 0 or ds.top1[i] < 0:
            assert math.isnan(table["self_confidence"][i]) and table["likely_label"][i] == -1
            continue
        p = ds.probs[i].astype(np.float64)
        assert table["self_confidence"][i] == p[t]
        assert table["label_issue"][i] == float(p[t] < thr[t])
        above = [j for j in range(k) if p[j] >= thr[j]]
        star = max(above, key=lambda j: (p[j], -j)) if above else -1
        assert table["likely_label"][i] == (star if star not in (-1, t) else -1)


def test_one_row_equals_the_whole_table(ds):
    table = score_table(ds)
    for i in (0, 7, 42, 299):
        row = score_rows(ds, [i], thresholds=class_thresholds(ds))
        for col, values in row.items():
            same = values.dtype == object or np.issubdtype(values.dtype, np.integer)
            assert np.array_equal(values, table[col][[i]], equal_nan=not same), col


def test_top1_only_never_guesses():
    probs = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]], np.float32)
    top1 = replace(make_ds(probs, [0, 2]), probs=None)
    table = score_table(top1)
    assert table["p_target"][0] == pytest.approx(0.7) and table["error"][0] == pytest.approx(0.3)
    assert math.isnan(table["p_target"][1]) and table["error"][1] == pytest.approx(0.5)
    assert np.isnan(table["margin"]).all() and (table["likely_label"] == -1).all()


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.9])
def test_binary_predicted_follows_the_threshold(threshold):
    p = np.array([0.05, 0.1, 0.5, 0.6, 0.9, 0.95], np.float32)
    ds = make_ds(np.stack([p, 1 - p], axis=1), [0, 1, 0, 1, 0, 1], positive=0)
    table = score_table(ds, threshold)
    want = np.where(p >= threshold, 0, 1)
    assert table["predicted"].tolist() == want.tolist()
    assert table["correct"].tolist() == (want == ds.targets).astype(float).tolist()


def _brute_force(scores, positive, a, b):
    out = []
    for t in [np.nextafter(scores.max(), np.inf)] + sorted(set(scores.tolist()), reverse=True):
        pred = scores >= t
        tp, fp = int((pred & positive).sum()), int((pred & ~positive).sum())
        fn, tn = int((~pred & positive).sum()), int((~pred & ~positive).sum())
        out.append((t, tp, fp, fn, tn, (a * fp + b * fn) / len(scores)))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_curve_equals_a_brute_force_loop(seed, dtype):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(300), 2).astype(dtype)  # many ties
    positive = rng.random(300) < scores
    curve = cost_curve(scores, positive, 1.0, 5.0)
    want = _brute_force(scores, positive, 1.0, 5.0)
    got = list(zip(curve.thresholds, curve.tp, curve.fp, curve.fn, curve.tn, curve.cost,
                   strict=True))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[0] == pytest.approx(float(w[0])) and tuple(g[1:5]) == w[1:5]
        assert g[5] == pytest.approx(w[5])
    best = min(want, key=lambda w: (w[5], abs(float(w[0]) - 0.5), -w[0]))
    assert curve.thresholds[curve.best()] == pytest.approx(float(best[0]))
    at = cost_at(scores, positive, 0.5, 1.0, 5.0)
    pred = scores >= 0.5
    assert at["fp"] == int((pred & ~positive).sum()) and at["fn"] == int((~pred & positive).sum())


def test_threshold_counts_equal_sorting_by_hand():
    rng = np.random.default_rng(4)
    scores = np.round(rng.random(200), 1).astype(np.float32)
    scores[:3] = -0.0
    positive = rng.random(200) < 0.3
    c = threshold_counts(scores, positive)
    values = sorted(set(scores.astype(np.float64).tolist()), reverse=True)
    assert c.thresholds.tolist() == pytest.approx(values)
    assert c.tp.tolist() == [int((positive & (scores >= v)).sum()) for v in values]
    assert c.fp.tolist() == [int((~positive & (scores >= v)).sum()) for v in values]


def test_cost_payload_shape():
    p = np.array([0.9, 0.8, 0.3, 0.2], np.float32)
    ds = make_ds(np.stack([1 - p, p], axis=1), [1, 0, 1, 0], positive=1,
                 names=["no mold", "mold"])
    out = cost_payload(ds, 1, fp_cost=1, fn_cost=10)
    assert out["positive"] == "mold" and out["images"] == 4
    assert set(out["best"]) >= {"threshold", "cost", "tp", "fp", "fn", "tn"}
    assert out["best"]["fn"] == 0 and out["best"]["fp"] == 1
    assert out["best"]["cost"] == pytest.approx(0.25)
    assert out["at_0_5"]["fn"] == 1 and out["at_0_5"]["cost"] == pytest.approx(10 / 4 + 1 / 4)
    assert len(out["curve"]) == 5 and out["curve"][0]["tp"] == 0
    with pytest.raises(ValueError, match="top-1"):
        cost_payload(replace(ds, probs=None), 1, 1, 1)
