"""File ▸ Export… writes the formats ticked and shows what each could not hold (the loss
report) in its result text."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from reviewer.io.project import new_project, save_project
from reviewer.io.session import open_session
from reviewer.ui.dialogs.export_dialog import ExportDialog
from tests.formats.helpers import VOC, stand_in_images


def test_ticked_formats_are_written_and_their_losses_shown(qtbot, tmp_path):
    gt = json.loads((VOC / "gt/instances_v1_cvat.json").read_text())
    images = stand_in_images(gt, tmp_path / "images", fmt="JPEG")
    project = new_project(tmp_path / "proj", images, "detection",
                          {"gt": VOC / "gt/pascalvoc_xml", "classes": VOC / "voc.names"})
    save_project(project)
    opened = []
    with open_session(project.root) as session:
        dialog = ExportDialog(session, url_opener=opened.append)
        qtbot.addWidget(dialog)
        dialog.folder.setText(str(tmp_path / "out"))
        assert dialog.formats["coco"].isChecked() and not dialog.formats["yolo"].isChecked()
        dialog.formats["yolo"].setChecked(True)
        dialog.report.setChecked(False)
        with qtbot.waitSignal(dialog.exported, timeout=60000) as blocker:
            QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        result = blocker.args[0]
    text = dialog.stage.text()
    assert "yolo: 235 objects in 100 images; lost: " in text and "crowd flag (38 objects)" in text
    assert "coco: 273 objects in 100 images; nothing lost" in text
    loss = json.loads((result.out / "loss_report.json").read_text())["formats"]
    assert set(loss) == {"coco", "yolo"}
    assert {x["what"]: x["objects"] for x in loss["yolo"]["lost"]}["crowd flag"] == 38
    assert len(list((result.out / "yolo" / "labels").glob("*.txt"))) == 100
