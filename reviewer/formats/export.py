"""The export's dataset part in the chosen formats, and its loss report.

``write_detection(folder, session, rows, names, problems) -> (files, reports)`` writes the
corrected ground truth of a detection session once per format name (``coco`` where it always
was, ``yolo/``, ``voc/``, ``labelme/`` beside it) and returns the relative names written and one
``LossReport`` per format. ``semantic_report`` is the loss report of a segmentation export
(label PNGs written in their own kind: nothing lost). ``io.export`` writes
``loss_report.json`` from them.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.formats import EXPORT_NAMES, ExportSource, get
from reviewer.formats.loss import LossReport


class UnknownExportFormat(ValueError):
    """A ``--format`` Reviewer does not write."""


def check_names(names) -> list[str]:
    """Format names for an export (default ``["coco"]``), checked; duplicates dropped."""
    out = list(dict.fromkeys(n.strip().lower() for n in (names or ["coco"]) if n.strip()))
    bad = [n for n in out if n not in EXPORT_NAMES]
    if bad or not out:
        raise UnknownExportFormat(f"unknown export format {bad[0] if bad else ''!r} (choose "
                                  f"from {', '.join(EXPORT_NAMES)})")
    return out


def write_detection(folder: Path, session, inputs, rows, names, problems: list
                    ) -> tuple[list[str], list[LossReport]]:
    """inputs: the task's ``DetectionInputs`` (the GT path and format)."""
    source = ExportSource(session.document.dataset(), session.project.images,
                          inputs.gt if inputs else None,
                          (inputs.gt_format or "coco") if inputs else "coco", session.document)
    files: list[str] = []
    reports = []
    for name in check_names(names):
        report = get(name).export(source, folder, rows, problems)
        files += report.files
        reports.append(report)
    return files, reports


def semantic_report(images: int, masks: int, files: list[str]) -> LossReport:
    return LossReport("label_png", images=images, objects=masks, files=list(files))
