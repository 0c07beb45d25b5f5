"""End to end: fix the sample project's planted label errors in the window, then export.

The unlabeled road of street_007 (segmentation: copy the prediction inside a polygon around the
road) and the camper van of street_012 (detection: accept the confident unmatched vehicle
prediction with the A key). The exported COCO file is read back with pycocotools, the exported
label PNG with numpy / PIL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from reviewer.app import sample_project
from reviewer.io.export import export
from reviewer.io.session import open_session

from .test_mask_tools import (
    ROAD,
    click_polygon,
    open_app,
    polygon_inside,
    show,
    use,
    vp,
)

VAN_SCORE = 0.5


def _copy(tmp_path, name: str, task: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(sample_project(), dst, ignore=shutil.ignore_patterns("review.sqlite*"))
    config = json.loads((dst / "reviewer.json").read_text())
    config["default_task"] = task
    (dst / "reviewer.json").write_text(json.dumps(config))
    return dst


def _fix_road(qtbot, settings, project, out: Path):  # noqa: F811
    window, c = open_app(qtbot, settings, project)
    view, row = window.canvas, show(c, "street_007")
    gt0, pred = (a.copy() for a in c.session.document.masks(row))
    assert np.count_nonzero(gt0 == ROAD) == 0 and np.count_nonzero(pred == ROAD) > 1000
    use(c, "copy_prediction", ROAD)  # default mode: only pixels without a label change
    polygon = [(0.0, 190.0), (640.0, 190.0), (640.0, 360.0), (0.0, 360.0)]
    seen = [(p.x(), p.y()) for p in (view.mapToScene(vp(view, x, y)) for x, y in polygon)]
    click_polygon(view, polygon)
    assert c.session.history.index == 1
    message = c.window.statusBar().currentMessage()
    assert message.startswith("Copied the prediction: ") and "unlabeled → road" in message
    result = export(c.session, out)
    window.close()
    return result, gt0, pred, seen


def _accept_van(qtbot, settings, project, out: Path):  # noqa: F811
    window, c = open_app(qtbot, settings, project)
    view, row = window.canvas, show(c, "street_012")
    vans = [o for o in c.frame.objects if o.source == "pred" and o.status == "fp"
            and o.class_name == "vehicle" and o.score >= VAN_SCORE]
    assert len(vans) == 1
    van = vans[0]
    doc = c.session.document
    errors_before = int(doc.table["error"][row])
    c.tools.toolbar.actions_by_tool["select"].trigger()
    c.tools.select(van.key)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_A)
    assert c.session.history.index == 1
    errors_after = int(doc.table["error"][row])
    assert errors_after == errors_before - 1
    assert c.feedback.score_label.text().startswith(
        f"Image: errors {errors_before} → {errors_after} · F1 ")
    result = export(c.session, out)
    window.close()
    return result, van


def test_fix_unlabeled_road_and_camper_van_then_export(qtbot, settings, tmp_path):  # noqa: F811
    seg_out, det_out = tmp_path / "out_seg", tmp_path / "out_det"
    _, gt0, pred, polygon = _fix_road(qtbot, settings, _copy(tmp_path, "seg", "segmentation"),
                                      seg_out)
    exported = np.asarray(Image.open(seg_out / "masks" / "street_007.png"))
    assert exported.shape == gt0.shape
    inside = polygon_inside(gt0.shape, polygon, -1.5)
    unlabeled = (gt0 == 0) | (gt0 == 255)
    road = inside & (pred == ROAD) & unlabeled
    assert road.sum() > 1000 and np.all(exported[road] == ROAD)
    outside = ~polygon_inside(gt0.shape, polygon, 1.5)
    assert np.array_equal(exported[outside], gt0[outside])
    labelled = ~unlabeled  # correct labels inside the outline stay: no model output leaks in
    assert np.array_equal(exported[labelled], gt0[labelled])
    assert np.count_nonzero(labelled & inside & (pred != gt0)) > 100  # there were some to keep

    _, van = _accept_van(qtbot, settings, _copy(tmp_path, "det", "detection"), det_out)
    coco = COCO(str(det_out / "instances_gt.json"))
    image = next(i for i in coco.dataset["images"] if Path(i["file_name"]).stem == "street_012")
    accepted = [a for a in coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
                if a.get("accepted_from_prediction")]
    assert len(accepted) == 1
    vehicle = next(c["id"] for c in coco.dataset["categories"] if c["name"] == "vehicle")
    assert accepted[0]["category_id"] == vehicle
    assert accepted[0]["bbox"] == pytest.approx(list(van.box), abs=1e-6)


def test_two_task_project_reopens_its_other_task_after_an_edit(qtbot, settings,  # noqa: F811
                                                                tmp_path):
    project = _copy(tmp_path, "both", "segmentation")
    _fix_road(qtbot, settings, project, tmp_path / "out")
    with open_session(project, "detection", read_only=True) as session:
        assert session.data.task == "detection"
