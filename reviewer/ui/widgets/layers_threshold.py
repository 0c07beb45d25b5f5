"""The prediction score threshold: a 0.00-1.00 slider with an editable numeric readout."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QWidget

from reviewer.ui.widgets.layers_throttle import Throttle

STEPS = 100  # slider resolution: 0.01
THROTTLE_MS = 150


class ThresholdRow(QWidget):
    """``value_changed(float)`` at most once per ~150 ms while dragging, and once on release;
    typed values (Enter, arrows, focus-out) are emitted at once. ``set_value`` emits nothing."""

    value_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self._value = 0.0  # exact value (a set_value of 0.555 stays 0.555 until the user moves)
        self._last_emitted: float | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, STEPS)
        self.slider.setPageStep(5)
        self.spin = QDoubleSpinBox(self)
        self.spin.setRange(0.0, 1.0)
        self.spin.setDecimals(2)
        self.spin.setSingleStep(0.01)
        self.spin.setKeyboardTracking(False)
        self.spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setFixedWidth(self.spin.fontMetrics().horizontalAdvance("0.000") + 12)
        tip = ("Predictions scoring below this are not drawn and not matched "
               "(changing it re-scores the images)")
        label = self.label = QLabel("&Score ≥", self)
        label.setBuddy(self.slider)
        for w in (label, self.slider, self.spin):
            w.setToolTip(tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self._throttle = Throttle(THROTTLE_MS, self)
        self._throttle.fired.connect(self._emit_value)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.spin.valueChanged.connect(self._on_spin_value_changed)

    def value(self) -> float:
        return self._value

    def set_text(self, label: str, tip: str) -> None:
        """The label and tooltip (what the threshold decides depends on the task)."""
        self.label.setText(label)
        for w in (self.label, self.slider, self.spin):
            w.setToolTip(tip)

    def set_value(self, value: float) -> None:
        self._throttle.cancel()
        self._value = min(max(float(value), 0.0), 1.0)
        self._updating = True
        self.slider.setValue(round(self._value * STEPS))
        self.spin.setValue(self._value)
        self._updating = False
        self._last_emitted = self.value()

    def _emit_value(self) -> None:
        value = self.value()
        if value != self._last_emitted:
            self._last_emitted = value
            self.value_changed.emit(value)

    def _on_slider_value_changed(self, position: int) -> None:
        if self._updating:
            return
        self._value = position / STEPS
        self._updating = True
        self.spin.setValue(self._value)
        self._updating = False
        self._throttle.poke()

    def _on_slider_released(self) -> None:
        self._throttle.cancel()
        self._emit_value()

    def _on_spin_value_changed(self, value: float) -> None:
        if self._updating:
            return
        self._value = float(value)
        self._updating = True
        self.slider.setValue(round(value * STEPS))
        self._updating = False
        self._throttle.cancel()
        self._emit_value()
