"""Classification metrics against scikit-learn run here, on data of many shapes and on a real
model's cross-validated probabilities (scikit-learn's bundled digits)."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.tasks.classification.metrics import evaluate, evaluated_rows
from reviewer.tasks.classification.scores import predicted_classes

from .helpers import make_ds, random_probs, sklearn_metrics

pytest.importorskip("sklearn")
OVERALL = ("accuracy", "balanced_accuracy", "macro_precision", "macro_recall", "macro_f1",
           "log_loss", "brier", "ece")


def _check(ds, image_rows=None, threshold=0.5):
    payload = evaluate(ds, image_rows, threshold)
    rows = evaluated_rows(ds, image_rows)
    t = ds.targets[rows]
    pred = predicted_classes(ds, rows, threshold)
    oracle = sklearn_metrics(ds.probs[rows], t, pred)
    for name in OVERALL + (("top5_accuracy",) if ds.num_classes >= 5 else ()):
        assert payload["overall"][name] == pytest.approx(oracle[name], rel=1e-6, abs=1e-9), name
    assert payload["confusion"]["matrix"] == oracle["confusion"].tolist()
    names = [str(n) for n in ds.class_names]
    for j, name in enumerate(names):
        got = payload["per_class"][name]
        assert got["support"] == oracle["support"][j]
        assert got["predicted"] == int((pred == j).sum())
        for m in ("precision", "recall", "f1"):
            assert got[m] == pytest.approx(oracle[m][j], abs=1e-12), (name, m)
        for m in ("ap", "roc_auc"):
            if np.isnan(oracle[m][j]):
                assert got[m] is None, (name, m)
            else:
                assert got[m] == pytest.approx(oracle[m][j], rel=1e-9, abs=1e-12), (name, m)
    return payload


@pytest.mark.parametrize(("n", "k", "sharp"), [(50, 2, 2.0), (300, 3, 1.0), (500, 10, 3.0),
                                               (2000, 100, 4.0), (3000, 1000, 6.0)])
def test_random_models_of_many_shapes(n, k, sharp):
    rng = np.random.default_rng(n + k)
    probs = random_probs(rng, n, k, sharp)
    targets = rng.integers(0, k, n)
    # an informative model: the label's logit is pushed up on most images
    boost = rng.random(n) < 0.7
    probs[boost, targets[boost]] += 2.0
    probs /= probs.sum(axis=1, keepdims=True)
    _check(make_ds(probs, targets))


def test_ties_everywhere():
    rng = np.random.default_rng(1)
    probs = np.round(random_probs(rng, 400, 6, 1.0) * 5) / 5  # values in {0, .2, ...}
    probs[probs.sum(axis=1) == 0] = 1 / 6
    probs = probs / probs.sum(axis=1, keepdims=True)
    _check(make_ds(probs, rng.integers(0, 6, 400)))


def test_perfect_model():
    k = 7
    targets = np.arange(140) % k
    probs = np.eye(k, dtype=np.float32)[targets]
    payload = _check(make_ds(probs, targets))
    assert payload["overall"]["accuracy"] == 1.0


def test_useless_model_all_ties():
    k = 8
    targets = np.arange(160) % k
    probs = np.full((160, k), 1 / k, np.float32)
    payload = _check(make_ds(probs, targets))
    assert payload["overall"]["accuracy"] == pytest.approx(1 / k)


def test_slices_with_missing_classes():
    rng = np.random.default_rng(5)
    k = 12
    probs = random_probs(rng, 900, k, 2.0)
    targets = rng.integers(0, k, 900)
    ds = make_ds(probs, targets)
    for rows in (np.flatnonzero(targets < 4), np.arange(0, 900, 7), rng.random(900) < 0.05):
        _check(ds, rows)


def test_unlabelled_and_unpredicted_images_are_left_out():
    rng = np.random.default_rng(9)
    probs = random_probs(rng, 200, 4, 2.0)
    targets = rng.integers(0, 4, 200)
    targets[:10] = -1
    probs[10:20] = np.nan
    ds = make_ds(probs, targets)
    payload = _check(ds)
    assert payload["images"] == 180


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.83])
def test_binary_operating_threshold(threshold):
    rng = np.random.default_rng(3)
    p = rng.random(500).astype(np.float32)
    probs = np.stack([1 - p, p], axis=1)
    targets = (rng.random(500) < p).astype(np.int64)
    ds = make_ds(probs, targets, positive=1)
    payload = _check(ds, threshold=threshold)
    assert payload["threshold"] == threshold
    assert payload["overall"]["accuracy"] == pytest.approx(
        np.mean((p >= threshold).astype(int) == targets))


def test_top1_only_predictions_report_what_needs_the_distribution_as_unavailable():
    from dataclasses import replace
    rng = np.random.default_rng(4)
    ds = make_ds(random_probs(rng, 100, 5, 2.0), rng.integers(0, 5, 100))
    top1 = replace(ds, probs=None)
    payload = evaluate(top1)
    full = evaluate(ds)
    for m in ("log_loss", "brier", "top5_accuracy"):
        assert payload["overall"][m] is None
        assert m in payload["unavailable"]
    for m in ("accuracy", "macro_f1", "ece"):
        assert payload["overall"][m] == full["overall"][m]
    assert all(v["ap"] is None and v["roc_auc"] is None for v in payload["per_class"].values())


@pytest.mark.slow
def test_digits_with_cross_validated_logistic_regression():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    x, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.05))
    probs = cross_val_predict(model, x, y, cv=5, method="predict_proba")
    ds = make_ds(probs, y)
    payload = _check(ds)
    assert 0.9 < payload["overall"]["accuracy"] < 1.0
    _check(ds, np.flatnonzero(y % 3 == 0))


def test_ece_bins_are_open_left_closed_right():
    from reviewer.tasks.classification.metrics import expected_calibration_error
    edges = np.linspace(0, 1, 16)
    rng = np.random.default_rng(2)
    conf = np.concatenate([edges[1:], edges[1:-1] + 1e-12, rng.random(200)])
    right = (rng.random(len(conf)) < conf).astype(np.float64)
    want = 0.0
    for b in range(15):
        inside = (conf > edges[b]) & (conf <= edges[b + 1])
        if inside.any():
            want += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    assert expected_calibration_error(conf, right) == pytest.approx(want, rel=1e-12)
