"""The problems panel: every input problem the loader reported (file, entry, message), and
those found later (an image whose pixels turn out unreadable when it is shown).

Activating a problem that names an image emits ``image_requested(image_id)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from reviewer.ui.icons import icon

COLUMNS = ("", "File", "Entry", "Message")


class ProblemsPanel(QWidget):
    """A flat list of ``Problem`` records. Signals: ``image_requested(object image_id)``."""

    image_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(COLUMNS)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.itemClicked.connect(self._on_tree_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._problems: list = []

    def set_problems(self, problems) -> None:
        """Show ``problems`` (a list of ``reviewer.core.problems.Problem``)."""
        self._problems = list(problems)
        self.tree.clear()
        self.tree.addTopLevelItems([_item(k, p) for k, p in enumerate(self._problems)])
        for c in (1, 2):
            self.tree.resizeColumnToContents(c)

    def add_problem(self, problem) -> bool:
        """Append ``problem`` unless the same image already has it listed (the loader's message
        may add the file's path after it); True when it was added."""
        if any(p.image_id == problem.image_id and p.message.startswith(problem.message)
               for p in self._problems):
            return False
        self._problems.append(problem)
        self.tree.addTopLevelItem(_item(len(self._problems) - 1, problem))
        return True

    def count(self) -> int:
        return len(self._problems)

    def problem(self, k: int):
        return self._problems[k]

    def _on_tree_item_activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        p = self._problems[item.data(0, Qt.ItemDataRole.UserRole)]
        if p.image_id is not None:
            self.image_requested.emit(p.image_id)


def _item(k: int, p) -> QTreeWidgetItem:
    item = QTreeWidgetItem(["", str(p.file), p.entry, p.message])
    item.setIcon(0, icon("problem" if p.severity == "error" else "warning"))
    item.setToolTip(0, p.severity)
    item.setToolTip(3, str(p) + ("\nClick to show the image" if p.image_id is not None else ""))
    item.setData(0, Qt.ItemDataRole.UserRole, k)
    return item
