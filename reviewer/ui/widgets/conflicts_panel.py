"""The conflicts panel: corrections set aside because they no longer fit a changed GT file.

One row per conflict (journal number, when, who, image, change, why). The buttons act on the
selected row: show its image, re-apply the change to the object as it is now, drop it; "Drop all"
gives up every conflict. Signals: ``image_requested(image_id)``, ``reapply_requested(seq)``,
``drop_requested(seqs: list)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("#", "When", "Who", "Image", "Change", "Why it was set aside")
EXPLANATION = ("These corrections were made on a GT file that has changed since: their objects "
               "no longer hold what they held, so they were not applied. Re-apply one to its "
               "object as it is now, or drop it (it stays in the change log).")


class ConflictsPanel(QWidget):
    image_requested = Signal(object)
    reapply_requested = Signal(int)
    drop_requested = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.note = QLabel(EXPLANATION, self, wordWrap=True)
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(COLUMNS)
        header = self.tree.header()
        for c in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(self._sync_buttons)
        self.show_button = QPushButton("Show image", self, clicked=self._on_show_clicked)
        self.reapply_button = QPushButton("Re-apply", self, clicked=self._on_reapply_clicked,
                                          toolTip="Apply the change to the object as it is now")
        self.drop_button = QPushButton("Drop", self, clicked=self._on_drop_clicked,
                                       toolTip="Give up this correction")
        self.drop_all_button = QPushButton("Drop all", self, clicked=self._on_drop_all_clicked)
        buttons = QHBoxLayout()
        for b in (self.show_button, self.reapply_button, self.drop_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.drop_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        self._conflicts: list = []
        self._sync_buttons()

    def set_conflicts(self, conflicts, image_name=str) -> None:
        """Show ``conflicts`` (``reviewer.core.history.Conflict`` records); ``image_name(id)``
        names an image (its file name when the project still has it)."""
        self._conflicts = list(conflicts)
        self.tree.clear()
        for c in self._conflicts:
            item = QTreeWidgetItem([str(c.seq), (c.at or "")[:19].replace("T", " "), c.who or "",
                                    image_name(c.command.image_id), c.command.label, c.reason])
            item.setData(0, Qt.ItemDataRole.UserRole, c.seq)
            item.setToolTip(5, c.reason)
            self.tree.addTopLevelItem(item)
        if self._conflicts:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._sync_buttons()

    def count(self) -> int:
        return len(self._conflicts)

    def _selected(self):
        item = self.tree.currentItem()
        if item is None:
            return None
        seq = item.data(0, Qt.ItemDataRole.UserRole)
        return next((c for c in self._conflicts if c.seq == seq), None)

    def _sync_buttons(self, *args) -> None:
        has = self._selected() is not None
        for b in (self.show_button, self.reapply_button, self.drop_button):
            b.setEnabled(has)
        self.drop_all_button.setEnabled(bool(self._conflicts))

    def _on_tree_item_activated(self, item, column) -> None:
        self._on_show_clicked()

    def _on_show_clicked(self) -> None:
        c = self._selected()
        if c is not None:
            self.image_requested.emit(c.command.image_id)

    def _on_reapply_clicked(self) -> None:
        c = self._selected()
        if c is not None:
            self.reapply_requested.emit(c.seq)

    def _on_drop_clicked(self) -> None:
        c = self._selected()
        if c is not None:
            self.drop_requested.emit([c.seq])

    def _on_drop_all_clicked(self) -> None:
        self.drop_requested.emit([c.seq for c in self._conflicts])
