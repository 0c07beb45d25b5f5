"""Threshold vs cost: the cost per image at every threshold of p(positive), from what a false
positive and a false negative cost, with the project's operating threshold as a line to drag.

The curve and its best threshold are ``reviewer cost``'s (``TaskView.cost_curve``: the same
``cost_curve`` / ``best_point``). Press anywhere on the chart and drag: the red line follows the
mouse and the readout shows tp / fp / fn / tn and the cost there; releasing it emits
``threshold_chosen(t)``, which the wiring turns into the project's operating threshold (an
undoable command, written to ``reviewer.json`` as ``reviewer cost --set`` writes it). The
threshold box and "Best" move the line without saving; "Use this threshold" saves where it is.
``costs_changed()`` asks for the curve at new costs.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QPushButton, QVBoxLayout, QWidget

from reviewer.io.prob_charts import counts_at, draw_cost

from .class_picker import ClassCombo
from .common import PanelHeader
from .plots import PlotWidget

DECIMALS = 4


def _spin(parent, value: float, tip: str, top: float = 1e9, decimals: int = 2):
    spin = QDoubleSpinBox(parent, toolTip=tip, decimals=decimals, maximum=top, value=value)
    spin.setKeyboardTracking(False)
    return spin


class CostPanel(QWidget):
    """Signals: ``costs_changed()``, ``threshold_chosen(float)``."""

    costs_changed = Signal()
    threshold_chosen = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.fp_cost = _spin(self, 1.0, "What one false positive costs (any unit)")
        self.fn_cost = _spin(self, 1.0, "What one false negative costs (the same unit)")
        self.line_box = _spin(self, 0.5, "The operating threshold (type, or drag the red line)",
                              1.0, DECIMALS)
        self.line_box.setSingleStep(0.01)
        self.positive = ClassCombo(self, tip="The class counted as positive, against all the "
                                             "others (type to search)")
        self.positive_label = QLabel("positive", self)
        self.best_button = QPushButton("Best", self, toolTip="Move the line to the cheapest "
                                                             "threshold")
        self.use_button = QPushButton("Use this threshold", self, toolTip=(
            "Make the line's threshold the project's operating threshold (saved in "
            "reviewer.json; Ctrl+Z undoes it)"))
        controls = (self.positive_label, self.positive, QLabel("FP costs", self), self.fp_cost, QLabel("FN costs", self),
                    self.fn_cost, QLabel("threshold", self), self.line_box, self.best_button,
                    self.use_button)
        self.header = PanelHeader(self, *controls)
        self.readout = QLabel(self)
        self.readout.setContentsMargins(6, 0, 6, 2)
        self.chart = PlotWidget(self, min_height=170)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.readout)
        layout.addWidget(self.chart, 1)
        self.view: dict | None = None
        self.line = 0.5
        self.ax = self.line_artist = None
        self.dragging = False
        self._ids: list[int] = []
        self.positive.chosen.connect(lambda _: self.costs_changed.emit())
        self.fp_cost.valueChanged.connect(lambda _: self.costs_changed.emit())
        self.fn_cost.valueChanged.connect(lambda _: self.costs_changed.emit())
        self.line_box.valueChanged.connect(self._on_line_box_value_changed)
        self.best_button.clicked.connect(self.move_to_best)
        self.use_button.clicked.connect(self.use_threshold)
        self.set_enabled(False)

    def costs(self) -> tuple[float, float]:
        return self.fp_cost.value(), self.fn_cost.value()

    def set_classes(self, names, start: int, decides: bool) -> None:
        """The classes; ``decides``: the project's operating threshold decides the predictions
        (its positive class only, the line saved), else any class against the rest (the line
        only reads the curve: the prediction is the most probable class)."""
        self.positive.set_classes(names, start)
        self.positive.setVisible(not decides)
        self.positive_label.setVisible(not decides)

    def positive_class(self) -> int | None:
        """The class chosen as positive (None: the project's own, the box is hidden)."""
        return None if self.positive.isHidden() else max(self.positive.current_class(), 0)

    def set_enabled(self, on: bool) -> None:
        for w in (self.fp_cost, self.fn_cost, self.line_box, self.best_button, self.use_button):
            w.setEnabled(on)

    def show_message(self, text: str) -> None:
        """No curve (a project without an operating threshold): say why."""
        self.view = None
        self.set_enabled(False)
        self.header.set_text(text)
        self.readout.setText("")
        self.chart.set_drawer(None)

    def set_view(self, view: dict) -> None:
        """A ``cost_curve`` result: the curve, its best point, the current and saved points
        (None when no threshold decides the predictions: the line is not saved then)."""
        self.view = view
        self.set_enabled(True)
        best, saved = view["best"], view["saved"]
        text = f"Positive class “{view['positive']}”"
        if best is not None:
            text += (f": the best threshold {best['threshold']:.4f} costs {best['cost']:.4g} "
                     f"per image; at 0.5 {view['at_0_5']['cost']:.4g}")
        if saved is not None:
            text += f"; saved in the project {saved['threshold']:.4f} ({saved['cost']:.4g})"
        else:
            text += " against the rest (not a project setting: the top class is predicted)"
        self.header.set_text(text)
        self.set_line(view["current"]["threshold"] if view["current"] else self.line)
        self.chart.set_drawer(self._draw)

    # --- the line ---------------------------------------------------------------------------
    def set_line(self, t: float) -> None:
        """Move the line to ``t`` (no saving)."""
        self.line = min(max(float(t), 0.0), 1.0)
        with QSignalBlocker(self.line_box):
            self.line_box.setValue(self.line)
        if self.line_artist is not None:
            self.line_artist.set_xdata([self.line, self.line])
            self.chart.canvas.draw_idle()
        self._show_readout()

    def _show_readout(self) -> None:
        if self.view is None:
            return
        p = counts_at(self.view["curve"], self.line)
        saved = self.view["saved"]
        state = ("one class against the rest" if saved is None else
                 "saved" if self.line == saved["threshold"] else "not saved")
        self.readout.setText(
            f"At {self.line:.4f} ({state}): cost {p['cost']:.4g} per image — tp {p['tp']}, "
            f"fp {p['fp']}, fn {p['fn']}, tn {p['tn']}")
        self.use_button.setEnabled(state == "not saved")

    def move_to_best(self) -> None:
        if self.view is not None and self.view["best"] is not None:
            self.set_line(min(self.view["best"]["threshold"], 1.0))

    def use_threshold(self) -> None:
        """Save the line's threshold as the project's operating threshold (exactly: "Best"
        gives the best threshold to the last digit, as ``reviewer cost --set`` saves it)."""
        self.threshold_chosen.emit(self.line)

    def _on_line_box_value_changed(self, value: float) -> None:
        self.set_line(value)

    # --- the chart and dragging --------------------------------------------------------------
    def _draw(self, fig) -> None:
        self.ax, self.line_artist = draw_cost(fig, self.view, self.line)
        canvas = self.chart.canvas
        if not self._ids:
            self._ids = [canvas.mpl_connect("button_press_event", self._on_press),
                         canvas.mpl_connect("motion_notify_event", self._on_motion),
                         canvas.mpl_connect("button_release_event", self._on_release)]

    def _on_press(self, event) -> None:
        if self.view is None or event.inaxes is not self.ax or event.xdata is None:
            return
        self.dragging = True
        self.set_line(event.xdata)

    def _on_motion(self, event) -> None:
        if self.dragging and event.inaxes is self.ax and event.xdata is not None:
            self.set_line(event.xdata)

    def _on_release(self, event) -> None:
        if not self.dragging:
            return
        self.dragging = False
        if event.inaxes is self.ax and event.xdata is not None:
            self.set_line(event.xdata)
        self.set_line(round(self.line, DECIMALS))
        if self.view["saved"] is not None:
            self.use_threshold()
