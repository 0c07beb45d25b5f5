"""Actions on the selected object, by key and by right-click menu (any detection tool).

=================  =========================================================================
Delete, Backspace  delete the selected GT object (``edits.delete``)
C or L             relabel the selected GT object: class picker with type-to-search
Alt+1 … Alt+9      relabel the selected GT object to class 1 … 9 directly
A                  accept the selected prediction into GT (``edits.accept_prediction``)
Shift+A            accept it and replace the GT object it overlaps (``replace=True``)
Ctrl+Shift+A       accept every false positive of its class in this image (one ``Macro``)
=================  =========================================================================

Every action is one command through the controller (one history entry).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor

from reviewer.core import edits

from .relabel import ClassPickerPopup

_MODS = (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
         | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)
_NONE, _SHIFT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier
_ALT = Qt.KeyboardModifier.AltModifier
_CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class ObjectActions:
    acts_on_images = False  # its keys act on the canvas's selected object, not in the grid

    def __init__(self, manager):
        self.manager = manager
        self.picker: ClassPickerPopup | None = None
        manager.object_actions = self
        manager.key_handlers.append(self)

    @property
    def ctx(self):
        return self.manager.context

    def selected(self, source: str | None = None):
        """The selected CanvasObject (of ``source`` when given), or None."""
        obj = self.ctx.object(self.manager.selected)
        return obj if obj is not None and source in (None, obj.source) else None

    # --- keys -------------------------------------------------------------------------------
    def _action(self, event):
        """The bound method a key runs on the current selection, or None."""
        key, mods = event.key(), event.modifiers() & _MODS
        if self.selected("gt") is not None:
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and mods == _NONE:
                return self.delete_selected
            if key in (Qt.Key.Key_C, Qt.Key.Key_L) and mods == _NONE:
                return self.open_picker
            if key in _DIGITS and mods == _ALT:
                return lambda: self.relabel_selected(_DIGITS[key] - 1)
        if self.selected("pred") is not None and key == Qt.Key.Key_A:
            if mods == _NONE:
                return self.accept_selected
            if mods == _SHIFT:
                return lambda: self.accept_selected(replace=True)
            if mods == _CTRL_SHIFT:
                return self.accept_all_of_selected_class
        return None

    def wants_key(self, event) -> bool:
        return self.ctx.edits == "objects" and self._action(event) is not None

    def key_press(self, event) -> bool:
        action = self._action(event) if self.ctx.edits == "objects" else None
        if action is None:
            return False
        action()
        return True

    # --- actions ----------------------------------------------------------------------------
    def delete_selected(self) -> None:
        obj = self.selected("gt")
        if obj is not None:
            self.ctx.execute(edits.delete(self.ctx.document, obj.ann_id))

    def relabel_selected(self, category_row: int) -> None:
        obj, doc = self.selected("gt"), self.ctx.document
        if obj is None or not 0 <= category_row < len(doc.base.categories):
            return
        if category_row != obj.class_index:
            category_id = int(doc.base.categories.ids[category_row])
            self.ctx.execute(edits.relabel(doc, obj.ann_id, category_id))

    def open_picker(self) -> ClassPickerPopup | None:
        """The class picker for the selected GT object, at the mouse (or the view's centre)."""
        obj = self.selected("gt")
        if obj is None:
            return None
        names = [str(n) for n in self.ctx.document.base.categories.names]
        view = self.ctx.view
        self.picker = ClassPickerPopup(names, obj.class_index, view)
        key = obj.key
        self.picker.chosen.connect(lambda row: self._on_picker_chosen(key, row))
        pos = QCursor.pos()
        if not view.rect().contains(view.mapFromGlobal(pos)):
            pos = view.mapToGlobal(view.rect().center())
        self.picker.popup_at(pos)
        return self.picker

    def _on_picker_chosen(self, key, row: int) -> None:
        if self.manager.selected != key:
            self.manager.select(key, notify=False)
        self.relabel_selected(row)

    def _pred_row(self, obj) -> int:
        """The row of ``base.pred`` of a shown prediction."""
        doc = self.ctx.document
        row = int(doc.pred_rows(self.ctx.image_row)[obj.row])
        if int(doc.base.pred.ids[row]) != obj.ann_id:
            raise RuntimeError(f"prediction {obj.ann_id} is not row {row} of the predictions")
        return row

    def accept_selected(self, replace: bool = False) -> None:
        obj = self.selected("pred")
        if obj is None:
            return
        if not replace and obj.status == "tp" and not obj.error_type:
            self.ctx.status("This prediction already matches a GT object (Shift+A replaces it)")
            return
        doc = self.ctx.document
        self.ctx.execute(edits.accept_prediction(doc, self._pred_row(obj), replace=replace))

    def accept_all_of_selected_class(self) -> None:
        obj = self.selected("pred")
        if obj is None:
            return
        command = edits.accept_all_of_class(self.ctx.document, self.ctx.image_row,
                                            obj.class_index)
        if command is None:
            self.ctx.status(f"No false-positive {obj.class_name} prediction to accept")
        self.ctx.execute(command)

    # --- context menu -----------------------------------------------------------------------
    def context_menu(self, ev, menu) -> None:
        """Select the object under the mouse and offer the actions that apply to it."""
        if self.ctx.edits != "objects" or self.ctx.document is None:
            return
        obj = self.ctx.scene.object_at(ev.pos)
        if obj is None:
            return
        if obj.key != self.manager.selected:
            self.manager.select(obj.key)
        if obj.source == "gt":
            menu.addAction("Delete", self.delete_selected).setShortcut("Del")
            menu.addAction("Relabel…", self.open_picker).setShortcut("C")
            return
        menu.addAction("Accept", self.accept_selected).setShortcut("A")
        menu.addAction("Accept and Replace", lambda: self.accept_selected(True)) \
            .setShortcut("Shift+A")
        menu.addAction(f"Accept All {obj.class_name} Predictions",
                       self.accept_all_of_selected_class).setShortcut("Ctrl+Shift+A")
