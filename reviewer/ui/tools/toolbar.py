"""The tools toolbar: one checkable button per tool of the project's task, and the class that
new objects get. ``install_tools(controller)`` builds the ``ToolManager`` with the detection tools,
routes the review canvas's events to it and docks the toolbar in the window.

Keys: V select, D draw box, P draw polygon, H pan (window-wide, like the other single-letter
shortcuts); the class combo lists the task's classes (type its first letters to jump).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from reviewer import tasks
from reviewer.ui.icons import icon
from reviewer.ui.task_view import view_of
from reviewer.ui.widgets.class_search import searchable

from .base import ToolManager
from .draw_box import DrawBoxTool
from .object_actions import ObjectActions
from .pan import PanTool
from .polygon import PolygonTool
from .select import SelectTool

DETECTION_TOOLS = (SelectTool, DrawBoxTool, PolygonTool, PanTool)


class ToolsToolbar(QToolBar):
    """Tool buttons (exclusive) and the current-class combo of a ``ToolManager``."""

    def __init__(self, manager: ToolManager, parent=None):
        super().__init__("Tools", parent, objectName="tools_toolbar", movable=False)
        self.manager = manager
        self.group = QActionGroup(self)
        self.actions_by_tool: dict[str, QAction] = {}
        self.class_label = QLabel(" Class ", self)
        self.class_combo = searchable(QComboBox(self, minimumContentsLength=12, toolTip=(
            "Class of new boxes and polygons (type to search the classes)")))
        self.class_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._separator = None
        self.class_combo.currentIndexChanged.connect(self._on_class_combo_index_changed)
        manager.tool_changed.connect(self._on_manager_tool_changed)
        manager.class_changed.connect(self._on_manager_class_changed)

    def add_tool(self, tool) -> QAction:
        """A checkable button (and window shortcut) for ``tool``."""
        action = QAction(icon(tool.icon), tool.text, self, checkable=True)
        action.setObjectName(f"tool_{tool.name}")
        if tool.shortcut:
            action.setShortcut(QKeySequence(tool.shortcut))
        key = f" ({tool.shortcut})" if tool.shortcut else ""
        action.setToolTip(f"{tool.text}{key}: {tool.tip}")
        action.setStatusTip(tool.tip)
        action.triggered.connect(lambda _=False, n=tool.name: self.manager.activate(n))
        self.group.addAction(action)
        if self._separator is not None:
            self.insertAction(self._separator, action)
        else:
            self.addAction(action)
        self.actions_by_tool[tool.name] = action
        return action

    def finish(self) -> None:
        """The class combo after the tool buttons."""
        self._separator = self.addSeparator()
        self.addWidget(self.class_label)
        self.addWidget(self.class_combo)

    def set_edits(self, edits: str | None, class_names) -> None:
        """Show the tools of a task that edits ``edits`` (the task view's); fill the class
        combo."""
        shown = {t.name for t in self.manager.available(edits)}
        for name, action in self.actions_by_tool.items():
            action.setVisible(name in shown)
            action.setEnabled(name in shown)
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItems([str(n) for n in class_names])
        row = min(self.manager.current_class, max(len(class_names) - 1, 0))
        self.class_combo.setCurrentIndex(row)
        self.class_combo.blockSignals(False)
        self.manager.current_class = max(row, 0)
        active = self.manager.active
        if active is None or active.name not in shown:
            tools = [t.name for t in self.manager.available(edits)]
            first = "select" if "select" in tools else next(iter(tools), None)
            if first is not None:
                self.manager.activate(first)

    def _on_class_combo_index_changed(self, row: int) -> None:
        if row >= 0:
            self.manager.set_current_class(row)

    def _on_manager_class_changed(self, row: int) -> None:
        if self.class_combo.currentIndex() != row:
            self.class_combo.setCurrentIndex(row)

    def _on_manager_tool_changed(self, name: str) -> None:
        action = self.actions_by_tool.get(name)
        if action is not None:
            action.setChecked(True)


def install_tools(controller) -> ToolManager:
    """Tools for ``controller``'s review canvas, with their toolbar in its window."""
    window = controller.window
    manager = ToolManager(controller, window.canvas, controller)
    for cls in DETECTION_TOOLS:
        manager.register(cls(manager))
    ObjectActions(manager)
    for task in tasks.all_tasks():  # a task's own keys (classification: relabel, accept)
        task.ui().VIEW.install_keys(manager)
    toolbar = ToolsToolbar(manager, window)
    for tool in manager.tools.values():
        toolbar.add_tool(tool)
    toolbar.finish()
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    manager.toolbar = toolbar
    manager.activate("select")
    controller.loaded.connect(lambda: _on_controller_loaded(controller, manager))
    return manager


def _on_controller_loaded(controller, manager: ToolManager) -> None:
    session = controller.session
    manager.toolbar.set_edits(view_of(session).edits, controller.class_names())
    session.history.applied.connect(manager.reselect)


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(keys, action, description) of the tools and object actions, for the shortcuts sheet."""
    rows = [(cls.shortcut, f"{cls.text} tool", cls.tip) for cls in DETECTION_TOOLS]
    return rows + [
        ("Middle drag / Space + drag", "Pan", "Move the image with any tool"),
        ("Arrows / Shift + arrows", "Nudge (select tool)",
         "Move the selected GT by 1 / 10 px; a burst of nudges is one history entry"),
        ("Delete", "Delete object", "Delete the selected GT object (or the hovered vertex)"),
        ("C / L", "Relabel…", "Pick a new class for the selected GT object (type to search)"),
        ("Alt+1 … Alt+9", "Relabel to class 1 … 9", "Relabel the selected GT object directly"),
        ("A", "Accept prediction", "Copy the selected prediction into the ground truth"),
        ("Shift+A", "Accept and replace", "Accept it and remove the GT object it overlaps"),
        ("Ctrl+Shift+A", "Accept all of class",
         "Accept every false positive of the selected prediction's class in this image"),
        ("Enter / Backspace / Esc", "Polygon tool", "Close / remove the last point / cancel"),
        ("Alt+click / double-click", "Polygon vertices (select tool)",
         "Remove a vertex / insert one on an edge"),
    ]
