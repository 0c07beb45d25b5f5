"""What the window offers for one task: the window's side of a task plug-in.

Each task's ``ui`` module (``reviewer.tasks.<name>.ui``, the only task module that may import
Qt) provides a ``VIEW``, a ``TaskView``: the image table's columns, the canvas frame of an image,
which canvas tools apply (``edits``), the status bar's scores, the analysis panels' inputs, the
class-metrics rows and the badge of a grid thumbnail (``thumb_badge``). The window asks
``view_of(session)`` instead of branching on the task's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reviewer import tasks

ARROW = " → "
TONES = ("", "good", "bad", "muted")  # how a badge line is coloured


@dataclass(frozen=True)
class ThumbBadge:
    """What a grid thumbnail shows of its image besides the picture (``TaskView.thumb_badge``).

    lines: (text, tone) pairs written over the thumbnail's foot, top first; tone is one of
        ``TONES``: "" plain, "good" (green: a right answer), "bad" (red: a wrong one), "muted".
    boxes: (N, 4) float COCO xywh in the image's pixels (the dataset's pixel order), drawn small
        over the picture; ``box_sources`` (N,) says "gt" or "pred" for each.
    image_size: the (width, height) the boxes are measured in (None: the decoded picture's).
    tip: the lines in words for the thumbnail's tooltip, as HTML ("": the lines themselves).
    """

    lines: tuple[tuple[str, str], ...] = ()
    boxes: np.ndarray | None = None
    box_sources: tuple[str, ...] = ()
    image_size: tuple[int, int] | None = None
    tip: str = ""


# analysis panels drawn from class probabilities (``TaskView.probability_panels``)
PROBABILITY_PANELS = frozenset(("class_curves", "calibration", "score_hist", "scatter",
                                "label_errors", "cost"))


class TaskView:
    """Defaults: no canvas tools, no score-threshold slider, no PR curves."""

    edits: str = ""          # the canvas tools that apply: "objects", "masks" or "" (none)
    good_when_high: frozenset = frozenset()  # table columns where a high value is good
    confusion_unit = "images"
    has_pr_curves = False
    probability_panels = False  # the class-probability panels (PR / ROC, calibration, cost…)
    metric_follows_threshold = False  # the status bar's dataset metric depends on the slider

    # --- the image table ------------------------------------------------------------------------
    def columns(self, table: dict) -> list[tuple[str, str]]:
        """(key, header) of the task's columns (the review columns follow them)."""
        return [("file_name", "Image"), ("error", "Error")]

    def formatters(self, session) -> dict:
        """Column -> value -> text for the table's columns shown in words."""
        return {}

    def install_keys(self, manager) -> None:
        """Add the task's own key handlers to the canvas's tool manager (``key_handlers``:
        objects with ``wants_key``, ``key_press`` and ``context_menu``)."""
        return None

    def class_counts(self, doc) -> dict | None:
        """Per-class counts per image (``{"gt": (N, K), …}``) for the class filter, or None."""
        return None

    def score_threshold(self, doc) -> float | None:
        """The score threshold the slider starts at; None: the task has no slider."""
        return None

    def threshold_text(self, doc) -> tuple[str, str]:
        """(label, tooltip) of the Layers panel's threshold slider."""
        return ("&Score ≥", "Predictions scoring below this are not drawn and not matched "
                "(changing it re-scores the images)")

    def rescore(self, doc, threshold: float) -> Callable[[], dict]:
        """A function re-scoring every image at the slider's ``threshold``, run off the GUI
        thread; its result goes to ``doc.apply_rescored`` (tasks with a ``score_threshold``)."""
        raise NotImplementedError

    def thumb_badge(self, session, row: int) -> ThumbBadge:
        """The badge of image row ``row``'s grid thumbnail (read on the GUI thread, cached by the
        grid until the row changes: keep it to table lookups). Default: the ranking's error."""
        return ThumbBadge(((f"error {fmt(session.document.table['error'][row], 3)}", ""),))

    def thumb_overlay(self, session, row: int) -> Callable[[int], np.ndarray | None] | None:
        """A function, run off the GUI thread, giving what to tint over image row ``row``'s
        thumbnail: ``side -> (h, w) float32`` in [0, 1] (longest side at most ``side``; the
        share of each thumbnail pixel to tint) or None. It must capture now (on the GUI
        thread) whatever it reads that an edit can change. None: no overlay (the default)."""
        return None

    # --- the canvas ----------------------------------------------------------------------------
    def image_path(self, session, i: int) -> Path | None:
        return Path(session.project.images) / str(session.data.dataset.images.file_names[i])

    def frame(self, builder, session, i: int, fallback_size):
        """The ``CanvasFrame`` of image row ``i`` without its pixels."""
        raise NotImplementedError

    # --- the status bar ------------------------------------------------------------------------
    def score_text(self, before: dict, after: dict, row: int) -> str:
        """The image row's score with the original GT → with the corrections."""
        return pair("error", before["error"][row], after["error"][row], 3)

    def metric_names(self, session) -> str:
        return tasks.get(session.data.task).title

    def metric_snapshot(self, session, with_before: bool) -> Callable[[], dict]:
        """A function computing ``{"before": {name: v} | None, "after": {name: v}}`` off the
        GUI thread from arrays captured now."""
        raise NotImplementedError

    # --- analysis ------------------------------------------------------------------------------
    def snapshot_data(self, session) -> dict:
        """The document's state for the analysis panels, frozen now (read off the GUI thread)."""
        raise NotImplementedError

    def evaluate(self, snap, rows=None) -> dict:
        """The task's ``eval`` payload of the snapshot's images ``rows`` (None = all)."""
        raise NotImplementedError

    def slice_figures(self, snap, part: dict, whole: dict, in_slice, overall):
        """(metric name, (slice, all, slice50, all50), per-class rows) of a slice."""
        raise NotImplementedError

    def curves(self, snap):
        return None

    def confusion(self, session, names: list[str]):
        """(matrix, row labels, column labels, special rows, special columns)."""
        raise NotImplementedError

    def cell_rows(self, session, r: int, j: int) -> np.ndarray:
        """Image rows holding the errors of confusion cell (GT r, predicted j)."""
        raise NotImplementedError

    def cell_objects(self, session, row: int, cell) -> list[tuple[str, int]]:
        """(source, ann_id) of the canvas objects of a confusion cell in image row ``row``."""
        return []

    def class_metric_rows(self, metrics: dict):
        """(headers, rows, bar columns) of the class-metrics panel for ``session_metrics``."""
        raise NotImplementedError

    def offers_panel(self, name: str) -> bool:
        """Whether the Analysis menu offers panel ``name`` for this task."""
        return self.probability_panels or name not in PROBABILITY_PANELS

    # --- class-probability panels (``probability_panels``; run off the GUI thread) -----------
    # Each returns plot-ready numbers from the task's engine (the functions ``eval`` and
    # ``cost`` use); the panels in ``reviewer.ui.analysis`` only draw them.
    def class_curves(self, snap, classes: list[int]) -> list[dict]:
        """One-vs-rest PR and ROC curves of ``classes`` with AP, AUC and the operating point."""
        raise NotImplementedError

    def reliability(self, snap) -> dict:
        """The reliability diagram's bins of the top-1 confidence and the ECE."""
        raise NotImplementedError

    def score_distribution(self, snap, k: int) -> dict:
        """p(class k) of the images labelled k and of the others, binned."""
        raise NotImplementedError

    def class_scatter(self, snap, a: int, b: int) -> dict:
        """p(class a), p(class b) and the label of (a sample of) the images."""
        raise NotImplementedError

    def cost_curve(self, snap, fp_cost: float, fn_cost: float, positive=None) -> dict:
        """The threshold-vs-cost curve of the positive class, or of class ``positive`` against
        the rest (``reviewer cost``)."""
        raise NotImplementedError

    def error_columns(self, session) -> dict:
        """Copies of the per-image table's columns the label-error scatter needs (main thread)."""
        raise NotImplementedError

    def label_error_scatter(self, columns: dict) -> dict:
        """Confidence against p(label) per image, grouped (likely label error, wrong, right)."""
        raise NotImplementedError

    def threshold_command(self, session, threshold: float):
        """The command that makes ``threshold`` the project's operating threshold, or None."""
        return None

    def cost_unavailable(self, session) -> str | None:
        """Why the threshold-vs-cost panel has no curve here (None: it has one)."""
        return "This project has no operating threshold to choose."

    def positive_class(self, doc) -> int | None:
        """The positive class of a two-class project, or None."""
        return None

    def threshold_decides(self, doc) -> bool:
        """Whether the project's operating threshold decides the predictions."""
        return False


def view_of(session_or_name) -> TaskView:
    """The ``TaskView`` of a session's task (or of a task name)."""
    name = session_or_name if isinstance(session_or_name, str) else session_or_name.data.task
    return tasks.get(name).ui().VIEW


def fmt(value, digits: int = 2) -> str:
    v = float(value)
    return "–" if np.isnan(v) else f"{v:.{digits}f}"


def pair(name: str, before, after, digits: int = 2) -> str:
    """``name b → a``, or ``name a`` when both read the same."""
    b, a = fmt(before, digits), fmt(after, digits)
    return f"{name} {a}" if a == b else f"{name} {b}{ARROW}{a}"
