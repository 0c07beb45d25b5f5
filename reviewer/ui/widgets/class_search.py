"""Finding a class among many (ADE20K has 150): a filter box over a class list and searchable
class combos.

``ClassFilter(class_list)`` is a line edit (Esc clears it) that hides the rows of a ``ClassList`` whose name does
not contain the typed text (case-insensitive); the list's All / None then act on the rows shown.
``searchable(combo)`` makes a ``QComboBox`` editable with a completer that matches anywhere in
the names ("build" finds "building, edifice"); picking a completion selects that item, and text
that names no item is put back to the current one when the box loses focus or Enter is pressed.
Once a class is chosen the box gives the keyboard focus back, so the window's one-key shortcuts
(R, S, N, 1–9) work again at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit

SEARCH_FROM = 12  # classes: below this the filter box stays hidden (every row fits)


class ClassFilter(QLineEdit):
    def __init__(self, class_list, noun: str, parent=None):
        super().__init__(parent, placeholderText="Filter classes…")
        self.setToolTip(f"Show only the classes whose name contains this text (Esc clears); "
                        f"All / None then apply to the {noun} of the classes listed")
        self.class_list = class_list
        self.textChanged.connect(self.apply)
        self.setVisible(False)

    def classes_set(self) -> None:
        """After the list was rebuilt: shown when there are many classes, filter re-applied."""
        self.setVisible(self.class_list.topLevelItemCount() >= SEARCH_FROM)
        self.apply(self.text())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def apply(self, text: str) -> None:
        needle = text.strip().casefold()
        view = self.class_list
        for i in range(view.topLevelItemCount()):
            item = view.topLevelItem(i)
            item.setHidden(bool(needle) and needle not in item.text(0).casefold())


def searchable(combo: QComboBox) -> QComboBox:
    """``combo`` editable with a match-anywhere completer over its items (see module doc)."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    edit = combo.lineEdit()
    edit.setPlaceholderText("Type to search…")

    def restore() -> None:
        index = combo.findText(edit.text(), Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            combo.setCurrentIndex(index)
        edit.setText(combo.itemText(combo.currentIndex()))  # "" when there is no item
        release()

    def release(*_) -> None:  # a class was chosen: the keys are the window's again (R, S, 1-9)
        QTimer.singleShot(0, edit.clearFocus)

    edit.editingFinished.connect(restore)
    combo.activated.connect(release)
    completer.activated.connect(release)
    return combo
