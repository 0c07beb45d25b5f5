"""Analysis panels and the export dialog on a copy of the sample project (pytest-qt, offscreen).

Every expected figure comes from an oracle computed in the test: ``stats_payload`` and
``reviewer stats --json`` for the tag statistics, the document's confusion pairs (or each image's
dense pixel confusion) for a cell's images, ``reports.detection_eval`` / ``semantic_eval`` on the
slice's rows. Waits are signals or conditions, never sleeps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from reviewer import cli
from reviewer.core import reports
from reviewer.core.commands import SetImageTags
from reviewer.io.stats import stats_payload
from reviewer.ui.analysis.common import VALUE_ROLE, column_values

from .conftest import copy_sample, open_window

LOAD_TIMEOUT = 30_000
JOB_TIMEOUT = 30_000
TAGGED = {"occlusion": (0, 3, 5, 8, 13, 21), "faded marking": (3, 4, 30)}


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_sample(tmp_path / "project")


@pytest.fixture
def window(qtbot, settings, project):
    window, c = open_window(qtbot, settings, project, active=False)
    yield window, c
    c.analysis.runner.cancel()
    c.analysis.runner.wait()


def _tag_images(c, tags=TAGGED) -> None:
    """Tag image rows through commands (as the tags panel does)."""
    store = c.session.store
    for name, rows in tags.items():
        for row in rows:
            key = c.image_id(row)
            before = tuple(sorted(store.image_tags(key)))
            c.execute(SetImageTags(key, before, tuple(sorted(set(before) | {name}))))


def _show(qtbot, c, name: str) -> None:
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == name):
        c.show_analysis(name)


def _switch_to_segmentation(qtbot, c) -> None:
    with qtbot.waitSignal(c.loaded, timeout=LOAD_TIMEOUT):
        c.switch_task("segmentation")


def _close(c) -> None:
    c.analysis.runner.wait()
    c.window.close()
    assert c.session is None


# --- tag statistics -------------------------------------------------------------------------
def test_tag_statistics_match_stats_payload_and_cli(window, qtbot, project, capsys):
    w, c = window
    _show(qtbot, c, "tag_stats")
    panel = c.analysis.panels["tag_stats"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "tag_stats"):
        _tag_images(c)  # history applied -> debounced recompute of the visible panel
    oracle = stats_payload(c.session)
    assert panel.payload == oracle
    assert oracle["tags"]["occlusion"]["images"] == len(TAGGED["occlusion"])
    panel.show_unused.setChecked(True)  # every tag of the payload, the unused ones too
    for key in ("images", "share_of_images", "share_of_errors", "error_rate", "metric",
                "metric_overall", "room_for_improvement"):
        shown = column_values(panel.table, panel.column_of(key))
        assert shown == {t: e[key] for t, e in oracle["tags"].items()}, key
    _close(c)
    assert cli.main(["stats", str(project), "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    assert from_cli["tags"] == json.loads(json.dumps(oracle["tags"]))
    assert from_cli["metric_overall"] == oracle["metric_overall"]


def test_reviewed_only_toggle_recomputes_over_reviewed_images(window, qtbot):
    w, c = window
    _show(qtbot, c, "tag_stats")
    panel = c.analysis.panels["tag_stats"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "tag_stats"):
        panel.reviewed_only.setChecked(True)
    assert panel.payload == stats_payload(c.session, reviewed_only=True)
    assert panel.payload["population"] == "reviewed"


def test_clicking_a_tag_filters_the_image_table_to_it(window, qtbot):
    w, c = window
    _show(qtbot, c, "tag_stats")
    panel = c.analysis.panels["tag_stats"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "tag_stats"):
        _tag_images(c)
    row = next(r for r in range(panel.table.rowCount())
               if panel.table.item(r, 0).text() == "occlusion")
    rect = panel.table.visualItemRect(panel.table.item(row, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.filter_bar.value().tag == "occlusion"
    assert sorted(c.model.order.tolist()) == sorted(TAGGED["occlusion"])


# --- confusion matrix -----------------------------------------------------------------------
def _click_cell(qtbot, c, r: int, j: int) -> None:
    heat = c.analysis.panels["confusion"].heatmap
    heat.parentWidget().parentWidget().ensureVisible(*heat.cell_center(r, j).toTuple())
    qtbot.mouseClick(heat, Qt.MouseButton.LeftButton, pos=heat.cell_center(r, j))


def test_confusion_cell_click_filters_table_to_the_cells_images(window, qtbot):
    w, c = window
    _show(qtbot, c, "confusion")
    doc = c.session.document
    heat = c.analysis.panels["confusion"].heatmap
    assert np.array_equal(heat.matrix, doc.confusion())
    k = len(doc.base.categories)
    pairs = doc.pairs
    # the off-diagonal cell with most errors, e.g. "GT person predicted as background"
    off = [(int(heat.matrix[r, j]), r, j) for r in range(k + 1) for j in range(k + 1) if r != j]
    _, r, j = max(off)
    oracle = set(pairs["image"][(pairs["gt_class"] == r) & (pairs["pred_class"] == j)].tolist())
    _click_cell(qtbot, c, r, j)
    assert set(c.model.order.tolist()) == oracle
    chip = w.filter_bar.subset_chip
    assert chip.isVisible() and f"({len(oracle)} images)" in chip.text()
    assert f"{heat.rows[r]} → {heat.columns[j]}" in chip.text()
    assert c.layers.view_mode == "errors"
    assert c.current in oracle
    sub, scores = doc.image_scores(c.current)
    sel = (scores.pairs["gt_class"] == r) & (scores.pairs["pred_class"] == j)
    expected = {("gt", int(sub.gt.ids[g])) for g in scores.pairs["gt_row"][sel] if g >= 0}
    expected |= {("pred", int(sub.pred.ids[p])) for p in scores.pairs["pred_row"][sel] if p >= 0}
    assert expected and set(c.analysis.highlight_cell()) == expected
    text = heat.cell_text(r, j)
    assert heat.rows[r] in text and heat.columns[j] in text and str(int(heat.matrix[r, j])) in text
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert c.model.rowCount() == 48 and not chip.isVisible()


def test_segmentation_confusion_cell_lists_images_whose_pixel_confusion_has_it(window, qtbot):
    w, c = window
    _switch_to_segmentation(qtbot, c)
    _show(qtbot, c, "confusion")
    doc = c.session.document
    heat = c.analysis.panels["confusion"].heatmap
    assert np.array_equal(heat.matrix, doc.stack.total())
    n = len(doc.table["image_id"])
    dense = [doc.stack.dense(i) for i in range(n)]
    k = heat.matrix.shape[0]
    counts = [(sum(d[r, j] > 0 for d in dense), r, j) for r in range(k) for j in range(k)
              if r != j]
    _, r, j = max(c for c in counts if c[0] < n)  # a cell that is not in every image
    oracle = {i for i in range(n) if dense[i][r, j] > 0}
    _click_cell(qtbot, c, r, j)
    assert set(c.model.order.tolist()) == oracle


# --- slices ---------------------------------------------------------------------------------
def test_tag_slice_metrics_equal_detection_eval_on_those_rows(window, qtbot):
    w, c = window
    _tag_images(c)
    _show(qtbot, c, "slices")
    panel = c.analysis.panels["slices"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "slices"):
        panel.choose("tag", "occlusion")
    doc = c.session.document
    rows = np.array(sorted(TAGGED["occlusion"]))
    oracle = reports.detection_eval(doc.dataset(), doc.params, image_rows=rows)
    whole = reports.detection_eval(doc.dataset(), doc.params)
    part = oracle["by_iou_type"][doc.params.iou_type]
    everything = whole["by_iou_type"][doc.params.iou_type]
    result = panel.result
    assert result["images"] == len(rows)
    assert result["overall"][0] == pytest.approx(part["overall"]["AP"])
    assert result["overall"][1] == pytest.approx(everything["overall"]["AP"])
    shown = column_values(panel.table, 1)
    assert shown["All classes"] == pytest.approx(part["overall"]["AP"])
    for name, entry in part["per_class"].items():
        assert shown[name] == (pytest.approx(entry["AP"]) if entry["AP"] is not None else None)
    present = doc.class_counts["gt"] + doc.class_counts["tp"] + doc.class_counts["fp"] > 0
    images = column_values(panel.table, panel.table.columnCount() - 2)
    for k, name in enumerate(doc.base.categories.names):
        assert images[str(name)] == int(present[rows, k].sum())


def test_class_slice_metrics_equal_semantic_eval(window, qtbot):
    w, c = window
    _switch_to_segmentation(qtbot, c)
    _show(qtbot, c, "slices")
    panel = c.analysis.panels["slices"]
    doc = c.session.document
    name = "person"
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "slices"):
        panel.choose("class", name)
    rows = np.flatnonzero(~np.isnan(np.asarray(doc.table[f"iou_{name}"], np.float64)))
    oracle = reports.semantic_eval(doc.stack, doc.class_names, doc.ignore_index, image_rows=rows)
    assert panel.result["images"] == len(rows) > 0
    shown = column_values(panel.table, 1)
    assert shown["All classes"] == pytest.approx(oracle["miou"])
    for cls, entry in oracle["per_class"].items():
        assert shown[cls] == (pytest.approx(entry["iou"]) if entry["iou"] is not None else None)


def test_filter_slice_uses_the_rows_the_table_lists(window, qtbot):
    w, c = window
    _show(qtbot, c, "slices")
    w.filter_bar.status.setCurrentIndex(w.filter_bar.status.findData("unreviewed"))
    w.filter_bar.text.setText("street_01")
    w.filter_bar._emit()
    listed = np.sort(c.model.order)
    assert 0 < len(listed) < 48
    panel = c.analysis.panels["slices"]
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "slices"):
        panel.choose("filter")
    doc = c.session.document
    oracle = reports.detection_eval(doc.dataset(), doc.params, image_rows=listed)
    block = oracle["by_iou_type"][doc.params.iou_type]
    assert panel.result["images"] == len(listed)
    assert panel.result["overall"][2] == pytest.approx(block["overall"]["AP50"])


# --- per-class metrics and PR curves --------------------------------------------------------
def test_class_metrics_show_engine_ap_and_counts(window, qtbot):
    w, c = window
    _show(qtbot, c, "class_metrics")
    panel = c.analysis.panels["class_metrics"]
    doc = c.session.document
    oracle = reports.detection_eval(doc.dataset(), doc.params)
    block = oracle["by_iou_type"][doc.params.iou_type]
    after, gt = column_values(panel.table, 2), column_values(panel.table, 6)
    for name, entry in oracle["per_class"].items():
        assert after[name] == pytest.approx(block["per_class"][name]["AP"])
        assert gt[name] == entry["gt"]


def test_pr_curves_panel_draws_engine_curves(window, qtbot):
    from reviewer.core.curves import pr_curves
    w, c = window
    _show(qtbot, c, "pr")
    panel = c.analysis.panels["pr"]
    doc = c.session.document
    p = doc.params
    oracle = pr_curves(doc.dataset(), p.iou_threshold, p.score_threshold, p.iou_type,
                       rles=doc.rles() if p.iou_type == "segm" else None)
    assert [cv.ap for cv in panel.curves] == pytest.approx([cv.ap for cv in oracle], nan_ok=True)
    assert panel.chart.figure is not None and panel.chart.figure.axes
    assert panel.shown_classes()


# --- export ---------------------------------------------------------------------------------
def test_export_dialog_writes_report_and_opens_it(window, qtbot, tmp_path):
    w, c = window
    opened = []
    c.url_opener = opened.append
    c.actions["export"].trigger()
    dialog = c.export_dialog
    qtbot.addWidget(dialog)
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    assert dialog.all_tasks.isChecked() and "segmentation" in dialog.all_tasks.text()
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    report = out / "detection" / "report.html"
    assert report.is_file() and (out / "detection" / "metrics.json").is_file()
    assert (out / "segmentation" / "masks").is_dir()
    assert [u.toLocalFile() for u in opened] == [str(report)]
    assert dialog.result.images == 48


def test_export_dialog_exports_the_shown_task_alone_on_request(window, qtbot, tmp_path):
    w, c = window
    c.url_opener = [].append
    c.actions["export"].trigger()
    dialog = c.export_dialog
    qtbot.addWidget(dialog)
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.all_tasks.setChecked(False)
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (out / "report.html").is_file() and not (out / "segmentation").exists()


def test_export_dialog_reports_a_non_empty_folder(window, qtbot, tmp_path):
    w, c = window
    opened = []
    c.url_opener = opened.append
    c.actions["export"].trigger()
    dialog = c.export_dialog
    qtbot.addWidget(dialog)
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    dialog.folder.setText(str(out))
    with qtbot.waitSignal(dialog.export_failed, timeout=60_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (out / "keep.txt").read_text() == "mine" and not opened
    assert "failed" in dialog.stage.text() and dialog.export_button.isEnabled()


# --- start-up -------------------------------------------------------------------------------
def test_matplotlib_is_imported_only_when_a_chart_is_shown(project, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import QEventLoop, QSettings, QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from reviewer.app import build
        from reviewer.ui.dialogs.factory import HeadlessDialogs
        from reviewer.ui.settings import Settings

        settings = Settings(QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat))
        w, c = build({str(project)!r}, settings, HeadlessDialogs())
        w.show()
        loop = QEventLoop()
        c.loaded.connect(loop.quit)
        QTimer.singleShot(30000, loop.quit)
        loop.exec()
        assert c.session is not None, "project not loaded"
        print("before", "matplotlib" in sys.modules)
        c.analysis.refreshed.connect(lambda name: loop.quit())
        c.show_analysis("tag_stats")
        loop.exec()
        print("after", "matplotlib" in sys.modules)
        c.analysis.runner.wait()
        w.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(("before", "after"))]
    assert lines == ["before False", "after True"]


def test_window_modules_do_not_import_matplotlib():
    code = ("import sys, reviewer.ui.main_window, reviewer.ui.controller; "
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_value_role_holds_raw_numbers(window, qtbot):
    w, c = window
    _show(qtbot, c, "class_metrics")
    item = c.analysis.panels["class_metrics"].table.item(0, 6)
    assert isinstance(item.data(VALUE_ROLE), int)


def test_export_dialog_cancel_stops_the_background_export(window, qtbot, tmp_path, monkeypatch):
    import threading

    import reviewer.io.export as export_module
    started = threading.Event()

    def endless(session, out, *args):
        progress = args[3]
        started.set()
        for _ in range(10_000_000):  # ends only by cancellation (progress raises)
            progress("metrics", 0, 1)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(export_module, "export", endless)
    w, c = window
    c.url_opener = lambda url: pytest.fail("nothing to open after a cancel")
    c.actions["export"].trigger()
    dialog = c.export_dialog
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "out"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: started.is_set() and dialog.progress.isVisible())
    with qtbot.waitSignal(dialog.export_cancelled, timeout=10_000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None and not dialog.progress.isVisible()
    assert dialog.export_button.isEnabled() and "cancelled" in dialog.stage.text()
