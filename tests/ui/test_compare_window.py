"""Several models in the window: the toolbar's model picker reopens the session on another
model (the ranking follows it, the image shown stays); the Compare Models panel shows what
``reviewer compare --json`` prints, computed in the background, and its image list leads to the
image."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from reviewer.cli import main

from .conftest import LOAD_TIMEOUT, copy_sample, open_window


@pytest.fixture
def sample(tmp_path):
    return copy_sample(tmp_path / "sample")


def _cli_json(argv, capsys) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_the_picker_shows_another_models_predictions_on_the_same_image(qtbot, settings,
                                                                       sample, capsys):
    window, c = open_window(qtbot, settings, sample)
    models = c.models
    assert models._picker_action.isVisible()
    assert [models.picker.itemText(i) for i in range(models.picker.count())] == \
        ["baseline", "retrained"]
    assert c.session.model == "baseline" and "model baseline" in window.windowTitle()
    c.select_image(5)
    shown = c.image_id(c.current)
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        models.picker.setCurrentIndex(1)
        models.picker.activated.emit(1)
    assert c.session.model == "retrained" and "model retrained" in window.windowTitle()
    assert c.image_id(c.current) == shown
    assert models.picker.currentText() == "retrained"
    csv = sample.parent / "retrained.csv"
    assert main(["score", str(sample), "--model", "retrained", "--csv", str(csv), "-q"]) == 0
    import pandas as pd
    expected = pd.read_csv(csv).set_index("file_name")["error"]
    table = c.session.document.table
    got = pd.Series(np.asarray(table["error"], float), index=list(table["file_name"]))
    pd.testing.assert_series_equal(got.sort_index(), expected.astype(float).sort_index(),
                                   check_names=False)


def test_compare_panel_shows_the_cli_numbers_and_leads_to_the_most_regressed_image(
        qtbot, settings, sample, capsys):
    window, c = open_window(qtbot, settings, sample)
    c.actions["analysis_compare"].trigger()
    panel = c.models.panel
    qtbot.waitUntil(panel.isVisible)
    assert panel.a_box.currentText() == "baseline" and panel.b_box.currentText() == "retrained"
    with qtbot.waitSignal(c.models.compared, timeout=LOAD_TIMEOUT) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    payload = blocker.args[0]
    cli = _cli_json(["compare", str(sample), "--json", "-q"], capsys)
    assert json.loads(json.dumps(payload)) == cli  # one truth: the same numbers, same path
    d = cli["difference"]
    assert f"{d['value']:+.3f}" in panel.headline.text()
    assert f"[{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]" in panel.headline.text()
    assert f"{cli['images']['regressed']} regressed" in panel.counts.text()
    assert panel.classes.rowCount() == len(cli["per_class"])
    delta = cli["confusion"]["delta"]
    assert panel.confusion.rowCount() == len(delta)
    assert [[panel.confusion.item(r, k).value for k in range(len(row))]
            for r, row in enumerate(delta)] == delta
    rows = cli["images"]["per_image"]
    worst = max(rows, key=lambda r: -np.inf if r["delta"] is None else r["delta"])
    assert panel.images.rowCount() == len(rows)
    assert panel.images.item(0, 0).text() == worst["file_name"]  # most regressed first
    panel.outcome_box.setCurrentIndex(panel.outcome_box.findData("regressed"))
    assert panel.images.rowCount() == cli["images"]["regressed"]
    assert all(panel.images.item(r, 3).value > 0 for r in range(panel.images.rowCount()))
    rect = panel.images.visualItemRect(panel.images.item(0, 0))
    with qtbot.waitSignal(c.image_shown, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(panel.images.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert c.session.document.table["file_name"][c.current] == worst["file_name"]
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(panel.show_b, Qt.MouseButton.LeftButton)
    assert c.session.model == "retrained"
    assert c.session.document.table["file_name"][c.current] == worst["file_name"]


def test_a_task_with_one_model_hides_the_picker_and_says_how_to_add_one(qtbot, settings,
                                                                       tmp_path):
    sample = copy_sample(tmp_path / "one")
    assert main(["models", str(sample), "remove", "retrained", "-q"]) == 0
    window, c = open_window(qtbot, settings, sample)
    assert not c.models._picker_action.isVisible()
    assert "model" not in window.windowTitle()
    assert not c.models.panel.run_button.isEnabled()
    assert "reviewer models" in c.models.panel.headline.text()


def test_a_and_b_side_by_side_on_the_canvas_follow_the_image_and_give_the_canvas_back(
        qtbot, settings, sample):
    window, c = open_window(qtbot, settings, sample)
    c.models.show_compare()
    panel = c.models.panel
    assert not panel.panes_button.isEnabled()
    with qtbot.waitSignal(c.models.compared, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.panes_button, Qt.MouseButton.LeftButton)
    assert window.canvas_stack.currentWidget() is c.models.panes
    a, b = c.models.panes.views
    assert [t.text() for t in c.models.panes.titles] == ["A: baseline", "B: retrained"]

    def preds(view, session):
        return sorted(o.ann_id for o in view.frame().objects if o.source == "pred"), sorted(
            int(i) for i in session.document.image_scores(c.current)[0].pred.ids)
    for view, name in ((a, "baseline"), (b, "retrained")):
        shown, expected = preds(view, c.models.sessions[["baseline", "retrained"].index(name)])
        assert shown == expected
    first = a.frame()
    with qtbot.waitSignal(c.image_shown):
        c.next_image()
    assert a.frame() is not first and a.frame().objects != first.objects
    b.zoom_in()
    assert a.transform().m11() == pytest.approx(b.transform().m11())
    c.set_view_mode("overlay")
    assert window.canvas_stack.currentWidget() is window.canvas
    assert not panel.panes_button.isChecked()


@pytest.mark.parametrize("which", ["segmentation", "lemons"])
def test_compare_and_the_two_panes_for_segmentation_and_classification(qtbot, settings,
                                                                        tmp_path, which, capsys):
    sample = copy_sample(tmp_path / "s", "segmentation" if which == "segmentation" else None)
    project = sample / "lemons" if which == "lemons" else sample
    window, c = open_window(qtbot, settings, project)
    c.models.show_compare()
    panel = c.models.panel
    with qtbot.waitSignal(c.models.compared, timeout=LOAD_TIMEOUT) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    argv = ["compare", str(project), "--json", "-q"]
    if which == "segmentation":
        argv += ["--task", "segmentation"]
    cli = _cli_json(argv, capsys)
    assert json.loads(json.dumps(blocker.args[0])) == cli
    outcomes = [panel.outcome_box.itemData(i) for i in range(panel.outcome_box.count())]
    assert ("fixed" in outcomes) == (which == "lemons")
    if which == "lemons":
        panel.outcome_box.setCurrentIndex(panel.outcome_box.findData("fixed"))
        assert panel.images.rowCount() == cli["images"]["fixed"] > 0
    qtbot.mouseClick(panel.panes_button, Qt.MouseButton.LeftButton)
    assert window.canvas_stack.currentWidget() is c.models.panes
    frames = [v.frame() for v in c.models.panes.views]
    assert all(f is not None for f in frames) and frames[0] is not frames[1]
