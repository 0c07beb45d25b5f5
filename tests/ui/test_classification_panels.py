"""The class-probability panels of the window on the lemon sample: built when first shown,
computed in the background, showing the numbers of `reviewer eval --json` / `reviewer cost
--json` (run here through the CLI) and of scikit-learn (run here); the cost panel's dragged
threshold becomes the project's operating threshold (the file `reviewer cost --set` writes),
undoable, and the table follows it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from sklearn import metrics as M
from sklearn.calibration import calibration_curve

from reviewer.cli import main
from reviewer.tasks.classification.settings import saved_threshold

from .conftest import open_window

LEMONS = Path(__file__).resolve().parents[2] / "sample_project" / "lemons"
JOB_TIMEOUT = 30_000


@pytest.fixture
def lemons(tmp_path) -> Path:
    return Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))


def _cli_json(capsys, *argv) -> dict:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _show(qtbot, c, name: str):
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == name):
        c.show_analysis(name)
    panel = c.analysis.panels[name]
    qtbot.waitUntil(lambda: panel.chart.canvas is not None)  # drawn once on screen
    return panel


def _stop(c) -> None:
    c.analysis.runner.cancel()
    c.analysis.runner.wait()


def _pixel(chart, ax, x: float, y: float) -> QPoint:
    """The widget position of data point (x, y) of ``ax`` on a matplotlib Qt canvas."""
    canvas = chart.canvas
    canvas.draw()
    px, py = ax.transData.transform((x, y))
    ratio = canvas.device_pixel_ratio
    return QPoint(round(px / ratio), round(canvas.height() - py / ratio))


def test_panels_are_built_when_first_shown_and_show_evals_numbers(qtbot, settings, lemons,
                                                                   capsys):
    window, c = open_window(qtbot, settings, lemons, active=False)
    built = set(c.analysis.panels)
    assert not built & {"class_curves", "calibration", "score_hist", "scatter", "cost"}
    assert not c.actions["analysis_pr"].isVisible()  # detection's PR panel: not offered here
    truth = _cli_json(capsys, "eval", str(lemons), "--json")
    ds = c.session.document.dataset()
    curves = _show(qtbot, c, "class_curves")
    assert [cv["name"] for cv in curves.curves] == ["mold", "no mold"]
    for cv in curves.curves:
        k = cv["class"]
        y, s = ds.targets == k, ds.probs[:, k]
        assert cv["ap"] == pytest.approx(truth["per_class"][cv["name"]]["ap"], abs=1e-12)
        assert cv["auc"] == pytest.approx(truth["per_class"][cv["name"]]["roc_auc"], abs=1e-12)
        fpr, tpr, _ = M.roc_curve(y, s, drop_intermediate=False)
        np.testing.assert_allclose(cv["roc"]["fpr"], fpr, atol=1e-12)
        np.testing.assert_allclose(cv["roc"]["tpr"], tpr, atol=1e-12)
        precision, recall, _ = M.precision_recall_curve(y, s)
        np.testing.assert_allclose(cv["pr"]["precision"], precision[:-1][::-1], atol=1e-12)
        assert cv["point"]["precision"] == pytest.approx(truth["per_class"][cv["name"]]
                                                         ["precision"])
        assert cv["point"]["recall"] == pytest.approx(truth["per_class"][cv["name"]]["recall"])
    assert f"AP {truth['per_class']['mold']['ap']:.3f}" in curves.header.summary.text()

    calib = _show(qtbot, c, "calibration")
    assert calib.bins["ece"] == truth["overall"]["ece"]
    right = (ds.top1 == ds.targets).astype(int)
    prob_true, prob_pred = calibration_curve(right, ds.top1_score.astype(np.float64),
                                             n_bins=15, pos_label=1)
    filled = calib.bins["count"] > 0
    np.testing.assert_allclose(calib.bins["accuracy"][filled], prob_true, atol=1e-12)
    np.testing.assert_allclose(calib.bins["confidence"][filled], prob_pred, atol=1e-12)
    assert f"ECE {truth['overall']['ece']:.4f}" in calib.header.summary.text()
    _stop(c)


def test_score_histogram_follows_the_chosen_class(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons, active=False)
    hist = _show(qtbot, c, "score_hist")
    ds = c.session.document.dataset()
    assert hist.distribution["name"] == "mold"  # the positive class first
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "score_hist"):
        hist.combo.choose(1)
    d = hist.distribution
    assert d["name"] == "no mold"
    counts, _ = np.histogram(ds.probs[ds.targets == 1, 1].astype(np.float64), d["edges"])
    np.testing.assert_array_equal(d["labelled"], counts)
    assert d["n_labelled"] + d["n_others"] == len(ds.targets)
    _stop(c)


def test_a_click_on_a_scatter_point_opens_its_image(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons, active=False)
    scatter = _show(qtbot, c, "scatter")
    qtbot.waitUntil(lambda: bool(scatter.artists))
    group, index = 0, 3
    row = scatter.row_at(group, index)
    x, y = scatter.artists[group].get_offsets()[index]
    ax = scatter.artists[group].axes
    target = _pixel(scatter.chart, ax, float(x), float(y))
    with qtbot.waitSignal(scatter.image_requested, timeout=5000) as got:
        QTest.mouseClick(scatter.chart.canvas, Qt.MouseButton.LeftButton, pos=target)
    clicked = got.args[0]
    ds = c.session.document.dataset()
    # the nearest point to the mouse (several may overlap): at the clicked point's place
    assert ds.probs[clicked, 0] == pytest.approx(ds.probs[row, 0], abs=0.01)
    assert ds.probs[clicked, 1] == pytest.approx(ds.probs[row, 1], abs=0.01)
    qtbot.waitUntil(lambda: c.current == clicked)
    far = _pixel(scatter.chart, ax, 0.05, 0.05)  # no point there (p(a) + p(b) = 1)
    current = c.current
    with qtbot.assertNotEmitted(scatter.image_requested):
        QTest.mouseClick(scatter.chart.canvas, Qt.MouseButton.LeftButton, pos=far)
    assert c.current == current
    _stop(c)


def test_dragging_the_cost_threshold_saves_it_as_reviewer_cost_set_does(qtbot, settings,
                                                                         lemons, capsys):
    window, c = open_window(qtbot, settings, lemons, active=False)
    cost = _show(qtbot, c, "cost")
    cli = _cli_json(capsys, "cost", str(lemons), "--fp-cost", "1", "--fn-cost", "1", "--json")
    assert cost.view["best"] == cli["best"] and cost.view["at_0_5"] == cli["at_0_5"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "cost"):
        cost.fn_cost.setValue(5.0)
    cli5 = _cli_json(capsys, "cost", str(lemons), "--fp-cost", "1", "--fn-cost", "5", "--json")
    assert cost.view["best"] == cli5["best"]
    assert f"{cli5['best']['threshold']:.4f}" in cost.header.summary.text()

    # drag the red line from 0.5 to ~0.3 and release: the project's operating threshold
    canvas = cost.chart.canvas
    start, end = _pixel(cost.chart, cost.ax, 0.5, 0.1), _pixel(cost.chart, cost.ax, 0.3, 0.1)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(canvas, end)
    with qtbot.waitSignal(cost.threshold_chosen, timeout=5000) as chosen:
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    t = chosen.args[0]
    assert abs(t - 0.3) < 0.02 and t == round(t, 4)
    doc = c.session.document
    qtbot.waitUntil(lambda: doc.threshold == t)
    assert saved_threshold(lemons) == t == doc.saved_threshold
    assert c.session.history.index == 1
    # the table follows it, and so do the CLI's numbers, read from the same file
    pos = doc.base.positive
    predicted = np.where(doc.base.probs[:, pos] >= t, pos, 1 - pos)
    assert (np.asarray(doc.table["predicted"]) == predicted).all()
    assert c.panels.layers.threshold.value() == pytest.approx(t, abs=1e-3)
    at = _cli_json(capsys, "eval", str(lemons), "--json")
    ours = (predicted == doc.base.targets).mean()
    assert at["overall"]["accuracy"] == pytest.approx(ours)
    qtbot.waitUntil(lambda: cost.view is not None and cost.view["saved"]["threshold"] == t,
                    timeout=JOB_TIMEOUT)
    readout = _cli_json(capsys, "cost", str(lemons), "--fp-cost", "1", "--fn-cost", "5",
                        "--json")
    point = next(p for p in readout["curve"] if p["threshold"] >= t and not any(
        t <= q["threshold"] < p["threshold"] for q in readout["curve"]))
    assert f"fp {point['fp']}, fn {point['fn']}" in cost.readout.text()
    assert "(saved)" in cost.readout.text()

    c.undo()  # back to 0.5, in the window and in the file
    qtbot.waitUntil(lambda: doc.threshold == 0.5)
    assert saved_threshold(lemons) == 0.5
    _stop(c)


def test_without_a_positive_class_the_cost_panel_reads_any_class_against_the_rest(
        qtbot, settings, lemons, capsys):
    cfg = json.loads((lemons / "reviewer.json").read_text())
    cfg["classification"].pop("positive")
    (lemons / "reviewer.json").write_text(json.dumps(cfg))
    window, c = open_window(qtbot, settings, lemons, active=False)
    cost = _show(qtbot, c, "cost")
    assert cost.positive.isVisibleTo(cost) and cost.view["saved"] is None
    name = cost.view["positive"]
    cli = _cli_json(capsys, "cost", str(lemons), "--positive", name, "--fp-cost", "1",
                    "--fn-cost", "1", "--json")
    assert cost.view["best"] == cli["best"] and cost.view["at_0_5"] == cli["at_0_5"]
    assert "not a project setting" in cost.header.summary.text()
    assert not cost.use_button.isEnabled()
    other = 1 - c.class_names().index(name)
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "cost"):
        cost.positive.choose(other)
    cli = _cli_json(capsys, "cost", str(lemons), "--positive", c.class_names()[other],
                    "--fp-cost", "1", "--fn-cost", "1", "--json")
    assert cost.view["positive"] == c.class_names()[other] and cost.view["best"] == cli["best"]
    canvas = cost.chart.canvas  # a drag reads the curve and saves nothing
    start, end = _pixel(cost.chart, cost.ax, 0.5, 0.1), _pixel(cost.chart, cost.ax, 0.3, 0.1)
    with qtbot.assertNotEmitted(cost.threshold_chosen):
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
        QTest.mouseMove(canvas, end)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert abs(cost.line - 0.3) < 0.02 and "against the rest" in cost.readout.text()
    assert c.session.history.index == 0 and saved_threshold(lemons) == 0.5
    _stop(c)


@pytest.fixture
def many_classes(tmp_path, capsys) -> Path:
    """A generated 12-class project: 96 small PNGs, labels and softmax probabilities."""
    import cv2
    rng = np.random.default_rng(3)
    names = [f"species {k:02d}" for k in range(11)] + ["wildcat"]
    root = tmp_path / "many"
    (root / "images").mkdir(parents=True)
    n, k = 96, len(names)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), labels] += 2.0
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rows_gt, rows_pred = ["image,label"], ["image," + ",".join(names)]
    for i in range(n):
        name = f"img_{i:03d}.png"
        cv2.imwrite(str(root / "images" / name), np.full((24, 24, 3), i % 250, np.uint8))
        rows_gt.append(f"{name},{names[labels[i]]}")
        rows_pred.append(name + "," + ",".join(f"{v:.6f}" for v in p[i]))
    (root / "labels.csv").write_text("\n".join(rows_gt) + "\n")
    (root / "predictions.csv").write_text("\n".join(rows_pred) + "\n")
    assert main(["init", str(root), "--task", "classification", "--images", str(root / "images"),
                 "--gt", str(root / "labels.csv"), "--pred", str(root / "predictions.csv"),
                 "-q"]) == 0
    capsys.readouterr()
    return root


def test_many_classes_draw_the_ticked_ones_and_a_contrasting_pair(qtbot, settings, many_classes,
                                                                   capsys):
    window, c = open_window(qtbot, settings, many_classes, active=False)
    truth = _cli_json(capsys, "eval", str(many_classes), "--json", "-q")
    curves = _show(qtbot, c, "class_curves")
    counts = [truth["per_class"][n]["support"] for n in c.class_names()]
    most = sorted(sorted(range(12), key=lambda j: (-counts[j], j))[:5])
    assert [cv["class"] for cv in curves.curves] == most  # the five most labelled at first
    wildcat = c.class_names().index("wildcat")
    curves.picker.search.setText("cat")  # type to search: only the wildcat row stays
    shown = [i for i in range(curves.picker.list.count())
             if not curves.picker.list.item(i).isHidden()]
    assert shown == [wildcat]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "class_curves"):
        curves.picker.list.item(wildcat).setCheckState(Qt.CheckState.Checked)
    drawn = {cv["name"]: cv for cv in curves.curves}
    assert "wildcat" in drawn and len(drawn) == 6
    for name, cv in drawn.items():
        assert cv["ap"] == pytest.approx(truth["per_class"][name]["ap"], abs=1e-12)
        assert cv["point"]["recall"] == pytest.approx(truth["per_class"][name]["recall"])

    scatter = _show(qtbot, c, "scatter")
    names = [g[0] for g in scatter.groups]
    colors = [g[1] for g in scatter.groups]
    assert names[-1] == "other label" and len(names) == 3 and len(set(colors)) == 3
    cost = _show(qtbot, c, "cost")  # one class against the rest, as cost --positive
    cli = _cli_json(capsys, "cost", str(many_classes), "--positive", cost.view["positive"],
                    "--fp-cost", "1", "--fn-cost", "1", "--json", "-q")
    assert cost.view["best"] == cli["best"] and cost.view["saved"] is None
    _stop(c)


def test_the_label_error_scatter_shows_the_tables_flags_and_opens_a_likely_error(
        qtbot, settings, lemons, capsys):
    window, c = open_window(qtbot, settings, lemons, active=False)
    capsys.readouterr()
    out = lemons.parent / "scores.csv"
    assert main(["score", str(lemons), "--csv", str(out), "-q"]) == 0
    import pandas as pd
    cli = pd.read_csv(out).set_index("file_name")
    panel = _show(qtbot, c, "label_errors")
    d = panel.data
    assert d["counts"][0] == int(cli["label_issue"].sum())  # likely label errors, as `score`
    assert d["counts"][2] == int(((cli["correct"] == 1) & (cli["label_issue"] == 0)).sum())
    files = c.session.document.base.images.file_names
    for i, row in enumerate(d["rows"][:20]):
        assert d["y"][i] == pytest.approx(cli.loc[files[row], "p_target"], abs=1e-6)
    qtbot.waitUntil(lambda: bool(panel.artists))
    flagged = panel.groups[0][2]
    index = int(np.argmax(np.asarray(d["x"])[flagged] - np.asarray(d["y"])[flagged]))
    row = panel.row_at(0, index)  # the most confidently wrong likely label error
    x, y = panel.artists[0].get_offsets()[index]
    with qtbot.waitSignal(panel.image_requested, timeout=5000) as got:
        QTest.mouseClick(panel.chart.canvas, Qt.MouseButton.LeftButton,
                         pos=_pixel(panel.chart, panel.artists[0].axes, float(x), float(y)))
    assert got.args[0] == row
    qtbot.waitUntil(lambda: c.current == row)
    _stop(c)


def test_top1_only_predictions_say_which_charts_need_the_distribution(qtbot, settings,
                                                                        many_classes):
    import pandas as pd
    pred = pd.read_csv(many_classes / "predictions.csv")
    probs = pred.drop(columns="image").to_numpy()
    top1 = pd.DataFrame({"image": pred["image"], "label": pred.columns[1:][probs.argmax(1)],
                         "score": probs.max(1)})
    top1.to_csv(many_classes / "predictions.csv", index=False)
    window, c = open_window(qtbot, settings, many_classes, active=False)
    assert c.session.document.base.probs is None
    for name in ("class_curves", "score_hist", "scatter"):
        c.show_analysis(name)
        header = c.analysis.panels[name].header.summary
        qtbot.waitUntil(lambda h=header: "only the top-1 class" in h.text(), timeout=JOB_TIMEOUT)
    calib = _show(qtbot, c, "calibration")  # needs the top-1 confidence only
    assert calib.bins["images"] == len(top1)
    errors = _show(qtbot, c, "label_errors")  # p(label) is known where the prediction is right
    right = (top1["label"].to_numpy() == pd.read_csv(many_classes / "labels.csv")["label"]
             .to_numpy())
    assert errors.data["images"] == int(right.sum())
    cost = _show(qtbot, c, "cost")
    assert "only the top-1 class" in cost.header.summary.text()
    _stop(c)
