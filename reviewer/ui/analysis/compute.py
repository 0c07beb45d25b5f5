"""What the analysis panels compute, as plain functions (no Qt) run on a worker thread.

Each is a thin call into the engine — ``reviewer.io.stats.stats_payload``,
``reviewer.io.export_metrics.session_metrics``, ``reviewer.core.reports.detection_eval`` /
``semantic_eval``, ``reviewer.core.curves.pr_curves`` — never a second implementation.
``Snapshot`` freezes the document's inputs on the main thread so a background job never sees a
half-applied edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewer import tasks
from reviewer.core.view_state import default_class_colors
from reviewer.io import export_metrics
from reviewer.io.stats import stats_payload
from reviewer.ui.models.image_filter import ImageFilter, ReviewColumns, filter_mask
from reviewer.ui.task_view import view_of


@dataclass(frozen=True)
class Snapshot:
    """The inputs of a metric at one moment: ``data`` is the task view's frozen document state
    (``TaskView.snapshot_data``). ``present`` (N, K) bool: class k is in image i (the filter
    bar's "present": GT or predictions)."""

    task: str
    class_names: tuple
    present: np.ndarray
    data: dict

    @property
    def view(self):
        return view_of(self.task)


def snapshot(session) -> Snapshot:
    doc = session.document
    view = view_of(session)
    names = tuple(tasks.get(session.data.task).class_names(session.data))
    table = doc.table
    review = ReviewColumns(table["image_id"])
    counts = view.class_counts(doc)
    present = np.stack([filter_mask(ImageFilter(class_name=n), table, review, counts, names)
                        for n in names], axis=1) if names else np.zeros((len(review), 0), bool)
    return Snapshot(session.data.task, names, present, view.snapshot_data(session))


def data_snapshot(session) -> Snapshot:
    """A ``Snapshot`` of the task view's frozen state only (no per-class presence: the
    class-probability panels read the dataset itself)."""
    names = tuple(tasks.get(session.data.task).class_names(session.data))
    return Snapshot(session.data.task, names, np.zeros((0, len(names)), bool),
                    view_of(session).snapshot_data(session))


def tag_stats(session, reviewed_only: bool) -> dict:
    """The ``reviewer stats --json`` payload."""
    return stats_payload(session, reviewed_only)


def class_metrics(session) -> dict:
    """Before / after corrections over every image (as in the export's metrics.json)."""
    return export_metrics.session_metrics(session, np.arange(len(session.document.table["image_id"])))


def confusion(session, class_names) -> tuple:
    """The task's confusion matrix with its row / column labels (``TaskView.confusion``)."""
    return view_of(session).confusion(session, class_names)


def evaluate(snap: Snapshot, rows=None) -> dict:
    """The task's ``eval`` payload of the images ``rows`` (None = all)."""
    return snap.view.evaluate(snap, rows)


def slice_metrics(snap: Snapshot, rows: np.ndarray, whole: dict | None = None) -> dict:
    """A slice beside the whole set, overall and per class, with the images behind each figure.

    -> {"metric_name", "images", "images_all", "overall": (slice, all, slice50, all50),
    "classes": [(name, slice, all, slice50, all50, images in slice, images overall)], "slice",
    "whole"} where "slice" / "whole" are the engine payloads.
    """
    rows = np.asarray(rows, np.int64)
    part = evaluate(snap, rows)
    whole = whole if whole is not None else evaluate(snap)
    in_slice = snap.present[rows].sum(axis=0)
    overall = snap.present.sum(axis=0)
    name, head, classes = snap.view.slice_figures(snap, part, whole, in_slice, overall)
    return {"metric_name": name, "images": int(len(rows)), "images_all": int(len(snap.present)),
            "overall": head, "classes": classes, "slice": part, "whole": whole}


def curves(snap: Snapshot) -> list | None:
    """``pr_curves`` of every class at the project's IoU and score thresholds (tasks with
    scored objects; None otherwise)."""
    return snap.view.curves(snap)


def class_colors(session, names) -> list[str]:
    """'#rrggbb' of every class: the dataset's own colours, else the window's palette."""
    return _project_colors(session, [_hex(c) for c in default_class_colors(len(names))])


def _project_colors(session, colors: list[str]) -> list[str]:
    own = tasks.get(session.data.task).class_colors(session.data)
    for k, c in enumerate(own or []):
        if k < len(colors) and c is not None:
            colors[k] = _hex(c)
    return colors


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in list(rgb)[:3])
