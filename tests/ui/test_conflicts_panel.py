"""The Conflicts dock: corrections set aside after the GT file changed, resolved in the window."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from reviewer.core import edits
from reviewer.io.session import open_session

from .conftest import copy_sample, drop_masks, open_window


def _changed_project(tmp_path):
    """A boxes-only sample copy with three corrections, then a GT file edited elsewhere: one
    moved object's box changed, one relabelled object removed."""
    project = drop_masks(copy_sample(tmp_path / "project"))
    gt_path = project / "annotations" / "instances_gt.json"
    gt = json.loads(gt_path.read_text())
    a, b, c = gt["annotations"][:3]
    other = next(k["id"] for k in gt["categories"] if k["id"] != a["category_id"])
    with open_session(project) as s:
        s.history.execute(edits.relabel(s.document, a["id"], other))
        s.history.execute(edits.move_box(s.document, b["id"], [2.0, 3.0, 40.0, 50.0]))
        s.history.execute(edits.delete(s.document, c["id"]))
    gt["annotations"] = [x for x in gt["annotations"] if x["id"] != a["id"]]
    next(x for x in gt["annotations"] if x["id"] == b["id"])["bbox"][0] += 5
    gt_path.write_text(json.dumps(gt))
    return project, a, b


def test_conflicts_are_listed_on_opening_and_resolved_in_the_dock(qtbot, settings, tmp_path):
    project, a, b = _changed_project(tmp_path)
    window, c = open_window(qtbot, settings, project)
    panel, dock = window.conflicts_panel, window.docks["conflicts"]
    assert dock.isVisible() and panel.count() == 2
    assert "set aside" in window.statusBar().currentMessage()
    rows = {panel.tree.topLevelItem(i).text(4): panel.tree.topLevelItem(i) for i in range(2)}
    assert set(rows) == {"relabel", "move box"}
    # re-apply the move: the box lands where the reviewer put it, as a new history entry
    panel.tree.setCurrentItem(rows["move box"])
    qtbot.mouseClick(panel.reapply_button, Qt.MouseButton.LeftButton)
    assert c.session.document.gt_object(b["id"])["bbox"] == [2.0, 3.0, 40.0, 50.0]
    assert panel.count() == 1 and c.actions["undo"].isEnabled()
    # the relabelled object is gone: re-applying is refused with a message, dropping works
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.mouseClick(panel.reapply_button, Qt.MouseButton.LeftButton)
    assert c.dialogs.shown[-1][:2] == ("error", "Cannot re-apply")
    qtbot.mouseClick(panel.drop_all_button, Qt.MouseButton.LeftButton)
    assert panel.count() == 0 and not dock.isVisible()
    with open_session(project, read_only=True) as s:
        resolutions = sorted(e.resolution.split()[0] for e in s.store.conflicts(True))
    assert resolutions == ["dropped", "re-applied"]
