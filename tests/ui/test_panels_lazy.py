"""Analysis panels are built when first shown, not when a project opens (issue 15: the ADE20K
sample with 150 classes took ~44 s to open while panels were drawn eagerly).

Real windows (pytest-qt, no sleeps) on a copy of the sample project and on the ADE20K sample of
tests/data; the figures a panel shows once built are checked against the engine (the document's
confusion matrix, ``session_metrics``) and, for ADE20K, against a confusion matrix counted here
with numpy from the PNG files. The heat map's painted pixels are checked against its cell colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from reviewer.cli import main
from reviewer.core import reports
from reviewer.ui.analysis.class_metrics_panel import ClassMetricsPanel
from reviewer.ui.analysis.common import column_values
from reviewer.ui.analysis.confusion_panel import ConfusionPanel
from reviewer.ui.analysis.heatmap import HOT, ConfusionHeatmap
from reviewer.ui.analysis.links import PANELS

from .conftest import copy_sample, open_window

ADE = Path(__file__).resolve().parents[1] / "data" / "ade20k_sample"
JOB_TIMEOUT = 30_000
PANEL_CLASSES = tuple(cls for _, _, cls in PANELS)


def _panel_widgets(window) -> list:
    return [w for cls in PANEL_CLASSES for w in window.findChildren(cls)]


def _close(c) -> None:
    c.analysis.runner.cancel()
    c.analysis.runner.wait()


@pytest.fixture
def sample(qtbot, settings, tmp_path):
    window, c = open_window(qtbot, settings, copy_sample(tmp_path / "project"), active=False)
    yield window, c
    _close(c)


@pytest.fixture
def ade(qtbot, settings, tmp_path):
    project = tmp_path / "ade"
    assert main(["init", str(project), "--images", str(ADE / "images"), "--gt",
                 str(ADE / "annotations"), "--pred", str(ADE / "predictions"), "--classes",
                 str(ADE / "objectInfo150.txt"), "--ignore-index", "0", "-q"]) == 0
    window, c = open_window(qtbot, settings, project, active=False)
    yield window, c
    _close(c)


def test_opening_a_project_builds_no_analysis_panel(sample):
    window, c = sample
    assert c.frame is not None and c.session is not None
    assert c.analysis.built() == set()
    assert _panel_widgets(window) == []
    assert all(dock.widget() is None and not dock.isVisible() for dock in c.analysis.docks.values())
    assert not c.analysis.runner.jobs  # nothing computed for panels no one looks at


def test_a_panel_is_built_and_filled_when_shown_and_only_that_one(sample, qtbot):
    window, c = sample
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "confusion"):
        c.show_analysis("confusion")
    assert c.analysis.built() == {"confusion"}
    panel = c.analysis.panels["confusion"]
    assert isinstance(panel, ConfusionPanel) and panel.isVisible()
    assert window.findChildren(ConfusionPanel) == [panel]
    assert window.findChildren(ClassMetricsPanel) == []
    assert np.array_equal(panel.heatmap.matrix, c.session.document.confusion())  # the engine's
    assert not panel.header.busy.isVisible()


def test_a_dock_made_visible_by_its_menu_entry_builds_and_fills_its_panel(sample, qtbot):
    window, c = sample
    dock = c.analysis.docks["class_metrics"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "class_metrics"):
        dock.toggleViewAction().trigger()  # View ▸ Panels ▸ Per-Class Metrics
    panel = c.analysis.panels["class_metrics"]
    assert dock.widget() is panel and isinstance(panel, ClassMetricsPanel)
    assert c.analysis.built() == {"class_metrics"}
    doc = c.session.document
    oracle = reports.detection_eval(doc.dataset(), doc.params)  # what `reviewer eval` prints
    block = oracle["by_iou_type"][doc.params.iou_type]["per_class"]
    after, gt = column_values(panel.table, 2), column_values(panel.table, 6)
    assert oracle["per_class"] and set(after) == set(oracle["per_class"])
    for name, entry in oracle["per_class"].items():
        assert after[name] == pytest.approx(block[name]["AP"])
        assert gt[name] == entry["gt"]


def test_a_panel_tabbed_behind_another_is_built_when_its_tab_is_raised(sample, qtbot):
    window, c = sample
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "confusion"):
        c.show_analysis("confusion")
    tag_dock = c.analysis.docks["tag_stats"]
    tag_dock.setVisible(True)  # a tab behind the confusion matrix: shown but not on screen
    c.analysis.docks["confusion"].raise_()
    qtbot.waitUntil(lambda: c.analysis.docks["confusion"].widget().isVisible())
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "tag_stats"):
        tag_dock.raise_()  # the user clicks its tab
    assert {"confusion", "tag_stats"} <= c.analysis.built()
    assert c.analysis.panels["tag_stats"].isVisible()


@pytest.mark.realdata
def test_ade20k_opens_without_panels_and_its_confusion_matches_the_pixels(ade, qtbot):
    window, c = ade
    assert c.analysis.built() == set() and _panel_widgets(window) == []
    names = c.class_names()
    assert len(names) == 151
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "confusion"):
        c.show_analysis("confusion")
    heat = c.analysis.panels["confusion"].heatmap
    k = len(names)
    oracle = np.zeros((k, k + 1), np.int64)  # GT rows, predicted columns + void
    for gt_file in sorted((ADE / "annotations").glob("*.png")):
        gt = np.asarray(Image.open(gt_file), np.int64)
        pred = np.asarray(Image.open(ADE / "predictions" / gt_file.name), np.int64)
        keep = gt != 0  # 0 = "other", ignored
        oracle += np.bincount(gt[keep] * (k + 1) + pred[keep],
                              minlength=k * (k + 1)).reshape(k, k + 1)
    assert heat.matrix.shape == oracle.shape
    np.testing.assert_array_equal(heat.matrix, oracle)
    assert heat.rows == names and heat.columns == names + ["void"]
    assert np.count_nonzero(np.diag(heat.matrix)) == 15  # the 15 classes present


def test_heat_map_pixels_are_the_cell_colours(qtbot):
    """The cells drawn from one image: each painted cell has the colour of its share of the
    row (zero cells the background), at 6-pixel cells (150 classes) and at 30-pixel cells."""
    rng = np.random.default_rng(5)
    for n, size in ((150, 1400), (5, 400)):
        heat = ConfusionHeatmap()
        qtbot.addWidget(heat)
        heat.resize(size, size)
        m = rng.integers(0, 50, (n, n)) * (rng.random((n, n)) < 0.2)
        m[np.arange(n), np.arange(n)] += 100
        m[1] = 0  # an empty row
        heat.set_matrix(m, [f"c{i}" for i in range(n)], [f"c{i}" for i in range(n)])
        image = heat.grab().toImage()
        base = heat.palette().color(QPalette.ColorRole.Base)
        _, _, cell = heat._layout()
        assert cell >= 6
        for r, j in [(0, 0), (1, 3), (n - 1, n - 1), (2, 4), (n // 2, n // 3)]:
            centre = heat.cell_rect(r, j).center().toPoint()
            share = m[r, j] / m[r].sum() if m[r].sum() else 0.0
            # oracle: the base colour mixed toward HOT by share ** 0.6 (zero cells: the base)
            want = [int(b + (h - b) * share ** 0.6) for b, h in
                    ((base.red(), HOT.red()), (base.green(), HOT.green()), (base.blue(), HOT.blue()))]
            assert heat.cell_color(r, j).getRgb()[:3] == tuple(want)
            got = QColor(image.pixel(centre.x() + 1, centre.y() + 1)) if n > 5 else None
            if got is not None:  # small cells: no count written over the centre
                assert got.getRgb()[:3] == tuple(want), (r, j)
        heat.set_errors_only(True)  # the diagonal greyed, rows normalised without it
        mid = heat.palette().color(QPalette.ColorRole.Mid)
        assert heat.cell_color(0, 0).getRgb()[:3] == tuple(
            int(b + (g - b) * 0.35) for b, g in ((base.red(), mid.red()),
                                                 (base.green(), mid.green()),
                                                 (base.blue(), mid.blue())))
        r = next(r for r in range(n) if m[r].sum() - m[r, r] > 0)
        j = int(np.argmax(np.where(np.arange(n) == r, -1, m[r])))
        assert heat.cell_color(r, j).getRgb()[:3] == tuple(
            int(b + (h - b) * (m[r, j] / (m[r].sum() - m[r, r])) ** 0.6)
            for b, h in ((base.red(), HOT.red()), (base.green(), HOT.green()),
                         (base.blue(), HOT.blue())))


@pytest.mark.realdata
def test_ade20k_class_lists_can_be_searched(ade, qtbot):
    """151 classes: the layers panel's list filters by name (All / None act on the rows
    listed), the filter bar's class box completes typed text."""
    window, c = ade
    names = c.class_names()
    section = c.panels.layers.gt
    box = section.class_filter
    assert box.isVisible()
    qtbot.keyClicks(box, "SKY")
    listed = [section.class_list.topLevelItem(i).text(0) for i in range(len(names))
              if not section.class_list.topLevelItem(i).isHidden()]
    assert listed == [n for n in names if "sky" in n.casefold()] == ["sky", "skyscraper"]
    with qtbot.waitSignal(c.panels.layers.layers_changed, timeout=5_000):
        qtbot.mouseClick(section.none_button, Qt.MouseButton.LeftButton)
    hidden = {names.index("sky"), names.index("skyscraper")}
    assert c.layers.gt.classes == frozenset(set(range(len(names))) - hidden)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == ""
    assert all(not section.class_list.topLevelItem(i).isHidden() for i in range(len(names)))

    bar = window.filter_bar
    edit = bar.class_name.lineEdit()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.clear()
    qtbot.keyClicks(edit, "Sky")
    completer = bar.class_name.completer()
    assert completer.filterMode() == Qt.MatchFlag.MatchContains
    assert {completer.completionModel().index(i, 0).data()
            for i in range(completer.completionCount())} == {"sky", "skyscraper"}
    with qtbot.waitSignal(bar.filter_changed, timeout=5_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert bar.value().class_name == "sky"
    qtbot.waitUntil(lambda: not edit.hasFocus())  # R, S, 1-9 are the window's again
    k = names.index("sky")
    oracle = sorted(i for i, f in enumerate(sorted((ADE / "annotations").glob("*.png")))
                    if (np.asarray(Image.open(f)) == k).any())
    qtbot.waitUntil(lambda: sorted(c.model.order.tolist()) == oracle)
    edit.selectAll()
    qtbot.keyClicks(edit, "no such class")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.text() == "sky" and bar.value().class_name == "sky"  # put back


@pytest.mark.realdata
def test_ade20k_per_class_metrics_filter_by_name(ade, qtbot):
    window, c = ade
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "class_metrics"):
        c.show_analysis("class_metrics")
    panel = c.analysis.panels["class_metrics"]
    table = panel.table
    assert table.rowCount() >= 150
    qtbot.keyClicks(panel.filter, "Sky")
    shown = [table.item(r, 0).text() for r in range(table.rowCount()) if not table.isRowHidden(r)]
    assert shown == [table.item(r, 0).text() for r in range(table.rowCount())
                     if "sky" in table.item(r, 0).text().casefold()]
    assert set(shown) == {"sky", "skyscraper"}
    qtbot.keyClick(panel.filter, Qt.Key.Key_Escape)
    assert not any(table.isRowHidden(r) for r in range(table.rowCount()))
