"""Wiring of the analysis panels to the review controller.

``AnalysisLinks(controller)`` docks the panels (bottom area, tabbed, hidden at first: View ▸
Panels lists them), recomputes a panel when it is shown and its figures are stale, and marks
every panel stale after each command (history ``applied``; the visible ones recompute 400 ms
after the last edit, in the background). A panel's widget is built the first time its dock is
shown (``panels`` builds on first access), so opening a project draws nothing it is not asked
for; the task view says which panels its Analysis menu offers (``TaskView.offers_panel``);
every panel's figures, the confusion matrix's too, are computed on the runner's thread while
the panel's header shows a busy bar. It turns panel clicks into table filters: a tag → the
filter bar's tag filter; a confusion cell → an image subset of the table (a removable chip in
the filter bar) and a highlight of the cell's objects on the canvas. The class-probability
panels are wired in ``prob_links``. Signal ``refreshed(name)`` after a panel received new
figures.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget

from reviewer.core.review import own_object_tags
from reviewer.core.tag_stats import tag_membership
from reviewer.ui.task_view import view_of

from . import compute
from .class_metrics_panel import ClassMetricsPanel
from .column_slices_panel import ColumnSlicesPanel
from .confusion_panel import ConfusionPanel
from .leaks_panel import LeaksPanel
from .metadata_links import MetadataLinks
from .pr_panel import PRPanel
from .prob_links import PROBABILITY_PANELS, ProbabilityLinks
from .runner import AnalysisRunner
from .slices_panel import SlicesPanel
from .tag_stats_panel import TagStatsPanel

PANELS = (("tag_stats", "Tag Statistics", TagStatsPanel),
          ("confusion", "Confusion Matrix", ConfusionPanel),
          ("class_metrics", "Per-Class Metrics", ClassMetricsPanel),
          ("slices", "Slices", SlicesPanel),
          ("pr", "PR Curves", PRPanel),
          ("column_slices", "Slices by Column", ColumnSlicesPanel),
          ("leaks", "Leaks", LeaksPanel)) + PROBABILITY_PANELS
DEBOUNCE_MS = 400
_CLEAR = {"tag_stats": lambda p: p.set_payload(None), "confusion": lambda p: p.clear(),
          "class_metrics": lambda p: p.set_metrics(None),
          "slices": lambda p: p.set_result("", None), "pr": lambda p: p.clear(),
          "column_slices": lambda p: p.set_payload(None), "leaks": lambda p: p.set_payload(None)}


class _Panels(dict):
    """name -> panel widget, built on first access (``build(name)``)."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, name: str):
        panel = self[name] = self._build(name)
        return panel


