"""Wiring of the class-probability panels (``prob_panels``, ``cost_panel``) for ``links``.

Each refresh freezes the document (``TaskView.snapshot_data``) on the main thread and asks the
task view for the panel's numbers on the analysis runner's thread: ``class_curves`` for the
ticked classes, ``reliability``, ``score_distribution`` of the chosen class, ``class_scatter`` of
the chosen pair, ``cost_curve`` at the panel's costs; ``label_error_scatter`` of a copy of the
per-image table's columns (``error_columns``). A point clicked in a scatter shows its image; a
threshold chosen in the cost panel becomes the project's operating threshold through the task's
command (``TaskView.threshold_command``: undoable, journalled, saved in the project
file), after which the table, the canvas, the status bar and every panel follow.
"""

from __future__ import annotations

import numpy as np

from reviewer.ui.task_view import view_of

from . import compute
from .cost_panel import CostPanel
from .prob_panels import (
    ClassCurvesPanel,
    LabelErrorPanel,
    ReliabilityPanel,
    ScatterPanel,
    ScoreHistogramPanel,
)

PROBABILITY_PANELS = (("class_curves", "PR and ROC Curves", ClassCurvesPanel),
                      ("calibration", "Reliability Diagram", ReliabilityPanel),
                      ("score_hist", "Score Histograms", ScoreHistogramPanel),
                      ("scatter", "Class-vs-Class Scatter", ScatterPanel),
                      ("label_errors", "Confidence vs Label", LabelErrorPanel),
                      ("cost", "Threshold vs Cost", CostPanel))
_WITH_CLASSES = ("class_curves", "score_hist", "scatter")


class ProbabilityLinks:
    def __init__(self, links):
        self.links = links
        self.c = links.c

    @property
    def session(self):
        return self.links.session

    # --- panels -----------------------------------------------------------------------------
    def wire(self, name: str, panel) -> None:
        """Connect a newly built panel (and give it the session's classes)."""
        refresh = lambda *_: self.links.refresh(name)  # noqa: E731
        if name == "class_curves":
            panel.classes_changed.connect(refresh)
        elif name == "score_hist":
            panel.class_changed.connect(refresh)
        elif name == "scatter":
            panel.classes_changed.connect(refresh)
            panel.image_requested.connect(self._on_scatter_image_requested)
        elif name == "label_errors":
            panel.image_requested.connect(self._on_scatter_image_requested)
        elif name == "cost":
            panel.costs_changed.connect(refresh)
            panel.threshold_chosen.connect(self.save_threshold)
            if self.session is not None:
                self._give_classes(name, panel)
        if self.session is not None and name in _WITH_CLASSES:
            self._give_classes(name, panel)

    def session_opened(self) -> None:
        for name in (*_WITH_CLASSES, "cost"):
            if name in self.links.panels:
                self._give_classes(name, self.links.panels[name])

    def session_closed(self) -> None:
        for name, _, _ in PROBABILITY_PANELS:
            panel = self.links.panels.get(name)
            if panel is not None:
                panel.show_message("")

    def _give_classes(self, name: str, panel) -> None:
        s = self.session
        names = self.c.class_names()
        colors = compute.class_colors(s, names)
        labels = np.asarray(view_of(s).snapshot_data(s)["ds"].targets)
        counts = np.bincount(labels[labels >= 0], minlength=len(names)).tolist()
        a, b = _default_pair(s, len(names))
        if name == "cost":
            panel.set_classes(names, a, view_of(s).threshold_decides(s.document))
        elif name == "score_hist":
            panel.set_classes(names, colors, counts, a)
        elif name == "scatter":
            panel.set_classes(names, colors, counts, a, b)
        else:
            panel.set_classes(names, colors, counts)

    # --- computing --------------------------------------------------------------------------
    def refresh(self, name: str) -> None:
        session = self.session
        view = view_of(session)
        panel = self.links.panels[name]
        if name == "cost":
            reason = view.cost_unavailable(session)
            if reason:
                panel.show_message(reason)
                self.links.refreshed.emit(name)
                return
        if name == "label_errors":  # the per-image table's columns, copied here
            columns = view.error_columns(session)
            self.links._run(name, lambda progress: view.label_error_scatter(columns),
                            panel.set_points)
            return
        snap = compute.data_snapshot(session)
        work, apply = self._job(name, view, panel, snap)
        self.links._run(name, lambda progress: work(), apply)

    def _job(self, name: str, view, panel, snap):
        """(work() run off the GUI thread, apply(result) on it) of panel ``name``."""
        if name == "class_curves":
            classes = panel.shown_classes()
            return (lambda: view.class_curves(snap, classes)), panel.set_curves
        if name == "calibration":
            return (lambda: view.reliability(snap)), panel.set_bins
        if name == "score_hist":
            k = panel.current_class()
            return (lambda: view.score_distribution(snap, k)), panel.set_distribution
        if name == "scatter":
            a, b = panel.pair()
            return (lambda: view.class_scatter(snap, a, b)), panel.set_points
        fp, fn = panel.costs()
        positive = panel.positive_class()
        return (lambda: view.cost_curve(snap, fp, fn, positive)), panel.set_view

    # --- panels -> the review -----------------------------------------------------------------
    def _on_scatter_image_requested(self, row: int) -> None:
        if self.session is not None:
            self.c.window.docks["images"].show()
            self.c.select_image(row)

    def save_threshold(self, threshold: float) -> bool:
        """Make ``threshold`` the project's operating threshold (an undoable command); False
        when nothing changed or the task refused it."""
        if self.session is None:
            return False
        try:
            cmd = view_of(self.session).threshold_command(self.session, threshold)
        except ValueError as exc:
            self.c.window.statusBar().showMessage(f"Threshold not saved: {exc}", 8000)
            return False
        if cmd is None or cmd.before == cmd.after:
            return False
        return bool(self.c.execute(cmd))


def _default_pair(session, k: int) -> tuple[int, int]:
    """The classes shown first: a two-class project's positive one (and the other), else the
    most often confused pair (label a predicted as b), else the first two."""
    doc = session.document
    view = view_of(session)
    positive = view.positive_class(doc)
    if positive is not None and k == 2:
        return positive, 1 - positive
    matrix = np.array(view.confusion(session, list(range(k)))[0], dtype=np.int64)
    if matrix.ndim == 2 and matrix.shape[0] >= 2:
        np.fill_diagonal(matrix, 0)
        a, b = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
        if matrix[a, b] > 0 and a < k and b < k:
            return int(a), int(b)
    return 0, min(1, k - 1)
