"""Shared fixtures of the window tests: isolated QSettings and copies of the sample project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from reviewer.app import sample_project
from reviewer.ui.settings import Settings


def copy_sample(dst: Path, default_task: str | None = None) -> Path:
    """A copy of the bundled sample project at ``dst`` (never the repo's own folder), without a
    review store; optionally opening on another task."""
    shutil.copytree(sample_project(), dst, ignore=shutil.ignore_patterns("review.sqlite*"))
    if default_task is not None:
        config = json.loads((dst / "reviewer.json").read_text())
        config["default_task"] = default_task
        (dst / "reviewer.json").write_text(json.dumps(config))
    return dst


def drop_masks(dst: Path) -> Path:
    """Remove every instance mask of a sample-project copy (boxes only, scored by box IoU)."""
    for name in ("instances_gt.json", "predictions.json"):
        path = dst / "annotations" / name
        data = json.loads(path.read_text())
        for ann in data["annotations"] if isinstance(data, dict) else data:
            ann.pop("segmentation", None)
        path.write_text(json.dumps(data))
    return dst


@pytest.fixture
def settings(tmp_path) -> Settings:
    """QSettings written under tmp_path only (window geometry, recent projects, view state)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


LOAD_TIMEOUT = 30_000


def open_window(qtbot, settings, project, opener=None, dialogs=None, wait: bool = True,
                active: bool = True):
    """(window, controller) of the review window on ``project``: built with headless dialogs,
    loaded (unless ``wait`` is False), shown and, unless ``active`` is False, the active window.
    The one way the window tests open a window."""
    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    window, controller = build(str(project), settings, dialogs or HeadlessDialogs(), opener)
    qtbot.addWidget(window)
    if wait:
        with qtbot.waitSignal(controller.loaded, timeout=LOAD_TIMEOUT):
            pass
    window.show()
    qtbot.waitExposed(window)
    if active:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    return window, controller
