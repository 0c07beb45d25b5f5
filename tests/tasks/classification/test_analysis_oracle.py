"""The numbers the window's class-probability panels draw (``classification.analysis``) against
scikit-learn run here: ``roc_curve``, ``precision_recall_curve``, ``calibration_curve``,
``precision_score`` / ``recall_score`` for the operating point; the cost view against
``reviewer cost``'s payload; the operating threshold's one writer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as M
from sklearn.calibration import calibration_curve

from reviewer.tasks.classification import analysis
from reviewer.tasks.classification.cost import cost_payload
from reviewer.tasks.classification.settings import (
    ThresholdError,
    save_operating_threshold,
    saved_threshold,
)

from .helpers import make_ds, random_probs

LEMONS = Path(__file__).resolve().parents[3] / "sample_project" / "lemons"


def _shapes():
    rng = np.random.default_rng(5)
    multi = random_probs(rng, 400, 7, 2.0)
    ties = np.round(random_probs(rng, 300, 3, 1.5), 1)  # many equal scores
    ties = (ties + 1e-3) / (ties + 1e-3).sum(axis=1, keepdims=True)
    binary = random_probs(rng, 250, 2, 3.0)
    return [("multi", multi, rng.integers(0, 7, 400), None),
            ("ties", ties.astype(np.float32), rng.integers(0, 3, 300), None),
            ("binary", binary, rng.integers(0, 2, 250), 1)]


@pytest.fixture(params=_shapes(), ids=lambda s: s[0])
def case(request):
    _, probs, targets, positive = request.param
    return make_ds(probs, targets, positive=positive), probs, targets


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_class_curves_are_scikit_learns(case, threshold):
    ds, probs, targets = case
    for k in range(probs.shape[1]):
        c = analysis.class_curve(ds, k, threshold)
        y, s = targets == k, probs[:, k]
        fpr, tpr, _ = M.roc_curve(y, s, drop_intermediate=False)
        np.testing.assert_allclose(c["roc"]["fpr"], fpr, rtol=0, atol=1e-12)
        np.testing.assert_allclose(c["roc"]["tpr"], tpr, rtol=0, atol=1e-12)
        precision, recall, thresholds = M.precision_recall_curve(y, s)
        # scikit-learn: thresholds ascending and an extra (recall 0, precision 1) end point
        np.testing.assert_allclose(c["pr"]["precision"], precision[:-1][::-1], atol=1e-12)
        np.testing.assert_allclose(c["pr"]["recall"], recall[:-1][::-1], atol=1e-12)
        np.testing.assert_array_equal(c["pr"]["thresholds"], thresholds[::-1])
        assert c["ap"] == pytest.approx(M.average_precision_score(y, s), abs=1e-12)
        assert c["auc"] == pytest.approx(M.roc_auc_score(y, s), abs=1e-12)


def _predicted(ds, probs, threshold):
    if ds.is_binary:
        pos = ds.positive
        return np.where(probs[:, pos] >= np.float32(threshold), pos, 1 - pos)
    return np.argmax(probs, axis=1)


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.8])
def test_the_operating_point_is_the_tables_decision(case, threshold):
    ds, probs, targets = case
    predicted = _predicted(ds, probs, threshold)
    for k in range(probs.shape[1]):
        p = analysis.class_curve(ds, k, threshold)["point"]
        y, d = targets == k, predicted == k
        assert p["precision"] == pytest.approx(M.precision_score(y, d, zero_division=np.nan))
        assert p["recall"] == pytest.approx(M.recall_score(y, d))
        tn, fp, fn, tp = M.confusion_matrix(y, d, labels=[False, True]).ravel()
        assert p["fpr"] == pytest.approx(fp / (fp + tn))


@pytest.mark.parametrize("threshold", [0.42, 0.7])
def test_a_binary_operating_point_lies_on_the_positive_class_curve(threshold):
    _, probs, targets, positive = _shapes()[2]
    ds = make_ds(probs, targets, positive=positive)
    c = analysis.class_curve(ds, ds.positive, threshold)
    i = np.flatnonzero(c["pr"]["thresholds"] >= np.float32(threshold))[-1]
    assert c["point"]["precision"] == pytest.approx(c["pr"]["precision"][i])
    assert c["point"]["recall"] == pytest.approx(c["pr"]["recall"][i])


def test_reliability_bins_are_calibration_curves_and_the_ece_is_evals(case):
    from reviewer.tasks.classification.metrics import evaluate
    ds, probs, targets = case
    bins = analysis.reliability_bins(ds)
    confidence = ds.top1_score.astype(np.float64)
    right = (ds.top1 == targets).astype(int)
    prob_true, prob_pred = calibration_curve(right, confidence, n_bins=15, pos_label=1)
    filled = np.asarray(bins["count"]) > 0
    np.testing.assert_allclose(bins["accuracy"][filled], prob_true, atol=1e-12)
    np.testing.assert_allclose(bins["confidence"][filled], prob_pred, atol=1e-12)
    assert bins["count"].sum() == len(targets)
    assert bins["ece"] == evaluate(ds)["overall"]["ece"]  # the eval number, same code
    assert bins["accuracy_all"] == pytest.approx(M.accuracy_score(targets, ds.top1))


def test_score_histograms_count_each_class_against_the_rest(case):
    ds, probs, targets = case
    for k in range(probs.shape[1]):
        d = analysis.score_distribution(ds, k, 0.5)
        mine = targets == k
        assert d["labelled"].sum() == mine.sum() and d["others"].sum() == (~mine).sum()
        edges = d["edges"]
        for b in (0, 7, len(edges) - 2):  # a bin by hand: [lo, hi), the last one closed
            lo, hi = edges[b], edges[b + 1]
            s = probs[:, k].astype(np.float64)
            inside = (s >= lo) & ((s <= hi) if b == len(edges) - 2 else (s < hi))
            assert d["labelled"][b] == (inside & mine).sum()
            assert d["others"][b] == (inside & ~mine).sum()


def test_the_scatter_samples_rows_but_keeps_their_values():
    rng = np.random.default_rng(2)
    probs = random_probs(rng, 900, 4)
    targets = rng.integers(0, 4, 900)
    ds = make_ds(probs, targets)
    d = analysis.class_scatter(ds, 1, 3, limit=100)
    assert d["images"] == 900 and len(d["rows"]) == 100 and len(set(d["rows"])) == 100
    np.testing.assert_array_equal(d["x"], probs[d["rows"], 1])
    np.testing.assert_array_equal(d["y"], probs[d["rows"], 3])
    np.testing.assert_array_equal(d["label"], targets[d["rows"]])
    again = analysis.class_scatter(ds, 1, 3, limit=100)
    np.testing.assert_array_equal(again["rows"], d["rows"])  # the same sample each refresh


@pytest.fixture
def lemons(tmp_path) -> Path:
    return Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))


def _lemon_ds(project: Path):
    from reviewer.tasks.classification.load import load_classification
    cfg = json.loads((project / "reviewer.json").read_text())["classification"]
    pred = cfg["models"][0]["pred"]  # the baseline model (project file schema 2)
    return load_classification(project / cfg["gt"], project / pred, project / "images",
                               positive=cfg["positive"])


@pytest.mark.parametrize("fp_cost,fn_cost", [(1.0, 1.0), (1.0, 5.0), (10.0, 1.0)])
def test_the_cost_view_is_reviewer_costs(lemons, fp_cost, fn_cost):
    ds = _lemon_ds(lemons)
    view = analysis.cost_view(ds, 0.5, 0.5, fp_cost, fn_cost)
    cli = cost_payload(ds, ds.positive, fp_cost, fn_cost)
    assert view["best"] == cli["best"] and view["at_0_5"] == cli["at_0_5"]
    assert view["current"] == cli["at_0_5"] and view["images"] == cli["images"]
    assert view["curve"].thresholds.tolist() == [p["threshold"] for p in cli["curve"]]
    # the best threshold by brute force over the probabilities themselves
    y = ds.targets == ds.positive
    s = ds.probs[:, ds.positive]
    costs = {float(t): (fp_cost * ((s >= t) & ~y).sum() + fn_cost * ((s < t) & y).sum())
             / len(y) for t in np.unique(s)}
    assert view["best"]["cost"] == pytest.approx(min(costs.values()))


def test_the_operating_threshold_has_one_writer(lemons):
    import subprocess
    import sys
    before = json.loads((lemons / "reviewer.json").read_text())
    save_operating_threshold(lemons, 0.37)
    after = json.loads((lemons / "reviewer.json").read_text())
    assert after["classification"]["threshold"] == 0.37 and saved_threshold(lemons) == 0.37
    before["classification"]["threshold"] = 0.37
    drop_none = lambda d: {k: v for k, v in d.items() if v is not None}  # noqa: E731
    after["classification"] = drop_none(after["classification"])
    assert after == before  # nothing else in the file changed
    with pytest.raises(ThresholdError, match=r"\[0, 1\]"):
        save_operating_threshold(lemons, 1.5)
    assert saved_threshold(lemons) == 0.37  # a refused value leaves the file as it was
    out = subprocess.run([sys.executable, "-m", "reviewer.cli", "cost", str(lemons),
                          "--fp-cost", "1", "--fn-cost", "3", "--set", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    best = json.loads(out.stdout.splitlines()[0])["best"]["threshold"]
    assert saved_threshold(lemons) == best != 0.37


def test_a_saved_threshold_and_a_relabel_reach_the_export_and_its_report(lemons, tmp_path,
                                                                          capsys):
    from reviewer.cli import main
    from reviewer.io.session import open_session
    from reviewer.tasks.classification.commands import SetLabel, SetThreshold
    wrong = "lemon_05_b.jpg"  # labelled mold, photographed clean (the sample's README)
    with open_session(lemons) as s:
        s.history.execute(SetLabel(wrong, "mold", "no mold"))
        s.history.execute(SetThreshold(None, 0.5, 0.3))
        assert s.document.threshold == 0.3 and saved_threshold(lemons) == 0.3
        s.history.undo()
        assert saved_threshold(lemons) == 0.5  # undo writes the file back
        s.history.redo()
    with open_session(lemons, read_only=True) as s:  # the file holds it after a restart
        assert s.document.threshold == 0.3 and s.document.label_of(wrong) == "no mold"

    def cli(*argv):
        capsys.readouterr()
        assert main([str(a) for a in argv]) == 0
        return json.loads(capsys.readouterr().out)
    after = cli("eval", lemons, "--json", "-q")
    before = cli("eval", lemons, "--json", "--original", "-q")
    ds = _lemon_ds(lemons)
    y, s = ds.targets == ds.positive, ds.probs[:, ds.positive]
    assert before["overall"]["accuracy"] == pytest.approx(M.accuracy_score(y, s >= np.float32(0.3)))
    out = tmp_path / "out"
    assert main(["export", str(lemons), "--out", str(out), "-q"]) == 0
    changes = (out / "changes.csv").read_text()
    assert "operating threshold" in changes and "relabel mold -> no mold" in changes
    report = (out / "report.html").read_text()
    assert "Calibration and the decision rule" in report and "p(mold) ≥ 0.3" in report
    for metrics in (before, after):  # ECE and AP of both label sets, as eval computes them
        assert f"<td>{metrics['overall']['ece']:.3f}</td>" in report
        assert f"<td>{metrics['per_class']['mold']['ap']:.3f}</td>" in report
    assert before["overall"]["ece"] != after["overall"]["ece"]


def test_the_label_error_scatter_groups_images_as_the_table_flags_them():
    from reviewer.tasks.classification.scores import score_table
    rng = np.random.default_rng(8)
    probs = random_probs(rng, 500, 5, 2.0)
    targets = rng.integers(0, 5, 500)
    targets[:4] = -1  # no label: not drawn
    ds = make_ds(probs, targets)
    table = score_table(ds)
    d = analysis.label_error_scatter({c: table[c] for c in analysis.ERROR_COLUMNS})
    rows = d["rows"]
    assert rows.tolist() == list(range(4, 500))
    np.testing.assert_array_equal(d["x"], probs[rows].max(axis=1))
    t = targets[rows]
    np.testing.assert_array_equal(d["y"], probs[rows, t])  # self-confidence = p(label)
    # the flag written out: p(label) below the mean p(label) of the images with that label
    means = np.array([probs[targets == j, j].astype(np.float64).mean() for j in range(5)])
    flagged = probs[rows, t] < means[t]
    right = np.argmax(probs[rows], axis=1) == t
    expected = np.where(flagged, 0, np.where(right, 2, 1))
    np.testing.assert_array_equal(d["group"], expected)
    assert d["counts"] == np.bincount(expected, minlength=3).tolist()
    assert (d["y"][expected == 2] == d["x"][expected == 2]).all()  # right: on the diagonal
    small = analysis.label_error_scatter({c: table[c] for c in analysis.ERROR_COLUMNS}, limit=50)
    assert len(small["rows"]) == 50 and small["images"] == 496 and small["counts"] == d["counts"]


def test_the_cost_panels_readout_decides_as_the_table_does():
    from reviewer.io.prob_charts import cost_at_thresholds, counts_at
    from reviewer.tasks.classification.cost import cost_at, cost_curve
    from reviewer.tasks.classification.scores import predicted_classes
    rng = np.random.default_rng(4)
    probs = np.round(random_probs(rng, 400, 2, 2.0), 3).astype(np.float32)
    probs[:, 0] = 1 - probs[:, 1]
    targets = rng.integers(0, 2, 400)
    ds = make_ds(probs, targets, positive=1)
    s, y = probs[:, 1], targets == 1
    curve = cost_curve(s, y, 1.0, 4.0)
    # thresholds a hair off a score in float64 but equal to it in float32, and plain ones
    near = [float(np.float64(v) + 1e-9) for v in np.unique(s)[::40]]
    for t in near + [0.3, 0.5, 0.1234, 0.0, 1.0]:
        got = counts_at(curve, t)
        want = cost_at(s, y, t, 1.0, 4.0)
        assert (got["tp"], got["fp"], got["fn"], got["tn"]) == \
            (want["tp"], want["fp"], want["fn"], want["tn"])
        assert got["cost"] == pytest.approx(want["cost"])
        assert cost_at_thresholds(curve, [t])[0] == pytest.approx(want["cost"])
        predicted = predicted_classes(ds, np.arange(400), t)
        assert got["tp"] + got["fp"] == int((predicted == 1).sum())  # the table's decision
