"""The window refuses another dataset's predictions with the same one-line message as the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from reviewer.app import build
from reviewer.ui.dialogs.factory import HeadlessDialogs
from tests.ui.conftest import LOAD_TIMEOUT, copy_sample

VOC_RESULTS = (Path(__file__).resolve().parents[1] / "data" / "voc2012_det100" / "derived"
               / "coco_dets_results_aligned_to_instances_v1_cvat.json")


def test_predictions_of_another_dataset_show_the_message_instead_of_opening(
        qtbot, settings, tmp_path):
    project = copy_sample(tmp_path / "sample")
    shutil.copy(VOC_RESULTS, project / "annotations" / "predictions.json")
    dialogs = HeadlessDialogs()
    window, c = build(str(project), settings, dialogs)
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.load_failed, timeout=LOAD_TIMEOUT) as blocker:
        pass
    assert "predictions.json: these predictions do not belong to" in blocker.args[0]
    assert "185 of its 452 predictions name an image_id" in blocker.args[0]
    kind, title, text = dialogs.shown[-1][:3]
    assert (kind, title) == ("error", "Cannot open project") and "do not belong to" in text
    assert c.session is None
