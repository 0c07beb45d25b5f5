"""One source (ground truth or predictions) in the layers panel: visibility, fill/outline,
opacity and the class list with All / None."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.view_state import SourceLayer
from reviewer.ui.widgets.class_search import ClassFilter
from reviewer.ui.widgets.layers_class_list import ClassList


def segmented(parent: QWidget, options: list[tuple[str, str, str]],
              expand: bool = False) -> tuple[QButtonGroup, QHBoxLayout]:
    """Exclusive checkable tool buttons side by side: options are (key, text, tooltip).

    Button ids are option positions; each button's ``objectName`` is its key. ``expand``
    stretches the buttons over the row's width.
    """
    group = QButtonGroup(parent)
    group.setExclusive(True)
    row = QHBoxLayout()
    row.setSpacing(0)
    for i, (key, text, tip) in enumerate(options):
        button = QToolButton(parent)
        button.setObjectName(key)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setAutoRaise(False)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if expand:
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        group.addButton(button, i)
        row.addWidget(button)
    group.buttonToggled.connect(_embolden_checked)
    return group, row


def _embolden_checked(button, checked: bool) -> None:
    """The chosen segment in bold: readable whatever the style draws for a checked button."""
    font = button.font()
    font.setBold(checked)
    button.setFont(font)


def small_button(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


class SourceSection(QWidget):
    """Settings of one source layer. ``edited(immediate)``: immediate is False for slider drags
    (the panel rate-limits those) and True for checkboxes and buttons. Setters emit nothing."""

    edited = Signal(bool)

    def __init__(self, title: str, noun: str, parent=None):
        super().__init__(parent)
        self._noun = noun
        self._updating = False
        self.visible_box = QCheckBox(title, self)
        font = QFont(self.visible_box.font())
        font.setBold(True)
        self.visible_box.setFont(font)
        self.visible_box.setToolTip(f"Show or hide all {noun}")
        self.fill_group, fill_row = segmented(self, [
            ("fill", "Fill", f"Draw {noun} as filled masks and lightly filled boxes"),
            ("outline", "Outline", f"Draw {noun} as outlines and contours only"),
        ])
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setPageStep(10)
        self.opacity_slider.setToolTip(f"Opacity of the {noun} layer")
        self.opacity_label = QLabel(self)
        self.all_button = small_button(self, "All", f"Show {noun} of every class")
        self.none_button = small_button(self, "None", f"Hide {noun} of every class; then tick "
                                                      "the classes to show")
        self.class_list = ClassList(noun, self)  # after the buttons: tab order = visual order
        self.class_filter = ClassFilter(self.class_list, noun, self)
        self.setTabOrder(self.class_filter, self.class_list)
        self._build_layout(fill_row)
        self._connect()
        self.set_layer(SourceLayer())

    def _build_layout(self, fill_row: QHBoxLayout) -> None:
        header = QHBoxLayout()
        header.addWidget(self.visible_box)
        header.addStretch(1)
        header.addLayout(fill_row)
        opacity = QHBoxLayout()
        label = QLabel("Opacity", self)
        label.setBuddy(self.opacity_slider)
        opacity.addWidget(label)
        opacity.addWidget(self.opacity_slider, 1)
        width = self.opacity_label.fontMetrics().horizontalAdvance("100 %") + 4
        self.opacity_label.setFixedWidth(width)
        self.opacity_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        opacity.addWidget(self.opacity_label)
        classes = QHBoxLayout()
        classes.addWidget(QLabel("Classes", self))
        classes.addStretch(1)
        classes.addWidget(self.all_button)
        classes.addWidget(self.none_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(opacity)
        layout.addLayout(classes)
        layout.addWidget(self.class_filter)
        layout.addWidget(self.class_list)

    def _connect(self) -> None:
        self.visible_box.toggled.connect(self._on_control_changed)
        self.fill_group.idToggled.connect(self._on_fill_toggled)
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)
        self.opacity_slider.sliderReleased.connect(self._on_control_changed)
        self.class_list.visibility_changed.connect(self._on_control_changed)
        self.all_button.clicked.connect(lambda: self.class_list.check_all(True))
        self.none_button.clicked.connect(lambda: self.class_list.check_all(False))

    # --- model -> view -------------------------------------------------------------------
    def set_layer(self, layer: SourceLayer) -> None:
        self._updating = True
        self.visible_box.setChecked(layer.visible)
        self.fill_group.button(0 if layer.fill else 1).setChecked(True)
        self.opacity_slider.setValue(round(layer.opacity * 100))
        self._show_opacity()
        self.class_list.set_visible_classes(layer.classes)
        self._updating = False

    # --- view -> model -------------------------------------------------------------------
    def layer(self) -> SourceLayer:
        return SourceLayer(visible=self.visible_box.isChecked(),
                           classes=self.class_list.visible_classes(),
                           opacity=self.opacity_slider.value() / 100.0,
                           fill=self.fill_group.checkedId() == 0)

    def _show_opacity(self) -> None:
        self.opacity_label.setText(f"{self.opacity_slider.value()} %")

    def _on_opacity_changed(self, _value: int) -> None:
        self._show_opacity()
        if not self._updating:
            self.edited.emit(False)  # rate-limited by the panel; release flushes

    def _on_fill_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._on_control_changed()

    def _on_control_changed(self, *_args) -> None:
        if not self._updating:
            self.edited.emit(True)
