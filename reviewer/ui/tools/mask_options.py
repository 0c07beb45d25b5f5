"""The mask tools in the window: their buttons, the brush size and the copy option.

``install_mask_tools(controller)`` registers the semantic-mask tools (``mask_tools``) with the
controller's ``ToolManager``, adds their buttons to the tools toolbar (shown for segmentation
projects only, like every tool of another task), a brush-size spin box (radius in image pixels;
``[`` / ``]`` shrink / grow it, window-wide) and the copy-prediction tool's choice of which
ground-truth pixels it may overwrite (``COPY_MODES``; the default keeps every labelled pixel).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QSpinBox

from reviewer.ui.task_view import view_of

from .mask_tools import MASK_TOOLS, EraserTool, erase_value

RADIUS_MIN, RADIUS_MAX, RADIUS_DEFAULT = 0, 250, 6
# copy prediction: (mode, text); "unlabeled" changes only GT pixels that carry no label
COPY_MODES = (("unlabeled", "Copy into unlabeled / void pixels"),
              ("class", "Copy into pixels of the current class"),
              ("predicted_class", "Copy the current class only (any pixel)"),
              ("all", "Copy everything (overwrite)"))


def radius_step(radius: int, grow: bool) -> int:
    """The next brush radius for ``]`` (grow) or ``[``: +-1 when small, about +-15% when big."""
    step = max(1, round(radius * 0.15))
    out = radius + step if grow else radius - step
    return min(max(out, RADIUS_MIN), RADIUS_MAX)


class MaskOptions(QObject):
    """Brush radius (image pixels; a radius r paints a disc 2r+1 pixels wide) and the
    copy-prediction mode (``COPY_MODES``). Signals: ``radius_changed(radius)``."""

    radius_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.radius = RADIUS_DEFAULT
        self.copy_mode = "unlabeled"

    def set_radius(self, radius: int) -> None:
        radius = min(max(int(radius), RADIUS_MIN), RADIUS_MAX)
        if radius != self.radius:
            self.radius = radius
            self.radius_changed.emit(radius)

    def grow(self) -> None:
        self.set_radius(radius_step(self.radius, True))

    def shrink(self) -> None:
        self.set_radius(radius_step(self.radius, False))


class MaskControls(QObject):
    """The toolbar widgets and window shortcuts bound to a ``MaskOptions``."""

    def __init__(self, controller, manager, options: MaskOptions):
        super().__init__(controller)
        self.c, self.manager, self.options = controller, manager, options
        toolbar = manager.toolbar
        self.size = QSpinBox(toolbar, objectName="brush_size", minimum=RADIUS_MIN,
                             maximum=RADIUS_MAX, value=options.radius, suffix=" px",
                             toolTip="Brush and eraser radius in image pixels ([ smaller, "
                                     "] larger)")
        self.size.setPrefix("r ")
        self.size.valueChanged.connect(options.set_radius)
        options.radius_changed.connect(self._on_options_radius_changed)
        self.copy_mode = QComboBox(toolbar, objectName="copy_mode", toolTip=(
            "Copy prediction (Shift+C): which ground-truth pixels inside the outline take the "
            "model's prediction. The default changes only pixels without a label, so correct "
            "labels stay and the model's mistakes never enter the ground truth"))
        for mode, text in COPY_MODES:
            self.copy_mode.addItem(text, mode)
        self.copy_mode.currentIndexChanged.connect(self._on_copy_mode_changed)
        self.widget_actions = [toolbar.addSeparator(), toolbar.addWidget(self.size),
                               toolbar.addWidget(self.copy_mode)]
        self.key_actions = [self._key_action("[", "Smaller brush", options.shrink),
                            self._key_action("]", "Larger brush", options.grow)]
        self.set_edits(None)

    def _key_action(self, key: str, text: str, slot) -> QAction:
        name = "brush_grow" if key == "]" else "brush_shrink"
        action = QAction(text, self.c.window, objectName=name)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda *_: slot())
        self.c.window.addAction(action)
        return action

    def set_edits(self, edits: str | None) -> None:
        """Show the mask controls for a task that edits masks only; name what the eraser
        paints."""
        on = edits == "masks"
        for action in self.widget_actions + self.key_actions:
            action.setVisible(on)
            action.setEnabled(on)
        session = self.c.session
        eraser = self.manager.toolbar.actions_by_tool.get(EraserTool.name)
        if on and session is not None and eraser is not None:
            doc = session.document
            value = erase_value(doc.class_names, doc.ignore_index)
            name = doc.class_names[value] if value < len(doc.class_names) else "ignored (void)"
            eraser.setToolTip(f"Eraser ({EraserTool.shortcut}): paints {name!r} (value {value})."
                              f" {EraserTool.tip}")

    def _on_options_radius_changed(self, radius: int) -> None:
        if self.size.value() != radius:
            self.size.setValue(radius)

    def set_copy_mode(self, mode: str) -> None:
        self.copy_mode.setCurrentIndex(self.copy_mode.findData(mode))

    def _on_copy_mode_changed(self, index: int) -> None:
        self.options.copy_mode = self.copy_mode.itemData(index)


def install_mask_tools(controller) -> MaskControls:
    """Register the mask tools with ``controller.tools`` (a ToolManager with its toolbar)."""
    manager = controller.tools
    options = MaskOptions(manager)
    for cls in MASK_TOOLS:
        tool = manager.register(cls(manager, options))
        manager.toolbar.add_tool(tool)
    controls = MaskControls(controller, manager, options)
    controller.loaded.connect(lambda: controls.set_edits(view_of(controller.session).edits))
    manager.mask_options = options
    return controls
