"""The operating threshold of a two-class project: a project setting, ``classification.threshold``
in ``reviewer.json`` (what the table's ``predicted`` / ``correct``, the accuracy and the
confusion follow).

``save_operating_threshold`` is the one writer: ``reviewer cost --set`` and the window's
``SetThreshold`` command (Analysis ▸ Threshold vs Cost) both call it. The project file is read
again and written atomically (``io.project.save_project``), so other settings are kept.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

TASK = "classification"


class ThresholdError(ValueError):
    """A threshold that cannot be the operating threshold (outside [0, 1])."""


def check_threshold(threshold: float) -> float:
    """``threshold`` as a float in [0, 1]; ThresholdError says why not."""
    t = float(threshold)
    if not math.isfinite(t) or not 0.0 <= t <= 1.0:
        raise ThresholdError(
            f"the operating threshold must lie in [0, 1], not {t!r} (a threshold above every "
            "probability predicts nothing positive; when an image has p = 1 no threshold in "
            "[0, 1] does that)")
    return t


def save_operating_threshold(project_path, threshold: float) -> Path:
    """Write ``threshold`` as the project's operating threshold; returns the project file."""
    from reviewer.io.project import load_project, save_project
    t = check_threshold(threshold)
    project = load_project(project_path, check_files=False)
    inputs = project.inputs[TASK]
    return save_project(project.with_inputs(TASK, replace(inputs, threshold=t)))


def saved_threshold(project_path) -> float:
    """The operating threshold the project file holds now."""
    from reviewer.io.project import load_project
    return float(load_project(project_path, check_files=False).inputs[TASK].threshold)