class AnalysisLinks(QObject):
    refreshed = Signal(str)

    def __init__(self, controller):
        super().__init__(controller)
        self.c = controller
        self.session = None
        self.runner = AnalysisRunner(self)
        self.runner.busy_changed.connect(self._on_runner_busy_changed)
        self.runner.failed.connect(self._on_runner_failed)
        self.classes: dict[str, type] = {name: cls for name, _, cls in PANELS}
        self.panels, self.docks = _Panels(self._build), {}
        for name, title, _ in PANELS:
            self.docks[name] = self._dock(name, title)
        self.probabilities = ProbabilityLinks(self)
        self.dirty: set[str] = set(self.docks)
        self.cell: tuple[int, int] | None = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_visible)
        self.c.window.filter_bar.subset_cleared.connect(self._on_filter_bar_subset_cleared)
        self.c.image_shown.connect(self._on_controller_image_shown)
        self.meta = MetadataLinks(self)  # metadata columns, where field, column slices, leaks

    def _dock(self, name: str, title: str) -> QDockWidget:
        """An empty dock (its panel is built when it is first shown)."""
        w = self.c.window
        dock = QDockWidget(title, w, objectName=f"dock_{name}")
        area = Qt.DockWidgetArea.BottomDockWidgetArea
        w.addDockWidget(area, dock)
        first = next(iter(self.docks.values()), None)
        if first is not None:
            w.tabifyDockWidget(first, dock)
        dock.hide()
        w.docks[name] = dock
        dock.visibilityChanged.connect(lambda visible, n=name: self._on_dock_visible(n, visible))
        return dock

    def _build(self, name: str):
        """Panel ``name``'s widget, made, docked and wired (the first time it is needed)."""
        if name not in self.classes:
            raise KeyError(name)
        panel = self.classes[name](self.c.window)
        self.docks[name].setWidget(panel)
        p = panel
        if name == "tag_stats":
            p.tag_clicked.connect(self._on_tag_stats_tag_clicked)
            p.reviewed_only_changed.connect(lambda _: self.refresh("tag_stats"))
        elif name == "confusion":
            p.cell_clicked.connect(self._on_confusion_cell_clicked)
        elif name == "slices":
            p.slice_requested.connect(lambda *_: self.refresh("slices"))
            if self.session is not None:
                self._fill_slice_choices(p)
        elif name in ("column_slices", "leaks"):
            self.meta.wire(name, p)
        else:
            self.probabilities.wire(name, p)
        if self.runner.busy(name):
            p.header.set_busy(True)
        return panel

    # --- panels on screen -------------------------------------------------------------------
    def show(self, name: str) -> None:
        """Show and raise a panel (menu action); the first one shown gets a third of the
        height (the canvas keeps the rest: at 768 px, ~250 px for the panels)."""
        dock, w = self.docks[name], self.c.window
        first = not any(d.isVisible() for d in self.docks.values())
        self.panels[name]  # built before the dock appears
        dock.show()
        dock.raise_()
        if first and not dock.isFloating():
            w.resizeDocks([dock], [max(230, int(w.height() * 0.34))], Qt.Orientation.Vertical)
        self.refresh_visible()

    def on_screen(self, name: str) -> bool:
        return name in self.panels and self.panels[name].isVisible()

    def offered(self, name: str) -> bool:
        """Whether the open session's task offers panel ``name`` (every panel without one)."""
        return self.session is None or view_of(self.session).offers_panel(name)

    def built(self) -> set[str]:
        """The panels whose widgets exist (shown at least once)."""
        return set(self.panels)

    def _on_dock_visible(self, name: str, visible: bool) -> None:
        if visible:
            self.panels[name]  # shown for the first time (a tab, View ▸ Panels): build it
            QTimer.singleShot(0, self.refresh_visible)  # the tab's widget is shown after this

    def refresh_visible(self) -> None:
        for name in list(self.dirty):
            if self.on_screen(name):
                self.refresh(name)

    def invalidate(self, debounce: bool = False) -> None:
        """Every panel's figures are stale: recompute the visible ones (now or debounced)."""
        self.dirty = set(self.docks)
        if debounce:
            self._timer.start()
        else:
            self.refresh_visible()

    # --- session ----------------------------------------------------------------------------
    def session_opened(self, session) -> None:
        self.session = session
        session.history.applied.connect(self._on_history_applied)
        if "slices" in self.panels:
            self._fill_slice_choices(self.panels["slices"])
        self.meta.session_opened(session)
        self._offer_panels()
        self.probabilities.session_opened()
        self.invalidate()

    def _offer_panels(self) -> None:
        """Show in the Analysis menu (and View ▸ Panels) only the task's panels; close the
        docks of the others."""
        for name, dock in self.docks.items():
            on = self.offered(name)
            dock.toggleViewAction().setVisible(on)
            action = self.c.actions.get(f"analysis_{name}")
            if action is not None:
                action.setVisible(on)
            if not on:
                dock.hide()

    def session_closed(self) -> None:
        if self.session is None:
            return
        self._timer.stop()
        self.runner.cancel()
        self.runner.wait()
        self.session.history.applied.disconnect(self._on_history_applied)
        self.meta.session_closed()
        self.session = None
        self.cell = None
        self.c.window.filter_bar.show_subset(None)
        for name, panel in self.panels.items():
            clear = _CLEAR.get(name)
            if clear is not None:
                clear(panel)
        self.probabilities.session_closed()
        self.dirty = set(self.docks)

    def _on_history_applied(self, command, undone: bool) -> None:
        self.invalidate(debounce=True)

    def _fill_slice_choices(self, panel) -> None:
        tags = [r.name for r in self.session.store.tags()]
        panel.set_choices(tags, self.c.class_names())

    # --- computing --------------------------------------------------------------------------
    def _refresh_column_slices(self) -> None:
        self.meta.refresh_column_slices()

    def _refresh_leaks(self) -> None:
        self.meta.refresh_leaks()

    def refresh(self, name: str) -> None:
        """Recompute panel ``name`` (in the background where it takes time)."""
        if self.session is None:
            return
        self.dirty.discard(name)
        if not self.offered(name):
            return
        own = getattr(self, f"_refresh_{name}", None)
        if own is not None:
            own()
        else:
            self.probabilities.refresh(name)

    def _run(self, name: str, fn, apply) -> None:
        def done(result):
            apply(result)
            self.refreshed.emit(name)
        self.runner.run(name, fn, done)

    def _refresh_tag_stats(self) -> None:
        session, reviewed = self.session, self.panels["tag_stats"].reviewed_only.isChecked()
        self._run("tag_stats", lambda progress: compute.tag_stats(session, reviewed),
                  self.panels["tag_stats"].set_payload)

    def _refresh_class_metrics(self) -> None:
        session = self.session
        self._run("class_metrics", lambda progress: compute.class_metrics(session),
                  self.panels["class_metrics"].set_metrics)

    def _refresh_confusion(self) -> None:
        session, view, names = self.session, view_of(self.session), self.c.class_names()
        panel = self.panels["confusion"]

        def apply(result) -> None:
            matrix, rows, cols, special_rows, special_cols = result
            panel.set_matrix(matrix, rows, cols, view.confusion_unit, special_rows, special_cols)
        self._run("confusion", lambda progress: compute.confusion(session, names), apply)

    def _refresh_slices(self) -> None:
        kind, value = self.panels["slices"].current()
        if kind != "filter" and not value:
            self.panels["slices"].set_result("Choose a slice", None)
            return
        rows = self.slice_rows(kind, value)
        snap = compute.snapshot(self.session)
        title = {"tag": f"Tag “{value}”", "status": f"Status “{value}”",
                 "filter": "Image table filter", "class": f"Class “{value}” present"}[kind]
        self._run("slices", lambda progress: compute.slice_metrics(snap, rows),
                  lambda result: self.panels["slices"].set_result(title, result))

    def slice_rows(self, kind: str, value: str) -> np.ndarray:
        """Image rows of a slice: (S,) int64."""
        review, s = self.c.model.review, self.session
        if kind == "filter":
            return np.sort(self.c.model.order)
        if kind == "status":
            return np.flatnonzero(review.status == value)
        if kind == "class":
            snap_names = self.c.class_names()
            return np.flatnonzero(compute.snapshot(s).present[:, snap_names.index(value)])
        member = tag_membership(review.keys, [value], s.store.all_image_tags(),
                                own_object_tags(s.store.all_object_tags(), s.model))
        return np.flatnonzero(member[0])

    def _refresh_pr(self) -> None:
        panel = self.panels["pr"]
        if not view_of(self.session).has_pr_curves:
            panel.clear()
            panel.header.set_text("PR curves need scored objects (a detection project) or "
                                  "class probabilities.")
            return
        snap = compute.snapshot(self.session)
        names = list(snap.class_names)
        colors = compute.class_colors(self.session, names)
        self._run("pr", lambda progress: compute.curves(snap),
                  lambda curves: panel.set_curves(curves, names, colors, snap.data.get("params")))

    def _on_runner_busy_changed(self, name: str, busy: bool) -> None:
        if name in self.panels:
            self.panels[name].header.set_busy(busy)

    def _on_runner_failed(self, name: str, message: str) -> None:
        if name in self.panels:
            self.panels[name].header.set_text(f"Could not compute: {message}", error=True)

    # --- panels -> table --------------------------------------------------------------------
    def _on_tag_stats_tag_clicked(self, name: str) -> None:
        bar = self.c.window.filter_bar
        if bar.tag.findData(name) < 0:
            bar.tag.addItem(name, name)
        self.c.window.docks["images"].show()
        bar.set_value(replace(bar.value(), tag=name))

    def cell_rows(self, r: int, j: int) -> np.ndarray:
        """Image rows holding the errors of confusion cell (GT r, predicted j): (S,) int64."""
        return view_of(self.session).cell_rows(self.session, r, j)

    def _on_confusion_cell_clicked(self, r: int, j: int) -> None:
        if self.session is None or self.c.model is None:
            return
        heat = self.panels["confusion"].heatmap
        rows = self.cell_rows(r, j)
        mask = np.zeros(len(self.c.model.review), bool)
        mask[rows] = True
        label = f"confusion: {heat.rows[r]} → {heat.columns[j]} ({len(rows)} images)"
        self.cell = (r, j)
        if view_of(self.session).edits == "objects" and self.c.layers.view_mode != "errors":
            self.c.set_view_mode("errors")
        self.c.window.docks["images"].show()
        self.c.window.filter_bar.show_subset(label)
        self.c.model.set_subset(mask, label)
        self.highlight_cell()

    def _on_filter_bar_subset_cleared(self) -> None:
        self.cell = None
        self.panels["confusion"].heatmap.set_selected(None)
        if self.c.model is not None:
            self.c.model.set_subset(None)
        self.c.active_view().highlight(())

    def _on_controller_image_shown(self, row: int) -> None:
        if self.cell is not None:
            self.highlight_cell()

    def cell_objects(self, row: int) -> list[tuple[str, int]]:
        """(source, ann_id) of the objects of the selected cell in image row ``row``."""
        if self.cell is None or self.session is None:
            return []
        return view_of(self.session).cell_objects(self.session, row, self.cell)

    def highlight_cell(self) -> list:
        if self.c.current is None:
            return []
        return self.c.active_view().highlight(self.cell_objects(self.c.current))
