"""One truth on every surface: the same question answered by the CLI, the window, `stats` and
the export gives the same number, on the corrected and on the original ground truth — and that
number is the oracle's (pycocotools COCOeval on the exported / original COCO files; a numpy
confusion matrix on the exported / original label PNGs).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.core import edits
from reviewer.io.semantic import read_label_png
from reviewer.io.session import open_session
from tests import synth

from .conftest import copy_sample, open_window

JOB_TIMEOUT = 30_000


def _json(capsys, *argv) -> dict:
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def corrected(tmp_path):
    """A sample copy with detection and segmentation corrections journalled."""
    project = copy_sample(tmp_path / "project")
    with open_session(project, "detection") as s:
        doc, h = s.document, s.history
        gt = doc.gt
        a = int(gt.ids[0])
        other = int(doc.base.categories.ids[(gt.category_index[0] + 1) % len(doc.base.categories)])
        h.execute(edits.relabel(doc, a, other))
        h.execute(edits.delete(doc, int(gt.ids[5])))
        fp = int(np.flatnonzero(doc.base.pred.scores >= doc.params.score_threshold)[3])
        h.execute(edits.accept_prediction(doc, fp))
    with open_session(project, "segmentation") as s:
        doc = s.document
        for image_id in ("street_007", "street_012"):
            g, _ = doc.masks(doc.image_row(image_id))
            before = g[100:140, 60:200].copy()
            s.history.execute(C.PaintMask(image_id, 100, 60, C.encode_patch(before),
                                          C.encode_patch(np.full_like(before, 1))))
    return project


def _window_metric(qtbot, c) -> dict:
    """The status bar's dataset metric of the original and the corrected GT (name -> value)."""
    feedback = c.feedback
    qtbot.waitUntil(lambda: feedback.before is not None and feedback.job is None,
                    timeout=JOB_TIMEOUT)
    from reviewer.ui.task_view import view_of
    return view_of(c.session).metric_snapshot(c.session, with_before=True)()


def test_detection_numbers_agree_everywhere_and_equal_cocoeval(corrected, tmp_path, capsys,
                                                              qtbot, settings):
    project = corrected
    both = tmp_path / "both"
    assert main(["export", str(project), "--out", str(both), "-q"]) == 0  # every task
    out = both / "detection"
    assert (both / "segmentation" / "masks").is_dir()
    metrics = json.loads((out / "metrics.json").read_text())
    now = _json(capsys, "eval", project, "--json", "-q")
    orig = _json(capsys, "eval", project, "--json", "--original", "-q")
    stats = _json(capsys, "stats", project, "--json", "-q")
    stats_orig = _json(capsys, "stats", project, "--json", "--original", "-q")
    t = now["iou_type"]
    assert t == "segm" and now["ground_truth"] == "corrected" and orig["ground_truth"] == "original"
    # the oracle: COCOeval on the exported (corrected) file and on the original file
    preds = json.loads((project / "annotations" / "predictions.json").read_text())
    fixed = json.loads((out / "instances_gt.json").read_text())
    original = json.loads((project / "annotations" / "instances_gt.json").read_text())
    after, before = synth.oracle(fixed, preds, t).stats, synth.oracle(original, preds, t).stats
    assert now["overall"]["AP"] == pytest.approx(after[0], abs=1e-9)
    assert orig["overall"]["AP"] == pytest.approx(before[0], abs=1e-9)
    assert after[0] != pytest.approx(before[0])  # the corrections matter here
    for value in (metrics["metric_after"], stats["metric_overall"]):
        assert value == pytest.approx(after[0], abs=1e-9)
    for value in (metrics["metric_before"], stats_orig["metric_overall"]):
        assert value == pytest.approx(before[0], abs=1e-9)
    assert stats["AP50_overall"] == pytest.approx(after[1], abs=1e-9)
    # the window: status bar metric and the class-metrics panel, same numbers
    window, c = open_window(qtbot, settings, project, active=False)
    shown = _window_metric(qtbot, c)
    assert shown["after"][f"AP ({t})"] == pytest.approx(after[0], abs=1e-9)
    assert shown["before"][f"AP ({t})"] == pytest.approx(before[0], abs=1e-9)
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == "class_metrics"):
        c.show_analysis("class_metrics")
    panel = c.analysis.panels["class_metrics"].metrics
    for name, entry in now["per_class"].items():
        assert panel["after"]["per_class"][name]["AP"] == entry["AP"]
        assert panel["before"]["per_class"][name]["AP"] == orig["per_class"][name]["AP"]
    # per image: the CLI's table and the window's table hold the same error column
    csv = tmp_path / "scores.csv"
    assert main(["score", str(project), "--csv", str(csv), "-q"]) == 0
    table = pd.read_csv(csv)
    doc = c.session.document
    window_error = dict(zip(doc.table["file_name"].tolist(), doc.table["error"].tolist(),
                            strict=True))
    assert dict(zip(table["file_name"], table["error"], strict=True)) == window_error
    c.analysis.runner.cancel()
    c.analysis.runner.wait()


def _miou_oracle(gt_dir: Path, pred_dir: Path, k: int, ignore: int) -> float:
    conf = np.zeros((k, k), np.int64)
    for g in sorted(gt_dir.glob("*.png")):
        gt, pred = read_label_png(g).astype(np.int64), read_label_png(pred_dir / g.name)
        keep = (gt != ignore) & (gt < k) & (pred < k)
        conf += np.bincount(gt[keep] * k + pred[keep].astype(np.int64),
                            minlength=k * k).reshape(k, k)
    inter = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - inter
    return float(np.mean(inter[union > 0] / union[union > 0]))


def test_segmentation_numbers_agree_everywhere_and_equal_numpy(corrected, tmp_path, capsys,
                                                               qtbot, settings):
    project = corrected
    out = tmp_path / "out"
    assert main(["export", str(project), "--task", "segmentation", "--out", str(out),
                 "-q"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    now = _json(capsys, "eval", project, "--task", "segmentation", "--json", "-q")
    orig = _json(capsys, "eval", project, "--task", "segmentation", "--json", "--original", "-q")
    stats = _json(capsys, "stats", project, "--task", "segmentation", "--json", "-q")
    names = json.loads((project / "semantic" / "classes.json").read_text())
    k = len(names)
    sem = project / "semantic"
    after = _miou_oracle(out / "masks", sem / "pred", k, 255)
    before = _miou_oracle(sem / "gt", sem / "pred", k, 255)
    assert after != pytest.approx(before)
    for value in (now["miou"], metrics["metric_after"], stats["metric_overall"]):
        assert value == pytest.approx(after, abs=1e-12)
    for value in (orig["miou"], metrics["metric_before"]):
        assert value == pytest.approx(before, abs=1e-12)
    window, c = open_window(qtbot, settings, project, active=False)
    with qtbot.waitSignal(c.loaded, timeout=JOB_TIMEOUT):
        c.switch_task("segmentation")
    shown = _window_metric(qtbot, c)
    assert shown["after"]["mIoU"] == pytest.approx(after, abs=1e-12)
    assert shown["before"]["mIoU"] == pytest.approx(before, abs=1e-12)
    c.analysis.runner.cancel()
    c.analysis.runner.wait()
