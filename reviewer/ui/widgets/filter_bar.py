"""The filter bar above the image table: status, tag, class present / missed, file name, metric
range, "corrected" (only the images I corrected).

Emits ``filter_changed(ImageFilter)`` (text typing is debounced by 200 ms).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from reviewer.ui.models.image_filter import ImageFilter
from reviewer.ui.widgets.class_search import searchable

STATUS_ITEMS = (("Any status", ""), ("Unreviewed", "unreviewed"), ("Reviewed", "reviewed"),
                ("Needs second look", "needs-second-look"), ("Skipped", "skipped"))
MODE_ITEMS = (("present", "present"), ("missed", "missed"))


class FilterBar(QWidget):
    """Signals: ``filter_changed(object ImageFilter)``."""

    filter_changed = Signal(object)
    subset_cleared = Signal()  # the image-subset chip (e.g. a confusion cell) was removed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QLineEdit(self, placeholderText="Filter by file name…", clearButtonEnabled=True)
        self.status = self._combo(STATUS_ITEMS, "Show only images with this review status")
        self.tag = self._combo((("Any tag", ""),), "Show only images carrying this tag")
        self.class_name = searchable(self._combo((("Any class", ""),), "Show only images with "
                                                 "this class (type to search the classes)"))
        self.class_mode = self._combo(MODE_ITEMS, "present: in the GT or the predictions; "
                                                  "missed: a GT object of the class was missed")
        self.metric = self._combo((("error", "error"),), "Column the range applies to")
        self.lo, self.hi = self._spin("minimum"), self._spin("maximum")
        self.corrected = QCheckBox("Corrected", self, objectName="filter_corrected",
                                   toolTip="Show only the images I corrected (ground truth "
                                           "painted, drawn, relabelled or accepted)")
        self.corrected.toggled.connect(self._emit)
        self.reset = QToolButton(self, text="Clear", toolTip="Clear every filter")
        self.reset.clicked.connect(self.clear)
        self.subset_chip = QToolButton(self, objectName="filter_subset", toolTip="Only these "
                                       "images are listed: click to show all images again")
        self.subset_chip.setStyleSheet("QToolButton { border: 1px solid palette(mid); "
                                       "border-radius: 9px; padding: 1px 8px; "
                                       "background: palette(alternate-base); }")
        self.subset_chip.clicked.connect(self._on_subset_chip_clicked)
        self.subset_chip.hide()
        self._layout()
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self._emit)
        self.text.textChanged.connect(self._debounce.start)

    def _combo(self, items, tip: str) -> QComboBox:
        box = QComboBox(self, toolTip=tip, minimumContentsLength=6)
        # long tag or class names must not widen the image table's dock (1366 px screens)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for text, value in items:
            box.addItem(text, value)
        box.currentIndexChanged.connect(self._emit)
        return box

    def _spin(self, which: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self, toolTip=f"{which.capitalize()} of the metric (blank: none)")
        spin.setRange(-1e9, 1e9)
        spin.setDecimals(3)
        spin.setSpecialValueText("–")
        spin.setMinimum(-1e9)
        spin.setValue(spin.minimum())
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(64)  # not the width of "-1000000000.000": the dock stays narrow
        spin.valueChanged.connect(self._emit)
        return spin

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(3)
        grid.addWidget(self.text, 0, 0, 1, 2)
        grid.addWidget(self.corrected, 0, 2)
        grid.addWidget(self.reset, 0, 3)
        grid.addWidget(self.status, 1, 0)
        grid.addWidget(self.tag, 1, 1)
        grid.addWidget(self.class_name, 1, 2)
        grid.addWidget(self.class_mode, 1, 3)
        grid.addWidget(self.metric, 2, 0)
        grid.addWidget(self.lo, 2, 1)
        grid.addWidget(QLabel("to", self, alignment=Qt.AlignmentFlag.AlignCenter), 2, 2)
        grid.addWidget(self.hi, 2, 3)
        grid.addWidget(self.subset_chip, 3, 0, 1, 4, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)

    # --- choices ----------------------------------------------------------------------------
    def set_choices(self, tags, classes, metrics) -> None:
        """Fill the tag, class and metric lists (keeps the current filter where possible)."""
        spec = self.value()
        with QSignalBlocker(self.tag), QSignalBlocker(self.class_name), \
                QSignalBlocker(self.metric):
            _refill(self.tag, [("Any tag", "")] + [(t, t) for t in tags])
            _refill(self.class_name, [("Any class", "")] + [(c, c) for c in classes])
            _refill(self.metric, [(m, m) for m in metrics])
        self.set_value(spec, emit=False)

    def value(self) -> ImageFilter:
        return ImageFilter(
            status=self.status.currentData() or "", tag=self.tag.currentData() or "",
            class_name=self.class_name.currentData() or "",
            class_mode=self.class_mode.currentData() or "present", text=self.text.text().strip(),
            metric=self.metric.currentData() or "", lo=_bound(self.lo), hi=_bound(self.hi),
            corrected=self.corrected.isChecked())

    def set_value(self, spec: ImageFilter, emit: bool = True) -> None:
        widgets = (self.text, self.status, self.tag, self.class_name, self.class_mode,
                   self.metric, self.lo, self.hi, self.corrected)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.text.setText(spec.text)
        self.corrected.setChecked(spec.corrected)
        for box, value in ((self.status, spec.status), (self.tag, spec.tag),
                           (self.class_name, spec.class_name), (self.class_mode, spec.class_mode),
                           (self.metric, spec.metric)):
            box.setCurrentIndex(max(box.findData(value), 0))
        for spin, value in ((self.lo, spec.lo), (self.hi, spec.hi)):
            spin.setValue(spin.minimum() if value is None else value)
        del blockers
        if emit:
            self._emit()

    def show_subset(self, label: str | None) -> None:
        """Show the removable chip of an image subset (``label``), or hide it (None)."""
        self.subset_chip.setText(f"{label}  ✕" if label else "")
        self.subset_chip.setVisible(bool(label))

    def _on_subset_chip_clicked(self) -> None:
        self.show_subset(None)
        self.subset_cleared.emit()

    def clear(self) -> None:
        if not self.subset_chip.isHidden():
            self._on_subset_chip_clicked()
        self.set_value(ImageFilter())

    def _emit(self, *_) -> None:
        self._debounce.stop()
        self.filter_changed.emit(self.value())


def _refill(box: QComboBox, items) -> None:
    box.clear()
    for text, value in items:
        box.addItem(text, value)


def _bound(spin: QDoubleSpinBox) -> float | None:
    v = spin.value()
    return None if v <= spin.minimum() or math.isnan(v) else float(v)
